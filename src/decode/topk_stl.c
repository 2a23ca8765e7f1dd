/* SPDX-License-Identifier: MIT */
#include "decode/topk_stl.h"

/* libstdc++'s heap steps (bits/stl_heap.h) on a heap of flat indices ordered by comp(a, b) =
 * s[a] > s[b], so the root is the weakest kept candidate. */
static void stl_push_heap(int *h, size_t hole, size_t top, int value, const float *s)
{
    size_t parent = (hole - 1) / 2;
    while (hole > top && s[h[parent]] > s[value]) {
        h[hole] = h[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    h[hole] = value;
}

static void stl_adjust_heap(int *h, size_t hole, size_t len, int value, const float *s)
{
    size_t top = hole, child = hole;
    while (len > 2 && child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (s[h[child]] > s[h[child - 1]]) child--;
        h[hole] = h[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        h[hole] = h[child - 1];
        hole = child - 1;
    }
    stl_push_heap(h, hole, top, value, s);
}

size_t tj_topk_stl(const float *scores, size_t n, size_t k, float *hs, int *idx)
{
    if (k > n) k = n;
    if (k == 0) return 0;
    for (size_t i = 0; i < k; i++) idx[i] = (int)i;
    if (k >= 2) /* __make_heap */
        for (size_t parent = (k - 2) / 2;; parent--) {
            stl_adjust_heap(idx, parent, k, idx[parent], scores);
            if (parent == 0) break;
        }
    for (size_t i = k; i < n; i++) /* __heap_select */
        if (scores[i] > scores[idx[0]]) stl_adjust_heap(idx, 0, k, (int)i, scores);
    for (size_t last = k; last > 1;) { /* __sort_heap */
        --last;
        int value = idx[last];
        idx[last] = idx[0];
        stl_adjust_heap(idx, 0, last, value, scores);
    }
    for (size_t i = 0; i < k; i++) hs[i] = scores[idx[i]];
    return k;
}
