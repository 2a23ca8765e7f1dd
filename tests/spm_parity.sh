#!/bin/bash
# SPDX-License-Identifier: MIT
# SentencePiece parity of `tarjama tokenize` / `tarjama detokenize` with Debian's spm_encode /
# spm_decode (apt-get install sentencepiece):
#   1. command-line behaviour (help, usage errors, bad vocabularies) on a tiny model that
#      test_spm writes — needs no ../shared;
#   2. ../shared/tools/spm-parity: ids of every .spm under ../shared on every eval text;
#   3. decoding: spm_decode --input_format=id vs tarjama detokenize --ids on spm_encode's ids,
#      and pieces (spm_decode default) vs tarjama detokenize, for every vocab and eval text,
#      compressed vocabularies (.spm.gz) included.
# Exit 77 (skipped) when ../shared or spm_encode is missing.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bin=${TJ_BIN:-$root/build/tarjama}
build=${TJ_BUILD:-$(dirname "$bin")}
shared=${TJ_SHARED:-$root/../shared}
[ -x "$bin" ] || { echo "tarjama not built: $bin"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# expect STATUS COMMAND...: runs the command, checks its exit status and, on failure, that it
# printed exactly one line to stderr.
expect() {
    local want=$1; shift
    "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
    local rc=$?
    [ "$rc" -eq "$want" ] || { bad "exit $rc (want $want): $*"; cat "$tmp/err"; return; }
    if [ "$want" -ne 0 ] && [ "$(wc -l < "$tmp/err")" -ne 1 ]; then
        bad "want one error line: $*"; cat "$tmp/err"
    fi
}

# ---------------------------------------------------------------- 1. command line
if [ -x "$build/test_spm" ] && "$build/test_spm" --write-model "$tmp/tiny.spm"; then
    v=$tmp/tiny.spm
    expect 0 "$bin" tokenize --help
    grep -q -- '--vocab' "$tmp/out" || bad "tokenize --help lacks --vocab"
    expect 0 "$bin" detokenize --help
    expect 2 "$bin" tokenize
    expect 2 "$bin" tokenize --vocab
    expect 2 "$bin" tokenize --vocab "$v" --bogus
    expect 2 "$bin" detokenize --frobnicate --vocab "$v"
    expect 1 "$bin" tokenize --vocab "$tmp/missing.spm"
    printf 'not a model at all\n' > "$tmp/garbage.spm"
    expect 1 "$bin" tokenize --vocab "$tmp/garbage.spm"
    head -c 100 "$v" > "$tmp/truncated.spm"
    expect 1 "$bin" detokenize --vocab "$tmp/truncated.spm"
    expect 1 "$bin" tokenize --vocab "$v" "$tmp/missing.txt"

    # The tiny model's segmentations are worked out in tests/test_spm.c. Invalid UTF-8 is not
    # here: the commands refuse it, as translate does (below; how the library encodes such
    # bytes, like spm_encode, is checked in tests/test_spm.c).
    printf 'ab ab c\n\n  a   b  \nxyz\nAAA\tb' > "$tmp/in.txt"
    printf '6 6 3 9\n\n8 13\n3 0\n13 4 13\n' > "$tmp/want.ids"
    "$bin" tokenize --vocab "$v" --ids "$tmp/in.txt" > "$tmp/got.ids" || bad "tokenize --ids failed"
    cmp -s "$tmp/want.ids" "$tmp/got.ids" || bad "tokenize --ids: $(tr '\n' '|' < "$tmp/got.ids")"
    printf '\xe2\x96\x81ab \xe2\x96\x81ab \xe2\x96\x81 c\n\n\xe2\x96\x81a \xe2\x96\x81b\n\xe2\x96\x81 xyz\n\xe2\x96\x81b a \xe2\x96\x81b\n' > "$tmp/want.pcs"
    "$bin" tokenize --vocab "$v" < "$tmp/in.txt" > "$tmp/got.pcs" || bad "tokenize failed"
    cmp -s "$tmp/want.pcs" "$tmp/got.pcs" || bad "tokenize pieces: $(tr '\n' '|' < "$tmp/got.pcs")"
    printf 'ab ab c\n\na b\nxyz\nba b\n' > "$tmp/want.txt"
    "$bin" detokenize --vocab "$v" < "$tmp/got.pcs" > "$tmp/got.txt" || bad "detokenize failed"
    cmp -s "$tmp/want.txt" "$tmp/got.txt" || bad "detokenize: $(tr '\n' '|' < "$tmp/got.txt")"
    printf 'ab ab c\n\na b\n \xe2\x81\x87 \nba b\n' > "$tmp/want.txt"
    "$bin" detokenize --vocab "$v" --ids - < "$tmp/got.ids" > "$tmp/got.txt" || bad "detokenize --ids failed"
    cmp -s "$tmp/want.txt" "$tmp/got.txt" || bad "detokenize --ids: $(tr '\n' '|' < "$tmp/got.txt")"
    printf 'ok\na\xffb\n' > "$tmp/bad.txt"
    expect 1 "$bin" tokenize --vocab "$v" "$tmp/bad.txt"
    grep -q 'bad.txt: invalid UTF-8 at line 2, byte offset 4$' "$tmp/err" ||
        bad "tokenize of invalid UTF-8: $(cat "$tmp/err")"
    printf '6 99\n' > "$tmp/oob.ids"
    expect 1 "$bin" detokenize --vocab "$v" --ids "$tmp/oob.ids"
    printf '6 x7\n' > "$tmp/nan.ids"
    expect 1 "$bin" detokenize --vocab "$v" --ids "$tmp/nan.ids"
else
    bad "cannot write the tiny model with $build/test_spm"
fi
[ "$fail" -eq 0 ] || exit 1
echo "command-line checks passed"

# ---------------------------------------------------------------- 2. and 3. parity
if [ ! -d "$shared" ]; then echo "skipped: ../shared not found"; exit 77; fi
if ! command -v spm_encode > /dev/null || ! command -v spm_decode > /dev/null; then
    echo "skipped: spm_encode/spm_decode not found (apt-get install -y sentencepiece)"
    exit 77
fi
shared=$(cd "$shared" && pwd)

"$shared/tools/spm-parity" "$bin" || fail=1

same_lines() { # FILE_A FILE_B: lines identical at the same line number
    awk 'NR==FNR{x[FNR]=$0; next} (FNR in x) && x[FNR]==$0{c++} END{print c+0}' "$1" "$2"
}
tot=0; same=0; ptot=0; psame=0; ztot=0; zsame=0
for v in $(find "$shared/corpus" "$shared/fixtures" -name '*.spm' -o -name '*.spm.gz' | sort); do
    plain=$v
    case $v in *.gz) plain=$tmp/plain.spm; gzip -dc "$v" > "$plain" ;; esac
    for f in "$shared"/eval/*.ar "$shared"/eval/*.en; do
        spm_encode --model "$plain" --output_format=id < "$f" > "$tmp/ids"
        t=$(wc -l < "$tmp/ids")
        if [ "$v" != "$plain" ]; then
            # a compressed vocabulary must encode like its plain twin
            "$bin" tokenize --vocab "$v" --ids < "$f" > "$tmp/ids.z"
            s=$(same_lines "$tmp/ids" "$tmp/ids.z")
            [ "$s" -eq "$t" ] || echo "encode differs: $(basename "$v") on $(basename "$f"): $s/$t"
            ztot=$((ztot + t)); zsame=$((zsame + s))
        fi
        spm_decode --model "$plain" --input_format=id < "$tmp/ids" > "$tmp/a"
        "$bin" detokenize --vocab "$v" --ids < "$tmp/ids" > "$tmp/b"
        s=$(same_lines "$tmp/a" "$tmp/b")
        [ "$s" -eq "$t" ] || echo "id decode differs: $(basename "$v") on $(basename "$f"): $s/$t"
        tot=$((tot + t)); same=$((same + s))

        spm_encode --model "$plain" < "$f" > "$tmp/pcs"
        spm_decode --model "$plain" < "$tmp/pcs" > "$tmp/a"
        "$bin" detokenize --vocab "$v" < "$tmp/pcs" > "$tmp/b"
        s=$(same_lines "$tmp/a" "$tmp/b")
        [ "$s" -eq "$t" ] || echo "piece decode differs: $(basename "$v") on $(basename "$f"): $s/$t"
        ptot=$((ptot + t)); psame=$((psame + s))
    done
done
echo "spm decode parity (ids): $same/$tot lines identical"
echo "spm decode parity (pieces): $psame/$ptot lines identical"
echo "spm encode parity (.spm.gz vocabularies): $zsame/$ztot lines identical"
[ "$tot" -gt 0 ] && [ "$same" -eq "$tot" ] && [ "$psame" -eq "$ptot" ] && [ "$zsame" -eq "$ztot" ] || fail=1
exit $fail
