/* SPDX-License-Identifier: MIT */
#ifndef TJ_DECODE_TOPK_STL_H
#define TJ_DECODE_TOPK_STL_H

#include <stddef.h>

/* Beam selection as Marian's NthElementCPU does it: std::partial_sort of the flat indices
 * 0..n-1 by score descending (libstdc++'s heap select, then sort_heap), so exact ties come out in
 * the order that algorithm leaves them, not by index. Writes the k best (best first) to idx and
 * their scores to hs; returns min(k, n). */
size_t tj_topk_stl(const float *scores, size_t n, size_t k, float *hs, int *idx);

#endif
