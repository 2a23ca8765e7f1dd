#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build a binary lexical shortlist (lex.FIRST.BEST.XXYY.s2t.bin) from parallel training data.

Lexical probabilities p(target piece | source piece) come from IBM Model 1 (with a NULL word)
trained with EM on the SentencePiece-encoded pairs (our own aligner, in place of fast_align +
extract_lex). Each source piece keeps its `best` most probable target pieces; the file is written in Marian's binary format
(spec §7.2) with `first` = the number of always-allowed lowest target ids, exactly as
`marian-conv --shortlist lex.s2t FIRST BEST 0` would from the text table.

usage: shortlist.py --data DIR/data.pt --direction ar-en [--first 50] [--best 50]
                    --out lex.50.50.aren.s2t.bin      (run.sh: --best 200, lex.50.200)
"""
import argparse
import os
import struct
import sys

import numpy as np

MAGIC = 0xF11A48D5013417F5
MASK = (1 << 64) - 1


def ibm1(pairs, vocab, iters):
    """t[s, e] = p(e | s) by IBM Model 1 EM. Every source sentence gets an extra NULL word (row
    `vocab`), which absorbs the frequent function pieces that would otherwise crowd every list."""
    t = np.full((vocab + 1, vocab), 1.0 / vocab, dtype=np.float32)
    null = np.asarray([vocab])
    for it in range(iters):
        counts = np.zeros((vocab + 1, vocab), dtype=np.float32)
        for s, e in pairs:
            s = np.concatenate([s, null])
            sub = t[np.ix_(s, e)]  # [S+1, E]
            post = sub / sub.sum(axis=0, keepdims=True)
            np.add.at(counts, (s[:, None], e[None, :]), post)
        tot = counts.sum(axis=1, keepdims=True)
        np.divide(counts, tot, out=counts, where=tot > 0)
        t = counts
    return t[:vocab]


def checksum(body):
    h = 0
    for i in range(0, len(body) - len(body) % 8, 8):
        w, = struct.unpack_from('<Q', body, i)
        h ^= (w + 0x9e3779b9 + ((h << 6) & MASK) + (h >> 2)) & MASK
    return h


def write(path, lists, first, best):
    offsets, ids = [0], []
    for lst in lists:
        ids.extend(lst)
        offsets.append(len(ids))
    body = struct.pack('<QQQQ', first, best, len(offsets), len(ids))
    body += np.asarray(offsets, dtype='<u8').tobytes() + np.asarray(ids, dtype='<u4').tobytes()
    with open(path, 'wb') as f:
        f.write(struct.pack('<QQ', MAGIC, checksum(body)) + body)


def read(path):
    """(first, offsets, ids) of a binary shortlist."""
    f = open(path, 'rb').read()
    magic, _, first, best, n_off, n_ids = struct.unpack_from('<6Q', f, 0)
    if magic != MAGIC or len(f) != 48 + 8 * n_off + 4 * n_ids:
        raise ValueError('%s: not a binary shortlist' % path)
    off = np.frombuffer(f, dtype='<u8', count=n_off, offset=48)
    ids = np.frombuffer(f, dtype='<u4', count=n_ids, offset=48 + 8 * n_off)
    return first, best, off, ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--direction', required=True, choices=['ar-en', 'en-ar'])
    ap.add_argument('--out', required=True)
    ap.add_argument('--vocab-size', type=int, default=16000)
    ap.add_argument('--first', type=int, default=50)
    ap.add_argument('--best', type=int, default=50)
    ap.add_argument('--iters', type=int, default=5)
    ap.add_argument('--min-prob', type=float, default=1e-4)
    a = ap.parse_args()
    # only here: the format functions above need numpy alone; train.py needs torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from train import load_data
    tr = load_data(a.data)['train']
    src, trg = ('ar', 'en') if a.direction == 'ar-en' else ('en', 'ar')
    pairs = [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64))
             for s, e in zip(tr[src], tr[trg]) if s and e]
    t = ibm1(pairs, a.vocab_size, a.iters)
    lists = []
    for s in range(a.vocab_size):
        row = t[s]
        cand = np.nonzero(row >= a.min_prob)[0]
        # (probability, id) descending, like the priority queue of marian-conv's import
        order = sorted(cand.tolist(), key=lambda e: (row[e], e), reverse=True)[:a.best]
        lists.append(sorted(order))
    write(a.out, lists, a.first, a.best)
    n = sum(len(x) for x in lists)
    print('%s: %d source pieces with lists, %d entries' %
          (a.out, sum(1 for x in lists if x), n))


if __name__ == '__main__':
    main()
