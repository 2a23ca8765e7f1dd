#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small PyTorch reimplementation of Marian's transformer (self-attention decoder, greedy
search), written from Marian's documented semantics (src/models/transformer.h: embeddings scaled
by sqrt(d) plus sinusoidal positions, sin in the first half and cos in the second with
frequencies 10000^(-i/(d/2-1)); blocks built by preProcess/postProcess from
transformer-preprocess / -postprocess ('d' dropout: nothing; 'n' layer norm PREFIX_ln_scale_pre /
PREFIX_ln_scale; 'a' skip connection), transformer-postprocess-emb (a preProcess named
{encoder,decoder}_emb) and transformer-postprocess-top (a postProcess named {encoder,decoder}_top
whose skip input is the embeddings); layer norm with eps 1e-6; LayerAttention as in the
reference marian-decoder 1.9 (browsermt): the preprocess applies to the query only, keys and
values are the plain inputs (newer marian-nmt also normalises keys and values that are the
query's own input: not modelled); transformer-ffn-depth /
-decoder-ffn-depth / -decoder-dim-ffn with the activation on every layer but the last; swish,
relu, sigmoid, Marian's gelu x*sigmoid(1.702x) or none; output layer on the tied or untied
embeddings plus bias; greedy search that never picks <unk> and stops at </s> or after
ceil(2 x source ids incl. </s>) steps).

It exists to test shapes the real-Marian fixture does not cover (16 heads, relu, untied
embeddings, separate vocabularies of different sizes, pre-norm and the other block variants,
gelu, feed-forward depths). It is NOT an independent oracle: it was
written by the same people as tarjama, from the same reading of Marian. It is first checked
against ../shared/fixtures/init-transformer-aren (greedy, a few TICO lines), which is.

usage: marian_torch.py MODEL.npz SRC.spm TRG.spm < ids  (one line of source ids per sentence,
       without </s>; prints the output ids, without </s>)
Needs Debian's python3-torch and python3-numpy (run with /usr/bin/python3).
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opus_release import spm_pieces  # noqa: E402

torch.set_num_threads(1)


def config(params):
    text = bytes(params["special:model.yml"]).decode("utf-8")
    cfg = {}
    for line in text.split("\n"):
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            cfg[k.strip()] = v.strip().strip('"')
    return cfg


