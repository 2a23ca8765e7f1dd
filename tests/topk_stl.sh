#!/bin/bash
# SPDX-License-Identifier: MIT
# tj_topk_stl (src/decode/topk_stl.c) must select and order exactly as std::partial_sort of
# libstdc++ does (Marian's NthElementCPU), ties included: both run on the same score arrays (many
# exact ties, -inf, sizes 1..40000, k 1..12) and must print the same indices. The oracle is
# libstdc++ itself, compiled here with g++.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v g++ >/dev/null || ! command -v cc >/dev/null; then
    echo "skipped: needs g++ (libstdc++ is the oracle) and cc"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/gen.h" <<'C'
/* Deterministic score arrays with many ties: values from a small set. */
static unsigned rng = 12345;
static unsigned next_rand(void) { rng = rng * 1103515245u + 12345u; return (rng >> 8) & 0xffffff; }
static void fill(float *s, int n, int kinds)
{
    for (int i = 0; i < n; i++) {
        unsigned r = next_rand();
        s[i] = r % 97 == 0 ? -1.0f / 0.0f : -(float)(r % (unsigned)kinds) * 0.25f;
    }
}
C
cat >"$tmp/ref.cc" <<'C'
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>
#include "gen.h"
int main()
{
    int sizes[] = {1, 2, 3, 5, 8, 17, 100, 1000, 16000, 40000};
    for (int n : sizes)
        for (int k = 1; k <= 12; k++)
            for (int kinds : {2, 5, 50}) {
                std::vector<float> s(n);
                fill(s.data(), n, kinds);
                int kk = std::min(k, n);
                std::vector<int> idx(n);
                std::iota(idx.begin(), idx.end(), 0);
                std::partial_sort(idx.begin(), idx.begin() + kk, idx.end(),
                                  [&](int a, int b) { return s[a] > s[b]; });
                for (int i = 0; i < kk; i++) printf("%d ", idx[i]);
                printf("\n");
            }
}
C
cat >"$tmp/ours.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "decode/topk_stl.h"
#include "gen.h"
int main(void)
{
    int sizes[] = {1, 2, 3, 5, 8, 17, 100, 1000, 16000, 40000};
    int kinds_list[] = {2, 5, 50};
    for (int a = 0; a < 10; a++)
        for (int k = 1; k <= 12; k++)
            for (int b = 0; b < 3; b++) {
                int n = sizes[a];
                float *s = malloc(sizeof *s * (size_t)n), hs[12];
                int idx[12];
                fill(s, n, kinds_list[b]);
                size_t got = tj_topk_stl(s, (size_t)n, (size_t)k, hs, idx);
                for (size_t i = 0; i < got; i++) printf("%d ", idx[i]);
                printf("\n");
                free(s);
            }
    return 0;
}
C
g++ -O1 -I"$tmp" -o "$tmp/ref" "$tmp/ref.cc" || exit 1
cc -O1 -std=c11 -I"$tmp" -I"$SRC/src" -o "$tmp/ours" "$tmp/ours.c" "$SRC/src/decode/topk_stl.c" ||
    exit 1
"$tmp/ref" >"$tmp/ref.txt" && "$tmp/ours" >"$tmp/ours.txt" || exit 1
if ! cmp -s "$tmp/ref.txt" "$tmp/ours.txt"; then
    echo "FAIL: tj_topk_stl differs from std::partial_sort:"
    diff "$tmp/ref.txt" "$tmp/ours.txt" | head -5
    exit 1
fi
ties=$(awk '{print}' "$tmp/ref.txt" | wc -l)
echo "tj_topk_stl = libstdc++ std::partial_sort on $ties arrays (ties, -inf, n up to 40000)"
