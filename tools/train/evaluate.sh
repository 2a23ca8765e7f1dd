#!/bin/sh
# SPDX-License-Identifier: MIT
# Agreement of the exported int8 model (tarjama) with the training framework's own greedy
# decoding on FLORES devtest (PyTorch in float32 as trained, and PyTorch running the exported int8
# weights with tarjama's arithmetic, tools/train/exact.py: that one must agree line for line),
# then BLEU/chrF of the shipped models on FLORES-200 devtest, TICO-19 test and Tatoeba test, both
# directions.
#
#   tools/train/evaluate.sh WORK_DIR     (after run.sh; writes WORK_DIR/eval/ and prints a table)
set -eu
WORK=$1
SHARED=${SHARED:-../shared}
OUT=${OUT:-models}
TJ=${TJ:-build/tarjama}
PY=${PYTHON:-python3}
HERE=$(dirname "$0")
E=$WORK/eval
mkdir -p "$E"
VOCAB=$SHARED/corpus/vocab.aren.spm

agree() { # file1 file2 -> "identical/total"
    paste -d '\t' "$1" "$2" | awk -F '\t' '$1 == $2 { n++ } END { printf "%d/%d", n, NR }'
}

# The two directions decode in parallel (one core each).
torch_decode() { # DIR: PyTorch greedy, float and with the exported int8 weights
    dir=$1; s=${dir%-*}; t=${dir#*-}; pair=$s$t
    src=$SHARED/eval/flores200-devtest.$s
    lex=$(ls "$OUT/$dir"/lex.*.$pair.s2t.bin)
    if [ ! -f "$E/flores.$dir.torch-float" ]; then
        $PY "$HERE/decode.py" --ckpt "$WORK/$dir/final.pt" --vocab "$VOCAB" --tarjama "$TJ" \
            --shortlist "$lex" < "$src" > "$E/flores.$dir.torch-float.tmp"
        mv "$E/flores.$dir.torch-float.tmp" "$E/flores.$dir.torch-float"
    fi
    if [ ! -f "$E/flores.$dir.torch-int8" ]; then
        $PY "$HERE/decode.py" --ckpt "$WORK/$dir/final.pt" --vocab "$VOCAB" --tarjama "$TJ" \
            --shortlist "$lex" \
            --int8 "$OUT/$dir/model.$pair.intgemm.alphas.bin" < "$src" > "$E/flores.$dir.torch-int8.tmp"
        mv "$E/flores.$dir.torch-int8.tmp" "$E/flores.$dir.torch-int8"
    fi
}
torch_decode ar-en & torch_decode en-ar & wait
for dir in ar-en en-ar; do
    s=${dir%-*}
    $TJ translate -m "$OUT/$dir" --split line "$SHARED/eval/flores200-devtest.$s" > "$E/flores.$dir.tarjama"
    for f in torch-float torch-int8; do
        [ -f "$E/flores.$dir.$f" ] || { echo "evaluate: $E/flores.$dir.$f missing" >&2; exit 1; }
    done
    echo "agreement $dir flores devtest: tarjama int8 vs PyTorch float greedy" \
        "$(agree "$E/flores.$dir.tarjama" "$E/flores.$dir.torch-float")," \
        "vs PyTorch running the export $(agree "$E/flores.$dir.tarjama" "$E/flores.$dir.torch-int8")"
    # PyTorch running the export computes what tarjama computes (exact.py): any differing line is
    # a bug in the export, in tarjama or in exact.py, so the evaluation stops there.
    if ! cmp -s "$E/flores.$dir.tarjama" "$E/flores.$dir.torch-int8"; then
        echo "evaluate: $dir: tarjama and PyTorch running the export differ:" >&2
        diff "$E/flores.$dir.tarjama" "$E/flores.$dir.torch-int8" | head -4 >&2
        exit 1
    fi
done

printf '%-8s %-16s %8s %8s\n' pair testset BLEU chrF
for dir in ar-en en-ar; do
    s=${dir%-*}; t=${dir#*-}
    for set in flores200-devtest tico19-test tatoeba-test-v2021-08-07; do
        hyp=$E/$set.$dir
        $TJ translate -m "$OUT/$dir" --split line "$SHARED/eval/$set.$s" > "$hyp"
        bleu=$($TJ eval --metrics bleu --score-only --ref "$SHARED/eval/$set.$t" "$hyp")
        chrf=$($TJ eval --metrics chrf --score-only --ref "$SHARED/eval/$set.$t" "$hyp")
        printf '%-8s %-16s %8s %8s\n' "$dir" "${set%%-v2021*}" "$bleu" "$chrf"
    done
done
