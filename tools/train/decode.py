#!/usr/bin/env python3
"""Greedy decoding in PyTorch with tarjama's (and Marian's) Firefox settings: per-sentence
shortlist, <unk> excluded, length limit 2 x (source pieces + 1), raw scores.

Used for the agreement check (the training framework's own decoding of a model against tarjama's
int8 run of its export) and, with --collect, to record activation ranges for the int8 alphas.
--int8 decodes with the exported int8 weights and alphas (activations and weights quantised
exactly as the .bin stores them; the shifted-uint8 trick of intgemm gives the same products).

usage: decode.py --ckpt final.pt|model.npz --vocab vocab.spm --tarjama build/tarjama
                 [--shortlist lex.bin] [--int8 model.bin] < source > output
"""
import argparse
import math
import os
import struct
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import marianbin  # noqa: E402
import prep  # noqa: E402
import shortlist  # noqa: E402
from tjmodel import Linear, TinyTransformer, position_signal  # noqa: E402

def load_npz(path):
    """A Marian float .npz of this architecture as a TinyTransformer (for checking the pipeline
    against models trained by real Marian)."""
    z = np.load(path)
    y = bytes(z['special:model.yml']).decode(errors='replace')

    def key(k):
        for line in y.split('\n'):
            if line.startswith(k + ':'):
                return int(line.split(':')[1])
    cfg = dict(vocab=z['Wemb'].shape[0], d=key('dim-emb'), d_ffn=key('transformer-dim-ffn'),
               heads=key('transformer-heads'), enc_depth=key('enc-depth'),
               dec_depth=key('dec-depth'))
    m = TinyTransformer(dropout=0.0, **cfg)
    for name, t, _ in marian_names(m):
        t.data.copy_(torch.from_numpy(np.asarray(z[name], dtype=np.float32).reshape(t.shape)))
    m.eval()
    return m


def load_model(path):
    """A training checkpoint, or a Marian float .npz of the same architecture."""
    if path.endswith('.npz'):
        return load_npz(path)
    ck = torch.load(path, map_location='cpu')
    m = TinyTransformer(dropout=0.0, **ck['cfg'])
    m.load_state_dict(ck['model'])
    m.eval()
    return m


def marian_names(model):
    """(Marian item name, tensor, kind) for every parameter; kind is 'W' for int8 weights."""
    out = [('Wemb', model.Wemb, 'emb'), ('decoder_ff_logit_out_b', model.out_b, 'f')]

    def lin(prefix, wname, bname, l):
        out.append((prefix + wname, l.W, 'W'))
        if l.b is not None:
            out.append((prefix + bname, l.b, 'f'))

    def norm(name, n):
        out.append((name + '_ln_scale', n.scale, 'f'))
        out.append((name + '_ln_bias', n.bias, 'f'))

    def att(p, a):
        for k in 'qkvo':
            lin(p, '_W' + k, '_b' + k, getattr(a, k))
        norm(p + '_Wo', a.norm)

    def ffn(p, f):
        lin(p, '_W1', '_b1', f.w1)
        lin(p, '_W2', '_b2', f.w2)
        norm(p + '_ffn', f.norm)

    for i, L in enumerate(model.enc):
        att('encoder_l%d_self' % (i + 1), L['self'])
        ffn('encoder_l%d_ffn' % (i + 1), L['ffn'])
    for i, L in enumerate(model.dec):
        p = 'decoder_l%d_rnn' % (i + 1)
        lin(p, '_W', None, L['rnn'].W)
        lin(p, '_Wf', '_bf', L['rnn'].Wf)
        norm(p + '_ffn', L['rnn'].norm)
        att('decoder_l%d_context' % (i + 1), L['ctx'])
        ffn('decoder_l%d_ffn' % (i + 1), L['ffn'])
    return out


def linear_names(model):
    return {id(t): name for name, t, kind in marian_names(model) if kind == 'W'}


def read_shortlist(path):
    first, _, off, ids = shortlist.read(path)
    return first, off, ids


def allowed_ids(sl, src, vocab):
    """Marian's per-sentence shortlist (spec §7.4) for a shared vocabulary."""
    first, off, ids = sl
    sel = np.zeros(vocab, dtype=bool)
    sel[:first] = True
    for s in src:
        sel[s] = True
        if s + 1 < len(off):
            sel[ids[off[s]:off[s + 1]]] = True
    count = int(sel.sum())
    i = first
    while count % 8 and i < vocab:
        if not sel[i]:
            sel[i] = True
            count += 1
        i += 1
    return torch.from_numpy(np.nonzero(sel)[0])


