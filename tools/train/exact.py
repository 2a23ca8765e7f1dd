# SPDX-License-Identifier: MIT
"""tarjama's forward pass in PyTorch, float32 operation for float32 operation.

decode.py --int8 uses this to decode an exported model the way tarjama computes it: the int8
products of tjmodel.int8_product, and every float32 step between them in tarjama's order
(src/decode/transformer.c, src/nn/ops.c, src/nn/sgemm_order.c): sums accumulated in the same lanes
and order, the fused multiply-adds where tarjama (after Marian) fuses, the Cephes exp of Marian's
vectorised softmax, glibc's expf/sinf/cosf called through ctypes. Then any disagreement between
this decoding and tarjama's output on the same .bin points at a bug in the export, in tarjama or
here, not at rounding. Slow (Python loops over the inner dimensions); fine for a test set.
"""
import ctypes
import ctypes.util
import math

import numpy as np
import torch

from tjmodel import fma32, int8_product

_libm = ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6')
for _f in ('expf', 'sinf', 'cosf', 'logf'):
    getattr(_libm, _f).restype = ctypes.c_float
    getattr(_libm, _f).argtypes = [ctypes.c_float]

F32 = np.float32
# The reference's OpenBLAS thread count (src/decode/transformer.c:REF_BLAS_THREADS).
REF_BLAS_THREADS = 2


def c(v):
    """A float32 constant as a 0-d tensor."""
    return torch.tensor(F32(v), dtype=torch.float32)


_EXP_HI = c(88.3762626647949)
_EXP_C = [c(v) for v in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                         1.6666665459e-1, 5.0000001201e-1)]


def exp_cephes(x):
    """Marian's vectorised exp (avx_mathfun's exp256_ps with fused multiply-adds)."""
    x = torch.minimum(torch.maximum(x, -_EXP_HI), _EXP_HI)
    n = torch.floor(fma32(x, c(1.44269504088896341), c(0.5)))
    r = fma32(-n, c(0.693359375), x)
    r = fma32(-n, c(-2.12194440e-4), r)
    r2 = r * r
    p = _EXP_C[0].expand_as(r)
    for k in _EXP_C[1:]:
        p = fma32(p, r, k)
    p = fma32(p, r2, r) + 1.0
    pow2 = ((n.to(torch.int32) + 127) << 23).view(torch.float32)
    return p * pow2


def glibc(fn, x):
    f = getattr(_libm, fn)
    flat = x.reshape(-1).tolist()
    return torch.tensor([f(v) for v in flat], dtype=torch.float32).reshape(x.shape)


def lane_sums(x, lanes):
    """Per-lane running sums of the columns of x [R, n]: lane l holds columns = l (mod lanes)."""
    acc = torch.zeros(x.shape[0], lanes, dtype=torch.float32)
    for j in range(0, x.shape[1], lanes):
        acc = acc + x[:, j:j + lanes]
    return acc


def left_to_right(acc):
    s = torch.zeros(acc.shape[0], dtype=torch.float32)
    for l in range(acc.shape[1]):
        s = s + acc[:, l]
    return s


def softmax_rows(x):
    """tj_softmax_rows: 8 lanes when the row length allows, else 4, else glibc's expf in order."""
    n = x.shape[1]
    m = x.max(dim=1, keepdim=True).values
    if n % 8 == 0 or n % 4 == 0:
        e = exp_cephes(x - m)
        s = left_to_right(lane_sums(e, 8 if n % 8 == 0 else 4))
    else:
        e = glibc('expf', x - m)
        s = left_to_right(e)
    return e / s[:, None]


def layernorm(x, gamma, beta, eps=1e-6):
    """tj_layernorm: Marian's -ffast-math reduction (8 lanes, pairwise across lanes; the squares
    rounded before they are summed), reciprocal of sigma, gamma*(1/sigma) fused with x - mean."""
    n = x.shape[1]
    assert n % 8 == 0

    def pairwise(a):
        return (((a[:, 0] + a[:, 4]) + (a[:, 2] + a[:, 6])) +
                ((a[:, 1] + a[:, 5]) + (a[:, 3] + a[:, 7])))

    inv_n = c(1.0) / c(n)
    mean = (pairwise(lane_sums(x, 8)) * inv_n)[:, None]
    acc = torch.zeros(x.shape[0], 8, dtype=torch.float32)
    for j in range(0, n, 8):
        d = x[:, j:j + 8] - mean
        acc = acc + d * d
    sigma = torch.sqrt(fma32(pairwise(acc), inv_n, c(eps)))
    rs = (c(1.0) / sigma)[:, None]
    return fma32(gamma.detach()[None, :] * rs, x - mean, beta.detach()[None, :])


