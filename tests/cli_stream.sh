#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate` as a filter people can trust (issue 18): it translates while reading
# (a line typed into a pipe comes back before the next is typed), memory stays bounded on endless
# input, over-long lines are cut or refused, lines with nothing to translate are copied, --output
# is written atomically (nothing left behind on errors or SIGINT), the progress line appears only
# on a terminal, and the option spellings (--opt=value, -v, help CMD) work.
# Uses the bundled starter models in models/ (always present). Expected outputs come from other
# invocations of the same command (streamed vs whole-file, window of 1 vs 256), or are the input
# itself (pass-through), never stored copies of our own output.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN is missing.
set -u

. "$(dirname "$0")/tools/testlib.sh"
tj_test_init cli_stream
# Sanitizer builds run 5-20x slower: smaller inputs there (still more than one window).
sanitized=0
grep -q __asan_init "$bin" 2>/dev/null && sanitized=1
reps=200
[ "$sanitized" -eq 1 ] && reps=100
AR=$root/models/ar-en
EN=$root/models/en-ar
T=("$bin" translate)


# ---------------------------------------------------------------- pass-through
# Lines with no letters are copied unchanged and fast (50 000 dots took 23 s through the model).
{
    echo '12345'
    echo '٣٬٤٥٦٫٧'
    echo '... !!! ---'
    printf '\xf0\x9f\x98\x80 \xf0\x9f\x8e\x89\n'
    printf '\xd9\x8e\xd9\x90\n' # lone Arabic diacritics (fatha, kasra)
    echo 'https://example.com/path?q=1'
    echo '<name@example.org>'
    echo ''
    echo '   2026-12-07   '
} >"$tmp/letterless.txt"
for m in "$AR" "$EN"; do
    for split in paragraph line; do
        "${T[@]}" -m "$m" --split "$split" "$tmp/letterless.txt" >"$tmp/out" 2>"$tmp/err"
        if [ $? -eq 0 ] && cmp -s "$tmp/letterless.txt" "$tmp/out"; then ok; else
            bad "letterless lines not copied ($m, $split)"
            diff "$tmp/letterless.txt" "$tmp/out" | head -5
        fi
    done
done
head -c 50000 /dev/zero | tr '\0' '.' >"$tmp/dots.txt"
echo >>"$tmp/dots.txt"
start=$(date +%s%N)
"${T[@]}" -m "$AR" "$tmp/dots.txt" >"$tmp/out" 2>"$tmp/err"
ms=$((($(date +%s%N) - start) / 1000000))
cmp -s "$tmp/dots.txt" "$tmp/out" && ok || bad "50 000 dots not copied"
echo "50 000 dots: $ms ms"
# A paragraph mixing a sentence with a letterless one: the letterless sentence is kept as is.
printf 'وصل الرئيس إلى القاهرة. 2026.\n' >"$tmp/mixed.txt"
"${T[@]}" -m "$AR" "$tmp/mixed.txt" >"$tmp/out" 2>&1
grep -q ' 2026\.$' "$tmp/out" && ok || bad "letterless sentence in a paragraph: $(cat "$tmp/out")"

# ---------------------------------------------------------------- streaming = whole-file output
# The same 600 lines (three windows of 256) give the same output streamed through a pipe, from a
# file, one line at a time (--unbuffered) and with a tiny --max-line that cuts nothing here.
src=$tmp/src.txt
for i in $(seq 1 "$reps"); do
    echo "وصل الرئيس $i إلى القاهرة صباح اليوم."
    echo ""
    echo "قال المتحدث إن الاجتماع سيعقد غدا."
done >"$src"
"${T[@]}" -m "$AR" "$src" >"$tmp/file.out" || bad "file input failed"
cat "$src" | "${T[@]}" -m "$AR" >"$tmp/pipe.out" || bad "pipe input failed"
cmp -s "$tmp/file.out" "$tmp/pipe.out" && ok || bad "pipe output differs from file output"
"${T[@]}" -m "$AR" --unbuffered "$src" >"$tmp/unbuf.out" || bad "--unbuffered failed"
cmp -s "$tmp/file.out" "$tmp/unbuf.out" && ok || bad "--unbuffered output differs"
[ "$(wc -l <"$tmp/file.out")" -eq $((3 * reps)) ] && ok || bad "$((3 * reps)) lines in, $(wc -l <"$tmp/file.out") out"

