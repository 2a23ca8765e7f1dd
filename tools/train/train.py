#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Train an Arabic<->English model of the Firefox tiny-student shape on the output of prep.py.

--directions picks what it learns: one direction (what run.sh does, one model each), or both in
one model, where the source script tells it which language to produce.

Recipe: Adam (0.9, 0.98), linear warm-up then inverse-square-root decay, label smoothing, dropout,
token-bucketed batches, validation on ../shared/corpus/dev.* (cross-entropy per target token, and
the source gain: how much worse it gets with shuffled sources), early stopping on it, and the final
model the average of the best checkpoints. Reproducible from --seed (same data order, same
initialisation; single-threaded BLAS gives identical numbers).

usage: train.py --data DIR/data.pt --out DIR [--max-minutes M] [--seed S] ...
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tjmodel import TinyTransformer  # noqa: E402

EOS = 0
UNK = 1


def load_data(path):
    """prep.py's data.pt, or prep_v2.py's compact one (ids as flat int16 tensors with lengths,
    sub-source tags as indices into a list of names), made small enough to travel to a lent GPU
    machine; both come back as lists of id lists."""
    data = torch.load(path)
    for split in data.values():
        if isinstance(split, dict) and 'tag_names' in split:
            for side in ('ar', 'en'):
                flat, lens = split.pop(side + '_flat'), split.pop(side + '_len')
                flat = flat.long().tolist()
                out, pos = [], 0
                for n in lens.tolist():
                    out.append(flat[pos:pos + n])
                    pos += n
                split[side] = out
            names = split.pop('tag_names')
            split['tag'] = [names[i] for i in split.pop('tag_idx').tolist()]
    return data


def examples(split, names_per_epoch, rng, max_len, directions=('ar-en', 'en-ar')):
    """(src, tgt) id lists for the given directions; a fresh random sample of the name pairs.
    A split with a 'mix' (prep_v2.py) instead gives each sub-source its weight per direction:
    the whole part of a weight in copies, the fraction as a fresh sample each epoch; its
    'prefix' puts a domain tag before the source."""
    if 'mix' in split:
        return mixed_examples(split, rng, max_len, directions)
    sent = [i for i, t in enumerate(split['tag']) if not t.startswith('lex_')]
    lex = [i for i, t in enumerate(split['tag']) if t.startswith('lex_')]
    if names_per_epoch is not None and names_per_epoch < len(lex):
        lex = rng.sample(lex, names_per_epoch)
    out = []
    for i in sent + lex:
        a, e = split['ar'][i], split['en'][i]
        if 0 < len(a) < max_len and 0 < len(e) < max_len:
            if 'ar-en' in directions:
                out.append((a + [EOS], e + [EOS]))
            if 'en-ar' in directions:
                out.append((e + [EOS], a + [EOS]))
    return out


def mixed_examples(split, rng, max_len, directions):
    by_tag = {}
    for i, t in enumerate(split['tag']):
        by_tag.setdefault(t, []).append(i)
    out = []
    for d in directions:
        for t in sorted(by_tag):
            idx, w = by_tag[t], split['mix'][d].get(t, 0.0)
            whole, frac = int(w), w - int(w)
            pick = idx * whole + (rng.sample(idx, round(frac * len(idx))) if frac > 0 else [])
            pre = split.get('prefix', {}).get(d, {}).get(t, [])
            for i in pick:
                a, e = split['ar'][i], split['en'][i]
                if 0 < len(a) < max_len and 0 < len(e) < max_len:
                    s, g = (a, e) if d == 'ar-en' else (e, a)
                    out.append((pre + s + [EOS], g + [EOS]))
    return out


def batches(exs, batch_tokens, rng, shuffle=True):
    exs = sorted(exs, key=lambda x: (len(x[1]), len(x[0]), rng.random() if shuffle else 0))
    out, cur, width = [], [], 0
    for ex in exs:
        w = max(width, len(ex[0]), len(ex[1]))
        if cur and w * (len(cur) + 1) > batch_tokens:
            out.append(cur)
            cur, w = [], max(len(ex[0]), len(ex[1]))
        cur.append(ex)
        width = w
    if cur:
        out.append(cur)
    if shuffle:
        rng.shuffle(out)
    return out


