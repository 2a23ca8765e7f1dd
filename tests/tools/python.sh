# SPDX-License-Identifier: MIT
# Sourced by the tests that run tools/train/. find_python MODULES sets PY to a python3 that imports
# MODULES (as written after "import", e.g. "torch, numpy"), or skips the test (exit 77) when there
# is none. Debian's python3-torch lives in /usr/bin/python3, which need not be the python3 on PATH.
find_python() {
    PY=
    for p in python3 /usr/bin/python3; do
        if command -v $p > /dev/null 2>&1 && $p -c "import $1" 2> /dev/null; then PY=$p; break; fi
    done
    if [ -z "$PY" ]; then echo "skipped: python3 with $1 not found"; exit 77; fi
}
