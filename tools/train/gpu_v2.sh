#!/bin/sh
# SPDX-License-Identifier: MIT
# Starter models v2 on a GPU lent for 15 minutes (docs/training.md, "v2"): each direction
# continues from its v1 model (models/, de-quantised by from_bin.py) on the v2 mix of
# prep_v2.py, plus one ablation run, all at once; then pick.py scores every run and the v1 models
# on the news dev set and sends back the best of each direction as two float16 halves (files of at
# most 16 MB come back) with the logs. Export and evaluation happen afterwards on any machine
# (run_v2.sh).
#
# usage: tools/train/gpu_v2.sh DATA.pt RUNS_DIR OUT_DIR [MINUTES]
#   DATA.pt from prep_v2.py with the v1 vocabulary (the warm start needs the same pieces).
# Environment: ABLATION (default nodialect): the third run, one of
#   nodialect  ar-en without the Egyptian/Moroccan sources (do they help or hurt MSA news?)
#   newsx8     en-ar with the news-like sources seen twice as often (ud_pud 8, xquad 6, udhr 6)
#   none       no third run
# Recipe (from the v1 leases: 12 000-token batches move more tokens a second than 6 000, a peak
# over 5e-4 collapsed en-ar, 2-3 runs at once keep the GPU busy without starving each other):
# peak 3e-4 after 400 updates, label smoothing 0.1, dropout 0.1 (23 times more text than v1, less
# regularisation needed than the 0.2 of v1's "cont"), validation every 300 updates with the source
# gain, final model the average of the 4 best checkpoints, bfloat16 autocast.
set -eu
DATA=$1 RUNS=$2 OUT=$3 MIN=${4:-6.5}
ABLATION=${ABLATION:-nodialect}
T=$(dirname "$0")
PY=${PYTHON:-python3}
mkdir -p "$RUNS" "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | tee "$OUT/gpu.txt" || true
SPECS=
for d in ar-en en-ar; do
    x=$(echo $d | tr -d -)
    $PY "$T/from_bin.py" "models/$d/model.$x.intgemm.alphas.bin" "$RUNS/$d-v1.pt"
    SPECS="$SPECS $RUNS/$d-v1.pt:$d"
done
run() { # NAME DIRECTION TRAIN_ARGS...
    name=$1 dir=$2
    shift 2
    SPECS="$SPECS $RUNS/$name:$dir"
    $PY "$T/train.py" --data "$DATA" --out "$RUNS/$name" --directions "$dir" \
        --init "$RUNS/$dir-v1.pt" --lr 3e-4 --warmup 400 --batch-tokens 12000 --dropout 0.1 \
        --label-smoothing 0.1 --valid-every 300 --patience 1000 --average 4 --threads 4 --bf16 \
        --max-minutes "$MIN" "$@" >"$RUNS/$name.out" 2>&1 &
}
run ar-en ar-en --seed 31
run en-ar en-ar --seed 32
case $ABLATION in
nodialect) run ar-en-nodialect ar-en --seed 31 \
    --mix-set oldi_seed_arz=0,oldi_seed_ary=0,gatitos_ar_dialects=0 ;;
newsx8) run en-ar-newsx8 en-ar --seed 32 --mix-set ud_pud=8,xquad=6,udhr=6 ;;
none) ;;
*) echo "gpu_v2.sh: unknown ABLATION $ABLATION" >&2; exit 2 ;;
esac
wait
# shellcheck disable=SC2086 # $SPECS is a list of paths without spaces
$PY "$T/pick.py" --data "$DATA" --out "$OUT" $SPECS | tee "$OUT/pick.txt"
grep -h 'valid\|final' "$RUNS"/*/train.log > "$OUT/curves.txt" || true
tar czf "$OUT/logs.tgz" "$RUNS"/*/train.log "$RUNS"/*.out
