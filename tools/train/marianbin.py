# SPDX-License-Identifier: MIT
"""Writer for Marian's binary model format (the layout of ../shared/docs spec §2), int8 as marian-conv
--gemm-type intgemm8 writes it."""
import struct

import numpy as np

FLOAT32 = 0x404
INT8 = 0x101
INTGEMM8 = 0x4101


def quantize_intgemm8(w, transpose):
    """Marian's packAndSave for intgemm8: q = 127/max|W|, optionally transpose [in,out] -> [out,in],
    round half to even, clamp to [-127, 127]; returns (int8 array, q)."""
    w = np.asarray(w, dtype=np.float32)
    q = np.float32(127.0) / np.float32(np.max(np.abs(w)))
    m = w.T if transpose else w
    v = np.rint(m * q)  # numpy rounds half to even, like the SSE/AVX conversion
    return np.clip(v, -127, 127).astype(np.int8), q


def _pad256(b):
    return b + b'\0' * ((-len(b)) % 256)


def write(path, items, yaml_text):
    """items: list of (name, type, shape, payload bytes). Written in byte-wise name order like
    marian-conv, tensors padded to 256 bytes, the YAML last and unpadded."""
    items = sorted(items, key=lambda it: it[0].encode())
    y = yaml_text.encode() + b'\0'
    items.append(('special:model.yml', INT8, (len(y),), y))
    headers, names, shapes, datas = [], [], [], []
    for name, typ, shape, payload in items:
        data = payload if name == 'special:model.yml' else _pad256(payload)
        nb = name.encode() + b'\0'
        headers.append(struct.pack('<4Q', len(nb), typ, len(shape), len(data)))
        names.append(nb)
        shapes.append(struct.pack('<%di' % len(shape), *shape))
        datas.append(data)
    head = struct.pack('<QQ', 1, len(items)) + b''.join(headers) + b''.join(names) + b''.join(shapes)
    pos = len(head)
    nxt = ((pos + 8) // 256 + 1) * 256
    pad = nxt - pos - 8
    with open(path, 'wb') as f:
        f.write(head + struct.pack('<Q', pad) + b'\0' * pad)
        for d in datas:
            f.write(d)


def float_item(name, arr, shape=None):
    a = np.asarray(arr, dtype='<f4')
    if shape is None:
        shape = (1, a.size) if a.ndim == 1 else a.shape
    return (name, FLOAT32, tuple(int(s) for s in shape), a.tobytes())


def int8_item(name, w, transpose):
    """A weight [in, out] (or Wemb [V, d] with transpose=False) as an intgemm8 item."""
    q8, q = quantize_intgemm8(w, transpose)
    shape = np.asarray(w).shape
    return (name, INTGEMM8, tuple(int(s) for s in shape),
            q8.tobytes() + struct.pack('<f', float(q)))


def read(path):
    """Items of a .bin as {name: (type, shape, payload bytes)} (payload without padding for
    float32/intgemm8), for tests and inspection."""
    f = open(path, 'rb').read()
    _, n = struct.unpack_from('<QQ', f, 0)
    hdr = [struct.unpack_from('<4Q', f, 16 + 32 * i) for i in range(n)]
    pos = 16 + 32 * n
    names = []
    for h in hdr:
        names.append(f[pos:pos + h[0] - 1].decode())
        pos += h[0]
    shapes = []
    for h in hdr:
        shapes.append(struct.unpack_from('<%di' % h[2], f, pos))
        pos += 4 * h[2]
    pad, = struct.unpack_from('<Q', f, pos)
    pos += 8 + pad
    out = {}
    for name, h, s in zip(names, hdr, shapes):
        n_el = int(np.prod(s))
        size = {FLOAT32: 4 * n_el, INTGEMM8: n_el + 4}.get(h[1], h[3])
        out[name] = (h[1], s, f[pos:pos + size])
        pos += h[3]
    return out
