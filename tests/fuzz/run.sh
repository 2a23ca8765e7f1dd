#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the libFuzzer targets of a -DTJ_FUZZ=ON build (docs/fuzzing.md): each for SECONDS from its
# seed corpus and dictionary, then replays every committed regression input through it. Prints
# one line per target: "fuzz NAME: S s, N execs, E edges, F findings", S being the seconds it
# really ran (less than asked when it stopped at a finding or at -n). Exit 1 on any finding (the
# crashing input is kept and named), 77 without the build.
#   tests/fuzz/run.sh [-t SECONDS] [-n RUNS] [-T TIMEOUT] [-j JOBS] [-b BUILD_DIR] [-o CORPUS_OUT_DIR]
#                     [NAME...]
# -t: seconds per target (default 30); -n: stop a target after this many executions too (issue
# 22's campaigns: 5000000 or 30 minutes, whichever first); -j: targets run at once (default 1; CI uses 2, one per
# core); -b: build folder (default build-fuzz); -o: keep the grown corpora there (campaigns),
# else a temporary folder is used and removed. NAME: targets to run (default: all fuzz_*.c).
# Limits per input: -T seconds (default 1, the issue's timeout rule; CI gives 3 so that a busy
# machine does not fail it) and 2048 MB (the out-of-memory rule).
# $TJ_FUZZ_KEEP: a folder to copy crashing inputs into.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=30 runs=-1 limit=1 jobs=1 build=$root/build-fuzz out=
while getopts "t:n:T:j:b:o:" opt; do
    case $opt in
    t) secs=$OPTARG ;;
    n) runs=$OPTARG ;;
    T) limit=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
    set -- $(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
work=$(mktemp -d /tmp/tj_fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -n "$out" ] || out=$work/corpora
mkdir -p "$out"

# One target: fuzz, then replay its regressions; the report goes to $work/NAME.out, and a
# $work/NAME.failed file marks a finding.
fuzz_one() {
    local name=$1 bin dict log rc execs edges findings=0 nregs start took
    bin=$build/tests/fuzz/fuzz_$name
    case $name in
    spm_encode | ssplit | langdetect) dict=$here/dict/text.dict ;;
    *) dict=$here/dict/$name.dict ;;
    esac
    local dictopt=() regs=()
    [ -f "$dict" ] && dictopt=(-dict="$dict")
    mkdir -p "$out/$name" "$work/art"
    log=$work/$name.log
    # Leaks are findings too (detect_leaks); a slow or huge input is one through -timeout and
    # -rss_limit_mb / -malloc_limit_mb.
    start=$(date +%s)
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        "$bin" -max_total_time="$secs" -runs="$runs" -timeout="$limit" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/art/$name-" "${dictopt[@]}" \
        "$out/$name" "$here/corpus/$name" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    if [ $rc -ne 0 ]; then
        findings=1
        echo "---- fuzz $name failed (exit $rc); last lines of its log:"
        tail -40 "$log"
        for a in "$work"/art/"$name"-*; do
            [ -f "$a" ] || continue
            echo "---- crashing input $a (base64):"
            base64 "$a" | head -c 4000
            echo
            if [ -n "${TJ_FUZZ_KEEP:-}" ]; then cp "$a" "$TJ_FUZZ_KEEP/"; fi
        done
    fi
    # Every committed regression input, run once each (libFuzzer runs files given by name).
    [ -d "$here/regressions/$name" ] && mapfile -t regs < <(find "$here/regressions/$name" -type f)
    nregs=${#regs[@]}
    if [ "$nregs" -gt 0 ]; then
        if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -timeout="$limit" -rss_limit_mb=2048 "${regs[@]}" \
            >"$work/$name.replay.log" 2>&1; then
            echo "---- fuzz $name: a regression input fails again:"
            tail -40 "$work/$name.replay.log"
            findings=$((findings + 1))
        fi
    fi
    echo "fuzz $name: $took s, ${execs:-?} execs, ${edges:-?} edges, $findings findings," \
        "$nregs regressions replayed"
    [ "$findings" -eq 0 ] || touch "$work/$name.failed"
}

for name in "$@"; do
    if [ ! -x "$build/tests/fuzz/fuzz_$name" ]; then
        echo "skipped: $build/tests/fuzz/fuzz_$name not built (CC=clang cmake -B build-fuzz" \
            "-DTJ_FUZZ=ON, then cmake --build build-fuzz --target fuzz_targets)"
        exit 77
    fi
done
running=0
for name in "$@"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    fuzz_one "$name" >"$work/$name.out" 2>&1 &
    running=$((running + 1))
done
wait
failed=0
for name in "$@"; do
    cat "$work/$name.out"
    [ ! -e "$work/$name.failed" ] || failed=1
done
exit $failed