# ---------------------------------------------------------------- interactive pipe
# A coprocess: each line written must come back before the next one is written.
coproc TJ { exec "${T[@]}" -m "$AR" 2>"$tmp/co.err"; }
# bash unsets TJ_PID (and TJ) as soon as the coprocess has exited, which can happen between closing
# its input and the wait: keep the pid and both ends now
co_pid=$TJ_PID co_in=${TJ[1]} co_out=${TJ[0]}
for i in 1 2 3; do
    line=$(sed -n "${i}p" "$src")
    [ -z "$line" ] && line=$(sed -n 1p "$src")
    want=$(printf '%s\n' "$line" | "${T[@]}" -m "$AR")
    printf '%s\n' "$line" >&"$co_in"
    if IFS= read -r -t 20 got <&"$co_out"; then
        [ "$got" = "$want" ] && ok || bad "interactive line $i: got '$got', want '$want'"
    else
        bad "interactive line $i: no output within 20 s while the pipe stayed open"
    fi
done
exec {co_in}>&-
wait "$co_pid" && ok || bad "coprocess exit status $?"

# ---------------------------------------------------------------- bounded memory
model_kb=$(($(du -kL "$AR"/* | awk '{s += $1} END {print s}')))
limit_kb=$((model_kb + 50 * 1024))
# Measure tarjama's own process: start the pipeline, find tarjama's pid under it.
measure() { # NAME PRODUCER...: peak RSS of tarjama reading PRODUCER's endless output
    local name=$1
    shift
    "$@" | "${T[@]}" -m "$EN" --max-line 64 >/dev/null 2>"$tmp/mem.err" &
    local pid=$!
    sleep 4
    local kb
    kb=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    if [ -z "$kb" ]; then
        bad "$name: tarjama ended early: $(cat "$tmp/mem.err")"
        return
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "$name: peak RSS $kb kB after 4 s (model files $model_kb kB, limit $limit_kb kB)"
    [ "$kb" -lt "$limit_kb" ] && ok || bad "$name: peak RSS $kb kB over $limit_kb kB"
}
# A sanitizer build's shadow memory and quarantine make its RSS meaningless here.
if [ "$sanitized" -eq 1 ]; then
    echo "peak RSS checks skipped: $bin is built with AddressSanitizer"
else
    measure "endless lines (yes 'hello world')" yes 'hello world'
    measure "one endless line with spaces" bash -c "yes word | tr '\n' ' '"
fi

# Endless input that cannot be translated fails fast, naming the problem.
timeout 20 "${T[@]}" -m "$AR" /dev/zero >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q '/dev/zero: NUL byte at line 1, byte offset 0' "$tmp/err" && ok ||
    bad "/dev/zero: exit $rc, $(cat "$tmp/err")"
timeout 20 bash -c "yes x | tr -d '\n' | ${T[*]} -m $AR --max-line 4" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q 'line 1 is longer than 4096 bytes and has no white space' "$tmp/err" &&
    ok || bad "endless line without spaces: exit $rc, $(cat "$tmp/err")"
[ -s "$tmp/out" ] && bad "endless line without spaces: output written"

# A long line with spaces is cut at white space and comes back as one line.
for i in $(seq 1 120); do printf 'وصل الرئيس إلى القاهرة صباح اليوم. '; done >"$tmp/long.txt"
echo >>"$tmp/long.txt"
"${T[@]}" -m "$AR" --max-line 1 "$tmp/long.txt" >"$tmp/out" 2>"$tmp/err" && ok || bad "long line: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok || bad "long line cut in parts: want 1 output line"

# ---------------------------------------------------------------- --output
out=$tmp/dir/result.txt
mkdir -p "$tmp/dir"
"${T[@]}" -m "$AR" --output "$out" "$src" >"$tmp/stdout" 2>"$tmp/err"
[ $? -eq 0 ] && cmp -s "$out" "$tmp/file.out" && [ ! -s "$tmp/stdout" ] && ok ||
    bad "--output: file differs from stdout output"
[ "$(stat -c %a "$out")" = "$(umask 0022 && touch "$tmp/ref" && stat -c %a "$tmp/ref")" ] ||
    [ "$(stat -c %a "$out")" = 644 ] && ok || bad "--output mode $(stat -c %a "$out")"
"${T[@]}" -m "$AR" --output="$tmp/dir/eq.txt" "$src" && cmp -s "$tmp/dir/eq.txt" "$tmp/file.out" &&
    ok || bad "--output=FILE"
# Failure half-way (invalid UTF-8 on line 280, after the first window): no output file, no
# temporary file.
{ head -n 279 "$src"; printf 'bad \xff\n'; tail -n 5 "$src"; } >"$tmp/badmid.txt"
rm -f "$out"
"${T[@]}" -m "$AR" -o "$out" "$tmp/badmid.txt" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q 'invalid UTF-8 at line 280' "$tmp/err" && ok || bad "bad input: exit $rc"
[ -e "$out" ] && bad "--output file exists after a failure"
[ "$(ls -A "$tmp/dir" | grep -c '^\.result')" -eq 0 ] && ok || bad "temporary file left: $(ls -A "$tmp/dir")"
# An existing file is kept as it was when the translation fails.
echo "old content" >"$out"
"${T[@]}" -m "$AR" -o "$out" "$tmp/badmid.txt" 2>/dev/null
[ "$(cat "$out")" = "old content" ] && ok || bad "--output replaced an existing file on failure"
# Interrupted half-way (SIGINT as Ctrl-C sends it, SIGTERM as kill does): killed by that
# signal (exit status 128 + its number), no output file, no temporary file. A shell starts
# background jobs with SIGINT ignored, so SIGINT's case goes through python3 to restore it.
yes 'وصل الرئيس إلى القاهرة صباح اليوم.' | head -n 200000 >"$tmp/big.txt"
interrupt() { # SIGNAL STATUS LAUNCHER...
    local sig=$1 want=$2
    shift 2
    rm -f "$out"
    "$@" "${T[@]}" -m "$AR" -o "$out" "$tmp/big.txt" 2>"$tmp/err" &
    local pid=$! i
    # the temporary file appears once the handler is in place
    for i in $(seq 1 1200); do
        ls -A "$tmp/dir" | grep -q '^\.result' && break
        sleep 0.1
    done
    if ! ls -A "$tmp/dir" | grep -q '^\.result'; then
        echo "SIG$sig check skipped: no temporary file after 120 s (machine too busy)"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rm -f "$tmp/dir"/.result*
        return
    fi
    sleep 0.5
    kill "-$sig" "$pid"
    wait "$pid"
    local rc=$?
    [ "$rc" -eq "$want" ] && ok || bad "SIG$sig: exit status $rc, want $want"
    grep -q 'interrupted' "$tmp/err" && ok || bad "SIG$sig: no message: $(cat "$tmp/err")"
    [ -e "$out" ] && bad "SIG$sig: output file exists"
    [ "$(ls -A "$tmp/dir" | grep -c '^\.result')" -eq 0 ] && ok || bad "SIG$sig: temporary file left"
}
interrupt TERM 143 env
if command -v python3 >/dev/null; then
    interrupt INT 130 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'
fi
"${T[@]}" -m "$AR" -o "$tmp/nodir/x.txt" "$src" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'nodir/x.txt: cannot create a temporary file' "$tmp/err" && ok ||
    bad "--output into a missing folder: $(cat "$tmp/err")"

# ---------------------------------------------------------------- progress
# Only on a terminal: `script` gives the command a pseudo-terminal for stderr.
head -n $((reps * 15)) "$tmp/big.txt" >"$tmp/3000.txt"
if command -v script >/dev/null; then
    script -qfec "${T[*]} -m $AR --threads 1 -o $tmp/p.out $tmp/3000.txt" /dev/null >"$tmp/tty" 2>&1
    grep -aq 'lines, .* words/s' "$tmp/tty" && grep -aq 'ETA' "$tmp/tty" && ok ||
        bad "no progress line on a terminal: $(head -c 300 "$tmp/tty")"
    script -qfec "${T[*]} -m $AR --threads 1 -q -o $tmp/p.out $tmp/3000.txt" /dev/null >"$tmp/tty" 2>&1
    grep -aq 'words/s' "$tmp/tty" && bad "--quiet still shows progress"
fi
"${T[@]}" -m "$AR" --threads 1 "$tmp/3000.txt" >/dev/null 2>"$tmp/err"
[ -s "$tmp/err" ] && bad "progress written to a non-terminal stderr: $(head -c 200 "$tmp/err")" || ok

# ---------------------------------------------------------------- model pair and small things
echo 'hello' | "${T[@]}" --from ar -m "$EN" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q 'translates en-ar, not ar-en' "$tmp/err" && ok || bad "--from ar -m en-ar: exit $rc"
echo 'hello' | "${T[@]}" --to en -m "$EN" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--to en -m en-ar accepted"
echo 'hello' | "${T[@]}" --from en --to ar -m "$EN" >/dev/null 2>&1 && ok || bad "--from en -m en-ar refused"
printf 'وصل الرئيس\n' >"$tmp/a.txt"
"${T[@]}" -m "$AR" --beam 2 "$tmp/a.txt" >"$tmp/b1" && "${T[@]}" -m "$AR" --beam=2 "$tmp/a.txt" >"$tmp/b2" &&
    cmp -s "$tmp/b1" "$tmp/b2" && ok || bad "--beam=2 differs from --beam 2"
"$bin" -v >"$tmp/v" && "$bin" --version >"$tmp/V" && cmp -s "$tmp/v" "$tmp/V" && ok || bad "-v"
"$bin" help translate >"$tmp/h1" && "${T[@]}" --help >"$tmp/h2" && cmp -s "$tmp/h1" "$tmp/h2" && ok ||
    bad "help translate"
grep -q -- '--threads N .*0: one per CPU' "$tmp/h2" && ok || bad "--threads 0 not documented"
for o in --output --quiet --unbuffered --max-line; do
    grep -q -- "$o" "$tmp/h2" && ok || bad "translate --help does not mention $o"
done
"$bin" help nosuch >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "help nosuch"
if [ -w /dev/full ]; then
    "$bin" --help >/dev/full 2>"$tmp/err"
    [ $? -ne 0 ] && grep -q 'error writing output' "$tmp/err" && ok || bad "--help > /dev/full exit 0"
    "${T[@]}" -m "$AR" "$tmp/a.txt" >/dev/full 2>"$tmp/err"
    [ $? -eq 1 ] && grep -q 'No space left' "$tmp/err" && ok || bad "translate > /dev/full: $(cat "$tmp/err")"
fi

# detect and tokenize read line by line too: /dev/zero is refused at its first byte, endless
# input streams, an interactive pipe gets each answer at once, and a line longer than 64 MiB is
# refused (memory stays bounded by the longest line).
VOC=$AR/vocab.aren.spm
for cmd in "detect" "tokenize --vocab $VOC"; do
    # shellcheck disable=SC2086 # $cmd is split into words on purpose
    timeout 60 "$bin" $cmd /dev/zero >/dev/null 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 1 ] && grep -q '/dev/zero: NUL byte at line 1, byte offset 0$' "$tmp/err" && ok ||
        bad "$cmd /dev/zero: exit $rc, $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    n=$(yes 'hello world' | timeout 60 "$bin" $cmd 2>"$tmp/err" | head -n 300000 | wc -l)
    [ "$n" -eq 300000 ] && ok || bad "$cmd on endless input: $n lines, $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    coproc CO { exec "$bin" $cmd 2>"$tmp/co.err"; }
    for w in hello مرحبا world; do
        # shellcheck disable=SC2086
        want=$(printf '%s\n' "$w" | "$bin" $cmd)
        printf '%s\n' "$w" >&"${CO[1]}"
        if IFS= read -r -t 20 got <&"${CO[0]}"; then
            [ "$got" = "$want" ] && ok || bad "$cmd interactive '$w': got '$got', want '$want'"
        else
            bad "$cmd interactive '$w': no answer within 20 s while the pipe stayed open"
        fi
    done
    exec {CO[1]}>&-
    wait "$CO_PID" && ok || bad "$cmd coprocess exit status $?"
done
head -c $((65 << 20)) /dev/zero | tr '\0' a | "$bin" detect >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'stdin: line 1 is longer than 64 MiB$' "$tmp/err" && ok ||
    bad "detect on a 65 MiB line: $(cat "$tmp/err")"

tj_test_done
