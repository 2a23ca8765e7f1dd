#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The large libraries load only with the features that need them (src/util/module.h):
#   - the command and libtarjama.so are not linked with libcurl, libxml2, libzip, cmark-gfm,
#     libmicrohttpd or jansson; the modules tarjama-doc.so, tarjama-fetch.so and
#     tarjama-serve.so are, each with its own;
#   - translating text loads none of them, translating HTML loads the document module;
#   - a command whose modules are missing still translates text, and says in one line which
#     module a document or the server needs (exit 1); a module from another version is refused.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TJ_BUILD:-$root/build}
bin=${TJ_BIN:-$build/tarjama}
[ -x "$bin" ] || { echo "skipped: no $bin"; exit 77; }
bdir=$(cd "$(dirname "$bin")" && pwd)
for m in doc fetch; do
    [ -f "$bdir/tarjama-$m.so" ] || { echo "skipped: no $bdir/tarjama-$m.so"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_modules.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
heavy='lib(curl|xml2|zip|cmark-gfm|microhttpd|jansson)\.'

# 1. what is linked
for f in "$bin" "$bdir/libtarjama.so"; do
    [ -f "$f" ] || continue
    l=$(ldd "$f" | grep -oE "$heavy" | sort -u | tr '\n' ' ')
    [ -z "$l" ] || bad "$(basename "$f") is linked with $l"
done
ldd "$bdir/tarjama-doc.so" | grep -q 'libxml2\.' || bad "tarjama-doc.so is not linked with libxml2"
ldd "$bdir/tarjama-fetch.so" | grep -q 'libcurl\.' || bad "tarjama-fetch.so is not linked with libcurl"
if [ -f "$bdir/tarjama-serve.so" ]; then
    ldd "$bdir/tarjama-serve.so" | grep -q 'libmicrohttpd\.' ||
        bad "tarjama-serve.so is not linked with libmicrohttpd"
fi

# 2. what is loaded (the dynamic loader's own log)
model=$root/models/en-ar
printf 'Good morning.\n' > "$tmp/en.txt"
printf '<p>Good morning.</p>\n' > "$tmp/en.html"
LD_DEBUG=files "$bin" translate -m "$model" < "$tmp/en.txt" > "$tmp/out.txt" 2> "$tmp/ld.log" ||
    bad "translate failed: $(grep -v '^ *[0-9]*:' "$tmp/ld.log" | head -1)"
[ -s "$tmp/out.txt" ] || bad "translate printed nothing"
l=$(grep -oE "file=[^ ]*($heavy|tarjama-[a-z]+\.so)" "$tmp/ld.log" | sort -u | tr '\n' ' ')
[ -z "$l" ] || bad "translating text loaded $l"
LD_DEBUG=files "$bin" translate -m "$model" --format html < "$tmp/en.html" > "$tmp/out.html" \
    2> "$tmp/ld.log" || bad "translate --format html failed: $(grep -v '^ *[0-9]*:' "$tmp/ld.log" | head -1)"
grep -q '^<p' "$tmp/out.html" || bad "HTML translation: $(head -c 200 "$tmp/out.html")"
grep -q 'file=[^ ]*tarjama-doc\.so' "$tmp/ld.log" || bad "translating HTML did not load tarjama-doc.so"
grep -q 'file=[^ ]*libxml2\.' "$tmp/ld.log" || bad "translating HTML did not load libxml2"

# 3. a command without its modules
mkdir "$tmp/alone"
cp "$bin" "$tmp/alone/tarjama"
"$tmp/alone/tarjama" translate -m "$model" < "$tmp/en.txt" > "$tmp/alone.txt" 2> "$tmp/err" ||
    bad "text without modules: $(head -1 "$tmp/err")"
cmp -s "$tmp/out.txt" "$tmp/alone.txt" || bad "text without modules differs"
"$tmp/alone/tarjama" translate -m "$model" --format html < "$tmp/en.html" > "$tmp/o" 2> "$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q 'tarjama-doc\.so' "$tmp/err" ||
    bad "HTML without the module: exit $rc, '$(cat "$tmp/err")'"
[ -s "$tmp/o" ] && bad "HTML without the module wrote output"
if [ -f "$bdir/tarjama-serve.so" ]; then
    "$tmp/alone/tarjama" serve -m "$model" --port 0 > /dev/null 2> "$tmp/err"
    rc=$?
    [ $rc = 1 ] && grep -q 'tarjama-serve\.so' "$tmp/err" ||
        bad "serve without the module: exit $rc, '$(cat "$tmp/err")'"
fi

# 4. a module of another version beside it
cat > "$tmp/fake.c" <<'C'
#include "doc/formats_module.h"
const tj_doc_module tj_module = {TJ_MODULE_HEAD(tj_doc_module)};
C
if ${CC:-cc} -shared -fPIC -DTJ_VERSION='"0.0.0-other"' -I "$root/include" -I "$root/src" \
    "$tmp/fake.c" -o "$tmp/alone/tarjama-doc.so" 2> "$tmp/err"; then
    "$tmp/alone/tarjama" translate -m "$model" --format html < "$tmp/en.html" > /dev/null 2> "$tmp/err"
    rc=$?
    [ $rc = 1 ] && grep -q 'tarjama-doc\.so is not from tarjama' "$tmp/err" ||
        bad "module of another version: exit $rc, '$(cat "$tmp/err")'"
else
    bad "could not build the fake module: $(head -1 "$tmp/err")"
fi

if [ $fails -ne 0 ]; then echo "modules: $fails failure(s)"; exit 1; fi
echo "modules: all checks passed"
