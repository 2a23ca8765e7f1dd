#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reproduces Mozilla's published sacreBLEU scores: every *.bleu file under
# shared/eval/mozilla-firefox/{ar-en,en-ar}/ holds the BLEU of the hypothesis file named like it
# without .bleu (flores-SET.SYSTEM.LANG), scored against flores-SET.LANG in the same folder.
# `tarjama eval` must print the same number to the same number of decimals.
#
# env: TJ_BIN (the tarjama command; default build/tarjama), TJ_SHARED (default ../shared).
# Exit 0 when all match, 1 on any mismatch, 77 (skipped) when the shared data is absent.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${TJ_BIN:-$root/build/tarjama}
shared=${TJ_SHARED:-$root/../shared}
dir=$shared/eval/mozilla-firefox
if [[ ! -d $dir ]]; then
    echo "skipped: ../shared not found ($dir)"
    exit 77
fi
if [[ ! -x $bin ]]; then
    echo "eval_published: no tarjama command at $bin" >&2
    exit 1
fi

shopt -s nullglob
files=("$dir"/*/*.bleu)
if ((${#files[@]} == 0)); then
    echo "eval_published: no *.bleu files under $dir" >&2
    exit 1
fi

pass=0 fail=0
printf '%-48s %9s %9s\n' file published ours
for f in "${files[@]}"; do
    hyp=${f%.bleu}
    base=${hyp##*/}
    ref=${hyp%/*}/${base%%.*}.${hyp##*.}
    want=$(tr -d ' \t\r\n' <"$f")
    frac=
    [[ $want == *.* ]] && frac=${want##*.}
    decimals=${#frac}
    got=$("$bin" eval --metrics bleu --score-only --width "$decimals" --ref "$ref" "$hyp")
    if [[ $? -ne 0 || $got != "$want" ]]; then
        verdict=MISMATCH
        fail=$((fail + 1))
    else
        verdict=
        pass=$((pass + 1))
    fi
    printf '%-48s %9s %9s %s\n' "${f#"$dir"/}" "$want" "$got" "$verdict"
done
echo "eval_published: $pass passed, $fail failed"
((fail == 0 && pass == ${#files[@]}))
