#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Python binding (bindings/python/tarjama) over the build's libtarjama.so: its pytest suite
# (bindings/python/tests) with Debian's python3-pytest. Skips (77) without pytest, without the
# shared library, or in a sanitizer build (a sanitized library cannot be loaded into python3).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TJ_BUILD:-$root/build}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "skipped: no python3"; exit 77; }
if ! "$py" -c 'import pytest' 2> /dev/null; then
    echo "skipped: pytest not installed for $py (apt-get install python3-pytest)"
    exit 77
fi
if grep -Eq '^TJ_(SANITIZE|FUZZ):BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null; then
    echo "skipped: sanitizer build (libtarjama.so needs the sanitizer runtime preloaded)"
    exit 77
fi
lib=$build/libtarjama.so
[ -e "$lib" ] || { echo "skipped: no $lib (build the tarjama_shared target)"; exit 77; }
export TARJAMA_LIBRARY=$lib TJ_BIN=${TJ_BIN:-$build/tarjama}
export PYTHONPATH=$root/bindings/python${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1
cd "$root" && exec "$py" -m pytest -q -p no:cacheprovider bindings/python/tests
