#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end test of `tarjama models`: a local HTTP server on 127.0.0.1 serves small files made
# here, a test registry (TARJAMA_REGISTRY) points at them, and we check the happy path, a wrong
# checksum, a truncated response, a 404, an interrupted download resumed with a Range request,
# a server that ignores Range, verify/path/remove, and the URL and disk-error guards.
# Expected digests come from coreutils sha256sum; no network and no ../shared needed.
set -u

TJ_BIN=${TJ_BIN:-}
if [ -z "$TJ_BIN" ] || [ ! -x "$TJ_BIN" ]; then
    echo "skipped: TJ_BIN (the built tarjama) not set"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "skipped: python3 (needed for the test HTTP server) not found"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj-models.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${TJ_KEEP:-}" ] && trap - EXIT

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# ---------------------------------------------------------------- payloads and registry
src=$tmp/src
www=$tmp/www
mkdir -p "$src" "$www/m"
# Deterministic, poorly compressible bytes, so that the .gz is large enough to cut in the middle.
python3 -c '
import hashlib, sys
out = bytearray()
block = b"tarjama"
while len(out) < 300000:
    block = hashlib.sha256(block).digest()
    out += block
sys.stdout.buffer.write(bytes(out[:300000]))' >"$src/model.xxyy.bin"
printf 'vocab line %d\n' $(seq 1 4000) >"$src/vocab.xxyy.spm"
printf 'lex %d\n' $(seq 1 500) >"$src/lex.xxyy.bin"
gzip -9 -n -c "$src/model.xxyy.bin" >"$www/m/model.xxyy.bin.gz"
if command -v zstd >/dev/null 2>&1; then
    vocab_pub=vocab.xxyy.spm.zst
    zstd -q -19 -c "$src/vocab.xxyy.spm" >"$www/m/$vocab_pub"
else
    echo "note: the zstd command is missing, so the .zst path is not exercised"
    vocab_pub=vocab.xxyy.spm.gz
    gzip -n -c "$src/vocab.xxyy.spm" >"$www/m/$vocab_pub"
fi
cp "$src/lex.xxyy.bin" "$www/m/lex.xxyy.bin"

M=$www/m/model.xxyy.bin.gz V=$www/m/$vocab_pub L=$www/m/lex.xxyy.bin
bogus=0000000000000000000000000000000000000000000000000000000000000000
{
    echo "# test registry: PAIR FILE URL SIZE SHA256 [RAW_SIZE RAW_SHA256]"
    printf 'xx-yy\tmodel.xxyy.bin.gz\tm/model.xxyy.bin.gz\t%s\t%s\t%s\t%s\n' \
        "$(size "$M")" "$(sha "$M")" "$(size "$src/model.xxyy.bin")" "$(sha "$src/model.xxyy.bin")"
    printf 'xx-yy\t%s\tm/%s\t%s\t%s\n' "$vocab_pub" "$vocab_pub" "$(size "$V")" "$(sha "$V")"
    printf 'xx-yy\tlex.xxyy.bin\tm/lex.xxyy.bin\t%s\t%s\t-\t-\n' "$(size "$L")" "$(sha "$L")"
    # Second variant of the same pair: the same model under another URL path (for rules).
    printf 'xx-yy:alt\tmodel.xxyy.bin.gz\tm/alt/model.xxyy.bin.gz\t%s\t%s\n' "$(size "$M")" "$(sha "$M")"
    # Correct published digest, wrong uncompressed digest.
    printf 'rawbad-xx\tmodel.xxyy.bin.gz\tm/model.xxyy.bin.gz\t%s\t%s\t%s\t%s\n' \
        "$(size "$M")" "$(sha "$M")" "$(size "$src/model.xxyy.bin")" "$bogus"
    # Plain http to a non-loopback host must be refused before any connection.
    printf 'far-xx\tlex.xxyy.bin\thttp://192.0.2.1/lex.xxyy.bin\t%s\t%s\n' "$(size "$L")" "$(sha "$L")"
} >"$tmp/registry.tsv"
mkdir -p "$www/m/alt"
cp "$M" "$www/m/alt/model.xxyy.bin.gz"

# ---------------------------------------------------------------- server
rules=$tmp/rules
log=$tmp/requests.log
: >"$rules"
python3 "$here/tools/http_server.py" --root "$www" --port-file "$tmp/port" --log "$log" \
    --rules "$rules" --lifetime 240 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.1
done
if [ ! -s "$tmp/port" ]; then
    echo "FAIL: the test HTTP server did not start"
    exit 1
fi
port=$(cat "$tmp/port")

export XDG_DATA_HOME=$tmp/data HOME=$tmp/home
export TARJAMA_REGISTRY=$tmp/registry.tsv TARJAMA_MIRROR=http://127.0.0.1:$port
unset TARJAMA_MODELS http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
store=$XDG_DATA_HOME/tarjama/models

