#!/bin/sh
# SPDX-License-Identifier: MIT
# Starter models v2 (docs/training.md, "v2"): the v2 mix -> training of each direction (a long
# CPU run, or nothing when WORK/DIR/final.pt is already there, e.g. from a GPU lease) ->
# shortlists -> int8 export -> model folders in work/v2/models (never models/) -> agreement
# check (exact.py must agree on every line) -> v1 against v2 on FLORES, TICO-19 and Tatoeba with
# the shipping rule (compare.sh). Each step skips itself when its output exists.
#
#   tools/train/run_v2.sh [WORK_DIR]     (repository root; needs python3 with torch and numpy,
#                                         build/tarjama and ../shared with corpus/extra)
#
# After a GPU lease (gpu_v2.sh): put each direction's model in place, then run this script:
#   python3 tools/train/pick.py --join work/v2/ar-en/final.pt OUT/ar-en.part1.pt OUT/ar-en.part2.pt
#   python3 tools/train/pick.py --join work/v2/en-ar/final.pt OUT/en-ar.part1.pt OUT/en-ar.part2.pt
# Environment: MINUTES (CPU training time of each direction, default 600; both at once, one
# thread each), INIT (v1: continue from the shipped models, the default; scratch: from random
# weights, with EMB_STD), SEED (default 1), LEX_BEST (default 200), THREADS (export and
# evaluation), SHARED (default ../shared), OUT (default work/v2/models), BF16 (as run.sh).
set -eu
WORK=${1:-work/v2}
SHARED=${SHARED:-../shared}
OUT=${OUT:-$WORK/models}
MINUTES=${MINUTES:-600}
INIT=${INIT:-v1}
HERE=$(dirname "$0")
. "$HERE/common.sh"
[ -f "$WORK/data.pt" ] || $PY "$HERE/prep_v2.py" --shared "$SHARED" --tarjama "$TJ" \
    --vocab "$VOCAB" --out "$WORK" | tee "$WORK/prep.txt"
# The CPU recipe is v1's (run.sh): small batches give more updates for the compute, peak 3e-4;
# from the v1 weights a short warm-up suffices (the v1 GPU stages used 200-500).
for dir in ar-en en-ar; do
    [ -f "$WORK/$dir/final.pt" ] && continue
    pair=$(echo $dir | tr -d -)
    if [ "$INIT" = v1 ]; then
        [ -f "$WORK/$dir-v1.pt" ] || $PY "$HERE/from_bin.py" \
            "models/$dir/model.$pair.intgemm.alphas.bin" "$WORK/$dir-v1.pt"
        start="--init $WORK/$dir-v1.pt --warmup 400"
    else
        start="--emb-std 0.0625 --warmup 800"
    fi
    # shellcheck disable=SC2086 # $start and $BF16_FLAG are lists of options
    $PY "$HERE/train.py" --data "$WORK/data.pt" --out "$WORK/$dir" --directions $dir $start \
        --lr 3e-4 --batch-tokens 1500 --valid-every 200 --patience 100 --average 4 \
        --label-smoothing 0.1 --dropout 0.1 --threads 1 --seed "$SEED" \
        --max-minutes "$MINUTES" $BF16_FLAG &
done
wait
for dir in ar-en en-ar; do
    [ -f "$WORK/$dir/final.pt" ] || { echo "run_v2.sh: training $dir failed" >&2; exit 1; }
done
# Shortlists from the v2 training pairs; calibration of the alphas on the news dev set (held out
# from PUD and XQuAD by prep_v2.py) in the direction of the model.
package_models "$WORK/data.pt" "$WORK/dev"
OUT=$OUT "$HERE/evaluate.sh" "$WORK"
"$HERE/compare.sh" models "$OUT" "$WORK"
