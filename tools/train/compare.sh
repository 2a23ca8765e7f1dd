#!/bin/sh
# SPDX-License-Identifier: MIT
# Two sets of model folders side by side: BLEU and chrF from `tarjama eval` on FLORES-200 devtest,
# TICO-19 test and Tatoeba test, both directions, then the shipping rule of issue 21: the new
# models replace models/ only if BOTH directions score a higher chrF than the old on FLORES
# devtest AND on TICO-19 (Tatoeba is reported, not required: v1 learnt from Tatoeba's style).
#
#   tools/train/compare.sh OLD_DIR NEW_DIR [WORK]   (each DIR holds ar-en/ and en-ar/; default
#                                                     models and work/v2/models; WORK/compare/)
# Exit status 0 when the new models may ship, 1 when not, 2 on error.
set -eu
OLD=${1:-models}
OLD=${1:-models}
NEW=${2:-work/v2/models}
W=${3:-work/v2}/compare
SHARED=${SHARED:-../shared}
TJ=${TJ:-build/tarjama}
SETS=${SETS:-flores200-devtest tico19-test tatoeba-test-v2021-08-07}
mkdir -p "$W"
score() { # MODEL_DIR DIR SET WHICH -> "BLEU chrF" (the translation is kept and reused)
    s=${2%-*} t=${2#*-}
    hyp=$W/$3.$2.$4
    [ -s "$hyp" ] || "$TJ" translate -m "$1/$2" --split line "$SHARED/eval/$3.$s" >"$hyp"
    echo "$("$TJ" eval --metrics bleu --score-only --ref "$SHARED/eval/$3.$t" "$hyp")" \
        "$("$TJ" eval --metrics chrf --score-only --ref "$SHARED/eval/$3.$t" "$hyp")"
}
ship=1
printf '%-6s %-18s %13s %13s %7s\n' pair testset "old BLEU/chrF" "new BLEU/chrF" "Δ chrF"
for dir in ar-en en-ar; do
    for set in $SETS; do
        read -r b_old c_old <<EOF
$(score "$OLD" $dir "$set" old)
EOF
        read -r b_new c_new <<EOF
$(score "$NEW" $dir "$set" new)
EOF
        delta=$(awk -v a="$c_old" -v b="$c_new" 'BEGIN { printf "%+.1f", b - a }')
        printf '%-6s %-18s %6s/%-6s %6s/%-6s %7s\n' "$dir" "${set%%-v2021*}" "$b_old" "$c_old" \
            "$b_new" "$c_new" "$delta"
        case $set in
        flores200-devtest | tico19-test)
            awk -v a="$c_old" -v b="$c_new" 'BEGIN { exit !(b > a) }' || ship=0 ;;
        esac
    done
done
if [ $ship = 1 ]; then
    echo "verdict: the new models beat the old on FLORES devtest and TICO-19 both ways: may ship"
    exit 0
fi
echo "verdict: not better on FLORES devtest and TICO-19 in both directions: keep $OLD"
exit 1
