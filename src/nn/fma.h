/* SPDX-License-Identifier: MIT */
/* Two builds of float code written with explicit fmaf() calls. */
#ifndef TJ_NN_FMA_H
#define TJ_NN_FMA_H

/* Parity with Marian needs its fused multiply-adds, written as fmaf(). On a baseline x86-64
 * build fmaf is a libm call; with FMA instructions it is one instruction with the same rounding.
 * TJ_FMA_CLONES gives a function both builds and lets the loader pick (GNU ifunc), so results
 * never depend on the CPU, only the speed does. Put it on loops, not on tiny helpers: helpers
 * written as static inline are inlined into each build. clang 14 does not export a
 * target_clones function to other translation units (callers fail to link), so clang builds use
 * the single default build: the same results through libm's fmaf, only slower. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define TJ_FMA_CLONES __attribute__((target_clones("default", "fma")))
#endif
#endif
#ifndef TJ_FMA_CLONES
#define TJ_FMA_CLONES
#endif

#endif
