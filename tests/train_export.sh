#!/bin/sh
# SPDX-License-Identifier: MIT
# The starter-model export tools write Marian's formats exactly: the int8 quantiser reproduces
# marian-conv --gemm-type intgemm8 byte for byte on the tiny-aren fixture (every weight, bias and
# norm of its float .npz against the fixture's .bin), and the shortlist writer reproduces the
# fixture's lex.50.50.aren.s2t.bin byte for byte (lists and checksum) from the lists it reads.
# Needs python3 with numpy and ../shared; skips without them.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${TJ_SHARED:-$ROOT/../shared}
FX=$SHARED/fixtures/tiny-aren
if [ ! -d "$FX" ]; then echo "skipped: ../shared not found"; exit 77; fi
. "$ROOT/tests/tools/python.sh"
find_python numpy
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT/tools/train"
$PY - "$FX" "$TMP" <<'PYEOF'
import sys
import numpy as np
import marianbin, shortlist
fx, tmp = sys.argv[1], sys.argv[2]
npz = np.load(fx + '/float/model.aren.npz')
ref = marianbin.read(fx + '/model/model.aren.intgemm.alphas.bin')
n = bad = 0
for name, (typ, shape, payload) in sorted(ref.items()):
    if name.endswith('_QuantMultA') or name.startswith('special:'):
        continue  # alphas come from calibration, not from the weights
    if typ == marianbin.INTGEMM8:
        _, t2, s2, p2 = marianbin.int8_item(name, npz[name], 'Wemb' not in name)
    else:
        _, t2, s2, p2 = marianbin.float_item(name, np.asarray(npz[name]).reshape(-1))
    n += 1
    if (t2, tuple(s2), p2) != (typ, tuple(shape), payload):
        bad += 1
        print('differs from marian-conv:', name)
print('weights: %d items, %d differ' % (n, bad))
# A whole file written by marianbin.write must read back item for item.
items = [marianbin.int8_item('Wemb', npz['Wemb'], False),
         marianbin.float_item('decoder_ff_logit_out_b', np.asarray(npz['decoder_ff_logit_out_b']).reshape(-1))]
marianbin.write(tmp + '/m.bin', items, 'type: transformer\n')
back = marianbin.read(tmp + '/m.bin')
if back['Wemb'][2] != ref['Wemb'][2] or back['special:model.yml'][2] != b'type: transformer\n\0':
    bad += 1
    print('round trip through marianbin.write differs')
first, best, off, ids = shortlist.read(fx + '/model/lex.50.50.aren.s2t.bin')
lists = [ids[off[i]:off[i + 1]].tolist() for i in range(len(off) - 1)]
shortlist.write(tmp + '/lex.bin', lists, first, best)
same = open(tmp + '/lex.bin', 'rb').read() == open(fx + '/model/lex.50.50.aren.s2t.bin', 'rb').read()
print('shortlist: %d lists, %d entries, byte-identical: %s' % (len(lists), len(ids), same))
sys.exit(1 if bad or not same else 0)
PYEOF
