#!/bin/bash
# SPDX-License-Identifier: MIT
# Parity with the reference runtime (browsermt marian-decoder, see ../shared/fixtures/README.md):
# runs every case of ../shared/fixtures/*/cases.tsv and cases-float.tsv through `tarjama translate`
# and compares line by line with the reference output. Prints identical/total per case.
#
# Every case must be identical on every line (the goal, reached on 2026-12-04; see
# docs/parity.md). A differing line fails the test and is named, with the first characters of both
# versions; build/parity_margins explains such a line by the score gap where it parts.
set -u
BIN=${TJ_BIN:-build/tarjama}
SHARED=${TJ_SHARED:-../shared}
FIX="$SHARED/fixtures"
if [ ! -d "$FIX" ]; then
    echo "skipped: ../shared not found (fixture parity needs the reference fixtures)"
    exit 77
fi
fail=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# cases.tsv: the int8 models; cases-float.tsv: the float .npz models they were quantised from;
# cases-transformer.tsv: float transformers with a self-attention decoder (OPUS-MT architecture).
for cases in "$FIX"/*/cases.tsv "$FIX"/*/cases-float.tsv "$FIX"/*/cases-transformer.tsv; do
    [ -f "$cases" ] || continue
    dir=$(dirname "$cases")/
    fx=$(basename "$dir")
    while IFS=$'\t' read -r name model src ref args; do
        [ -n "$name" ] && [ "${name:0:1}" != "#" ] || continue
        # shellcheck disable=SC2086 # the options column is a word list
        if ! "$BIN" translate -m "$dir/$model" $args <"$dir/$src" >"$tmp"; then
            echo "FAIL $fx/$name: tarjama exited non-zero"
            fail=$((fail + 1))
            continue
        fi
        total=$(wc -l <"$dir/$ref")
        got=$(wc -l <"$tmp")
        same=$(awk 'NR==FNR{a[FNR]=$0; next} (FNR in a) && a[FNR]==$0{c++} END{print c+0}' "$tmp" "$dir/$ref")
        pct=$(awk -v s="$same" -v t="$total" 'BEGIN{printf "%.2f", 100*s/t}')
        status=ok
        if [ "$same" -ne "$total" ] || [ "$got" -ne "$total" ]; then
            status=FAIL
            fail=$((fail + 1))
        fi
        printf '%-10s %-20s %5d/%-5d %6s%%  %s  (%s)\n' "$fx" "$name" "$same" "$total" "$pct" "$status" "$args"
        if [ "$status" = FAIL ]; then
            awk 'NR==FNR{a[FNR]=$0; next} a[FNR]!=$0{printf "    line %d\n      ours: %.70s\n      ref:  %.70s\n", FNR, a[FNR], $0; if (++k == 3) exit}' \
                "$tmp" "$dir/$ref"
        fi
        n=$((n + 1))
    done <"$cases"
done
echo "fixture parity: $n cases, $fail not identical"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
