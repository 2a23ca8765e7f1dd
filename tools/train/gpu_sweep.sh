#!/bin/sh
# SPDX-License-Identifier: MIT
# Several training recipes at once on one GPU, then the best model of each direction by its
# validation cross-entropy (pick.py). Written for a GPU lent for a few minutes: every run stops at
# the same time limit, and what comes back is two float16 halves per direction plus the logs.
#
# usage: tools/train/gpu_sweep.sh DATA.pt RUNS_DIR OUT_DIR [MINUTES]
#   DATA.pt from prep.py; the "cont" runs start from the shipped models in models/ (from_bin.py).
# Recipes (docs/training.md, "The sixth stage"):
#   reg     from scratch, dropout 0.3, label smoothing 0.2, source word dropout 0.1, 6000 tokens
#   reg-sm  from scratch, dropout 0.3, label smoothing 0.1, source word dropout 0.2, 4000 tokens
#   cont    from the shipped model, dropout 0.2, word dropout 0.1, a fresh schedule to 2e-4
#   joint   one model for both directions (the source script says which), as reg, 12000 tokens
set -eu
DATA=$1 RUNS=$2 OUT=$3 MIN=${4:-6.8}
T=$(dirname "$0")
PY=${PYTHON:-python3}
mkdir -p "$RUNS" "$OUT"
SPECS=  # RUN:DIRECTIONS for pick.py, starting with the shipped models themselves
for d in ar-en en-ar; do
    x=$(echo $d | tr -d -)
    $PY "$T/from_bin.py" models/$d/model.$x.intgemm.alphas.bin "$RUNS/$d-init.pt"
    SPECS="$SPECS $RUNS/$d-init.pt:$d"
done
run() { # NAME DIRECTIONS TRAIN_ARGS...
    name=$1 dirs=$2
    shift 2
    SPECS="$SPECS $RUNS/$name:$dirs"
    $PY "$T/train.py" --data "$DATA" --out "$RUNS/$name" --directions "$dirs" --bf16 \
        --valid-every 400 --patience 1000 --average 4 --names-per-epoch 15000 --threads 2 \
        --max-minutes "$MIN" "$@" >"$RUNS/$name.out" 2>&1 &
}
scratch="--emb-std 0.0625 --lr 5e-4 --warmup 1000 --dropout 0.3"
for d in ar-en en-ar; do
    run $d-reg $d --seed 11 $scratch --batch-tokens 6000 --label-smoothing 0.2 --word-dropout 0.1
    run $d-reg-sm $d --seed 12 $scratch --batch-tokens 4000 --label-smoothing 0.1 \
        --word-dropout 0.2
    run $d-cont $d --seed 13 --init "$RUNS/$d-init.pt" --lr 2e-4 --warmup 200 \
        --batch-tokens 6000 --dropout 0.2 --word-dropout 0.1
done
run joint-reg ar-en,en-ar --seed 14 $scratch --batch-tokens 12000 --label-smoothing 0.2 \
    --word-dropout 0.1
wait
# shellcheck disable=SC2086 # $SPECS is a list of paths without spaces
$PY "$T/pick.py" --data "$DATA" --out "$OUT" $SPECS | tee "$OUT/pick.txt"
tar czf "$OUT/logs.tgz" "$RUNS"/*/train.log "$RUNS"/*.out