def positions(n, d):
    half = d // 2
    inc = math.log(10000.0) / (half - 1)
    inv = torch.exp(torch.arange(half, dtype=torch.float32) * -inc)
    p = torch.arange(n, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cat([torch.sin(p), torch.cos(p)], dim=1)


class Marian:
    def __init__(self, path):
        z = np.load(path)
        self.p = {k: torch.tensor(np.asarray(z[k], dtype=np.float32)) for k in z.files
                  if k != "special:model.yml"}
        self.cfg = config(z)
        c = self.cfg
        self.d = int(c["dim-emb"])
        self.heads = int(c["transformer-heads"])
        self.enc, self.dec = int(c["enc-depth"]), int(c["dec-depth"])
        self.act = c.get("transformer-ffn-activation", "swish")
        drop = lambda ops: ops.replace("d", "")  # noqa: E731 (dropout: nothing at inference)
        self.pre = drop(c.get("transformer-preprocess", ""))
        self.post = drop(c.get("transformer-postprocess", "dan"))
        self.emb_ops = drop(c.get("transformer-postprocess-emb", "d"))
        self.top_ops = drop(c.get("transformer-postprocess-top", ""))
        for ops in (self.pre, self.emb_ops):
            if set(ops) - {"n"}:
                raise SystemExit("preprocess %r not implemented" % ops)
        for ops in (self.post, self.top_ops):
            if set(ops) - {"n", "a"}:
                raise SystemExit("postprocess %r not implemented" % ops)
        self.depth = int(c.get("transformer-ffn-depth", 2))
        self.dec_depth = int(c.get("transformer-decoder-ffn-depth", 0)) or self.depth
        if "Wemb" in self.p:
            self.src_emb = self.trg_emb = self.p["Wemb"]
        else:
            self.src_emb, self.trg_emb = self.p["encoder_Wemb"], self.p["decoder_Wemb"]
        # Output layer: tied to the decoder embeddings, or its own [d, V] matrix.
        self.out_w = self.p.get("decoder_ff_logit_out_W", self.trg_emb.t())
        self.out_b = self.p["decoder_ff_logit_out_b"].reshape(-1)

    def w(self, name):
        return self.p[name]

    def ln(self, x, prefix, suffix=""):
        g = self.w(prefix + "_ln_scale" + suffix).reshape(-1)
        b = self.w(prefix + "_ln_bias" + suffix).reshape(-1)
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-6) * g + b

    def preprocess(self, x, prefix, ops):
        for op in ops:
            x = self.ln(x, prefix, "_pre")
        return x

    def postprocess(self, x, prev, prefix, ops):
        for op in ops:
            x = x + prev if op == "a" else self.ln(x, prefix)
        return x

    def lin(self, x, wname, bname):
        return x @ self.w(wname) + self.w(bname).reshape(-1)

    def mha(self, q_in, kv, prefix):
        d, h = self.d, self.heads
        dh = d // h
        x = self.preprocess(q_in, prefix + "_Wo", self.pre)
        q = self.lin(x, prefix + "_Wq", prefix + "_bq").reshape(-1, h, dh).transpose(0, 1)
        k = self.lin(kv, prefix + "_Wk", prefix + "_bk").reshape(-1, h, dh).transpose(0, 1)
        v = self.lin(kv, prefix + "_Wv", prefix + "_bv").reshape(-1, h, dh).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), dim=-1) @ v
        o = self.lin(a.transpose(0, 1).reshape(-1, d), prefix + "_Wo", prefix + "_bo")
        return self.postprocess(o, q_in, prefix + "_Wo", self.post)

    def activation(self, h):
        if self.act == "swish":
            return h * torch.sigmoid(h)
        if self.act == "relu":
            return torch.relu(h)
        if self.act == "gelu":
            return h * torch.sigmoid(1.702 * h)
        if self.act == "sigmoid":
            return torch.sigmoid(h)
        if self.act == "":
            return h
        raise SystemExit("activation %s" % self.act)

    def ffn(self, x, prefix, depth):
        h = self.preprocess(x, prefix + "_ffn", self.pre)
        for i in range(1, depth + 1):
            h = self.lin(h, prefix + "_W%d" % i, prefix + "_b%d" % i)
            if i < depth:
                h = self.activation(h)
        return self.postprocess(h, x, prefix + "_ffn", self.post)

    def greedy(self, src, eos, unk):
        d = self.d
        n = len(src)
        emb = self.src_emb[src] * math.sqrt(d) + positions(n, d)
        x = self.preprocess(emb, "encoder_emb", self.emb_ops)
        for l in range(1, self.enc + 1):
            x = self.mha(x, x, "encoder_l%d_self" % l)
            x = self.ffn(x, "encoder_l%d_ffn" % l, self.depth)
        x = self.postprocess(x, emb, "encoder_top", self.top_ops)
        limit = math.ceil(2.0 * n)
        out, hist = [], [[] for _ in range(self.dec)]  # each layer's inputs so far
        prev = None
        for t in range(limit):
            pos = positions(t + 1, d)[t]
            emb = (pos if prev is None else self.trg_emb[prev] * math.sqrt(d) + pos)[None, :]
            y = self.preprocess(emb, "decoder_emb", self.emb_ops)
            for l in range(1, self.dec + 1):
                hist[l - 1].append(y)
                keys = torch.cat(hist[l - 1], dim=0)
                y = self.mha(y, keys, "decoder_l%d_self" % l)
                y = self.mha(y, x, "decoder_l%d_context" % l)
                y = self.ffn(y, "decoder_l%d_ffn" % l, self.dec_depth)
            y = self.postprocess(y, emb, "decoder_top", self.top_ops)
            logits = (y @ self.out_w).reshape(-1) + self.out_b
            if unk is not None:
                logits[unk] = -math.inf
            w = int(torch.argmax(logits))
            if w == eos:
                break
            out.append(w)
            prev = w
        return out


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    model = Marian(argv[1])
    src_pieces, trg_pieces = spm_pieces(argv[2]), spm_pieces(argv[3])
    src_eos, trg_eos = src_pieces.index("</s>"), trg_pieces.index("</s>")
    unk = trg_pieces.index("<unk>") if "<unk>" in trg_pieces else None
    with torch.no_grad():
        for line in sys.stdin:
            ids = [int(t) for t in line.split()] + [src_eos]
            print(" ".join(str(i) for i in model.greedy(ids, trg_eos, unk)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
