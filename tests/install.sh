#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `cmake --install` gives a working tarjama: the command, the library and header, and the starter
# models in PREFIX/share/tarjama/models, where the installed command finds them on its own (no
# -m, nothing else installed) and translates exactly as the build tree's command does with -m.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TJ_BUILD:-$root/build}
if [ ! -f "$build/cmake_install.cmake" ]; then
    echo "skipped: no CMake build tree at $build (set TJ_BUILD)"
    exit 77
fi
for d in ar-en en-ar; do
    if [ ! -d "$root/models/$d" ]; then echo "skipped: models/$d not in this checkout"; exit 77; fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
for f in bin/tarjama include/tarjama.h share/tarjama/models/README.md; do
    [ -f "$prefix/$f" ] || bad "$f not installed"
done
ls "$prefix"/lib*/libtarjama.a > /dev/null 2>&1 || ls "$prefix"/lib/*/libtarjama.a > /dev/null 2>&1 ||
    bad "libtarjama.a not installed"
for d in ar-en en-ar; do
    diff -r -q "$root/models/$d" "$prefix/share/tarjama/models/$d" > /dev/null ||
        bad "share/tarjama/models/$d differs from models/$d"
done

# Only the installed copy can answer: no user models, no override.
export TARJAMA_MODELS=$tmp/none XDG_DATA_HOME=$tmp/xdg HOME=$tmp
unset TARJAMA_BUNDLED_MODELS TARJAMA_REGISTRY
for d in ar-en en-ar; do
    path=$("$prefix/bin/tarjama" models path "$d" 2>&1)
    [ "$path" = "$prefix/share/tarjama/models/$d" ] || bad "models path $d = $path"
done
printf '%s\n' 'وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.' > "$tmp/ar.txt"
printf '%s\n' 'The president arrived in Cairo this morning for talks.' > "$tmp/en.txt"
for d in ar-en en-ar; do
    s=${d%-*}
    "$prefix/bin/tarjama" translate --from "$s" < "$tmp/$s.txt" > "$tmp/inst.$d" 2> "$tmp/err" ||
        bad "installed translate --from $s: $(head -1 "$tmp/err")"
    "$build/tarjama" translate -m "$root/models/$d" < "$tmp/$s.txt" > "$tmp/tree.$d" 2>&1
    [ -s "$tmp/inst.$d" ] && cmp -s "$tmp/inst.$d" "$tmp/tree.$d" ||
        bad "$d: installed output '$(cat "$tmp/inst.$d")' differs from the build tree's '$(cat "$tmp/tree.$d")'"
done

# The modules (src/util/module.h) are found from the installed command and library.
for m in doc fetch; do
    found=0
    for f in "$prefix"/lib*/tarjama/tarjama-$m.so "$prefix"/lib/*/tarjama/tarjama-$m.so; do
        [ -f "$f" ] && found=1
    done
    [ $found = 1 ] || bad "tarjama-$m.so not installed in LIBDIR/tarjama"
done
printf '%s\n' '<p>The president arrived in Cairo.</p>' > "$tmp/en.html"
"$prefix/bin/tarjama" translate --from en --format html < "$tmp/en.html" > "$tmp/inst.html" 2> "$tmp/err" &&
    grep -q '^<p' "$tmp/inst.html" || bad "installed translate --format html: $(head -1 "$tmp/err")"

if [ $fails -ne 0 ]; then echo "install: $fails failure(s)"; exit 1; fi
echo "install: all checks passed"
