#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/int8.sh TARJAMA translate ARGS...
# Runs `TARJAMA translate --int8 ARGS...` (any other subcommand unchanged), so that
# bench/compare.sh, which runs `CMD translate -m MODEL ...`, can set a float model's float32
# (A = TARJAMA) against int8 at load (B = "bench/int8.sh TARJAMA") on the same binary (issue 24):
#   bench/compare.sh -a build/tarjama -A float32 -b "bench/int8.sh build/tarjama" -B int8 \
#       -m ../shared/fixtures/init-transformer-aren/float
[ $# -ge 2 ] || {
    echo "usage: bench/int8.sh TARJAMA translate ARGS..." >&2
    exit 2
}
bin=$1 cmd=$2
shift 2
if [ "$cmd" = translate ]; then
    exec "$bin" translate --int8 "$@"
fi
exec "$bin" "$cmd" "$@"
