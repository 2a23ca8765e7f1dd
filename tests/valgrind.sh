#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory check of a real translation under valgrind's memcheck: no invalid reads or writes, no
# use of uninitialised values, and no definitely or indirectly lost blocks, on the first three
# paragraphs of the Arabic seed article, in the default mode (greedy, shortlist, paragraph split)
# and with --beam 4 --split line. Complements the ASan/UBSan build: valgrind also sees reads of
# uninitialised heap memory, and it checks the ordinary (uninstrumented) build.
# Slow (a minute or more); CI's sanitizer run leaves it out with `ctest -E 'parity|valgrind'`.
# Without ../shared it runs the bundled starter model (models/ar-en) on three news paragraphs
# written for this test.
# env: TJ_BIN, TJ_SHARED; TJ_VALGRIND_OPTS adds options (e.g. --track-origins=yes to find where
# an uninitialised value came from). Exit 77 without a model or valgrind.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bin=${TJ_BIN:-$root/build/tarjama}
shared=${TJ_SHARED:-$root/../shared}
fix=$shared/fixtures/tiny-aren
if [ ! -x "$bin" ]; then
    echo "skipped: tarjama binary not found at $bin (set TJ_BIN)"
    exit 77
fi
model=$fix/model
if [ ! -f "$fix/model/model.aren.intgemm.alphas.bin" ]; then
    model=$root/models/ar-en
    if [ ! -d "$model" ]; then
        echo "skipped: neither ../shared ($fix) nor models/ar-en found"
        exit 77
    fi
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "skipped: valgrind not installed (apt-get install valgrind)"
    exit 77
fi
# An ASan build cannot run under valgrind (both replace malloc).
if grep -aq '__asan_init' "$bin" 2>/dev/null; then
    echo "skipped: $bin is built with AddressSanitizer"
    exit 77
fi

read -r -a extra <<<"${TJ_VALGRIND_OPTS:-}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_vg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ "$model" = "$fix/model" ]; then
    head -n 3 "$fix/src/seed-article.ar" >"$tmp/in.ar"
else
    printf '%s\n' \
        'قالت وزارة الصحة إن عدد الحالات ارتفع هذا الأسبوع. وأضافت أن المستشفيات مستعدة.' \
        'وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات مع نظيره حول التجارة والطاقة.' \
        'ارتفعت أسعار النفط يوم الاثنين بعد قرار خفض الإنتاج، وفقا لمصادر في السوق.' >"$tmp/in.ar"
fi
echo "model: $model"

fail=0
check() { # check NAME ARGS...: translate in.ar under memcheck
    local name=$1
    shift
    valgrind --tool=memcheck --leak-check=full --error-exitcode=99 \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        "${extra[@]}" --log-file="$tmp/$name.log" \
        "$bin" translate -m "$model" "$@" "$tmp/in.ar" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local rc=$?
    local summary
    summary=$(grep -E 'in use at exit|All heap blocks|definitely lost|indirectly lost|ERROR SUMMARY' \
        "$tmp/$name.log" |
        sed 's/^==[0-9]*== *//')
    echo "$name: exit $rc"
    printf '  %s\n' "${summary//$'\n'/$'\n'  }"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: exit $rc"
        sed 's/^/  stderr: /' "$tmp/$name.err" | head -5
        # The report, without valgrind's banner.
        grep -v -E '^==[0-9]+== (Memcheck|Copyright|Using Valgrind|Command|Parent PID)' \
            "$tmp/$name.log" | head -80
        fail=1
    elif [ "$(wc -l <"$tmp/$name.out")" -ne 3 ]; then
        echo "FAIL: $name: $(wc -l <"$tmp/$name.out") output lines, want 3"
        fail=1
    fi
}

check default
check beam4-line --beam 4 --split line

[ "$fail" -eq 0 ] && echo "valgrind: clean"
exit "$fail"