def tensors(batch):
    B = len(batch)
    S = max(len(s) for s, _ in batch)
    T = max(len(t) for _, t in batch)
    src = torch.zeros(B, S, dtype=torch.long)
    mask = torch.zeros(B, S)
    tgt = torch.full((B, T), -100, dtype=torch.long)
    prev = torch.full((B, T), -1, dtype=torch.long)
    for i, (s, t) in enumerate(batch):
        src[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
        tgt[i, :len(t)] = torch.tensor(t)
        prev[i, 1:len(t)] = torch.tensor(t[:-1])
    return src, mask, prev, tgt


def evaluate(model, dev_batches, device):
    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for b in dev_batches:
            src, mask, prev, tgt = (t.to(device) for t in tensors(b))
            lo = model(src, mask, prev)
            tot += F.cross_entropy(lo.view(-1, lo.shape[-1]), tgt.view(-1), ignore_index=-100,
                                   reduction='sum').item()
            n += int((tgt != -100).sum())
    model.train()
    return tot / n


def shuffled_sources(exs, rng):
    """The same targets with each source swapped for another sentence's: the dev loss on these
    minus the real one (the source gain) says how much the model uses its input. A model that
    has collapsed into a target-side language model scores the same on both."""
    srcs = [s for s, _ in exs]
    rng.shuffle(srcs)
    return [(s, t) for s, (_, t) in zip(srcs, exs)]


def average(paths):
    avg = None
    for p in paths:
        sd = torch.load(p, map_location='cpu')['model']
        if avg is None:
            avg = {k: v.clone().double() for k, v in sd.items()}
        else:
            for k in avg:
                avg[k] += sd[k].double()
    return {k: (v / len(paths)).float() for k, v in avg.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--d', type=int, default=256)
    ap.add_argument('--ffn', type=int, default=1536)
    ap.add_argument('--heads', type=int, default=8)
    ap.add_argument('--enc-depth', type=int, default=6)
    ap.add_argument('--dec-depth', type=int, default=2)
    ap.add_argument('--dropout', type=float, default=0.1)
    ap.add_argument('--label-smoothing', type=float, default=0.1)
    ap.add_argument('--word-dropout', type=float, default=0.0,
                    help='replace this fraction of source tokens by <unk> in training')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--warmup', type=int, default=500)
    ap.add_argument('--batch-tokens', type=int, default=3000)
    ap.add_argument('--max-len', type=int, default=128)
    ap.add_argument('--names-per-epoch', type=int, default=15000)
    ap.add_argument('--valid-every', type=int, default=200, help='steps')
    ap.add_argument('--patience', type=int, default=8, help='validations without improvement')
    ap.add_argument('--average', type=int, default=4, help='checkpoints averaged at the end')
    ap.add_argument('--max-minutes', type=float, default=60)
    ap.add_argument('--max-steps', type=int, default=10**9)
    ap.add_argument('--directions', default='ar-en,en-ar',
                    help='comma-separated; one direction fine-tunes a joint model for it')
    ap.add_argument('--init', help='start from the weights of this checkpoint (fine-tuning)')
    ap.add_argument('--step-offset', type=int, default=0,
                    help='with --init: continue the learning-rate schedule from this update')
    ap.add_argument('--emb-std', type=float, default=0.0,
                    help='initialise the embeddings N(0, emb-std) instead of Glorot (0 = Glorot)')
    ap.add_argument('--bf16', action='store_true',
                    help='bfloat16 autocast for the forward pass (CPUs with AVX-512 BF16)')
    ap.add_argument('--mix-set', default='',
                    help='SUBSOURCE=WEIGHT,... overrides the prep_v2.py mix (every direction)')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    a = ap.parse_args()
    dirs = tuple(a.directions.split(','))

    torch.set_num_threads(a.threads)
    # TF32 for the float32 products left outside autocast on a GPU; CPUs ignore it
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    data = load_data(a.data)
    for item in (x for x in a.mix_set.split(',') if x):
        name, w = item.split('=')
        if 'mix' not in data['train'] or name not in data['train']['mix']['ar-en']:
            sys.exit('train.py: --mix-set %s: no such sub-source in the mix of %s' % (name, a.data))
        for d in data['train']['mix']:
            data['train']['mix'][d][name] = float(w)
    if a.init:  # the architecture comes with the weights
        init = torch.load(a.init, map_location='cpu')
        model = TinyTransformer(dropout=a.dropout, **init['cfg'])
        model.load_state_dict(init['model'])
    else:
        model = TinyTransformer(d=a.d, d_ffn=a.ffn, heads=a.heads, enc_depth=a.enc_depth,
                                dec_depth=a.dec_depth, dropout=a.dropout)
        if a.emb_std > 0:
            torch.nn.init.normal_(model.Wemb, 0.0, a.emb_std)
    model.to(a.device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.98), eps=1e-9)

    def lr_at(step):
        step += a.step_offset
        return a.lr * min(step / a.warmup, math.sqrt(a.warmup / max(step, 1)))

    dev_exs = examples(data['dev'], None, rng, 10**9, dirs)
    dev = batches(dev_exs, 4000, rng, shuffle=False)
    dev_shuf = batches(shuffled_sources(dev_exs, random.Random(a.seed)), 4000, rng, shuffle=False)
    log = open(os.path.join(a.out, 'train.log'), 'a')

    def say(msg):
        line = time.strftime('%H:%M:%S ') + msg
        print(line, flush=True)
        log.write(line + '\n')
        log.flush()

    say('config ' + json.dumps(vars(a)))
    start = time.time()
    step, epoch, best, bad = 0, 0, float('inf'), 0
    scores = []  # (dev loss, checkpoint path)
    stop = None
    tok_since, t_since, loss_since = 0, time.time(), 0.0
    while stop is None:
        epoch += 1
        for b in batches(examples(data['train'], a.names_per_epoch, rng, a.max_len, dirs),
                         a.batch_tokens, rng):
            step += 1
            for g in opt.param_groups:
                g['lr'] = lr_at(step)
            src, mask, prev, tgt = tensors(b)
            if a.word_dropout > 0:
                # source word dropout (Sennrich and Zhang 2019, for little data): the model
                # must guess a word now and then from its context instead of memorising pairs
                drop = (torch.rand(src.shape) < a.word_dropout) & (mask > 0) & (src != EOS)
                src = src.masked_fill(drop, UNK)
            src, mask, prev, tgt = (t.to(a.device) for t in (src, mask, prev, tgt))
            with torch.autocast(a.device if a.device == 'cpu' else 'cuda', dtype=torch.bfloat16,
                                enabled=a.bf16):
                lo = model(src, mask, prev)
            loss = F.cross_entropy(lo.float().view(-1, lo.shape[-1]), tgt.view(-1),
                                   ignore_index=-100, label_smoothing=a.label_smoothing)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            ntok = int((tgt != -100).sum())
            tok_since += ntok
            loss_since += loss.item() * ntok
            if step % 50 == 0:
                dt = time.time() - t_since
                say('epoch %d step %d lr %.2e train-loss %.3f %.0f tok/s' %
                    (epoch, step, lr_at(step), loss_since / tok_since, tok_since / dt))
                tok_since, t_since, loss_since = 0, time.time(), 0.0
            elapsed = (time.time() - start) / 60
            if step % a.valid_every == 0 or elapsed > a.max_minutes or step >= a.max_steps:
                dl = evaluate(model, dev, a.device)
                gain = evaluate(model, dev_shuf, a.device) - dl
                path = os.path.join(a.out, 'ckpt-%06d.pt' % step)
                torch.save(dict(model=model.state_dict(), cfg=model.cfg, step=step, dev=dl), path)
                scores.append((dl, path))
                if dl < best:
                    best, bad = dl, 0
                else:
                    bad += 1
                say('valid step %d epoch %d dev-ce %.4f ppl %.2f source-gain %.4f best %.4f '
                    '(%d bad) %.1f min' % (step, epoch, dl, math.exp(dl), gain, best, bad, elapsed))
                # keep only the checkpoints that can still be averaged, and the newest one, so
                # that a later stage (run.sh's continue_stage) starts from the last state
                keep = set(p for _, p in sorted(scores)[:a.average]) | {path}
                for _, p in scores:
                    if p not in keep and os.path.exists(p):
                        os.remove(p)
                scores = [(s, p) for s, p in scores if p in keep]
                if bad >= a.patience:
                    stop = 'early stop (no improvement in %d validations)' % bad
                elif elapsed > a.max_minutes:
                    stop = 'time limit'
                elif step >= a.max_steps:
                    stop = 'step limit'
                if stop:
                    break
    best_paths = [p for _, p in sorted(scores)[:a.average]]
    model.load_state_dict(average(best_paths))
    dl = evaluate(model, dev, a.device)
    model.cpu()
    torch.save(dict(model=model.state_dict(), cfg=model.cfg, step=step, dev=dl,
                    averaged=[os.path.basename(p) for p in best_paths]),
               os.path.join(a.out, 'final.pt'))
    say('%s; final = average of %s: dev-ce %.4f ppl %.2f' %
        (stop, ', '.join(os.path.basename(p) for p in best_paths), dl, math.exp(dl)))


if __name__ == '__main__':
    main()
