/* SPDX-License-Identifier: MIT */
/* Linked ahead of libtarjama.a (with --allow-multiple-definition) to build
 * build-bench/tarjama-noamx: the engine as it runs on an AVX-512 CPU without Intel AMX (the packed
 * product keeps its VNNI and AVX-512BW kernels; results are the same bits). Works like
 * force_avx2.c: the kernels ask tj_cpu_has_amx, defined in another translation unit, through a
 * relocation the linker resolves to the first definition it meets. Benchmark use only. */
#include "nn/gemm_i8.h"

int tj_cpu_has_amx(void)
{
    return 0;
}
