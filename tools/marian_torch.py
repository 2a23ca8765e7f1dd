#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small PyTorch reimplementation of Marian's transformer (self-attention decoder, greedy
search), written from Marian's documented semantics (src/models/transformer.h: embeddings scaled
by sqrt(d) plus sinusoidal positions, sin in the first half and cos in the second with
frequencies 10000^(-i/(d/2-1)); post-norm "dan" blocks; layer norm with eps 1e-6; swish, relu or
Marian's gelu x*sigmoid(1.702x); output layer on the tied or untied embeddings plus bias; greedy
search that never picks <unk> and stops at </s> or after ceil(2 x source ids incl. </s>) steps).

It exists to test shapes the real-Marian fixture does not cover (16 heads, relu, untied
embeddings, separate vocabularies of different sizes). It is NOT an independent oracle: it was
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
        if c.get("transformer-postprocess", "dan") != "dan" or c.get("transformer-preprocess", ""):
            raise SystemExit("only post-norm (postprocess dan, no preprocess) is implemented")
        if "Wemb" in self.p:
            self.src_emb = self.trg_emb = self.p["Wemb"]
        else:
            self.src_emb, self.trg_emb = self.p["encoder_Wemb"], self.p["decoder_Wemb"]
        # Output layer: tied to the decoder embeddings, or its own [d, V] matrix.
        self.out_w = self.p.get("decoder_ff_logit_out_W", self.trg_emb.t())
        self.out_b = self.p["decoder_ff_logit_out_b"].reshape(-1)

    def w(self, name):
        return self.p[name]

    def ln(self, x, prefix):
        g, b = self.w(prefix + "_ln_scale").reshape(-1), self.w(prefix + "_ln_bias").reshape(-1)
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-6) * g + b

    def lin(self, x, wname, bname):
        return x @ self.w(wname) + self.w(bname).reshape(-1)

    def mha(self, q_in, kv_in, prefix):
        d, h = self.d, self.heads
        dh = d // h
        q = self.lin(q_in, prefix + "_Wq", prefix + "_bq").reshape(-1, h, dh).transpose(0, 1)
        k = self.lin(kv_in, prefix + "_Wk", prefix + "_bk").reshape(-1, h, dh).transpose(0, 1)
        v = self.lin(kv_in, prefix + "_Wv", prefix + "_bv").reshape(-1, h, dh).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), dim=-1) @ v
        o = self.lin(a.transpose(0, 1).reshape(-1, d), prefix + "_Wo", prefix + "_bo")
        return self.ln(o + q_in, prefix + "_Wo")

    def ffn(self, x, prefix):
        h = self.lin(x, prefix + "_W1", prefix + "_b1")
        if self.act == "swish":
            h = h * torch.sigmoid(h)
        elif self.act == "relu":
            h = torch.relu(h)
        elif self.act == "gelu":
            h = h * torch.sigmoid(1.702 * h)
        else:
            raise SystemExit("activation %s" % self.act)
        return self.ln(self.lin(h, prefix + "_W2", prefix + "_b2") + x, prefix + "_ffn")

    def greedy(self, src, eos, unk):
        d = self.d
        n = len(src)
        x = self.src_emb[src] * math.sqrt(d) + positions(n, d)
        for l in range(1, self.enc + 1):
            x = self.mha(x, x, "encoder_l%d_self" % l)
            x = self.ffn(x, "encoder_l%d_ffn" % l)
        limit = math.ceil(2.0 * n)
        out, hist = [], [[] for _ in range(self.dec)]  # each layer's inputs so far
        prev = None
        for t in range(limit):
            pos = positions(t + 1, d)[t]
            y = (pos if prev is None else self.trg_emb[prev] * math.sqrt(d) + pos)[None, :]
            for l in range(1, self.dec + 1):
                hist[l - 1].append(y)
                keys = torch.cat(hist[l - 1], dim=0)
                y = self.mha(y, keys, "decoder_l%d_self" % l)
                y = self.mha(y, x, "decoder_l%d_context" % l)
                y = self.ffn(y, "decoder_l%d_ffn" % l)
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
