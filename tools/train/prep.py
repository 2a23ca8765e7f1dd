#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Select the shippable training data and encode it with the joint SentencePiece vocabulary.

Only the sources whose terms allow a shipped model to learn from them are used (see
../shared/corpus/README.md): un, tatoeba, lex_netranslit, lex_google. Tokenisation goes through
`tarjama tokenize --ids`, which is tested identical to Debian's spm_encode.

usage: prep.py --corpus ../shared/corpus --tarjama build/tarjama --out DIR [--extra hadith,...]
"""
import argparse
import os
import subprocess
import sys

import torch

SHIPPABLE = ('un', 'tatoeba', 'lex_netranslit', 'lex_google')


def encode(tarjama, vocab, lines):
    """Piece ids of each line, through `tarjama tokenize --ids` (used by every tool here)."""
    out = subprocess.run([tarjama, 'tokenize', '--vocab', vocab, '--ids'],
                         input='\n'.join(lines) + '\n', capture_output=True, text=True, check=True)
    rows = out.stdout.split('\n')[:len(lines)]
    if len(rows) != len(lines):
        sys.exit('tarjama tokenize returned %d lines for %d' % (len(rows), len(lines)))
    return [[int(t) for t in r.split()] for r in rows]


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read().split('\n')[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--tarjama', required=True)
    ap.add_argument('--vocab', help='default: CORPUS/vocab.aren.spm')
    ap.add_argument('--out', required=True)
    ap.add_argument('--extra', default='', help='comma-separated non-shippable tags (experiments)')
    a = ap.parse_args()
    vocab = a.vocab or os.path.join(a.corpus, 'vocab.aren.spm')
    tags = set(SHIPPABLE) | set(t for t in a.extra.split(',') if t)
    data = {}
    for split in ('train', 'dev'):
        ar = read(os.path.join(a.corpus, split + '.ar'))
        en = read(os.path.join(a.corpus, split + '.en'))
        src = read(os.path.join(a.corpus, split + '.src'))
        if not (len(ar) == len(en) == len(src)):
            sys.exit('prep: %s files are not line-aligned' % split)
        keep = [i for i, t in enumerate(src) if t in tags]
        ar = [ar[i] for i in keep]
        en = [en[i] for i in keep]
        tg = [src[i] for i in keep]
        data[split] = dict(ar=encode(a.tarjama, vocab, ar), en=encode(a.tarjama, vocab, en),
                           tag=tg, ar_text=ar, en_text=en)
        counts = {t: tg.count(t) for t in sorted(set(tg))}
        print('%s: %d pairs %s' % (split, len(keep), counts))
    os.makedirs(a.out, exist_ok=True)
    torch.save(data, os.path.join(a.out, 'data.pt'))


if __name__ == '__main__':
    main()
