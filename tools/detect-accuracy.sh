#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Language-detection accuracy of `tarjama detect` on the evaluation sets: every line of an .ar
# file should be detected as ar, every line of an .en file as en. Prints one row per file with
# the count of each guess, and the lines that were missed with --show.
#
# usage: tools/detect-accuracy.sh [--show] [TARJAMA_BIN] [SHARED_DIR]
#   TARJAMA_BIN defaults to $TJ_BIN, then build/tarjama; SHARED_DIR to $TJ_SHARED, then ../shared.
set -euo pipefail

show=0
if [[ ${1:-} == --show ]]; then
    show=1
    shift
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-${TJ_BIN:-$root/build/tarjama}}
shared=${2:-${TJ_SHARED:-$root/../shared}}
if [[ ! -x $bin ]]; then
    echo "detect-accuracy: no tarjama binary at $bin (build first or pass its path)" >&2
    exit 2
fi
if [[ ! -d $shared/eval ]]; then
    echo "detect-accuracy: $shared/eval not found" >&2
    exit 2
fi

printf '%-58s %6s %8s %6s %6s %6s %7s\n' file lines accuracy ar en mixed unknown
shopt -s nullglob
for f in "$shared"/eval/*.ar "$shared"/eval/*.en "$shared"/eval/*/*/*.ar "$shared"/eval/*/*/*.en; do
    want=${f##*.}
    "$bin" detect "$f" | awk -v f="${f#"$shared"/eval/}" -v want="$want" '
        { n++; c[$1]++ }
        END {
            printf "%-58s %6d %7.2f%% %6d %6d %6d %7d\n", f, n, n ? 100 * c[want] / n : 0,
                   c["ar"], c["en"], c["mixed"], c["unknown"]
        }'
    if ((show)); then
        paste <("$bin" detect --confidence "$f") "$f" |
            awk -F'\t' -v want="$want" -v f="${f##*/}" '$1 != want { printf "  %s:%d: %s %s  %s\n", f, NR, $1, $2, substr($3, 1, 120) }'
    fi
done
