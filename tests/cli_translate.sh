#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate` from the command line. Part 1 needs no model: help, version, usage errors
# (exit 2, one line on stderr), input errors caught before any model loads (exit 1) and model
# lookup failures. Part 2 uses the tiny-aren fixture in ../shared: line structure (blank lines,
# CRLF), paragraph vs line splitting, stdin vs file arguments, and --from/--to model lookup.
# Expected outputs in part 2 are built from other invocations of the same command (a paragraph's
# translation is its sentences' translations rejoined with the source's spacing, etc.), never
# from stored copies of our own output.
# env: TJ_BIN (built tarjama), TJ_SHARED (default ../shared). Exit 77 when TJ_BIN is missing.
set -u

. "$(dirname "$0")/tools/testlib.sh"
tj_test_init cli_translate
# Model lookup must not see the user's own installed models, nor the bundled starter models.
export TARJAMA_MODELS=$tmp/models XDG_DATA_HOME=$tmp/xdg HOME=$tmp/home TARJAMA_BUNDLED_MODELS=
unset TARJAMA_REGISTRY
mkdir -p "$TARJAMA_MODELS" "$HOME"


# run [IN=FILE] CMD...: stdin from $IN (default /dev/null); sets rc, out/err files.
run() {
    "$@" <"${IN:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect_err STATUS REGEX CMD...: exit STATUS, nothing on stdout, exactly one stderr line
# "tarjama: ..." matching REGEX.
expect_err() {
    local want=$1 re=$2
    shift 2
    run "$@"
    if [ "$rc" -ne "$want" ]; then
        bad "exit $rc, want $want: $*"
        sed 's/^/    /' "$tmp/err" | head -5
    elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^tarjama: ' "$tmp/err"; then
        bad "want one 'tarjama: ' line on stderr: $*"
        sed 's/^/    /' "$tmp/err" | head -5
    elif ! grep -Eq -- "$re" "$tmp/err"; then
        bad "stderr does not match /$re/: $*: $(cat "$tmp/err")"
    elif [ -s "$tmp/out" ]; then
        bad "unexpected stdout: $*"
    else
        passes=$((passes + 1))
    fi
}

# expect_ok CMD...: exit 0, nothing on stderr; the output is left in $tmp/out.
expect_ok() {
    run "$@"
    if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
        bad "exit $rc, want 0 and no stderr: $*"
        sed 's/^/    /' "$tmp/err" | head -5
        return 1
    fi
    passes=$((passes + 1))
}

# same FILE1 FILE2 WHAT
same() {
    if cmp -s "$1" "$2"; then
        passes=$((passes + 1))
    else
        bad "$3"
        diff "$1" "$2" | head -6 | sed 's/^/    /'
    fi
}

T=("$bin" translate)
nowhere=$tmp/no-such-model

# ---------------------------------------------------------------- 1. no model needed

expect_ok "$bin" --version
version=$(sed -n 's/^project(tarjama VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
# "tarjama VERSION (COMMIT)": COMMIT is `git describe` of the source, a commit this repository
# has when it is a git checkout, or "unknown".
if grep -Eq "^tarjama $version \((unknown|[0-9a-zA-Z._-]+)\)\$" "$tmp/out"; then
    commit=$(sed -n 's/^tarjama [^ ]* (\(.*\))$/\1/p' "$tmp/out")
    commit=${commit%-dirty}
    if [ "$commit" != unknown ] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1 &&
        ! git -C "$root" rev-parse -q --verify "${commit##*-g}^{commit}" >/dev/null; then
        bad "--version names commit '$commit', which this repository does not have"
    fi
else
    bad "--version printed '$(cat "$tmp/out")', want 'tarjama $version (COMMIT)'"
fi
expect_ok "$bin" --help
grep -q 'translate' "$tmp/out" || bad "--help does not list translate"
expect_ok "${T[@]}" --help
for word in -m --from --to --beam --split --no-shortlist --threads; do
    grep -q -- "$word" "$tmp/out" || bad "translate --help does not mention $word"
done
expect_ok "${T[@]}" -h

expect_err 2 "unknown option '--frobnicate'" "${T[@]}" --frobnicate
expect_err 2 "unknown option '-x'" "${T[@]}" -m "$nowhere" -x
expect_err 2 'no model given' "${T[@]}"
expect_err 2 'no model given' "${T[@]}" somefile.txt
expect_err 2 '-m needs a directory' "${T[@]}" -m
expect_err 2 '--model needs a directory' "${T[@]}" --model
for b in 0 65 -1 abc 1.5 '' 4x; do
    expect_err 2 "--beam needs an integer in 1..64, got '$b'" "${T[@]}" -m "$nowhere" --beam "$b"
done
expect_err 2 '--beam needs an integer' "${T[@]}" -m "$nowhere" --beam
expect_err 2 '--threads needs an integer' "${T[@]}" -m "$nowhere" --threads -1
expect_err 2 '--normalize needs a number' "${T[@]}" -m "$nowhere" --normalize x
expect_err 2 '--max-length-factor needs a number' "${T[@]}" -m "$nowhere" --max-length-factor 0
expect_err 2 "--split needs 'paragraph' or 'line', got 'sentence'" "${T[@]}" -m "$nowhere" --split sentence
expect_err 2 "--from needs 'ar', 'en' or 'auto', got 'fr'" "${T[@]}" --from fr
expect_err 2 "--from needs" "${T[@]}" --from
expect_err 2 "--to needs 'ar' or 'en', got 'auto'" "${T[@]}" --to auto
expect_err 2 "--from and --to are both 'en'" "${T[@]}" --from en --to en
expect_err 2 "--from and --to are both 'ar'" "${T[@]}" -m "$nowhere" --from ar --to ar

# A model directory that does not exist: exit 1, naming it.
printf 'مرحبا\n' >"$tmp/ar.txt"
IN=$tmp/ar.txt expect_err 1 "no-such-model" "${T[@]}" -m "$nowhere"
expect_err 1 'no-such-model' "${T[@]}" -m "$nowhere" "$tmp/ar.txt"
# -m naming a file rather than a folder.
expect_err 1 'not a directory' "${T[@]}" -m "$tmp/ar.txt" "$tmp/ar.txt"

# Input errors name the input, the line and the byte offset. Input is translated while it is
# read, so the lines before a bad one have been written (whole lines only); tests/cli_stream.sh
# checks that --output leaves nothing behind in that case. These use the bundled starter model.
S=$root/models/ar-en
printf 'abc\0def\nxyz\n' >"$tmp/nul.txt"
IN=$tmp/nul.txt expect_err 1 '^tarjama: stdin: NUL byte at line 1, byte offset 3$' "${T[@]}" -m "$S"
printf 'one\ntwo\nthr\0ee\n' >"$tmp/nul3.txt"
run "${T[@]}" -m "$S" "$tmp/nul3.txt"
[ "$rc" -eq 1 ] && grep -q 'nul3.txt: NUL byte at line 3, byte offset 11$' "$tmp/err" &&
    [ "$(wc -l <"$tmp/out")" -eq 2 ] && passes=$((passes + 1)) ||
    bad "NUL at line 3: exit $rc, $(wc -l <"$tmp/out") lines out, stderr $(cat "$tmp/err")"
printf 'ok\nbad \xff line\n' >"$tmp/bad.txt"
IN=$tmp/bad.txt run "${T[@]}" -m "$S"
[ "$rc" -eq 1 ] && grep -q '^tarjama: stdin: invalid UTF-8 at line 2, byte offset 7$' "$tmp/err" &&
    [ "$(wc -l <"$tmp/out")" -eq 1 ] && passes=$((passes + 1)) ||
    bad "invalid UTF-8 at line 2: exit $rc, stderr $(cat "$tmp/err")"
# A missing input file is reported before the model is opened or anything is written.
expect_err 1 'missing.txt: cannot open' "${T[@]}" -m "$nowhere" "$tmp/missing.txt"
expect_err 1 'missing.txt: cannot open' "${T[@]}" -m "$S" "$tmp/ar.txt" "$tmp/missing.txt"

# --from auto needs letters of one script; the error asks for --from.
printf '123 456\n' >"$tmp/digits.txt"
IN=$tmp/digits.txt expect_err 2 'no Arabic or Latin letters.*--from ar or --from en' "${T[@]}" --from auto
printf 'the cat sat on the mat\nجلست القطة على الحصيرة\n' >"$tmp/mixed.txt"
IN=$tmp/mixed.txt expect_err 2 'mixes Arabic and Latin.*--from' "${T[@]}" --from auto
IN=$tmp/ar.txt expect_err 2 'looks Arabic, the same as --to' "${T[@]}" --from auto --to ar

# No installed model: the error names the pair and how to get it.
IN=$tmp/ar.txt expect_err 1 "model ar-en is not installed.*models fetch ar-en" "${T[@]}" --from ar
IN=$tmp/ar.txt expect_err 1 "model ar-en is not installed" "${T[@]}" --from auto
IN=$tmp/ar.txt expect_err 1 "model ar-en is not installed" "${T[@]}" --to en
printf 'hello world\n' >"$tmp/en.txt"
IN=$tmp/en.txt expect_err 1 "model en-ar is not installed.*models fetch en-ar" "${T[@]}" --from auto

# ---------------------------------------------------------------- 2. with the fixture model

fix=$shared/fixtures/tiny-aren
M=$fix/model
if [ ! -f "$M/model.aren.intgemm.alphas.bin" ]; then
    echo "part 2 skipped: ../shared not found ($M)"
    echo "cli_translate: $passes passed, $fails failed"
    [ "$fails" -eq 0 ] || exit 1
    echo "skipped: ../shared not found (part 1 passed)"
    exit 77
fi
src=$fix/src/tico19-test-500.ar
q_out='' a_line=''
s_q=$(sed -n 5p "$src")  # ends with an Arabic question mark: a sentence end
s_a=$(sed -n 3p "$src")  # no final punctuation
s_b=$(sed -n 10p "$src")

# Blank lines are kept, and each line is translated on its own.
printf '%s\n' "$s_a" >"$tmp/a.txt"
printf '%s\n' "$s_b" >"$tmp/b.txt"
printf '%s\n\n%s\n\n' "$s_a" "$s_b" >"$tmp/ab-blank.txt"
expect_ok "${T[@]}" -m "$M" "$tmp/a.txt" && cp "$tmp/out" "$tmp/a.out"
expect_ok "${T[@]}" -m "$M" "$tmp/b.txt" && cp "$tmp/out" "$tmp/b.out"
expect_ok "${T[@]}" -m "$M" "$tmp/ab-blank.txt"
{ cat "$tmp/a.out"; echo; cat "$tmp/b.out"; echo; } >"$tmp/want"
same "$tmp/want" "$tmp/out" "blank lines: want T(a), blank, T(b), blank"
if [ "$(wc -l <"$tmp/a.out")" -ne 1 ] || [ -z "$(tr -d '\n' <"$tmp/a.out")" ]; then
    bad "T(a) is not one non-empty line"
fi

# Empty input: no output. A last line without a newline still gets one.
: >"$tmp/empty.txt"
IN=$tmp/empty.txt expect_ok "${T[@]}" -m "$M" && { [ -s "$tmp/out" ] && bad "output on empty input"; }
printf '%s' "$s_a" >"$tmp/a-nonl.txt"
expect_ok "${T[@]}" -m "$M" "$tmp/a-nonl.txt"
same "$tmp/a.out" "$tmp/out" "a last line without newline"

# CRLF line ends translate like LF ones, and no \r reaches the output.
printf '%s\r\n\r\n%s\r\n\r\n' "$s_a" "$s_b" >"$tmp/crlf.txt"
expect_ok "${T[@]}" -m "$M" "$tmp/crlf.txt"
same "$tmp/want" "$tmp/out" "CRLF input"
grep -q $'\r' "$tmp/out" && bad "carriage return in the output"

# stdin, '-', and file arguments give the same; several files are concatenated in order.
IN=$tmp/ab-blank.txt expect_ok "${T[@]}" -m "$M"
same "$tmp/want" "$tmp/out" "stdin vs file"
IN=$tmp/ab-blank.txt expect_ok "${T[@]}" -m "$M" -
same "$tmp/want" "$tmp/out" "'-' vs file"
expect_ok "${T[@]}" -m "$M" "$tmp/a.txt" "$tmp/b.txt" "$tmp/a.txt"
cat "$tmp/a.out" "$tmp/b.out" "$tmp/a.out" >"$tmp/want3"
same "$tmp/want3" "$tmp/out" "three file arguments"
expect_ok "${T[@]}" -m "$M" -- "$tmp/a.txt"
same "$tmp/a.out" "$tmp/out" "file after --"

# Paragraph mode splits a line into sentences and rejoins their translations with the source's
# own spacing; line mode translates the whole line as one sentence.
printf '%s\n' "$s_q" >"$tmp/q.txt"
expect_ok "${T[@]}" -m "$M" --split line "$tmp/q.txt" && q_out=$(cat "$tmp/out")
expect_ok "${T[@]}" -m "$M" --split line "$tmp/a.txt" && a_line=$(cat "$tmp/out")
printf '%s   %s\n' "$s_q" "$s_a" >"$tmp/para.txt"
expect_ok "${T[@]}" -m "$M" "$tmp/para.txt"
printf '%s   %s\n' "$q_out" "$a_line" >"$tmp/want-para"
same "$tmp/want-para" "$tmp/out" "paragraph = sentences rejoined with the source's spacing"
expect_ok "${T[@]}" -m "$M" --split line "$tmp/para.txt"
cp "$tmp/out" "$tmp/line.out"
[ "$(wc -l <"$tmp/line.out")" -eq 1 ] || bad "line mode: want one output line"
cmp -s "$tmp/line.out" "$tmp/want-para" && bad "line mode gave the paragraph-mode output"
# Leading and trailing spacing of a paragraph is kept.
printf '  %s \n' "$s_q" >"$tmp/spaced.txt"
expect_ok "${T[@]}" -m "$M" "$tmp/spaced.txt"
[ "$(cat "$tmp/out")" = "  $q_out " ] || bad "paragraph spacing not kept: '$(cat "$tmp/out")'"

# The Firefox defaults are what --beam 1 and paragraph mode spell out.
IN=$tmp/ab-blank.txt expect_ok "${T[@]}" -m "$M" --beam 1 --split paragraph
same "$tmp/want" "$tmp/out" "explicit defaults"
# Thread count does not change the output.
IN=$tmp/ab-blank.txt expect_ok "${T[@]}" -m "$M" --threads 1
same "$tmp/want" "$tmp/out" "--threads 1"
head -n 12 "$src" >"$tmp/twelve.txt"
expect_ok "${T[@]}" -m "$M" --threads 1 --beam 2 "$tmp/twelve.txt" && cp "$tmp/out" "$tmp/t1"
expect_ok "${T[@]}" -m "$M" --threads 4 --beam 2 "$tmp/twelve.txt"
same "$tmp/t1" "$tmp/out" "--threads 4 vs 1 (beam 2)"
[ "$(wc -l <"$tmp/t1")" -eq 12 ] || bad "12 lines in, $(wc -l <"$tmp/t1") out"

# --from/--to with -m just use -m, whatever the input looks like.
IN=$tmp/ab-blank.txt expect_ok "${T[@]}" -m "$M" --from auto
same "$tmp/want" "$tmp/out" "-m with --from auto"
IN=$tmp/digits.txt expect_ok "${T[@]}" -m "$M" --from auto --to en

# Without -m, the pair's model is found under $TARJAMA_MODELS.
ln -s "$(cd "$M" && pwd)" "$TARJAMA_MODELS/ar-en"
for opts in "--from auto" "--from ar" "--to en" "--from ar --to en" "--from auto --to en"; do
    # shellcheck disable=SC2086 # $opts is split into options on purpose
    IN=$tmp/ab-blank.txt expect_ok "${T[@]}" $opts
    same "$tmp/want" "$tmp/out" "model lookup with $opts"
done
expect_ok "${T[@]}" --from auto "$tmp/a.txt" "$tmp/b.txt" "$tmp/a.txt"
same "$tmp/want3" "$tmp/out" "--from auto over several files"
IN=$tmp/en.txt expect_err 1 "model en-ar is not installed" "${T[@]}" --from auto
# An installed en-ar is found the same way (the fixture stands in: it only has to load).
ln -s "$(cd "$M" && pwd)" "$TARJAMA_MODELS/en-ar"
IN=$tmp/en.txt expect_ok "${T[@]}" --from auto
[ "$(wc -l <"$tmp/out")" -eq 1 ] || bad "en-ar lookup: want one output line"

tj_test_done
