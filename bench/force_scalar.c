/* SPDX-License-Identifier: MIT */
/* Linked ahead of libtarjama.a (with --allow-multiple-definition) to build
 * build-bench/tarjama-scalar: the engine has no switch for its int8 kernel, and tj_gemm_i8 asks
 * this function which one to use, through a relocation the linker resolves to the first definition
 * it meets. Benchmark use only: it relies on the library being compiled as position-independent
 * code (CMake does so), which keeps the call from being inlined. */
#include "nn/gemm_i8.h"

int tj_cpu_has_avx2(void)
{
    return 0;
}
