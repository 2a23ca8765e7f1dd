#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/train/pick.py splits a checkpoint into two float16 halves, each under the 16 MB that a
# lent GPU machine sends back, and --join puts them back into a checkpoint train.py and export.py
# load: every parameter must come back as the float16 rounding of the original, none missing.
# Uses the shipped ar-en model (from_bin.py) as the checkpoint. Needs python3 with torch and numpy.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/tools/python.sh"
find_python "torch, numpy"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tj_pick.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT/tools/train"
$PY from_bin.py "$ROOT/models/ar-en/model.aren.intgemm.alphas.bin" "$TMP/orig.pt"
$PY - "$TMP" <<'PYEOF'
import os, sys
import torch
import pick
tmp = sys.argv[1]
orig = torch.load(tmp + '/orig.pt')
pick.write_halves(pick.load_model(tmp + '/orig.pt'), tmp + '/m')
parts = [tmp + '/m.part1.pt', tmp + '/m.part2.pt']
sizes = [os.path.getsize(p) for p in parts]
pick.join(tmp + '/joined.pt', parts)
joined = torch.load(tmp + '/joined.pt')
a, b = orig['model'], joined['model']
bad = [k for k in a if k not in b or not torch.equal(a[k].half().float(), b[k])]
bad += [k for k in b if k not in a]
print('halves %.1f and %.1f MB, %d parameters, %d differ' % (sizes[0] / 1e6, sizes[1] / 1e6,
                                                               len(a), len(bad)))
if bad or max(sizes) >= 16 * 2**20 or joined['cfg'] != orig['cfg']:
    print('FAIL: ' + ', '.join(bad[:5]))
    sys.exit(1)
PYEOF
