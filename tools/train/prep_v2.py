#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the v2 training mix: ../shared/corpus (its shippable sources) + ../shared/corpus/extra.

Every line is normalised as ../shared/corpus is (NFC, no invisible characters; Arabic without
diacritics or tatweel), filtered (length, length ratio, script of each side, placeholders of
interface strings), deduplicated across sources, split into sub-sources by kind (interface
strings of one or two words apart from longer ones; XQuAD sentences, questions and answer spans
apart) and given a weight per direction: how many times each line is seen per epoch, on average
(train.py draws the fraction afresh each epoch). A news-like dev set is held out from UD PUD and
XQuAD by whole blocks (a PUD run of 20 sentences; an XQuAD paragraph with its questions and
answers), and any training pair sharing a side with it, or with an evaluation set, is dropped.

usage: prep_v2.py --shared /work/shared --tarjama build/tarjama --out DIR
                  [--vocab V.spm] [--tags] [--dialect-en-ar drop|plain|tag] [--dump-text FILE]

DIR/data.pt holds 'train' (ids, text, sub-source tags), 'mix' (direction -> sub-source ->
weight), 'dev' (the news dev set: train.py validates on it) and 'dev_v1' (../shared/corpus/dev.*,
UN + Tatoeba, for comparison with the v1 logs). DIR/mix.tsv is the table of counts printed.
--tags puts a domain tag on the source side of every line that is not news-like or plain
sentences (interface, lexicon, Bible, dialect): the tag is a control symbol of the vocabulary
(`<tag:ui>`...; spm_train --control_symbols), which no text can produce, so the untagged default
is what a user gets. --dump-text writes one epoch's sampled text (both sides), for spm_train.
"""
import argparse
import collections
import os
import random
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Sub-source -> (category, weight ar-en, weight en-ar). Weights: expected number of times a line
# is seen per epoch. Reasons (docs/training.md, "v2"): the news-like text is what FLORES and
# TICO look like and there is little of it, so it is seen 3-4 times; real sentences once; the
# archaic Bible a quarter as much (at 1 its 30 000 long verses would be a third of the words);
# interface strings and lexicon entries are many and short, so a small fraction is drawn per
# epoch (one-word lines least), as v1 drew 15 000 of its 58 000 name pairs. Dialect Arabic
# (Egyptian, Moroccan) teaches ar->en to read dialect; as an en->ar target it would teach the
# model to write dialect, so en->ar leaves it out unless --dialect-en-ar says otherwise.
MIX = {
    'ud_pud': ('news', 4.0, 4.0),
    'xquad': ('news', 3.0, 3.0),            # paragraph sentences
    'udhr': ('news', 3.0, 3.0),
    'un': ('sent', 1.0, 1.0),
    'tatoeba': ('sent', 1.0, 1.0),
    'tatoeba_manythings': ('sent', 1.0, 1.0),
    'gnome_mate_help': ('sent', 1.0, 1.0),
    'xquad.q': ('sent', 1.0, 1.0),          # questions
    'xquad.a': ('lex', 0.5, 0.5),           # answer spans (short noun phrases)
    'oldi_seed_arz': ('dialect', 1.0, 0.0),
    'oldi_seed_ary': ('dialect', 1.0, 0.0),
    'bible_vandyck_web': ('bible', 0.25, 0.25),
    'mozilla_l10n': ('ui', 0.5, 0.5),
    'libreoffice_l10n': ('ui', 0.5, 0.5),
    'debian_l10n': ('ui', 0.15, 0.15),
    'mozilla_l10n.short': ('ui', 0.1, 0.1),
    'libreoffice_l10n.short': ('ui', 0.1, 0.1),
    'debian_l10n.short': ('ui', 0.05, 0.05),
    'lex_netranslit': ('lex', 0.2, 0.2),    # names (Wikidata)
    'lex_google': ('lex', 0.5, 0.5),        # names (transliteration)
    'cldr': ('lex', 0.5, 0.5),
    'iso_codes': ('lex', 0.5, 0.5),
    'freedict_ara_eng': ('lex', 0.05, 0.05),
    'gatitos_ar_dialects': ('lex', 0.1, 0.0),  # dialect words: ar->en only, as above
}
V1_SHIPPABLE = ('un', 'tatoeba', 'lex_netranslit', 'lex_google')
EXTRA = ('ud_pud', 'xquad', 'udhr', 'tatoeba_manythings', 'gnome_mate_help', 'oldi_seed_arz',
         'oldi_seed_ary', 'bible_vandyck_web', 'mozilla_l10n', 'libreoffice_l10n', 'debian_l10n',
         'cldr', 'iso_codes', 'freedict_ara_eng', 'gatitos_ar_dialects')
# Deduplication keeps the first occurrence: sources in order of how much we trust them.
PRIORITY = ('ud_pud', 'xquad', 'udhr', 'un', 'tatoeba', 'tatoeba_manythings', 'gnome_mate_help',
            'bible_vandyck_web', 'mozilla_l10n', 'libreoffice_l10n', 'debian_l10n',
            'oldi_seed_arz', 'oldi_seed_ary', 'cldr', 'iso_codes', 'lex_google',
            'lex_netranslit', 'gatitos_ar_dialects', 'freedict_ara_eng')
UI = ('mozilla_l10n', 'libreoffice_l10n', 'debian_l10n')
TAGS = {'ui': '<tag:ui>', 'lex': '<tag:lex>', 'bible': '<tag:bible>', 'dialect': '<tag:dialect>'}

INVISIBLE = re.compile('[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]')
ARABIC_MARKS = re.compile('[\u064b-\u0652\u0670\u0640]')  # harakat, dagger alef, tatweel
ARABIC_LETTER = re.compile('[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f]')
LATIN_LETTER = re.compile('[A-Za-z\u00c0-\u024f]')
PLACEHOLDER = re.compile(r'%\d*\$?[sdiufxl]|%\d+|\{[^}]*\}|\$\w+|<[^>]*>')


def norm_ar(s):
    s = unicodedata.normalize('NFC', INVISIBLE.sub('', s))
    return ' '.join(ARABIC_MARKS.sub('', s).split())


def norm_en(s):
    return ' '.join(unicodedata.normalize('NFC', INVISIBLE.sub('', s)).split())


def key(s):
    """What counts as the same line for overlap and duplicates: case, marks and spacing aside."""
    return ' '.join(ARABIC_MARKS.sub('', s).lower().split())


def letters(s):
    return sum(1 for c in s if c.isalpha())


def reject(src, ar, en):
    """Why a pair is dropped, or None."""
    if not ar or not en:
        return 'empty'
    if len(ar) > 1000 or len(en) > 1000:
        return 'long'
    la, le = len(ar), len(en)
    if max(la, le) > 20 and max(la, le) > 3 * min(la, le):
        return 'ratio'
    na, ne = letters(ar), letters(en)
    if na == 0 or ne == 0:
        return 'script'
    # Arabic side mostly Arabic script (names of programs in Latin are fine), English side none
    if len(ARABIC_LETTER.findall(ar)) * 2 < na or ARABIC_LETTER.search(en) or \
            len(LATIN_LETTER.findall(en)) * 2 < ne:
        return 'script'
    if src in UI and sorted(PLACEHOLDER.findall(ar)) != sorted(PLACEHOLDER.findall(en)):
        return 'placeholder'
    return None


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read().split('\n')[:-1]


def load(shared):
    """(source, ar, en, block) for every raw pair; block groups lines that go to dev together."""
    corpus = os.path.join(shared, 'corpus')
    ar, en, src = (read(os.path.join(corpus, 'train.' + x)) for x in ('ar', 'en', 'src'))
    if not (len(ar) == len(en) == len(src)):
        sys.exit('prep_v2: ../shared/corpus/train.* are not line-aligned')
    rows = [(s, a, e, None) for s, a, e in zip(src, ar, en) if s in V1_SHIPPABLE]
    for name in EXTRA:
        d = os.path.join(corpus, 'extra', name)
        ar, en = read(os.path.join(d, name + '.ar')), read(os.path.join(d, name + '.en'))
        if len(ar) != len(en):
            sys.exit('prep_v2: %s is not line-aligned' % d)
        block, prev_kind = 0, 's'
        for i, (a, e) in enumerate(zip(ar, en)):
            if name == 'ud_pud':
                block = i // 20
            elif name == 'xquad':
                # paragraphs' sentences come first, then their questions and answer spans
                kind = 'q' if e.rstrip().endswith('?') else ('s' if len(e.split()) > 4 else 'a')
                if kind == 's' and prev_kind != 's':
                    block += 1
                prev_kind = kind
                name_k = 'xquad' if kind == 's' else 'xquad.' + kind
                rows.append((name_k, a, e, block))
                continue
            rows.append((name, a, e, block))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shared', required=True, help='the shared folder (corpus/, eval/)')
    ap.add_argument('--tarjama', required=True)
    ap.add_argument('--vocab', help='default: SHARED/corpus/vocab.aren.spm (v1)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--tags', action='store_true', help='domain tags (needs a vocab with them)')
    ap.add_argument('--dialect-en-ar', choices=('drop', 'plain', 'tag'), default='drop')
    ap.add_argument('--pud-dev', default='0,2', help='PUD blocks (i %% 5) held out for dev')
    ap.add_argument('--xquad-dev', type=int, default=4, help='every Nth XQuAD paragraph to dev')
    ap.add_argument('--dump-text', help='write one epoch of sampled text here (for spm_train)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--no-encode', action='store_true', help='counts only (no data.pt)')
    a = ap.parse_args()
    vocab = a.vocab or os.path.join(a.shared, 'corpus', 'vocab.aren.spm')
    if a.tags and a.dialect_en_ar == 'drop':
        a.dialect_en_ar = 'tag'

    rows = load(a.shared)
    raw = collections.Counter(r[0] for r in rows)
    drops = collections.defaultdict(collections.Counter)
    pud_dev = set(int(x) for x in a.pud_dev.split(',') if x)
    dev, train = [], []
    for s, ar, en, block in rows:
        ar, en = norm_ar(ar), norm_en(en)
        why = reject(s.split('.')[0], ar, en)
        if why:
            drops[s][why] += 1
            continue
        held = (s == 'ud_pud' and block % 5 in pud_dev) or \
            (s.startswith('xquad') and block % a.xquad_dev == a.xquad_dev - 1)
        if held:
            if s in ('ud_pud', 'xquad'):  # sentences only; a held-out paragraph's Q/A go nowhere
                dev.append((s, ar, en))
            else:
                drops[s]['dev-block'] += 1
            continue
        if s.split('.')[0] in UI and len(en.split()) <= 2:
            s += '.short'
        train.append((s, ar, en))

    # Held-out and evaluation sentences: no training pair may share a side with them.
    evals = set()
    edir = os.path.join(a.shared, 'eval')
    for root, _, files in os.walk(edir):
        for f in files:
            if f.endswith(('.ar', '.en')):
                evals.update(key(x) for x in read(os.path.join(root, f)))
    dev_eval = sum(1 for _, ar, en in dev if key(ar) in evals or key(en) in evals)
    dev = [d for d in dev if key(d[1]) not in evals and key(d[2]) not in evals]
    devkeys = set(key(x) for _, ar, en in dev for x in (ar, en))
    seen, kept = set(), []
    rank = {p: i for i, p in enumerate(PRIORITY)}
    train.sort(key=lambda r: rank[r[0].split('.')[0]])  # stable: file order within a source
    for s, ar, en in train:
        ka, ke = key(ar), key(en)
        if ka in devkeys or ke in devkeys:
            drops[s]['dev-overlap'] += 1
        elif ka in evals or ke in evals:
            drops[s]['eval-overlap'] += 1
        elif (ka, ke) in seen:
            drops[s]['duplicate'] += 1
        else:
            seen.add((ka, ke))
            kept.append((s, ar, en))

    mix = {'ar-en': {}, 'en-ar': {}}
    for s in MIX:
        cat, w_ae, w_ea = MIX[s]
        if cat == 'dialect' or s == 'gatitos_ar_dialects':
            w_ea = w_ae * (a.dialect_en_ar != 'drop')
        mix['ar-en'][s], mix['en-ar'][s] = w_ae, w_ea
    n = collections.Counter(s for s, _, _ in kept)
    words = collections.Counter()
    for s, ar, en in kept:
        words[s] += len(en.split())
    lines = ['source\tcategory\traw\tdropped\tkept\tw_ar-en\tw_en-ar\tper_epoch_ar-en\t'
             'en_words_per_epoch\tdrops']
    tot = collections.Counter()
    for s in sorted(MIX, key=lambda x: (['news', 'sent', 'dialect', 'bible', 'ui', 'lex']
                                        .index(MIX[x][0]), x)):
        r = raw.get(s, 0) if not s.endswith('.short') else 0
        dr = sum(drops[s].values())
        pe = n[s] * mix['ar-en'][s]
        ew = words[s] * mix['ar-en'][s]
        tot['raw'] += r
        tot['dropped'] += dr
        tot['kept'] += n[s]
        tot['pe'] += pe
        tot['ew'] += ew
        lines.append('%s\t%s\t%d\t%d\t%d\t%g\t%g\t%.0f\t%.0f\t%s' % (
            s, MIX[s][0], r, dr, n[s], mix['ar-en'][s], mix['en-ar'][s], pe, ew,
            ' '.join('%s=%d' % kv for kv in sorted(drops[s].items()))))
    lines.append('total\t\t%d\t%d\t%d\t\t\t%.0f\t%.0f\t' % (tot['raw'], tot['dropped'],
                                                           tot['kept'], tot['pe'], tot['ew']))
    devn = collections.Counter(s for s, _, _ in dev)
    lines.append('dev\t\t\t\t%d\t\t\t\t\t%s; %d dropped as in an evaluation set' % (
        len(dev), ' '.join('%s=%d' % kv for kv in sorted(devn.items())), dev_eval))
    table = '\n'.join(lines) + '\n'
    print(table, end='')
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'mix.tsv'), 'w', encoding='utf-8') as f:
        f.write(table)
    with open(os.path.join(a.out, 'dev.ar'), 'w', encoding='utf-8') as f:
        f.write(''.join(ar + '\n' for _, ar, _ in dev))
    with open(os.path.join(a.out, 'dev.en'), 'w', encoding='utf-8') as f:
        f.write(''.join(en + '\n' for _, _, en in dev))

    if a.dump_text:
        rng = random.Random(a.seed)
        with open(a.dump_text, 'w', encoding='utf-8') as f:
            for s, ar, en in kept:
                w = max(mix['ar-en'][s], mix['en-ar'][s])
                for _ in range(int(w) + (rng.random() < w - int(w))):
                    f.write(ar + '\n' + en + '\n')
    if a.no_encode:
        return

    import torch  # needed from here on only
    prefix = {'ar-en': {}, 'en-ar': {}}
    if a.tags:
        pieces = {}
        with open(os.path.splitext(vocab)[0] + '.vocab', encoding='utf-8') as f:
            for i, line in enumerate(f):
                pieces[line.split('\t')[0]] = i
        missing = [t for t in TAGS.values() if t not in pieces]
        if missing:
            sys.exit('prep_v2: --tags needs a vocabulary with the control symbols %s '
                     '(spm_train --control_symbols=...; docs/training.md)' % ','.join(missing))
        for s, (cat, _, _) in MIX.items():
            if cat in TAGS:
                for d in prefix:
                    prefix[d][s] = [pieces[TAGS[cat]]]
    data = {}
    c = os.path.join(a.shared, 'corpus')
    v1 = [(t, x, y) for t, x, y in zip(*(read(os.path.join(c, 'dev.' + e))
                                         for e in ('src', 'ar', 'en')))]
    for name, rows_ in (('train', kept), ('dev', dev), ('dev_v1', v1)):
        data[name] = compact(a.tarjama, vocab, rows_, keep_text=name != 'train')
        print('%s: %d pairs, %d pieces (both sides)' % (
            name, len(rows_), len(data[name]['ar_flat']) + len(data[name]['en_flat'])))
    data['train']['mix'] = mix
    data['train']['prefix'] = prefix
    torch.save(data, os.path.join(a.out, 'data.pt'))


def compact(tarjama, vocab, rows, keep_text):
    """One split as train.load_data reads it: ids of each side as one int16 tensor plus the
    lengths (a quarter of the size of lists of ints: data.pt must travel to a lent GPU)."""
    import prep
    import torch
    out = {}
    for side, col in (('ar', 1), ('en', 2)):
        text = [r[col] for r in rows]
        ids = prep.encode(tarjama, vocab, text)
        if max(max(x, default=0) for x in ids) > 32767:
            sys.exit('prep_v2: a vocabulary over 32768 pieces does not fit int16')
        out[side + '_flat'] = torch.tensor([t for x in ids for t in x], dtype=torch.int16)
        out[side + '_len'] = torch.tensor([len(x) for x in ids], dtype=torch.int32)
        if keep_text:
            out[side + '_text'] = text
    names = sorted(set(r[0] for r in rows))
    index = {n: i for i, n in enumerate(names)}
    out['tag_names'] = names
    out['tag_idx'] = torch.tensor([index[r[0]] for r in rows], dtype=torch.int16)
    return out


if __name__ == '__main__':
    main()