class Int8Sim:
    """Puts the exported int8 weights and alphas into the model's Linear layers."""

    def __init__(self, model, binpath):
        items = marianbin.read(binpath)
        self.names = linear_names(model)

        def scalar(name):
            typ, _, payload = items[name]
            if typ == marianbin.INTGEMM8:  # Wemb_QuantMultA quirk: int8 127 + 127/alpha
                q, = struct.unpack('<f', payload[1:5])
                v = np.int8(payload[0] if payload[0] < 128 else payload[0] - 256)
                return float(np.float32(v) * (np.float32(1) / np.float32(q)))
            return struct.unpack('<f', payload[:4])[0]

        def weight(name, transposed):
            typ, shape, payload = items[name]
            n = int(np.prod(shape))
            w = np.frombuffer(payload[:n], dtype=np.int8).astype(np.float64)
            q, = struct.unpack('<f', payload[n:n + 4])
            w = w.reshape(shape[1], shape[0]).T if transposed else w.reshape(shape)
            return torch.from_numpy(w.copy()), q

        for mod in model.modules():
            if isinstance(mod, Linear):
                name = self.names[id(mod.W)]
                wq, q = weight(name, True)
                mod.int8 = (scalar(name + '_QuantMultA'), wq, q)
        e8, qe = weight('Wemb', False)
        emb = (e8 * (1.0 / np.float32(qe))).float()
        model.Wemb.data.copy_(emb)
        beta = 127.0 / float(emb.abs().max())
        model.out_int8 = (scalar('Wemb_QuantMultA'),
                         torch.clamp(torch.round(emb.double() * beta), -127, 127), beta)


class Collector:
    """Max |activation| per int8 product call, named as Marian names the alphas."""

    def __init__(self, model):
        self.stats = {}
        names = linear_names(model)
        for mod in model.modules():
            if isinstance(mod, Linear):
                mod.register_forward_pre_hook(self._hook(names[id(mod.W)]))

    def _hook(self, name):
        def f(mod, inp):
            self.add(name, inp[0])
        return f

    def add(self, name, x):
        self.stats.setdefault(name, []).append(float(x.abs().max()))


def greedy(model, src, sl=None, collect=None, factor=2.0, eos=0, unk=1):
    x = torch.tensor([src])
    mem, add = model.encode(x, torch.ones_like(x))
    kvs = [L['ctx'].kv(mem) for L in model.dec]
    states = [None] * len(model.dec)
    allowed = allowed_ids(sl, src, model.Wemb.shape[0]) if sl is not None else None
    W = model.Wemb if allowed is None else model.Wemb[allowed]
    b = model.out_b if allowed is None else model.out_b[allowed]
    cols = allowed if allowed is not None else torch.arange(model.Wemb.shape[0])
    unk_mask = cols == unk
    max_steps = max(1, math.ceil(factor * len(src)))
    out, prev = [], -1
    for t in range(max_steps):
        y = position_signal(1, model.d, t).unsqueeze(0)
        if prev >= 0:
            y = model.Wemb[prev].view(1, 1, -1) * math.sqrt(model.d) + y
        for i, L in enumerate(model.dec):
            y, states[i] = L['rnn'](y, states[i])
            y = L['ctx'](y, kvs[i], add)
            y = L['ffn'](y)
        h = y[0]
        if collect is not None:
            collect.add('Wemb', h)
        if getattr(model, 'out_int8', None) is not None:
            alpha, e8, beta = model.out_int8
            hq = torch.clamp(torch.round(h.double() * alpha), -127, 127)
            s = ((hq @ e8[cols].t()) / (alpha * beta)).float() + b
        else:
            s = h @ W.t() + b
        s = s[0].masked_fill(unk_mask, -float('inf'))
        tok = int(cols[int(torch.argmax(s))])
        if tok == eos:
            break
        out.append(tok)
        if (t + 1) >= factor * len(src):
            break
        prev = tok
    return out


def run_tool(tarjama, args, text):
    r = subprocess.run([tarjama] + args, input=text, capture_output=True, text=True, check=True)
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--vocab', required=True)
    ap.add_argument('--tarjama', required=True)
    ap.add_argument('--shortlist')
    ap.add_argument('--int8', help='decode with the int8 weights of this exported .bin')
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = load_model(a.ckpt)
    if a.int8:
        Int8Sim(model, a.int8)
    sl = read_shortlist(a.shortlist) if a.shortlist else None
    lines = sys.stdin.read().split('\n')[:-1]
    outs = []
    with torch.no_grad():
        for src in prep.encode(a.tarjama, a.vocab, lines):
            outs.append(' '.join(str(t) for t in greedy(model, src + [0], sl)))
    sys.stdout.write(run_tool(a.tarjama, ['detokenize', '--vocab', a.vocab, '--ids'],
                              '\n'.join(outs) + '\n'))


if __name__ == '__main__':
    main()
