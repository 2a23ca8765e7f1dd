#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Greedy decoding in PyTorch with tarjama's (and Marian's) Firefox settings: per-sentence
shortlist, <unk> excluded, length limit 2 x (source pieces + 1), raw scores.

Used for the agreement check (the training framework's own decoding of a model against tarjama's
int8 run of its export) and, with --collect, to record activation ranges for the int8 alphas.
--int8 decodes with the exported int8 weights and alphas (activations and weights quantised
exactly as the .bin stores them, products with vpmaddubsw's int16 saturation, tarjama's
epilogue); only the float32 operations between the products may round differently.

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
import exact  # noqa: E402
import marianbin  # noqa: E402
import prep  # noqa: E402
import shortlist  # noqa: E402
from tjmodel import Linear, TinyTransformer, fma32, int8_product, position_signal  # noqa: E402

def model_cfg(yaml_text, vocab):
    """TinyTransformer's arguments from the model YAML Marian embeds in its .npz and .bin files."""
    def key(k):
        for line in yaml_text.split('\n'):
            if line.startswith(k + ':'):
                return int(line.split(':', 1)[1])
        raise SystemExit('%s missing from the model YAML' % k)
    return dict(vocab=vocab, d=key('dim-emb'), d_ffn=key('transformer-dim-ffn'),
                heads=key('transformer-heads'), enc_depth=key('enc-depth'),
                dec_depth=key('dec-depth'))


def int8_weight(items, name, transposed):
    """An intgemm8 item of marianbin.read's result as (int32 array, q): weights are stored
    [out][in] and come back [in][out] with transposed=True; Wemb is stored as it is."""
    typ, shape, payload = items[name]
    n = int(np.prod(shape))
    w = np.frombuffer(payload[:n], dtype=np.int8).astype(np.int32)
    q, = struct.unpack('<f', payload[n:n + 4])
    w = w.reshape(shape[1], shape[0]).T if transposed else w.reshape(shape)
    return np.ascontiguousarray(w), np.float32(q)


def load_npz(path):
    """A Marian float .npz of this architecture as a TinyTransformer (for checking the pipeline
    against models trained by real Marian)."""
    z = np.load(path)
    cfg = model_cfg(bytes(z['special:model.yml']).decode(errors='replace'), z['Wemb'].shape[0])
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
    """Puts the exported int8 weights and alphas into the model's Linear layers, prepared exactly
    as tarjama prepares them (src/decode/model.c): every constant rounded to float32 step by step,
    the shift folded into the bias with intgemm's PrepareBias formula."""

    def __init__(self, model, binpath):
        items = marianbin.read(binpath)
        self.names = linear_names(model)
        f32 = np.float32

        def scalar(name):
            typ, _, payload = items[name]
            if typ == marianbin.INTGEMM8:  # Wemb_QuantMultA quirk: int8 127 + 127/alpha
                q, = struct.unpack('<f', payload[1:5])
                v = np.int8(payload[0] if payload[0] < 128 else payload[0] - 256)
                return f32(v) * (f32(1) / f32(q))
            return f32(struct.unpack('<f', payload[:4])[0])

        def prepare(w, alpha, beta, bias):
            v = (-f32(1) * ((f32(127) / alpha) * (f32(127) / beta))) / f32(127)
            sums = torch.from_numpy(w.sum(axis=0).astype(np.float32))
            if bias is None:
                pbias = sums * float(v)
            else:
                pbias = fma32(sums, torch.tensor(v), bias.detach().float())
            return dict(alpha=float(alpha), w=torch.from_numpy(w), unq=float(f32(1) / (alpha * beta)),
                        pbias=pbias)

        for mod in model.modules():
            if isinstance(mod, Linear):
                name = self.names[id(mod.W)]
                w, beta = int8_weight(items, name, True)
                mod.int8 = prepare(w, scalar(name + '_QuantMultA'), beta, mod.b)
        e8, qe = int8_weight(items, 'Wemb', False)
        emb = e8.astype(np.float32) * (f32(1) / qe)
        model.Wemb.data.copy_(torch.from_numpy(emb))
        beta = f32(127) / np.abs(emb).max()
        ow = np.clip(np.rint(emb * beta), -127, 127).astype(np.int32)  # [vocab, d]
        model.out_int8 = prepare(np.ascontiguousarray(ow.T), scalar('Wemb_QuantMultA'), beta,
                                 model.out_b)


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
    """Greedy decoding of one sentence (ids with EOS). With the int8 weights of an export in the
    model (Int8Sim), the forward pass is exact.py's, tarjama's float32 arithmetic."""
    p = getattr(model, 'out_int8', None)
    if p is not None:
        ctx = exact.encode(model, src)
        states = [torch.zeros(1, model.d) for _ in model.dec]
    else:
        x = torch.tensor([src])
        mem, add = model.encode(x, torch.ones_like(x))
        kvs = [L['ctx'].kv(mem) for L in model.dec]
        states = [None] * len(model.dec)
    allowed = allowed_ids(sl, src, model.Wemb.shape[0]) if sl is not None else None
    cols = allowed if allowed is not None else torch.arange(model.Wemb.shape[0])
    unk_mask = cols == unk
    # The output layer restricted to this sentence's columns.
    if p is not None:
        p = dict(p, w=p['w'][:, cols].contiguous(), pbias=p['pbias'][cols])
    else:
        W = model.Wemb if allowed is None else model.Wemb[allowed]
        b = model.out_b if allowed is None else model.out_b[allowed]
    max_steps = max(1, math.ceil(factor * len(src)))
    out, prev = [], -1
    for t in range(max_steps):
        if p is not None:
            h = exact.decoder_step(model, ctx, prev, t, states)
        else:
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
        if p is not None:
            s = int8_product(h, p)
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
