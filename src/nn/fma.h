/* SPDX-License-Identifier: MIT */
/* Two builds of float code written with explicit fmaf() calls, chosen at run time. */
#ifndef TJ_NN_FMA_H
#define TJ_NN_FMA_H

/* Parity with Marian needs its fused multiply-adds, written as fmaf(). On a baseline x86-64
 * build fmaf is a libm call; with FMA instructions it is one instruction with the same rounding.
 * TJ_FMA_DISPATCH(name, params, args) defines the external function `void name params` from a
 * static always-inline `name##_body`: the body is compiled twice, once for the baseline and once
 * with target("fma") (where GCC and clang both turn fmaf into vfmadd), and a CPU check picks one
 * per call. Results never depend on the CPU, only the speed does. Unlike target_clones (ifunc),
 * this links with clang 14 as well as GCC, and needs no global state of ours: the CPU check reads
 * the compiler runtime's CPU model. Put it on loops over rows, not on per-element helpers. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TJ_FMA_TARGET __attribute__((target("fma")))
static inline int tj_cpu_has_fma(void)
{
    return __builtin_cpu_supports("fma");
}
#define TJ_FMA_DISPATCH(name, params, args)                                                        \
    TJ_FMA_TARGET static void name##_fma params                                                    \
    {                                                                                              \
        name##_body args;                                                                          \
    }                                                                                              \
    static void name##_base params                                                                 \
    {                                                                                              \
        name##_body args;                                                                          \
    }                                                                                              \
    void name params                                                                               \
    {                                                                                              \
        if (tj_cpu_has_fma())                                                                      \
            name##_fma args;                                                                       \
        else                                                                                       \
            name##_base args;                                                                      \
    }
#else
#define TJ_FMA_TARGET
static inline int tj_cpu_has_fma(void)
{
    return 0;
}
#define TJ_FMA_DISPATCH(name, params, args)                                                        \
    void name params                                                                               \
    {                                                                                              \
        name##_body args;                                                                          \
    }
#endif
#define TJ_INLINE static inline __attribute__((always_inline))

#endif
