#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Calibrates `tarjama translate --flags` on a test set with references (docs/documents.md).

  tools/flags_calibrate.py TARJAMA MODEL_DIR SOURCE REFERENCE [--reverse DIR] [--limit N]

Translates SOURCE line by line with the per-sentence report, scores every sentence with chrF
against its reference (sacreBLEU's chrF: character 1..6-grams without spaces, beta 2), marks the
worst-chrF tenth as the sentences a flag should catch, and prints how well each score separates
them: precision and recall of "score below t" for thresholds flagging 5..30 % of the sentences, for
the mean log-probability, the round-trip chrF (with --reverse) and their sum of ranks."""
import subprocess
import sys
from collections import Counter


def ngrams(s, n):
    s = s.replace(" ", "")
    return Counter(s[i:i + n] for i in range(len(s) - n + 1))


def chrf(hyp, ref, order=6, beta=2.0):
    precs, recs = [], []
    for n in range(1, order + 1):
        h, r = ngrams(hyp, n), ngrams(ref, n)
        m = sum((h & r).values())
        th, tr = sum(h.values()), sum(r.values())
        if th and tr:
            precs.append(m / th)
            recs.append(m / tr)
    if not precs:
        return 0.0
    p, r = sum(precs) / len(precs), sum(recs) / len(recs)
    if p + r == 0:
        return 0.0
    return 100 * (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def table(name, score, bad, n):
    order = sorted(range(n), key=lambda i: score[i])
    print("%-22s %8s %8s %9s %7s %7s" % (name, "flagged", "thresh", "precision", "recall", "F1"))
    best = None
    for share in (0.05, 0.10, 0.15, 0.20, 0.30):
        k = max(1, int(round(share * n)))
        flagged = set(order[:k])
        tp = len(flagged & bad)
        p, r = tp / k, tp / len(bad)
        f = 2 * p * r / (p + r) if p + r else 0
        print("%-22s %7.0f%% %8.3f %9.2f %7.2f %7.2f" % ("", 100 * share, score[order[k - 1]], p, r, f))
        if best is None or f > best[0]:
            best = (f, share, score[order[k - 1]])
    print("%-22s best F1 %.2f flagging %.0f%% (threshold %.3f)" % ("", best[0], 100 * best[1], best[2]))


def main():
    a = sys.argv[1:]
    tarjama, model, src, ref = a[:4]
    rev = a[a.index("--reverse") + 1] if "--reverse" in a else None
    limit = int(a[a.index("--limit") + 1]) if "--limit" in a else None
    srcs = open(src, encoding="utf-8").read().split("\n")[:-1]
    refs = open(ref, encoding="utf-8").read().split("\n")[:-1]
    if limit:
        srcs, refs = srcs[:limit], refs[:limit]
    cmd = [tarjama, "translate", "-m", model, "--split", "line", "--flags", "tsv", "-q"]
    if rev:
        cmd += ["--reverse-model", rev]
    out = subprocess.run(cmd, input="\n".join(srcs) + "\n", capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.split("\n")[1:] if line]
    by_line = {}
    for r in rows:  # one sentence per line (--split line); chunks of a long line: the worst
        ln, lp = int(r[0]), float(r[1])
        rt = float(r[2]) if r[2] else None
        old = by_line.get(ln)
        by_line[ln] = (min(lp, old[0]) if old else lp, rt, by_line.get(ln, (0, 0, ""))[2] + r[5])
    n = len(srcs)
    hyp = [by_line.get(i + 1, (0, None, ""))[2] for i in range(n)]
    lp = [by_line.get(i + 1, (0, None, ""))[0] for i in range(n)]
    rt = [by_line.get(i + 1, (0, None, ""))[1] for i in range(n)]
    c = [chrf(h, r) for h, r in zip(hyp, refs)]
    k = max(1, n // 10)
    bad = set(sorted(range(n), key=lambda i: c[i])[:k])
    print("%s on %s: %d sentences, mean sentence chrF %.1f, worst tenth below %.1f" % (
        model, src.split("/")[-1], n, sum(c) / n, sorted(c)[k - 1]))
    table("mean log-prob", lp, bad, n)
    if rev and all(x is not None for x in rt):
        table("round-trip chrF", rt, bad, n)
        rank_lp = {i: r for r, i in enumerate(sorted(range(n), key=lambda i: lp[i]))}
        rank_rt = {i: r for r, i in enumerate(sorted(range(n), key=lambda i: rt[i]))}
        table("rank sum (both)", [rank_lp[i] + rank_rt[i] for i in range(n)], bad, n)


if __name__ == "__main__":
    main()