def _chunk(left, q, later):
    """Length of OpenBLAS's next column chunk (src/nn/sgemm_order.c:chunk)."""
    if left >= 2 * q:
        return q
    if left > q:
        return (((left + 1) // 2 if later else left // 2) + 7) // 8 * 8
    return left


def _kernel_rows(s, e, i):
    """(rows of the kernel block holding row i, i's place in it): the kernel walks rows [s, e)
    12 at a time, then 8, 4, 2, 1 (src/nn/sgemm_order.c:kernel_rows)."""
    while True:
        left = e - s
        b = 12 if left > 11 else 8 if left > 7 else 4 if left > 3 else 2 if left > 1 else 1
        if i < s + b:
            return b, i - s
        s += b


def _driver_rows(s, e, i):
    """The driver's calls over rows a thread packed: 12, then 4, then the rest."""
    while True:
        left = e - s
        b = 12 if left >= 12 else 4 if left > 4 else left
        if i < s + b:
            return _kernel_rows(s, s + b, i)
        s += b


def _two_chains_at(nb, r, g, groups, mw):
    if g >= groups:
        return False
    if nb == 4:
        return True
    if nb != 12 or mw < 16:
        return False
    last = groups - 1
    return (g == 0 or (g == last and last % 2 == 1)) if r < 6 else (g == last and last % 2 == 0)


def _plan(M, N, threads):
    """OpenBLAS's split between threads (src/nn/sgemm_order.c:plan_threads): column parts and
    row regions, or None when it runs on one thread."""
    SR = 4
    if threads <= 1:
        return None
    m, n, tm = N, M, threads
    if m < 2 * SR:
        tm = 1
    else:
        while m < tm * SR:
            tm //= 2
    if n < SR * tm:
        tn = 1
    else:
        tn = -(-n // (SR * tm))
        if tm * tn > threads:
            tn = threads // tm
    if tm * tn <= 1:
        return None
    cols, left = [0], m
    while left > 0:
        w = -(-left // (tm - (len(cols) - 1)))
        left -= w
        cols.append(cols[-1] + w)
    while len(cols) < tm + 1:
        cols.append(cols[-1])
    rows, left = [0], n
    for j in range(tn):
        wn = -(-left // (tn - j))
        left -= wn
        for i in range(tm):
            w = max(-(-wn // (tm - i)), SR)
            w = min(w, wn)
            wn -= w
            rows.append(rows[-1] + w)
    return tm, tn, cols, rows


def _two_chains(M, N, K, threads):
    """[M, N] bool: the outputs OpenBLAS's Haswell sgemm kernel sums as an even and an odd chain
    (src/nn/sgemm_order.c), and whether it ran threaded (which changes the k chunks)."""
    mask = np.zeros((M, N), dtype=bool)
    plan = _plan(M, N, threads) if M * N * K > 65536 * 4 else None
    threaded = plan is not None
    if plan is None:
        plan = (1, 1, [0, N], [0, M])
    tm, tn, cols, rows = plan
    for pm in range(tm):
        m_from, m_to = cols[pm], cols[pm + 1]
        j0 = m_from
        while j0 < m_to:
            mw = _chunk(m_to - j0, 320, j0 > m_from)
            groups = mw // 8
            for q in range(tm * tn):
                s, e = rows[q], rows[q + 1]
                if e <= s:
                    continue
                owner = q // tm * tm + pm
                half = -(-(e - s) // 2) if threaded else e - s
                for i in range(s, e):
                    hs = s + (i - s) // half * half
                    he = min(hs + half, e)
                    nb, r = (_driver_rows if j0 == m_from and q == owner else _kernel_rows)(hs, he, i)
                    for g in range(groups):
                        if _two_chains_at(nb, r, g, groups, mw):
                            mask[i, j0 + 8 * g:j0 + 8 * g + 8] = True
            j0 += mw
    return torch.from_numpy(mask), threaded


def sgemm_ordered(a, b, alpha, threads):
    """tj_sgemm_ordered: alpha * a @ b summed in the order of OpenBLAS's Haswell kernel on
    `threads` threads. a [..., M, K], b [..., K, N] (leading dimensions batched, e.g. heads)."""
    M, K = a.shape[-2:]
    shape = (*a.shape[:-1], b.shape[-1])
    mask, threaded = _two_chains(M, b.shape[-1], K, threads)
    y = torch.zeros(shape, dtype=torch.float32)
    k0 = 0
    while k0 < K:
        kl = K - k0
        if kl >= 640:
            kl = 320
        elif kl > 320:
            kl = (kl + 1) // 2 if threaded else (kl // 2 + 7) // 8 * 8
        seq = torch.zeros(shape, dtype=torch.float32)
        for k in range(k0, k0 + kl):
            seq = fma32(a[..., k:k + 1], b[..., k:k + 1, :], seq)
        part = seq
        if kl >= 8 and bool(mask.any()):
            even = torch.zeros(shape, dtype=torch.float32)
            odd = torch.zeros(shape, dtype=torch.float32)
            pairs_end = k0 + kl // 8 * 8
            for k in range(k0, pairs_end, 2):
                even = fma32(a[..., k:k + 1], b[..., k:k + 1, :], even)
                odd = fma32(a[..., k + 1:k + 2], b[..., k + 1:k + 2, :], odd)
            for k in range(pairs_end, k0 + kl):
                even = fma32(a[..., k:k + 1], b[..., k:k + 1, :], even)
            part = torch.where(mask, even + odd, seq)
        y = fma32(alpha if torch.is_tensor(alpha) else c(alpha), part, y)
        k0 += kl
    return y


_pos_cache = {}


def position_signal(p, d):
    key = (p, d)
    if key not in _pos_cache:
        half = d // 2
        inc = F32(_libm.logf(10000.0)) / (F32(half) - F32(1))
        out = np.empty(d, dtype=F32)
        for i in range(half):
            v = F32(p) * F32(_libm.expf(F32(i) * -inc))
            out[i] = _libm.sinf(v)
            out[half + i] = _libm.cosf(v)
        _pos_cache[key] = torch.from_numpy(out)
    return _pos_cache[key]


def embed(model, tok, pos):
    out = position_signal(pos, model.d)
    if tok < 0:
        return out.clone()
    return model.Wemb.detach()[tok] * c(math.sqrt(model.d)) + out


def lin(layer, x):
    return int8_product(x, layer.int8)


def attention(model, q, kt, v):
    """q [Tq, d], kt [d, Tk] (keys transposed), v [Tk, d] -> [Tq, d]; heads side by side."""
    H = model.enc[0]['self'].h
    Tq, d = q.shape
    dh = d // H
    scale = c(1.0) / torch.sqrt(c(dh))
    qh = q.view(Tq, H, dh).transpose(0, 1)              # [H, Tq, dh]
    kh = kt.view(H, dh, -1)                             # [H, dh, Tk]
    vh = v.view(-1, H, dh).transpose(0, 1)              # [H, Tk, dh]
    s = sgemm_ordered(qh, kh, scale, REF_BLAS_THREADS)  # [H, Tq, Tk]
    a = softmax_rows(s.reshape(H * Tq, -1)).view(H, Tq, -1)
    return sgemm_ordered(a, vh, 1.0, REF_BLAS_THREADS).transpose(0, 1).reshape(Tq, d)


def ffn(f, x):
    h = torch.relu(lin(f.w1, x))
    return layernorm(lin(f.w2, h) + x, f.norm.scale, f.norm.bias)


def encode(model, src):
    """Encoder states and every decoder layer's context keys (transposed) and values."""
    x = torch.stack([embed(model, t, i) for i, t in enumerate(src)])
    for L in model.enc:
        a = L['self']
        q, k, v = lin(a.q, x), lin(a.k, x), lin(a.v, x)
        o = lin(a.o, attention(model, q, k.t().contiguous(), v))
        x = layernorm(o + x, a.norm.scale, a.norm.bias)
        x = ffn(L['ffn'], x)
    return [(lin(L['ctx'].k, x).t().contiguous(), lin(L['ctx'].v, x)) for L in model.dec]


def decoder_step(model, ctx, prev, t, states):
    """One step for one hypothesis; states (one [1, d] SSRU cell per layer) updated in place.
    Returns the decoder output [1, d]."""
    y = embed(model, prev, t)[None, :]
    for i, L in enumerate(model.dec):
        rnn = L['rnn']
        g = lin(rnn.Wf, y)
        u = lin(rnn.W, y)
        e = exp_cephes(g)
        f = e / (1.0 + e)
        cs = fma32(1.0 - f, u, f * states[i])
        states[i] = cs
        y1 = layernorm(torch.relu(cs) + y, rnn.norm.scale, rnn.norm.bias)
        a = L['ctx']
        att = attention(model, lin(a.q, y1), *ctx[i])
        y = layernorm(lin(a.o, att) + y1, a.norm.scale, a.norm.bias)
        y = ffn(L['ffn'], y)
    return y
