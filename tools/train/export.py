#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Export a trained checkpoint to a Firefox-format model directory that tarjama loads.

1. Calibration (as Mozilla's pipeline does with marian-decoder --dump-quantmult and
   scripts/alphas/extract_stats.py): greedy-decode calibration text with the float model and the
   shortlist, record max|A| of the activation matrix of every int8 product; the alpha of a product
   is 127 / (mean + 1.1 x population std) of its records. Wemb_QuantMultA (output layer) and
   none_QuantMultA are the same value.
2. Weights to intgemm8 exactly as marian-conv --gemm-type intgemm8 writes them (marianbin.py;
   byte-identical to marian-conv on the fixture model, see tests/train_tools.sh).
3. The embedded YAML describes the architecture (the keys tarjama and Marian read).

usage: export.py --ckpt final.pt --calib FILE [--calib FILE...] --shortlist lex.bin
                 --vocab vocab.spm --tarjama build/tarjama --out model.aren.intgemm.alphas.bin
       export.py --npz model.npz ...   (a Marian float model instead of a checkpoint)
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decode  # noqa: E402
import marianbin  # noqa: E402
import prep  # noqa: E402

YAML = """dec-cell: ssru
dec-cell-base-depth: 2
dec-cell-high-depth: 1
dec-depth: {dec_depth}
dim-emb: {d}
dim-vocabs:
  - {vocab}
  - {vocab}
enc-depth: {enc_depth}
layer-normalization: false
output-omit-bias: false
right-left: false
tied-embeddings: false
tied-embeddings-all: true
tied-embeddings-src: false
transformer-decoder-autoreg: rnn
transformer-dim-ffn: {d_ffn}
transformer-ffn-activation: relu
transformer-ffn-depth: 2
transformer-heads: {heads}
transformer-no-projection: false
transformer-postprocess: dan
transformer-postprocess-emb: d
transformer-postprocess-top: ""
transformer-preprocess: ""
transformer-train-position-embeddings: false
type: transformer
version: tarjama tools/train {note}
"""


def calibrate(model, runs, vocab, tarjama):
    """runs: (text file, shortlist or None) pairs. Returns ({item name: alpha}, records)."""
    stats = {}
    for path, sl in runs:
        col = decode.Collector(model)
        lines = [l for l in open(path, encoding='utf-8').read().split('\n') if l.strip()]
        with torch.no_grad():
            for src in prep.encode(tarjama, vocab, lines):
                decode.greedy(model, src + [0], sl, collect=col)
        for k, v in col.stats.items():
            stats.setdefault(k, []).extend(v)
        for mod in model.modules():
            mod._forward_pre_hooks.clear()
    alphas = {}
    for name, v in stats.items():
        v = np.asarray(v, dtype=np.float64)
        alphas[name] = float(np.float32(127.0 / (v.mean() + 1.1 * v.std())))
    return alphas, sum(len(v) for v in stats.values())


def export(model, alphas, path, note):
    items = []
    for name, t, kind in decode.marian_names(model):
        a = t.detach().numpy().astype(np.float32)
        if kind == 'W':
            items.append(marianbin.int8_item(name, a, transpose=True))
            items.append(marianbin.float_item(name + '_QuantMultA', [alphas[name]], (1, 1)))
        elif kind == 'emb':
            items.append(marianbin.int8_item(name, a, transpose=False))
        else:
            items.append(marianbin.float_item(name, a))
    out_alpha = alphas['Wemb']
    # Marian writes Wemb_QuantMultA as intgemm8 (its name contains "Wemb"): int8 127, then 127/alpha.
    items.append(('Wemb_QuantMultA', marianbin.INTGEMM8, (1, 1),
                  struct.pack('<bf', 127, float(np.float32(127.0) / np.float32(out_alpha)))))
    items.append(marianbin.float_item('none_QuantMultA', [out_alpha], (1, 1)))
    marianbin.write(path, items, YAML.format(note=note, **model.cfg))


def main():
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--ckpt')
    src.add_argument('--npz')
    ap.add_argument('--calib', action='append', required=True)
    ap.add_argument('--shortlist', action='append', default=[],
                    help='shortlist used while decoding the matching --calib file')
    ap.add_argument('--vocab', required=True)
    ap.add_argument('--tarjama', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--alphas-json', help='also write the alphas here')
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = decode.load_model(a.ckpt or a.npz)
    runs = [(p, decode.read_shortlist(a.shortlist[i]) if i < len(a.shortlist) else None)
            for i, p in enumerate(a.calib)]
    alphas, n = calibrate(model, runs, a.vocab, a.tarjama)
    export(model, alphas, a.out, 'calibrated on ' + ', '.join(os.path.basename(p) for p in a.calib))
    if a.alphas_json:
        json.dump(alphas, open(a.alphas_json, 'w'), indent=1, sort_keys=True)
    print('%s: %d items calibrated from %d activation records' % (a.out, len(alphas), n))


if __name__ == '__main__':
    main()
