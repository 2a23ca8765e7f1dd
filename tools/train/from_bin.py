#!/usr/bin/env python3
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
from decode import marian_names
from tjmodel import TinyTransformer


def yaml_int(yaml_text, key):
    for line in yaml_text.split('\n'):
        if line.startswith(key + ':'):
            return int(line.split(':', 1)[1])
    raise SystemExit('from_bin.py: %s missing from the model YAML' % key)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split('\n\n')[1])
    items = marianbin.read(sys.argv[1])
    yaml_text = items['special:model.yml'][2].rstrip(b'\0').decode()
    typ, shape, payload = items['Wemb']
    cfg = dict(vocab=shape[0], d=yaml_int(yaml_text, 'dim-emb'),
               d_ffn=yaml_int(yaml_text, 'transformer-dim-ffn'),
               heads=yaml_int(yaml_text, 'transformer-heads'),
               enc_depth=yaml_int(yaml_text, 'enc-depth'), dec_depth=yaml_int(yaml_text, 'dec-depth'))
    model = TinyTransformer(dropout=0.0, **cfg)
    for name, t, kind in marian_names(model):
        if name not in items:
            raise SystemExit('from_bin.py: %s has no item %s' % (sys.argv[1], name))
        typ, shape, payload = items[name]
        if typ == marianbin.INTGEMM8:
            n = int(np.prod(shape))
            q8 = np.frombuffer(payload[:n], dtype=np.int8).astype(np.float32)
            q = np.frombuffer(payload[n:n + 4], dtype='<f4')[0]
            w = q8 / q
            # Weights are stored [out][in] (transposed), Wemb as it is (spec §2.5, §2.6).
            w = w.reshape(shape) if kind == 'emb' else w.reshape(shape[1], shape[0]).T
        elif typ == marianbin.FLOAT32:
            w = np.frombuffer(payload, dtype='<f4')
        else:
            raise SystemExit('from_bin.py: item %s has type 0x%x' % (name, typ))
        t.data.copy_(torch.from_numpy(np.array(w, dtype=np.float32)).reshape(t.shape))
    torch.save(dict(model=model.state_dict(), cfg=model.cfg, step=0, dev=float('nan')), sys.argv[2])


if __name__ == '__main__':
    main()
