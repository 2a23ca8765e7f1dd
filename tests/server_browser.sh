#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The web page of `tarjama serve` in a real browser: Debian's chromium, headless, driven by
# Debian's python3-selenium through chromium-driver (tests/server_browser.py). Types Arabic, waits
# for the translation, swaps, uses Ctrl+Enter, the character limit, uploads a file, checks that
# the page made no request off the server, and saves desktop and phone-width screenshots in the
# build folder ($TJ_BUILD). Skips (77) without chromium, chromedriver or python3-selenium.
# env: TJ_BIN (built tarjama), TJ_BUILD (where the screenshots go).
set -u
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init server_browser
tj_need_server
chrome=$(command -v chromium || true)
driver=$(command -v chromedriver || true)
# Debian's selenium lives in Debian's python, which may not be the first python3 on PATH.
py=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import selenium' 2>/dev/null; then
        py=$p
        break
    fi
done
if [ -z "$chrome" ] || [ -z "$driver" ] || [ -z "$py" ]; then
    echo "skipped: needs chromium, chromium-driver and python3-selenium (apt-get install them)"
    exit 77
fi
"$py" "$root/tests/server_browser.py" "$bin" "$chrome" "$driver" "${TJ_BUILD:-$root/build}"
