# SPDX-License-Identifier: MIT
"""The Firefox "tiny" student in PyTorch, computed the way Marian (and tarjama) compute it.

Transformer encoder with post-norm ("dan") sub-layers, SSRU decoder, one embedding matrix shared
by source, target and output (tied-embeddings-all), sinusoidal positions laid out as Marian lays
them out (all sines, then all cosines). Weights are kept as [in, out] matrices used as x @ W, which
is Marian's convention, so export is a transpose-free copy.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def position_signal(length, d, offset=0):
    n = d // 2
    inc = math.log(10000.0) / (n - 1)
    pos = torch.arange(offset, offset + length, dtype=torch.float32).unsqueeze(1)
    freq = torch.exp(torch.arange(n, dtype=torch.float32) * -inc).unsqueeze(0)
    v = pos * freq
    return torch.cat([torch.sin(v), torch.cos(v)], dim=1)


class Linear(nn.Module):
    def __init__(self, d_in, d_out, bias=True):
        super().__init__()
        self.W = nn.Parameter(torch.empty(d_in, d_out))
        nn.init.xavier_uniform_(self.W)  # Marian's glorot_uniform
        self.b = nn.Parameter(torch.zeros(d_out)) if bias else None
        # The exported int8 weights (dict(alpha, w int32 [in, out], unq, pbias), decode.Int8Sim);
        # only exact.py's forward pass uses them.
        self.int8 = None

    def forward(self, x):
        y = x @ self.W
        return y + self.b if self.b is not None else y


def quantize_shifted(x, alpha):
    """intgemm's PrepareA for the shifted product: round(x * alpha) in float32 to nearest-even,
    clamped to [-127, 127], plus 127 (uint8 0..254)."""
    t = x.float() * torch.tensor(alpha, dtype=torch.float32)
    return (torch.clamp(torch.round(t), -127, 127) + 127).to(torch.int32)


def saturating_matmul(u, p):
    """u [M, K] (0..254) x p['w'] [K, N] (-127..127): int32 sums of vpmaddubsw's pairs, each pair
    of adjacent products (k, k+1) saturated to int16 before it is added up. The plain product is
    exact in float64; only pairs whose weights could push past 32767 are computed apart and
    corrected (their list is cached in p)."""
    w = p['w']
    if 'sat' not in p:
        we, wo = w[0::2], w[1::2]
        # u >= 0, so a pair of opposite-signed weights stays within one product (<= 254 * 127).
        kk, jj = torch.nonzero((we.abs() + wo.abs() > 32767 // 254) & (we * wo > 0),
                               as_tuple=True)
        p['sat'] = (kk, jj, we[kk, jj], wo[kk, jj], w.double())
    kk, jj, wek, wok, wd = p['sat']
    out = u.double() @ wd
    if len(kk):
        pair = u[:, 0::2][:, kk] * wek + u[:, 1::2][:, kk] * wok
        corr = (pair.clamp(-32768, 32767) - pair).t().double()
        out += torch.zeros(wd.shape[1], u.shape[0], dtype=torch.float64).index_add_(0, jj, corr).t()
    return out  # integers, exact in float64


def fma32(a, b, c):
    """float32 fma(a, b, c): the product of two floats is exact in float64, so one float64 add and
    one rounding to float32 (double rounding is possible but needs a 29-bit tie)."""
    return torch.addcmul(c.double(), a.double(), b.double()).float()


def int8_product(x, p):
    """tarjama's (and intgemm's int8shiftAlphaAll) product: quantise, saturating integer sums,
    then fma(float(sum), unquant, prepared bias) where the prepared bias folds in the shift."""
    shape = x.shape
    u = quantize_shifted(x.reshape(-1, shape[-1]), p['alpha'])
    s = saturating_matmul(u, p)
    y = fma32(s.float(), torch.tensor(p['unq'], dtype=torch.float32), p['pbias'])
    return y.reshape(*shape[:-1], -1)


class LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.scale, self.bias, 1e-6)


class Attention(nn.Module):
    """Multi-head attention followed by dropout, residual add and layer norm (the "dan" block)."""

    def __init__(self, d, heads, dropout):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v, self.o = (Linear(d, d) for _ in range(4))
        self.norm = LayerNorm(d)
        self.drop = nn.Dropout(dropout)
        self.att_drop = dropout

    def kv(self, mem):
        B, T, d = mem.shape
        k = self.k(mem).view(B, T, self.h, d // self.h).transpose(1, 2)
        v = self.v(mem).view(B, T, self.h, d // self.h).transpose(1, 2)
        return k, v

    def forward(self, x, kv, mask):
        B, T, d = x.shape
        k, v = kv
        q = self.q(x).view(B, T, self.h, d // self.h).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // self.h))
        s = s + mask  # [B,1,1,Tk] additive
        a = torch.softmax(s, dim=-1)
        if self.training and self.att_drop > 0:
            a = F.dropout(a, self.att_drop)
        o = (a @ v).transpose(1, 2).reshape(B, T, d)
        return self.norm(self.drop(self.o(o)) + x)


class FFN(nn.Module):
    def __init__(self, d, d_ffn, dropout):
        super().__init__()
        self.w1 = Linear(d, d_ffn)
        self.w2 = Linear(d_ffn, d)
        self.norm = LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = F.relu(self.w1(x))
        h = self.drop(h)
        return self.norm(self.drop(self.w2(h)) + x)


class SSRU(nn.Module):
    """c_t = f_t * c_{t-1} + (1 - f_t) * (y_t W); out = LN(relu(c_t) + y_t), f_t = sigmoid(y_t Wf + bf)."""

    def __init__(self, d, dropout):
        super().__init__()
        self.W = Linear(d, d, bias=False)
        self.Wf = Linear(d, d)
        self.norm = LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(self, y, c0=None):
        f = torch.sigmoid(self.Wf(y))
        u = (1.0 - f) * self.W(y)
        c = torch.zeros_like(y[:, 0]) if c0 is None else c0
        cs = []
        for t in range(y.shape[1]):
            c = f[:, t] * c + u[:, t]
            cs.append(c)
        cs = torch.stack(cs, dim=1)
        return self.norm(self.drop(F.relu(cs)) + y), cs[:, -1]


class TinyTransformer(nn.Module):
    def __init__(self, vocab=16000, d=256, d_ffn=1536, heads=8, enc_depth=6, dec_depth=2,
                 dropout=0.1):
        super().__init__()
        self.cfg = dict(vocab=vocab, d=d, d_ffn=d_ffn, heads=heads, enc_depth=enc_depth,
                        dec_depth=dec_depth)
        self.d = d
        self.Wemb = nn.Parameter(torch.empty(vocab, d))
        nn.init.xavier_uniform_(self.Wemb)
        self.out_b = nn.Parameter(torch.zeros(vocab))
        self.enc = nn.ModuleList(
            nn.ModuleDict(dict(self=Attention(d, heads, dropout), ffn=FFN(d, d_ffn, dropout)))
            for _ in range(enc_depth))
        self.dec = nn.ModuleList(
            nn.ModuleDict(dict(rnn=SSRU(d, dropout), ctx=Attention(d, heads, dropout),
                               ffn=FFN(d, d_ffn, dropout)))
            for _ in range(dec_depth))
        self.drop = nn.Dropout(dropout)

    def embed(self, ids, offset=0):
        x = self.Wemb[ids] * math.sqrt(self.d)
        return x + position_signal(ids.shape[1], self.d, offset).to(x)

    def encode(self, src, src_mask):
        """src [B,S] ids, src_mask [B,S] 1/0 -> (memory, additive mask)."""
        add = ((1.0 - src_mask.float()) * -99999999.0)[:, None, None, :]
        x = self.drop(self.embed(src))
        for L in self.enc:
            x = L['self'](x, L['self'].kv(x), add)
            x = L['ffn'](x)
        return x, add

    def decode(self, mem, add, prev):
        """prev [B,T]: the previous target token at each step (-1 at step 0 = zero embedding)."""
        emb = self.Wemb[prev.clamp(min=0)] * (prev >= 0).unsqueeze(-1).float()
        y = emb * math.sqrt(self.d) + position_signal(prev.shape[1], self.d).to(emb)
        y = self.drop(y)
        for L in self.dec:
            y, _ = L['rnn'](y)
            y = L['ctx'](y, L['ctx'].kv(mem), add)
            y = L['ffn'](y)
        return y

    def logits(self, y):
        return y @ self.Wemb.t() + self.out_b

    def forward(self, src, src_mask, prev):
        mem, add = self.encode(src, src_mask)
        return self.logits(self.decode(mem, add, prev))

    @torch.no_grad()
    def greedy(self, src, max_len, eos=0, allowed=None):
        """Greedy decoding of one sentence (src [1,S]) the way Marian's beam 1 does it: raw
        scores, optional shortlist (allowed: sorted LongTensor of token ids), stop at EOS or after
        max_len steps. Returns the ids without EOS."""
        mem, add = self.encode(src, torch.ones_like(src))
        kvs = [L['ctx'].kv(mem) for L in self.dec]
        states = [None] * len(self.dec)
        prev = -1
        out = []
        for t in range(max_len):
            if prev < 0:
                y = position_signal(1, self.d, t).unsqueeze(0)
            else:
                y = self.Wemb[prev].view(1, 1, -1) * math.sqrt(self.d) + position_signal(1, self.d, t)
            for i, L in enumerate(self.dec):
                y, states[i] = L['rnn'](y, states[i])
                y = L['ctx'](y, kvs[i], add)
                y = L['ffn'](y)
            y = y[0, 0]
            if allowed is not None:
                s = y @ self.Wemb[allowed].t() + self.out_b[allowed]
                tok = int(allowed[int(torch.argmax(s))])
            else:
                tok = int(torch.argmax(y @ self.Wemb.t() + self.out_b))
            if tok == eos:
                break
            out.append(tok)
            prev = tok
        return out
