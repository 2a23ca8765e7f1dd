#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tarjama.pc: `cmake --install` into a temporary prefix, then the README's library example is
# compiled and linked with nothing but `pkg-config --cflags --libs tarjama` against that prefix,
# once against the shared library and once against the static one (a copy of the prefix without
# libtarjama.so, linked with `pkg-config --static`), and run: each prints the two translations the
# installed `tarjama translate` gives for the same texts. Also: the shared library's SONAME and
# that it exports exactly the functions declared in tarjama.h.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TJ_BUILD:-$root/build}
[ -f "$build/cmake_install.cmake" ] || { echo "skipped: no CMake build tree at $build"; exit 77; }
command -v pkg-config > /dev/null || { echo "skipped: pkg-config not installed"; exit 77; }
if grep -Eq '^TJ_(SANITIZE|FUZZ):BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null; then
    echo "skipped: sanitizer build (the example would need the sanitizer runtime)"
    exit 77
fi
[ -d "$root/models/ar-en" ] || { echo "skipped: models/ar-en not in this checkout"; exit 77; }
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_pc.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
pc=$(find "$prefix" -name tarjama.pc)
[ -n "$pc" ] || { echo "FAIL: tarjama.pc not installed"; exit 1; }
echo "installed: ${pc#"$prefix"/}"
pcdir=$(dirname "$pc")
grep -qx "prefix=$prefix" "$pc" || bad "tarjama.pc: prefix is not the install prefix: $(grep ^prefix= "$pc")"
ver=$(sed -n 's/^project(tarjama VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion tarjama)" = "$ver" ] ||
    bad "pkg-config --modversion: $(PKG_CONFIG_PATH=$pcdir pkg-config --modversion tarjama 2>&1), want $ver"
PKG_CONFIG_PATH=$pcdir pkg-config --validate tarjama 2> /dev/null || bad "pkg-config --validate tarjama"

# The README's example, verbatim (the C block after "## Library"), with the model path made
# absolute.
awk '/^## Library/{l=1} l && /^```c$/{c=1; next} c && /^```$/{exit} c' "$root/README.md" |
    sed "s|\"models/ar-en\"|\"$prefix/share/tarjama/models/ar-en\"|" > "$tmp/app.c"
grep -q tj_translate "$tmp/app.c" || { echo "FAIL: no C example found in README.md"; exit 1; }
texts=$(sed -n 's/.*const char \*texts\[\] = {\(.*\)};.*/\1/p' "$tmp/app.c" | tr -d '"' | sed 's/, /\n/')
want=$(printf '%s\n' "$texts" | "$prefix/bin/tarjama" translate -m "$prefix/share/tarjama/models/ar-en")

# Shared: -ltarjama finds libtarjama.so; the program needs libtarjama.so.0 at run time.
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs tarjama)
echo "shared: cc app.c $flags"
# shellcheck disable=SC2086 # pkg-config's output is a word list
if $cc -std=c11 -Wall -Werror "$tmp/app.c" $flags -o "$tmp/app_shared" 2> "$tmp/err"; then
    readelf -d "$tmp/app_shared" | grep -q 'NEEDED.*\[libtarjama\.so\.0\]' ||
        bad "app_shared does not need libtarjama.so.0"
    libdir=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir tarjama)
    got=$(LD_LIBRARY_PATH=$libdir "$tmp/app_shared" 2>&1)
    [ "$got" = "$want" ] || bad "app_shared printed '$got', want '$want'"
else
    bad "shared link failed: $(head -3 "$tmp/err")"
fi

# Static: the same prefix without the shared library, so -ltarjama can only be libtarjama.a,
# and --static adds its private dependencies (zlib, zstd, curl, pthread, m).
cp -a "$prefix" "$tmp/static"
find "$tmp/static" -name 'libtarjama.so*' -delete
spc=$(find "$tmp/static" -name tarjama.pc)
sed -i "s|^prefix=.*|prefix=$tmp/static|" "$spc"
flags=$(PKG_CONFIG_PATH=$(dirname "$spc") pkg-config --static --cflags --libs tarjama)
echo "static: cc app.c $flags"
# shellcheck disable=SC2086
if $cc -std=c11 -Wall -Werror "$tmp/app.c" $flags -o "$tmp/app_static" 2> "$tmp/err"; then
    readelf -d "$tmp/app_static" | grep -q libtarjama && bad "app_static still needs libtarjama.so"
    got=$("$tmp/app_static" 2>&1)
    [ "$got" = "$want" ] || bad "app_static printed '$got', want '$want'"
else
    bad "static link failed: $(head -3 "$tmp/err")"
fi

# ABI: SONAME libtarjama.so.0 (docs/packaging.md) and exactly the header's functions exported.
so=$(find "$prefix" -name 'libtarjama.so.0.*' | head -1)
soname=$(readelf -d "$so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libtarjama.so.0 ] || bad "SONAME is '$soname', want libtarjama.so.0"
sed -n 's/.*\b\(tj_[a-z0-9_]*\)(.*/\1/p' "$root/include/tarjama.h" | sort -u > "$tmp/api"
nm -D --defined-only "$so" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort -u > "$tmp/exported"
if ! cmp -s "$tmp/api" "$tmp/exported"; then
    bad "exported functions differ from tarjama.h: $(diff "$tmp/api" "$tmp/exported" | grep '^[<>]' | tr '\n' ' ')"
fi
echo "ABI: $soname, $(wc -l < "$tmp/exported") functions exported (version node TARJAMA_0)"

if [ $fails -ne 0 ]; then echo "pkgconfig: $fails failure(s)"; exit 1; fi
echo "pkgconfig: all checks passed"
