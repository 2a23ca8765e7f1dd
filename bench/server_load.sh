#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load test of `tarjama serve` with wrk on loopback (not a timed test; figures in docs/server.md).
# For each row: requests/s, p50/p99 latency, errors (socket errors and non-2xx replies), and the
# server's RSS before, at its peak and after the run (growth would mean a leak).
#   bench/server_load.sh [BIN] [SECONDS]     (defaults: build/tarjama, 60)
# env: CONNS (default "1 16 64" at --threads 2), plus one row at --threads 1 with 16 connections
# (T1ROW=0 leaves it out).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-build/tarjama}
secs=${2:-60}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"q": "وصل الرئيس إلى القاهرة صباح اليوم.", "source": "ar", "target": "en"}'
LUA
rss() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

row() { # threads connections
    "$bin" serve --port 0 --port-file "$tmp/port" --models models/ar-en --threads "$1" \
        --max-connections 512 2>"$tmp/log" &
    pid=$!
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    port=$(cat "$tmp/port")
    # warm-up, then the RSS baseline
    wrk -t1 -c"$2" -d3s -s "$tmp/post.lua" "http://127.0.0.1:$port/translate" >/dev/null
    before=$(rss "$pid" VmRSS)
    # --timeout 30s: wrk's default (2 s) would count slow replies under 64 connections as errors
    wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"${secs}s" --timeout 30s --latency -s "$tmp/post.lua" \
        "http://127.0.0.1:$port/translate" >"$tmp/wrk"
    after=$(rss "$pid" VmRSS)
    peak=$(rss "$pid" VmHWM)
    rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk")
    total=$(awk '/requests in/ {print $1}' "$tmp/wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk")
    sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$tmp/wrk")
    printf '| %d | %d | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n' "$1" "$2" "$total" "$rps" \
        "$p50" "$p99" "${non2xx:-0}" "${sockerr:-0}" "$((before / 1024))" "$((peak / 1024))" \
        "$((after / 1024))"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    rm -f "$tmp/port"
}

echo "tarjama serve under wrk, ${secs} s per row, $(nproc) CPUs, starter model models/ar-en"
echo "| --threads | connections | requests | requests/s | p50 | p99 | non-2xx | socket errors | RSS MiB before / peak / after |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in ${CONNS:-1 16 64}; do row 2 "$c"; done
if [ "${T1ROW:-1}" = 1 ]; then row 1 16; fi
