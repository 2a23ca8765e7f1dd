#!/bin/sh
# The whole starter-model pipeline: data -> training -> shortlists -> int8 export -> model folders
# -> agreement check -> evaluation. Reproducible: same seed, same data, same numbers (BLAS
# threading aside).
#
#   tools/train/run.sh [WORK_DIR]        (run in the repository root; needs ../shared/corpus,
#                                         python3 with torch and numpy, and build/tarjama)
#
# Environment: MINUTES (training time limit, default 95), SEED (default 1), THREADS (default all
# cores), SHARED (default ../shared), OUT (model folders, default models).
set -eu
WORK=${1:-work/train}
SHARED=${SHARED:-../shared}
OUT=${OUT:-models}
MINUTES=${MINUTES:-95}
SEED=${SEED:-1}
THREADS=${THREADS:-$(nproc)}
TJ=${TJ:-build/tarjama}
PY=${PYTHON:-python3}
HERE=$(dirname "$0")
VOCAB=$SHARED/corpus/vocab.aren.spm
mkdir -p "$WORK"

[ -f "$WORK/data.pt" ] || $PY "$HERE/prep.py" --corpus "$SHARED/corpus" --tarjama "$TJ" --out "$WORK"
[ -f "$WORK/run/final.pt" ] || $PY "$HERE/train.py" --data "$WORK/data.pt" --out "$WORK/run" \
    --max-minutes "$MINUTES" --lr 7e-4 --warmup 400 --valid-every 250 --seed "$SEED" \
    --threads "$THREADS"
for dir in ar-en en-ar; do
    pair=$(echo $dir | tr -d -)
    [ -f "$WORK/lex.50.50.$pair.s2t.bin" ] ||
        $PY "$HERE/shortlist.py" --data "$WORK/data.pt" --direction $dir \
            --out "$WORK/lex.50.50.$pair.s2t.bin"
done
# One model serves both directions; its alphas come from decoding the dev set both ways.
$PY "$HERE/export.py" --ckpt "$WORK/run/final.pt" --vocab "$VOCAB" --tarjama "$TJ" \
    --calib "$SHARED/corpus/dev.ar" --shortlist "$WORK/lex.50.50.aren.s2t.bin" \
    --calib "$SHARED/corpus/dev.en" --shortlist "$WORK/lex.50.50.enar.s2t.bin" \
    --out "$WORK/model.bin" --alphas-json "$WORK/alphas.json" --threads "$THREADS"
for dir in ar-en en-ar; do
    pair=$(echo $dir | tr -d -)
    mkdir -p "$OUT/$dir"
    cp "$WORK/model.bin" "$OUT/$dir/model.$pair.intgemm.alphas.bin"
    cp "$WORK/lex.50.50.$pair.s2t.bin" "$OUT/$dir/"
    cp "$VOCAB" "$OUT/$dir/vocab.$pair.spm"
    $TJ info -m "$OUT/$dir" > /dev/null
done
"$HERE/evaluate.sh" "$WORK"
