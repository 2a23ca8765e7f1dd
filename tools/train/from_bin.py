#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A shipped int8 model (model.*.intgemm.alphas.bin written by export.py) back to a training
checkpoint, its int8 weights de-quantised (w = int8 / q): the starting point for more training
when the float checkpoints of earlier stages are gone.

usage: from_bin.py MODEL.bin OUT.pt

The de-quantised weights carry the int8 rounding (at most half a step, 1/254 of the largest
weight of each matrix); the first updates of the next stage absorb it. The YAML of the .bin gives
the architecture; every parameter of the PyTorch model must be present in the file.
"""
import sys

import numpy as np
import torch

import marianbin
from decode import int8_weight, marian_names, model_cfg
from tjmodel import TinyTransformer


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split('\n\n')[1])
    items = marianbin.read(sys.argv[1])
    yaml_text = items['special:model.yml'][2].rstrip(b'\0').decode()
    model = TinyTransformer(dropout=0.0, **model_cfg(yaml_text, items['Wemb'][1][0]))
    for name, t, kind in marian_names(model):
        if name not in items:
            raise SystemExit('from_bin.py: %s has no item %s' % (sys.argv[1], name))
        typ, shape, payload = items[name]
        if typ == marianbin.INTGEMM8:
            q8, q = int8_weight(items, name, transposed=kind != 'emb')
            w = q8.astype(np.float32) / q
        elif typ == marianbin.FLOAT32:
            w = np.frombuffer(payload, dtype='<f4')
        else:
            raise SystemExit('from_bin.py: item %s has type 0x%x' % (name, typ))
        t.data.copy_(torch.from_numpy(np.array(w, dtype=np.float32)).reshape(t.shape))
    torch.save(dict(model=model.state_dict(), cfg=model.cfg, step=0, dev=float('nan')), sys.argv[2])


if __name__ == '__main__':
    main()
