#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tools/train/exact.py computes what tarjama computes: PyTorch decoding a real Marian int8 model
# (the tiny-aren fixture, made by marian-conv) with decode.py --int8 must give tarjama's output on
# every line. This is what makes the starter models' agreement check (tools/train/evaluate.sh)
# meaningful: a differing line is a bug in the export, in tarjama or in exact.py.
# Needs python3 with torch and numpy, and ../shared; skips without them.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TJ_BIN:-$root/build/tarjama}
shared=${TJ_SHARED:-$root/../shared}
fx=$shared/fixtures/tiny-aren
if [ ! -x "$bin" ]; then echo "skipped: tarjama binary not found at $bin"; exit 77; fi
if [ ! -d "$fx" ]; then echo "skipped: $fx not found (../shared is not beside the repository)"; exit 77; fi
. "$root/tests/tools/python.sh"
find_python "torch, numpy"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_exact.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The first 100 lines, plus three (267, 296, 447) whose output depends on summing the attention
# products in OpenBLAS's order (src/nn/sgemm_order.c) rather than in one chain.
sed -n '1,100p;267p;296p;447p' "$fx/src/tico19-test-500.ar" > "$tmp/src"
"$bin" translate -m "$fx/model" --split line --threads 1 "$tmp/src" > "$tmp/tarjama" || {
    echo "FAIL: tarjama translate"; exit 1; }
$PY "$root/tools/train/decode.py" --ckpt "$fx/float/model.aren.npz" --vocab "$fx/model/vocab.aren.spm" \
    --tarjama "$bin" --shortlist "$fx/model/lex.50.50.aren.s2t.bin" \
    --int8 "$fx/model/model.aren.intgemm.alphas.bin" < "$tmp/src" > "$tmp/torch" 2> "$tmp/err" || {
    echo "FAIL: decode.py: $(tail -1 "$tmp/err")"; exit 1; }
n=$(wc -l < "$tmp/src")
same=$(paste -d '\t' "$tmp/tarjama" "$tmp/torch" | awk -F'\t' '$1 == $2 { n++ } END { print n + 0 }')
echo "exact.py vs tarjama, tiny-aren int8, $n TICO-19 lines: $same/$n identical"
if [ "$same" != "$n" ] || [ "$(wc -l < "$tmp/torch")" != "$n" ]; then
    diff "$tmp/tarjama" "$tmp/torch" | head -6
    echo "FAIL: PyTorch with tarjama's arithmetic differs from tarjama"
    exit 1
fi
echo "train_exact: all checks passed"