tj() { timeout 60 "$TJ_BIN" models "$@" >"$tmp/out" 2>"$tmp/err"; local r=$?; [ -n "${TJ_VERBOSE:-}" ] && { echo "$ tarjama models $*"; cat "$tmp/out" "$tmp/err"; }; return $r; }
expect_rc() { # WANT WHAT: compares with the rc of the last tj call (in $rc)
    if [ "$rc" -ne "$1" ]; then
        fail "$2: exit $rc, expected $1"
        sed 's/^/    stderr: /' "$tmp/err"
    fi
}
expect_err() { grep -q -- "$1" "$tmp/err" || { fail "$2: stderr lacks '$1'"; sed 's/^/    stderr: /' "$tmp/err"; }; }
expect_err_lines() { # a failure is reported in one line
    n=$(grep -c '^tarjama: ' "$tmp/err")
    [ "$n" -ge 1 ] || fail "$1: no 'tarjama: ' error line"
}

# ---------------------------------------------------------------- 0. nothing fetched yet
# Only a bundled starter model answers for xx-yy (it has no SHA256SUMS and no pinned digests):
# verify must say that xx-yy is not installed, not that the starter model FAILED.
bundled=$tmp/bundled
mkdir -p "$bundled/xx-yy"
printf 'starter\n' >"$bundled/xx-yy/model.xxyy.bin"
TARJAMA_BUNDLED_MODELS=$bundled tj verify xx-yy; rc=$?
expect_rc 1 "verify with only the bundled starter model"
expect_err "xx-yy is not installed in $store: .*bundled starter model in $bundled/xx-yy" \
    "verify with only the bundled starter model"
grep -q FAILED "$tmp/out" "$tmp/err" && fail "verify reports the bundled starter model as FAILED"
TARJAMA_BUNDLED_MODELS=$bundled tj verify; rc=$?
expect_rc 0 "verify (all) with only the bundled starter model"
grep -q FAILED "$tmp/out" "$tmp/err" && fail "verify (all) reports the bundled starter model as FAILED"
grep -q "no models installed in $store" "$tmp/out" || fail "verify (all) should say nothing is installed"
TARJAMA_BUNDLED_MODELS=$bundled tj remove xx-yy; rc=$?
expect_rc 1 "remove with only the bundled starter model"
expect_err "xx-yy is not installed in $store (the bundled starter model in $bundled/xx-yy is part" \
    "remove with only the bundled starter model"
[ -d "$bundled/xx-yy" ] || fail "remove deleted the bundled starter model"
# A name the registry does not know: say so and list the known ones, suggest no fetch.
tj path bogus; rc=$?
expect_rc 1 "path of an unknown model"
expect_err "unknown model 'bogus' (available: xx-yy, " "path of an unknown model"
grep -q 'models fetch' "$tmp/err" && fail "path suggests fetching an unknown model: $(cat "$tmp/err")"

# ---------------------------------------------------------------- 1. happy path
tj list; rc=$?
expect_rc 0 "list"
grep -q '^xx-yy .*-' "$tmp/out" || fail "list does not show xx-yy as not installed"

