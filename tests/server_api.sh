#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama serve`: the LibreTranslate API end to end (tests/server_api.py does the work: it starts
# servers on free loopback ports with the starter models and checks every endpoint, the reply
# shapes and error messages LibreTranslate documents, limits, API keys, hostile requests and
# parallel requests). Skips (77) without python3, curl, the binary or a server-enabled build.
# env: TJ_BIN (built tarjama).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bin=${TJ_BIN:-$root/build/tarjama}
if [ ! -x "$bin" ]; then
    echo "skipped: tarjama binary not found at $bin (set TJ_BIN)"
    exit 77
fi
for tool in python3 curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool not installed"
        exit 77
    fi
done
if "$bin" serve --port -1 2>&1 | grep -q "built without"; then
    echo "skipped: this tarjama was built without libmicrohttpd/jansson"
    exit 77
fi
if [ ! -d models/ar-en ] || [ ! -d models/en-ar ]; then
    echo "skipped: the starter models (models/ar-en, models/en-ar) are missing"
    exit 77
fi
exec python3 "$root/tests/server_api.py" "$bin"
