#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole starter-model pipeline: data -> training of each direction -> shortlists -> int8
# export -> model folders -> agreement check -> evaluation. Reproducible: same seed, same data,
# same numbers (BLAS threading aside).
#
#   tools/train/run.sh [WORK_DIR]        (run in the repository root; needs ../shared/corpus,
#                                         python3 with torch and numpy, and build/tarjama)
#
# Environment: MINUTES (training time of each direction, default 95; both directions train at
# once, one thread each), MAX_STEPS (stop the first stage at this update instead), MORE_MINUTES
# (default 0: a second stage of that many minutes continuing from the first stage's last
# checkpoint with SEED2, default 2), LATER_STEPS (default empty: a list of update counts, one
# more stage for each, each from the last checkpoint of the stage before; stage n has seed n;
# the shipped models: MAX_STEPS=2600 MORE_MINUTES=85 LATER_STEPS=2800, see docs/training.md),
# SEED (default 1), THREADS (export and evaluation, default all cores), LEX_BEST (target pieces
# kept per source piece in the shortlist, default 200: lex.50.200.XXYY.s2t.bin; docs/training.md),
# SHARED (default ../shared), OUT (model folders, default models), BF16 (1: bfloat16 autocast,
# default 1 where the CPU has AVX-512 BF16). With a CUDA GPU visible to PyTorch, training runs there.
set -eu
WORK=${1:-work/train}
SHARED=${SHARED:-../shared}
OUT=${OUT:-models}
MINUTES=${MINUTES:-95}
MAX_STEPS=${MAX_STEPS:-1000000000}
MORE_MINUTES=${MORE_MINUTES:-0}
SEED2=${SEED2:-2}
LATER_STEPS=${LATER_STEPS:-}
HERE=$(dirname "$0")
. "$HERE/common.sh"
# The recipe both training stages share (one thread each: the two directions train at once).
RECIPE="--lr 3e-4 --warmup 800 --batch-tokens 1500 --valid-every 200 --patience 100 --average 4
    --names-per-epoch 15000 --threads 1 $BF16_FLAG"

[ -f "$WORK/data.pt" ] || $PY "$HERE/prep.py" --corpus "$SHARED/corpus" --tarjama "$TJ" --out "$WORK"
# 1-2. One model per direction, both at once. Small batches (more updates for the compute), a
#    peak learning rate of 3e-4 and embeddings initialised N(0, 1/sqrt(d)): with 7e-4, 3000-token
#    batches and Glorot embeddings the encoder collapsed (every position the same vector; the
#    validation loss identical with shuffled sources). train.py logs that "source gain".
for dir in ar-en en-ar; do
    [ -f "$WORK/$dir/final.pt" ] || $PY "$HERE/train.py" --data "$WORK/data.pt" \
        --out "$WORK/$dir" --directions $dir --max-minutes "$MINUTES" --max-steps "$MAX_STEPS" \
        --emb-std 0.0625 --seed "$SEED" $RECIPE &
done
wait
for dir in ar-en en-ar; do
    [ -f "$WORK/$dir/final.pt" ] || { echo "run.sh: training $dir failed" >&2; exit 1; }
done
# 2b. Optional later stages, each from the last checkpoint of the stage before; the learning-rate
#    schedule goes on where the earlier stages stopped (--step-offset: the sum of their updates).
#    A stage's final model replaces the one before.
#      continue_stage NAME SUB SEED "LIMITS" PREV_SUB...   (PREV_SUB: the earlier stages' folders
#                                                           under $WORK/DIR, in order)
continue_stage() {
    name=$1 sub=$2 seed=$3 limits=$4
    shift 4
    for dir in ar-en en-ar; do
        [ -f "$WORK/$dir/$sub/final.pt" ] && continue
        step=0
        for prev in "$@"; do
            last=$(ls "$WORK/$dir/$prev"/ckpt-*.pt | tail -n 1)
            step=$((step + $(basename "$last" .pt | sed 's/^ckpt-0*//')))
        done
        $PY "$HERE/train.py" --data "$WORK/data.pt" --out "$WORK/$dir/$sub" --directions $dir \
            --init "$last" --step-offset "$step" --seed "$seed" $limits $RECIPE &
    done
    wait
    for dir in ar-en en-ar; do
        [ -f "$WORK/$dir/$sub/final.pt" ] || { echo "run.sh: $name of $dir failed" >&2; exit 1; }
        cp "$WORK/$dir/$sub/final.pt" "$WORK/$dir/final.pt"
    done
}
if [ "$MORE_MINUTES" != 0 ]; then
    continue_stage "second stage" more "$SEED2" "--max-minutes $MORE_MINUTES" .
    stages=". more" n=3
    for steps in $LATER_STEPS; do
        # shellcheck disable=SC2086 # $stages is the list of the earlier stages' folders
        continue_stage "stage $n" stage$n $n "--max-steps $steps --max-minutes 100000" $stages
        stages="$stages stage$n" n=$((n + 1))
    done
fi
# 3. Shortlists, export (alphas from decoding the dev set in that direction), model folders.
package_models "$WORK/data.pt" "$SHARED/corpus/dev"
"$HERE/evaluate.sh" "$WORK"
