#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pick the best of several training runs for each direction, by cross-entropy on that
direction's half of ../shared/corpus/dev.*, and write it in float16 halves small enough to come
back from a lent GPU machine (which returns files of at most 16 MB); --join puts halves together.

usage: pick.py --data data.pt --out DIR RUNDIR:DIRECTIONS ...   e.g. runs/joint:ar-en,en-ar
       pick.py --join OUT.pt PART...

A run's model is its final.pt (the average of its best checkpoints), or its newest checkpoint
when the run was cut off before it wrote one. For each direction the winner goes to
DIR/DIRECTION.part1.pt and .part2.pt; the table of every run's scores to standard output.
"""
import argparse
import glob
import math
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decode import load_model  # noqa: E402
from tjmodel import TinyTransformer  # noqa: E402
from train import batches, evaluate, examples, load_data  # noqa: E402


def model_path(run):
    if os.path.isfile(run):
        return run
    final = os.path.join(run, 'final.pt')
    if os.path.exists(final):
        return final
    ckpts = sorted(glob.glob(os.path.join(run, 'ckpt-*.pt')))
    return ckpts[-1] if ckpts else None


def write_halves(model, prefix):
    """float16 weights, the parameters split into two files of about the same size."""
    sd = model.state_dict()
    keys, sizes, half = sorted(sd, key=lambda k: -sd[k].numel()), [0, 0], [{}, {}]
    for k in keys:  # largest first, each to the lighter file
        i = 0 if sizes[0] <= sizes[1] else 1
        half[i][k] = sd[k].detach().cpu().half()
        sizes[i] += sd[k].numel()
    for i in (0, 1):
        torch.save(dict(model=half[i], cfg=model.cfg), '%s.part%d.pt' % (prefix, i + 1))


def join(out, parts):
    sd, cfg = {}, None
    for p in parts:
        c = torch.load(p, map_location='cpu')
        sd.update({k: v.float() for k, v in c['model'].items()})
        cfg = c['cfg']
    model = TinyTransformer(dropout=0.0, **cfg)
    model.load_state_dict(sd)  # fails loudly on a missing or unknown parameter
    torch.save(dict(model=model.state_dict(), cfg=cfg, step=0, dev=float('nan')), out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--join':
        if len(sys.argv) < 4:
            raise SystemExit(__doc__.split('\n\n')[1])
        return join(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('runs', nargs='+')
    a = ap.parse_args()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    data = load_data(a.data)
    dev = {}
    for d in ('ar-en', 'en-ar'):
        dev[d] = batches(examples(data['dev'], None, random.Random(1), 10**9, (d,)), 4000,
                         random.Random(1), shuffle=False)
    best = {}
    print('%-28s %-12s %8s %8s' % ('run', 'direction', 'dev-ce', 'ppl'))
    for spec in a.runs:
        run, dirs = spec.rsplit(':', 1)
        path = model_path(run)
        if path is None:
            print('%-28s no model' % run)
            continue
        model = load_model(path).to(device)
        for d in dirs.split(','):
            ce = evaluate(model, dev[d], device)
            print('%-28s %-12s %8.4f %8.2f  %s' % (run, d, ce, math.exp(ce),
                                                   os.path.basename(path)), flush=True)
            if d not in best or ce < best[d][0]:
                best[d] = (ce, run, model)
    os.makedirs(a.out, exist_ok=True)
    for d, (ce, run, model) in sorted(best.items()):
        print('best %s: %s (ppl %.2f)' % (d, run, math.exp(ce)))
        write_halves(model, os.path.join(a.out, d))


if __name__ == '__main__':
    main()
