#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measures `tarjama translate --glossary` (docs/documents.md): term-hit rate and chrF with and
without the glossary, on sentences whose source has a glossary term and whose reference uses its
target term.

  tools/glossary_eval.py TARJAMA MODEL GLOSSARY.tsv SOURCE REFERENCE [N=200] [--modes=align,constrain]

Each mode (--glossary-mode) is run with one thread; the table gives the share of the reference's
glossary terms found in the output (letters folded as for matching, case-insensitive), chrF
against the reference and CPU time per sentence (model loading included).

A sentence is taken when a source term occurs in it as tarjama matches terms (whole words after
the clitics و ف ب ل ك, letters compared after folding alef/hamza forms, ى/ي, ة/ه, diacritics)
and its target term occurs in the reference (case-insensitive, Arabic letters folded); the first N such sentences are
translated both ways."""
import os
import re
import resource
import subprocess
import sys
import tempfile

FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "ء", "ئ": "ء"})


def fold(s):
    return re.sub("[\u064b-\u0652\u0640\u0670]", "", s).translate(FOLD)


LETTER = "a-z0-9\u0621-\u064a\u0660-\u0669\u00c0-\u024f"


def occurs(term, text):
    """Whole-word occurrence after the clitics (و ف then ب ل ك; ل + ال written لل), as tarjama
    matches; the longest term wins where two start at the same word, which is approximated here
    by dropping terms contained in a longer matching one."""
    t, s = re.escape(fold(term).lower()), fold(text).lower()
    alt = t
    if fold(term).startswith("ال"):
        alt = "(?:%s|[وف]?لل%s)" % (t, re.escape(fold(term)[2:].lower()))
    return re.search("(?:^|[^%s])(?:[وف]?[بلك]?)%s(?=$|[^%s])" % (LETTER, alt, LETTER), s) is not None


def run(tj, model, src, extra):
    """Translates src; returns the output and the CPU seconds the process used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([tj, "translate", "-m", model, "-q", "--threads", "1", *extra, src],
                         capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    modes = ["align", "constrain"]
    for a in sys.argv[1:]:
        if a.startswith("--modes="):
            modes = a.split("=", 1)[1].split(",")
    tj, model, gpath, src, ref = args[:5]
    n = int(args[5]) if len(args) > 5 else 200
    terms = [l.rstrip("\n").split("\t")[:2] for l in open(gpath, encoding="utf-8")
             if l.strip() and not l.startswith("#")]
    srcs = open(src, encoding="utf-8").read().split("\n")
    refs = open(ref, encoding="utf-8").read().split("\n")
    picked = []
    for s, r in zip(srcs, refs):
        found = [(a, t) for a, t in terms if occurs(a, s)]
        found = [(a, t) for a, t in found if not any(a != b and fold(a) in fold(b) for b, _ in found)]
        hits = [t for a, t in found if fold(t).lower() in fold(r).lower()]
        if hits:
            picked.append((s, r, hits))
        if len(picked) == n:
            break
    with tempfile.TemporaryDirectory() as d:
        open(d + "/src", "w", encoding="utf-8").write("".join(p[0] + "\n" for p in picked))
        open(d + "/ref", "w", encoding="utf-8").write("".join(p[1] + "\n" for p in picked))
        res = {}
        runs = [("without", [])] + [(m, ["--glossary", gpath, "--glossary-mode", m]) for m in modes]
        for name, extra in runs:
            out, cpu = run(tj, model, d + "/src", extra)
            open(d + "/" + name, "w", encoding="utf-8").write(out)
            hyp = out.split("\n")
            total = sum(len(p[2]) for p in picked)
            hit = sum(fold(t).lower() in fold(h).lower() for p, h in zip(picked, hyp) for t in p[2])
            chrf = subprocess.run([tj, "eval", "--metrics", "chrf", "--ref", d + "/ref", d + "/" + name],
                                  capture_output=True, text=True, check=True).stdout.strip()
            res[name] = (hit, total, chrf.split(" = ")[-1], cpu / max(1, len(picked)))
            if name != "without" and os.environ.get("GLOSSARY_EVAL_KEEP"):
                open(os.environ["GLOSSARY_EVAL_KEEP"] + "." + name, "w", encoding="utf-8").write(out)
    print("%d sentences with %d glossary terms (%s, %s)" % (len(picked), res["without"][1],
                                                            src.split("/")[-1], model))
    print("| | terms in the output | chrF | CPU ms / sentence |")
    print("|---|---|---|---|")
    for name, _ in runs:
        hit, total, chrf, cpu = res[name]
        label = "without glossary" if name == "without" else "glossary, " + name
        print("| %s | %d / %d (%.1f %%) | %s | %.0f |" % (label, hit, total, 100 * hit / total, chrf,
                                                        1000 * cpu))


if __name__ == "__main__":
    main()
