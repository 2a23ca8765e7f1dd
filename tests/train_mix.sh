#!/bin/sh
# SPDX-License-Identifier: MIT
# The v2 data tools (tools/train/prep_v2.py, train.py's load_data and mixed examples), on
# hand-made lines and a hand-made compact split, no corpus: the normalisation strips Arabic marks
# and invisible characters as ../shared/corpus does; the filters drop what their rules say (length
# ratio, script of each side, placeholders of interface strings) and keep the rest; a compact
# data.pt comes back as the same id lists; a weight of 2.5 gives two copies of every line plus
# half of the lines, the domain tag goes before the source only, and a weight of 0 leaves the
# sub-source out. Needs python3 with torch; skips without it.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/tools/python.sh"
find_python torch
cd "$ROOT/tools/train"
$PY - <<'PYEOF'
import random
import sys
import tempfile

import torch
import prep_v2
import train

fail = []


def check(what, got, want):
    if got != want:
        fail.append('%s: got %r, want %r' % (what, got, want))


# normalisation: harakat, dagger alef and tatweel go; zero-width and bidi marks go; NFC
check('norm_ar', prep_v2.norm_ar('\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f\u0640 \u200f x'),
      '\u0645\u062d\u0645\u062f x')
check('norm_en', prep_v2.norm_en(' Cafe\u0301\u200b  ok '), 'Caf\u00e9 ok')
AR = '\u0643\u062a\u0627\u0628'  # a four-letter Arabic word
cases = [
    ('un', AR, 'book', None),
    ('un', AR, '', 'empty'),
    ('un', AR, 'a very long English line for a four-letter word', 'ratio'),
    ('un', 'book', 'book', 'script'),                       # Arabic side not Arabic
    ('un', AR, AR + ' book', 'script'),                      # Arabic on the English side
    ('un', '123', '123', 'script'),                          # no letters
    ('debian_l10n', AR + ' %s', 'Book %s', None),
    ('debian_l10n', AR + ' %s', 'Book %d', 'placeholder'),
    ('un', AR + ' %s', 'Book %d', None),                     # placeholders checked for UI only
    ('debian_l10n', 'GIMP ' + AR + ' ' + AR, 'GIMP book', None),  # Latin names are fine
]
for src, ar, en, want in cases:
    check('reject(%s, %r, %r)' % (src, ar, en), prep_v2.reject(src, ar, en), want)

# compact split round trip
rows = [('a', [5, 6, 7], [8]), ('b', [9], [10, 11]), ('a', [12, 13], [14, 15, 16])]
split = dict(ar_flat=torch.tensor([t for r in rows for t in r[1]], dtype=torch.int16),
             ar_len=torch.tensor([len(r[1]) for r in rows], dtype=torch.int32),
             en_flat=torch.tensor([t for r in rows for t in r[2]], dtype=torch.int16),
             en_len=torch.tensor([len(r[2]) for r in rows], dtype=torch.int32),
             tag_names=['a', 'b'], tag_idx=torch.tensor([0, 1, 0], dtype=torch.int16),
             mix={'ar-en': {'a': 2.5, 'b': 0.0}, 'en-ar': {'a': 0.0, 'b': 1.0}},
             prefix={'ar-en': {'a': [3]}, 'en-ar': {}})
with tempfile.NamedTemporaryFile(suffix='.pt') as f:
    torch.save({'train': split}, f.name)
    tr = train.load_data(f.name)['train']
check('ar ids', tr['ar'], [r[1] for r in rows])
check('en ids', tr['en'], [r[2] for r in rows])
check('tags', tr['tag'], ['a', 'b', 'a'])
ex = train.examples(tr, None, random.Random(1), 128, ('ar-en', 'en-ar'))
ae = sorted(x for x in ex if x[1][-2] in (8, 16))   # targets from the English side
ea = [x for x in ex if x not in ae]
# ar-en: 'a' (2 lines) x 2.5 = 2 copies each + 1 sampled line = 5 examples, tag 3 first
check('ar-en count', len(ae), 5)
check('ar-en tagged', all(s[0] == 3 and s[-1] == 0 and t[-1] == 0 for s, t in ae), True)
check('ar-en copies', sorted(set(map(tuple, (s for s, _ in ae)))),
      [(3, 5, 6, 7, 0), (3, 12, 13, 0)])
# en-ar: only 'b', once, untagged, target = Arabic side
check('en-ar', ea, [([10, 11, 0], [9, 0])])
if fail:
    print('FAIL\n' + '\n'.join(fail))
    sys.exit(1)
print('prep_v2 filters: %d cases, compact round trip and mixed examples: ok' % len(cases))
PYEOF
