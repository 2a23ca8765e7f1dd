#!/bin/bash
# Parity with the reference runtime (browsermt marian-decoder, see ../shared/fixtures/README.md):
# runs every case of ../shared/fixtures/*/cases.tsv and cases-float.tsv through `tarjama translate`
# and compares line by line with the reference output. Prints identical/total per case.
#
# The goal is 100% (at least 99.5%); today's figures are below that on some cases (see
# docs/parity.md), so this test guards against regressions: it fails when a case drops below the
# floor in FLOORS (percent of identical lines), and reports every case either way.
#
# For greedy cases it also explains the lines that differ (build/parity_margins, docs/parity.md):
# every such line must part from the reference at a near-tie, a logit gap below MAX_GAP between
# the token we chose and the best token that continues the reference text. A differing line with
# a larger gap, or one no token explains, is a bug, not a float tie, and fails the test.
set -u
BIN=${TJ_BIN:-build/tarjama}
SHARED=${TJ_SHARED:-../shared}
FIX="$SHARED/fixtures"
MARGINS=${TJ_BUILD:-build}/parity_margins
MAX_GAP=0.1
if [ ! -d "$FIX" ]; then
    echo "skipped: ../shared not found (fixture parity needs the reference fixtures)"
    exit 77
fi
# Floors: greedy with shortlist, greedy without shortlist, beam 4, float; just under the figures of
# 2026-11-25 (lowest: 98.81%, 98.80%, 97.73%, 100%).
floor_for() {
    case "$1" in
    greedy-*) echo 98.5 ;;
    noshortlist-*) echo 98.5 ;;
    beam4-*) echo 97.5 ;;
    float-*) echo 100 ;;
    *) echo 99.5 ;;
    esac
}
fail=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# cases.tsv: the int8 models; cases-float.tsv: the float .npz models they were quantised from.
for cases in "$FIX"/*/cases.tsv "$FIX"/*/cases-float.tsv; do
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
        same=$(awk 'NR==FNR{a[FNR]=$0; next} (FNR in a) && a[FNR]==$0{c++} END{print c+0}' "$tmp" "$dir/$ref")
        pct=$(awk -v s="$same" -v t="$total" 'BEGIN{printf "%.2f", 100*s/t}')
        floor=$(floor_for "$name")
        ok=$(awk -v p="$pct" -v f="$floor" 'BEGIN{print (p+0 >= f+0) ? 1 : 0}')
        status=ok
        [ "$ok" = 1 ] || { status="FAIL (floor $floor%)"; fail=$((fail + 1)); }
        printf '%-10s %-20s %5d/%-5d %6s%%  %s  (%s)\n' "$fx" "$name" "$same" "$total" "$pct" "$status" "$args"
        case "$name" in greedy-* | noshortlist-*)
            if [ "$same" -lt "$total" ] && [ -x "$MARGINS" ]; then
                margs=()
                [[ " $args " == *" --no-shortlist "* ]] && margs=(--no-shortlist)
                sum=$("$MARGINS" "${margs[@]}" "$dir/$model" "$dir/$src" "$dir/$ref" | grep '^lines ')
                # "lines N, differing D, explained by a margin E, largest gap G"
                read -r d e g < <(echo "$sum" | awk -F'[ ,]+' '{print $4, $9, $12}')
                expl=$(awk -v d="$d" -v e="$e" -v g="$g" -v m="$MAX_GAP" -v n=$((total - same)) \
                    'BEGIN{print (d == n && e == d && g + 0 < m) ? 1 : 0}')
                if [ "$expl" = 1 ]; then
                    printf '%-10s %-20s   %s differing lines, all near-ties (largest logit gap %s)\n' "" "" "$d" "$g"
                else
                    printf '%-10s %-20s   FAIL margins: %s\n' "" "" "$sum"
                    fail=$((fail + 1))
                fi
            fi
            ;;
        esac
        n=$((n + 1))
    done <"$cases"
done
echo "fixture parity: $n cases, $fail below their floor"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