tj fetch xx-yy; rc=$?
expect_rc 0 "fetch xx-yy"
d=$store/xx-yy
cmp -s "$d/model.xxyy.bin" "$src/model.xxyy.bin" || fail "installed model differs from the original"
cmp -s "$d/vocab.xxyy.spm" "$src/vocab.xxyy.spm" || fail "installed (zstd) vocab differs"
cmp -s "$d/lex.xxyy.bin" "$src/lex.xxyy.bin" || fail "installed uncompressed lex differs"
[ -f "$d/SHA256SUMS" ] && (cd "$d" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 ||
    fail "SHA256SUMS missing or not accepted by sha256sum -c"
[ "$(wc -l <"$d/SHA256SUMS")" -eq 3 ] || fail "SHA256SUMS should list 3 files"
ls "$d" | grep -q '\.gz$\|\.zst$\|\.part$' && fail "compressed or partial files left in the install"
[ -e "$store/.xx-yy.partial" ] && fail "staging folder left behind after success"
grep -q "installed in $d" "$tmp/out" || fail "fetch does not print the install folder"

tj verify; rc=$?
expect_rc 0 "verify (all)"
grep -q 'xx-yy: ok' "$tmp/out" || fail "verify does not report xx-yy ok"
tj verify xx-yy; rc=$?
expect_rc 0 "verify xx-yy"
tj path xx-yy; rc=$?
expect_rc 0 "path xx-yy"
[ "$(cat "$tmp/out")" = "$d" ] || fail "path prints '$(cat "$tmp/out")', expected $d"
tj list; rc=$?
grep -q '^xx-yy .* yes ' "$tmp/out" || fail "list does not show xx-yy installed"

before=$(wc -l <"$log")
tj fetch xx-yy; rc=$?
expect_rc 0 "second fetch"
grep -q 'already installed' "$tmp/out" || fail "second fetch should find the verified install"
[ "$(wc -l <"$log")" -eq "$before" ] || fail "second fetch made requests"

# TARJAMA_MODELS is searched before the data folder.
mkdir -p "$tmp/alt/xx-yy"
out=$(TARJAMA_MODELS=$tmp/alt timeout 30 "$TJ_BIN" models path xx-yy)
[ "$out" = "$tmp/alt/xx-yy" ] || fail "TARJAMA_MODELS not searched first (got '$out')"

# ---------------------------------------------------------------- 2. verify catches tampering
printf 'X' | dd of="$d/vocab.xxyy.spm" bs=1 seek=10 conv=notrunc 2>/dev/null
tj verify xx-yy; rc=$?
expect_rc 1 "verify after tampering"
grep -q 'vocab.xxyy.spm.*FAILED' "$tmp/out" || fail "verify does not name the tampered file"
expect_err "failed verification" "verify after tampering"
truncate -s 1000 "$d/model.xxyy.bin"
tj verify xx-yy; rc=$?
grep -q 'model.xxyy.bin.*FAILED: size 1000' "$tmp/out" || fail "verify does not report the pinned size"
tj fetch xx-yy; rc=$?
expect_rc 0 "fetch repairs a tampered install"
cmp -s "$d/vocab.xxyy.spm" "$src/vocab.xxyy.spm" || fail "re-fetch did not restore the vocab"
cmp -s "$d/model.xxyy.bin" "$src/model.xxyy.bin" || fail "re-fetch did not restore the model"

# ---------------------------------------------------------------- 3. wrong bytes from the server
printf '/m/alt/model.xxyy.bin.gz corrupt\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "corrupt download"
expect_err "sha256" "corrupt download"
expect_err "nothing was installed" "corrupt download"
expect_err_lines "corrupt download"
[ -e "$store/xx-yy.alt" ] && fail "corrupt download was installed"
ls "$store/.xx-yy.alt.partial"/*.part >/dev/null 2>&1 && fail "corrupt .part file was kept"

# ---------------------------------------------------------------- 4. truncated response
printf '/m/alt/model.xxyy.bin.gz truncate 5000\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "truncated download"
expect_err "truncated download: got 5000 of" "truncated download"
[ -e "$store/xx-yy.alt" ] && fail "truncated download was installed"

# ---------------------------------------------------------------- 5. 404
rm -rf "$store/.xx-yy.alt.partial"
printf '/m/alt/model.xxyy.bin.gz 404\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "404"
expect_err "HTTP 404" "404"
expect_err_lines "404"
[ -e "$store/xx-yy.alt" ] && fail "404 left an install"

# ---------------------------------------------------------------- 6. interrupted, then resumed
rm -rf "$store/.xx-yy.alt.partial"
printf '/m/alt/model.xxyy.bin.gz drop 100000\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "dropped connection"
expect_err "interrupted after 100000 of" "dropped connection"
part=$store/.xx-yy.alt.partial/model.xxyy.bin.gz.part
[ -f "$part" ] && [ "$(size "$part")" -eq 100000 ] || fail "the .part file should hold 100000 bytes"
[ -e "$store/xx-yy.alt" ] && fail "interrupted download was installed"
: >"$rules"
: >"$log"
tj fetch xx-yy:alt; rc=$?
expect_rc 0 "resumed fetch"
expect_err "resuming model.xxyy.bin.gz at 100.0 kB" "resumed fetch"
grep -q '^GET /m/alt/model.xxyy.bin.gz range=bytes=100000- status=206' "$log" ||
    { fail "the server saw no Range request"; sed 's/^/    log: /' "$log"; }
cmp -s "$store/xx-yy.alt/model.xxyy.bin" "$src/model.xxyy.bin" || fail "resumed download differs"
[ -e "$store/.xx-yy.alt.partial" ] && fail "staging folder left after the resumed fetch"

# ---------------------------------------------------------------- 7. resume against a server without ranges
tj remove xx-yy:alt; rc=$?
expect_rc 0 "remove xx-yy:alt"
printf '/m/alt/model.xxyy.bin.gz drop 70000\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "second drop"
printf '/m/alt/model.xxyy.bin.gz norange\n' >"$rules"
: >"$log"
tj fetch xx-yy:alt; rc=$?
expect_rc 0 "fetch from a server that ignores Range"
grep -q 'range=bytes=70000- status=200' "$log" || fail "expected a Range request answered with 200"
cmp -s "$store/xx-yy.alt/model.xxyy.bin" "$src/model.xxyy.bin" || fail "restart after ignored Range differs"
: >"$rules"

# A full disk while downloading: the .part file is a link to /dev/full.
if [ -w /dev/full ]; then
    tj remove xx-yy:alt; rc=$?
    mkdir -p "$store/.xx-yy.alt.partial"
    ln -s /dev/full "$store/.xx-yy.alt.partial/model.xxyy.bin.gz.part"
    tj fetch xx-yy:alt; rc=$?
    expect_rc 1 "disk full"
    expect_err "disk error writing .*No space left on device" "disk full"
    expect_err_lines "disk full"
    [ -e "$store/xx-yy.alt" ] && fail "install despite a full disk"
    rm -rf "$store/.xx-yy.alt.partial"
fi

# A second fetch into the same folder while one holds the lock is refused, not interleaved.
if command -v flock >/dev/null 2>&1; then
    rc=0
    flock "$store" timeout 60 "$TJ_BIN" models fetch xx-yy:alt >"$tmp/out" 2>"$tmp/err" || rc=$?
    expect_rc 1 "fetch while the models folder is locked"
    expect_err "another tarjama is fetching or removing" "fetch while locked"
fi

# ---------------------------------------------------------------- 8. pinned uncompressed digest
tj fetch rawbad-xx; rc=$?
expect_rc 1 "wrong uncompressed digest"
expect_err "uncompressed sha256" "wrong uncompressed digest"
[ -e "$store/rawbad-xx" ] && fail "install with a wrong uncompressed digest"

# ---------------------------------------------------------------- 9. URL guards
tj fetch far-xx; rc=$?
expect_rc 1 "plain http to a non-loopback host"
expect_err "only https" "plain http to a non-loopback host"
tj --mirror http://example.org/models fetch xx-yy:alt; rc=$?
expect_rc 2 "non-loopback http mirror"
tj fetch no-such; rc=$?
expect_rc 1 "unknown model"
expect_err "unknown model 'no-such'" "unknown model"

# ---------------------------------------------------------------- 10. disk errors
: >"$tmp/not-a-folder"
rc=0
XDG_DATA_HOME=$tmp/not-a-folder timeout 60 "$TJ_BIN" models fetch xx-yy >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "data folder under a regular file"
expect_err "cannot create folder" "data folder under a regular file"

# ---------------------------------------------------------------- 11. remove
tj remove xx-yy; rc=$?
expect_rc 0 "remove xx-yy"
[ -e "$d" ] && fail "remove left $d"
tj remove xx-yy; rc=$?
expect_rc 1 "remove of a model that is not installed"
tj path xx-yy; rc=$?
expect_rc 1 "path of a removed model"
expect_err "not installed" "path of a removed model"

# ---------------------------------------------------------------- 12. failed fetches leave nothing silently
tj remove xx-yy:alt
# Offline (connection refused): nothing arrived, so nothing may stay behind, and remove must not
# claim to delete a folder that never existed.
tj --mirror http://127.0.0.1:1 fetch xx-yy; rc=$?
expect_rc 1 "offline fetch"
expect_err "network error" "offline fetch"
[ -e "$store/.xx-yy.partial" ] && fail "a failed offline fetch left $store/.xx-yy.partial behind"
tj remove xx-yy; rc=$?
expect_rc 1 "remove after a failed offline fetch"
expect_err "xx-yy is not installed in $store" "remove after a failed offline fetch"
[ -s "$tmp/out" ] && fail "remove after a failed offline fetch printed: $(cat "$tmp/out")"
# Interrupted mid-file: the bytes that arrived stay for a resume, and the error says where.
printf '/m/alt/model.xxyy.bin.gz drop 50000\n' >"$rules"
tj fetch xx-yy:alt; rc=$?
expect_rc 1 "interrupted fetch"
expect_err "partial download is kept in $store/.xx-yy.alt.partial for the next fetch to resume" \
    "interrupted fetch"
expect_err "'tarjama models remove xx-yy:alt' deletes it" "interrupted fetch"
expect_err_lines "interrupted fetch"
: >"$rules"
tj remove xx-yy:alt; rc=$?
expect_rc 0 "remove of a partial download"
{ grep -qx "xx-yy:alt: not installed" "$tmp/out" &&
    grep -qx "xx-yy:alt: removed the partial download $store/.xx-yy.alt.partial" "$tmp/out" &&
    [ "$(wc -l <"$tmp/out")" -eq 2 ]; } ||
    fail "remove of a partial download printed: $(cat "$tmp/out")"
[ -e "$store/.xx-yy.alt.partial" ] && fail "remove left the partial download"

# ---------------------------------------------------------------- usage
tj; rc=$?
expect_rc 2 "no subcommand"
tj --help; rc=$?
expect_rc 0 "--help"
grep -q 'fetch MODEL' "$tmp/out" || fail "--help lacks the fetch command"
tj bogus; rc=$?
expect_rc 2 "unknown subcommand"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "models_fetch: all checks passed"
