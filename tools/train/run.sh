#!/bin/sh
# The whole starter-model pipeline: data -> joint training -> per-direction fine-tuning ->
# shortlists -> int8 export -> model folders -> agreement check -> evaluation. Reproducible: same
# seed, same data, same numbers (BLAS threading aside).
#
#   tools/train/run.sh [WORK_DIR]        (run in the repository root; needs ../shared/corpus,
#                                         python3 with torch and numpy, and build/tarjama)
#
# Environment: MINUTES (joint training time limit, default 95), FT_MINUTES (fine-tuning of each
# direction, default 24; both run at once, one thread each), SEED (default 1), THREADS (default
# all cores), SHARED (default ../shared), OUT (model folders, default models). With a CUDA GPU
# visible to PyTorch, training runs there.
set -eu
WORK=${1:-work/train}
SHARED=${SHARED:-../shared}
OUT=${OUT:-models}
MINUTES=${MINUTES:-95}
FT_MINUTES=${FT_MINUTES:-24}
SEED=${SEED:-1}
THREADS=${THREADS:-$(nproc)}
TJ=${TJ:-build/tarjama}
PY=${PYTHON:-python3}
HERE=$(dirname "$0")
VOCAB=$SHARED/corpus/vocab.aren.spm
mkdir -p "$WORK"

[ -f "$WORK/data.pt" ] || $PY "$HERE/prep.py" --corpus "$SHARED/corpus" --tarjama "$TJ" --out "$WORK"
# 1. One model for both directions.
[ -f "$WORK/run/final.pt" ] || $PY "$HERE/train.py" --data "$WORK/data.pt" --out "$WORK/run" \
    --max-minutes "$MINUTES" --lr 7e-4 --warmup 400 --valid-every 250 --seed "$SEED" \
    --threads "$THREADS"
# 2. Each direction fine-tuned from it (the joint model alone had not yet learnt to pick the
#    output language from the source), both at once.
for dir in ar-en en-ar; do
    [ -f "$WORK/ft-$dir/final.pt" ] || $PY "$HERE/train.py" --data "$WORK/data.pt" \
        --out "$WORK/ft-$dir" --init "$WORK/run/final.pt" --directions $dir \
        --max-minutes "$FT_MINUTES" --lr 3e-4 --warmup 100 --valid-every 100 --average 3 \
        --names-per-epoch 7500 --threads 1 --seed $((SEED + 1)) &
done
wait
for dir in ar-en en-ar; do
    [ -f "$WORK/ft-$dir/final.pt" ] || { echo "run.sh: fine-tuning $dir failed" >&2; exit 1; }
done
# 3. Shortlists, export (alphas from decoding the dev set in that direction), model folders.
for dir in ar-en en-ar; do
    s=${dir%-*}; pair=$(echo $dir | tr -d -)
    lex=$WORK/lex.50.50.$pair.s2t.bin
    [ -f "$lex" ] || $PY "$HERE/shortlist.py" --data "$WORK/data.pt" --direction $dir --out "$lex"
    $PY "$HERE/export.py" --ckpt "$WORK/ft-$dir/final.pt" --vocab "$VOCAB" --tarjama "$TJ" \
        --calib "$SHARED/corpus/dev.$s" --shortlist "$lex" \
        --out "$WORK/model.$pair.bin" --alphas-json "$WORK/alphas.$pair.json" --threads "$THREADS"
    mkdir -p "$OUT/$dir"
    cp "$WORK/model.$pair.bin" "$OUT/$dir/model.$pair.intgemm.alphas.bin"
    cp "$lex" "$OUT/$dir/"
    cp "$VOCAB" "$OUT/$dir/vocab.$pair.spm"
    $TJ info -m "$OUT/$dir" > /dev/null
done
"$HERE/evaluate.sh" "$WORK"
