/* SPDX-License-Identifier: MIT */
/* Linked ahead of libtarjama.a (with --allow-multiple-definition) to build
 * build-bench/tarjama-avx2: the engine as it runs on a CPU with AVX2 but no AVX-512, on this
 * machine (the int8 product falls back from the AVX-512BW kernel to the AVX2 one; results are the
 * same bits). Works like force_scalar.c: tj_gemm_i8 asks tj_cpu_has_avx512bw, defined in another
 * translation unit, through a relocation the linker resolves to the first definition it meets.
 * Benchmark use only. */
#include "nn/gemm_i8.h"

int tj_cpu_has_avx512bw(void)
{
    return 0;
}
