#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The starter models in models/ (tools/train): on a machine with nothing installed,
# `tarjama translate --from ar|en|auto` finds them, they load and pass `tarjama info`'s checks,
# and they translate into the right language: every non-blank output line of ar->en is detected
# as English and of en->ar as Arabic, blank lines stay blank, and line counts match.
# The sources are FLORES-style news sentences written for this test (not in any training or
# evaluation file). Needs no ../shared.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TJ_BIN:-$root/build/tarjama}
if [ ! -x "$bin" ]; then echo "skipped: tarjama binary not found at $bin"; exit 77; fi
for d in ar-en en-ar; do
    if [ ! -d "$root/models/$d" ]; then echo "skipped: models/$d not in this checkout"; exit 77; fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_starter.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export TARJAMA_MODELS=$tmp/none XDG_DATA_HOME=$tmp/xdg HOME=$tmp
unset TARJAMA_BUNDLED_MODELS TARJAMA_REGISTRY
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

for d in ar-en en-ar; do
    "$bin" info -m "$root/models/$d" > "$tmp/info" 2>&1 || bad "info -m models/$d: $(tail -1 "$tmp/info")"
    grep -q 'checks: *ok' "$tmp/info" || bad "info -m models/$d does not report ok"
    "$bin" models path "$d" > "$tmp/path" 2>&1 || bad "models path $d: $(cat "$tmp/path")"
    [ "$(cat "$tmp/path")" = "$root/models/$d" ] || bad "models path $d = $(cat "$tmp/path")"
done

printf '%s\n' 'قالت وزارة الصحة إن عدد الحالات ارتفع هذا الأسبوع.' '' \
    'وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.' 'الطقس حار جدا في الصيف.' > "$tmp/ar.txt"
printf '%s\n' 'The ministry of health said the number of cases rose this week.' '' \
    'The president arrived in Cairo this morning for talks.' 'The weather is very hot in summer.' > "$tmp/en.txt"

check() { # DESC SRC WANT_LANG OPTIONS...
    local desc=$1 src=$2 want=$3
    shift 3
    if ! "$bin" translate "$@" < "$src" > "$tmp/out" 2> "$tmp/err"; then
        bad "$desc: exit $? ($(head -1 "$tmp/err"))"
        return
    fi
    [ "$(wc -l < "$tmp/out")" = "$(wc -l < "$src")" ] || bad "$desc: line count"
    paste -d '\t' "$src" "$tmp/out" | while IFS=$'\t' read -r s o; do
        if [ -z "$s" ]; then
            [ -z "$o" ] || echo "$desc: blank line not kept"
        else
            l=$(printf '%s\n' "$o" | "$bin" detect)
            [ "$l" = "$want" ] || echo "$desc: '$o' detected as $l, want $want"
        fi
    done > "$tmp/msgs"
    [ -s "$tmp/msgs" ] && bad "$(cat "$tmp/msgs")"
    cat "$tmp/out"
}
check "ar->en --from ar" "$tmp/ar.txt" en --from ar
check "ar->en --from auto" "$tmp/ar.txt" en --from auto
check "ar->en --to en" "$tmp/ar.txt" en --to en
check "en->ar --from en" "$tmp/en.txt" ar --from en
check "en->ar --from auto" "$tmp/en.txt" ar --from auto

# The one-line notice that a starter model is in use: once per run, on a terminal only, not with -q.
notice='using the small built-in ar-en starter model'
"$bin" translate --from ar < "$tmp/ar.txt" > /dev/null 2> "$tmp/err"
grep -q "$notice" "$tmp/err" && bad "starter notice printed with stderr not a terminal"
if command -v script > /dev/null; then
    script -qfec "'$bin' translate --from ar < '$tmp/ar.txt'" /dev/null > "$tmp/tty" 2>&1
    [ "$(grep -c "$notice" "$tmp/tty")" = 1 ] || bad "starter notice on a terminal: want once, got: $(cat "$tmp/tty")"
    script -qfec "'$bin' translate -q --from ar < '$tmp/ar.txt'" /dev/null > "$tmp/tty" 2>&1
    grep -q "$notice" "$tmp/tty" && bad "starter notice printed with -q"
    script -qfec "'$bin' translate -m '$root/models/ar-en' < '$tmp/ar.txt'" /dev/null > "$tmp/tty" 2>&1
    grep -q "$notice" "$tmp/tty" && bad "starter notice printed for a model named with -m"
else
    echo "note: script(1) not installed; the terminal checks of the starter notice skipped"
fi

if [ $fails -ne 0 ]; then echo "starter_models: $fails failure(s)"; exit 1; fi
echo "starter_models: all checks passed"
