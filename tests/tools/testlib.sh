# SPDX-License-Identifier: MIT
# Sourced by the shell tests (it lives outside tests/*.sh so CMake does not run it as a test).
#   . "$(dirname "$0")/tools/testlib.sh"
#   tj_test_init NAME [python3]   cd to the repository root; sets root, bin (TJ_BIN or
#                                 build/tarjama), shared (TJ_SHARED or ../shared) and tmp (a
#                                 directory removed on exit); exits 77 (skip) when the binary,
#                                 or python3 when named, is missing
#   tj_need_starter_models        exits 77 unless models/ar-en and models/en-ar are there
#   tj_need_server                exits 77 when tarjama was built without the server
#   bad MESSAGE / ok              count a failed / passed check
#   tj_test_done                  prints "NAME: P passed, F failed" and exits non-zero on failures
tj_test_init() {
    tj_name=$1
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    cd "$root" || exit 1
    bin=${TJ_BIN:-$root/build/tarjama}
    shared=${TJ_SHARED:-$root/../shared}
    if [ ! -x "$bin" ]; then
        echo "skipped: tarjama binary not found at $bin (set TJ_BIN)"
        exit 77
    fi
    if [ "${2:-}" = python3 ] && ! command -v python3 >/dev/null; then
        echo "skipped: python3 not installed (this test's checker needs it)"
        exit 77
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_$tj_name.XXXXXX") || exit 1
    # background jobs (servers, streams) end with the test
    trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT
    fails=0
    passes=0
}

tj_need_starter_models() {
    if [ ! -d "$root/models/ar-en" ] || [ ! -d "$root/models/en-ar" ]; then
        echo "skipped: the starter models (models/ar-en, models/en-ar) are missing"
        exit 77
    fi
}

tj_need_server() {
    if "$bin" serve --port -1 2>&1 | grep -q "built without"; then
        echo "skipped: this tarjama was built without libmicrohttpd/jansson"
        exit 77
    fi
}

bad() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

ok() { passes=$((passes + 1)); }

tj_test_done() {
    echo "$tj_name: $passes passed, $fails failed"
    [ "$fails" -eq 0 ]
    exit
}
