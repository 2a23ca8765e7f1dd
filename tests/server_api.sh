#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama serve`: the LibreTranslate API end to end (tests/server_api.py does the work: it starts
# servers on free loopback ports with the starter models and checks every endpoint, the reply
# shapes and error messages LibreTranslate documents, limits, API keys, hostile requests and
# parallel requests). Skips (77) without python3, curl, the binary or a server-enabled build.
# env: TJ_BIN (built tarjama).
set -u
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init server_api
for tool in python3 curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool not installed"
        exit 77
    fi
done
tj_need_server
tj_need_starter_models
python3 "$root/tests/server_api.py" "$bin"
