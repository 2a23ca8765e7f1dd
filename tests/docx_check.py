#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares a translated DOCX package with its source (tests/doc_docx.sh), with the standard
library only:

    docx_check.py SOURCE.docx TRANSLATED.docx ar|en

- the same entries in the same order; every entry that is not a text part (document, notes,
  comments, headers, footers) byte-identical, both its uncompressed content and its compressed
  bytes as stored;
- each text part well-formed XML with the same paragraphs, tables, rows, cells, drawings, note
  references, bookmarks, hyperlinks (same targets), field characters and field instructions;
- the same formatting: the multiset of run properties (w:rPr, with w:rtl and the complex-script
  partners w:bCs, w:iCs, w:szCs left out) over the groups of adjacent runs of one formatting, and
  every paragraph's properties (w:bidi left out);
- text changed in most paragraphs that have text;
- direction: translated paragraphs have w:bidi and their text runs w:rtl for Arabic, neither for
  English; their runs have w:b and w:bCs (w:i/w:iCs, w:sz/w:szCs) both or neither.
Prints what differs and exits 1, or exits 0.
"""
import collections
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zipfile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
TEXT_PART = re.compile(r"word/(document|footnotes|endnotes|comments|header\d*|footer\d*)\.xml$")
errors = []


def fail(msg):
    errors.append(msg)


def raw_bytes(path, info):
    """The entry's compressed bytes as stored after its local header."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
        n, m = struct.unpack("<HH", head[26:30])
        f.seek(info.header_offset + 30 + n + m)
        return f.read(info.compress_size)


def strip(el, names):
    """A copy of el's serialisation without the child elements named names."""
    el = ET.fromstring(ET.tostring(el))
    for parent in el.iter():
        for c in list(parent):
            if c.tag in names:
                parent.remove(c)
    return ET.tostring(el)


def para_text(p):
    return "".join(t.text or "" for t in p.iter(W + "t"))


def runs_of(p):
    """Runs directly in p or in its hyperlinks, fields, ... (not in nested paragraphs)."""
    out = []
    for c in p:
        if c.tag == W + "r":
            out.append(c)
        elif c.tag not in (W + "pPr", W + "p"):
            out.extend(runs_of(c))
    return out


def formatting(root):
    """Multiset of w:rPr over groups of adjacent runs with the same (non-empty) rPr."""
    got = collections.Counter()
    for p in root.iter(W + "p"):
        prev = None
        for r in runs_of(p):
            rpr = r.find(W + "rPr")
            # w:rtl and the complex-script partners (w:bCs, ...) follow the target language
            key = strip(rpr, {W + "rtl", W + "bCs", W + "iCs", W + "szCs"}) if rpr is not None else None
            if key is not None and key.endswith(b"/>") and key.count(b"<") == 1:
                key = None  # nothing but w:rtl
            if key is not None and key != prev:
                got[key] += 1
            prev = key
    return got


def counts(root):
    c = collections.Counter()
    for tag in ("p", "tbl", "tr", "tc", "drawing", "footnoteReference", "footnoteRef",
                "bookmarkStart", "bookmarkEnd", "hyperlink", "fldChar", "tab", "br", "sectPr"):
        c[tag] = sum(1 for _ in root.iter(W + tag))
    c["links"] = sorted(h.get(R + "id") or "" for h in root.iter(W + "hyperlink"))
    c["instr"] = [i.text for i in root.iter(W + "instrText")]
    c["fldtypes"] = [f.get(W + "fldCharType") for f in root.iter(W + "fldChar")]
    return c


def check_part(name, a, b, lang):
    try:
        ra = ET.fromstring(a)
        rb = ET.fromstring(b)
    except ET.ParseError as e:
        fail(f"{name}: not well-formed: {e}")
        return 0, 0
    ca, cb = counts(ra), counts(rb)
    for k in ca:
        if ca[k] != cb[k]:
            fail(f"{name}: {k}: {ca[k]} in the source, {cb[k]} in the translation")
    fa, fb = formatting(ra), formatting(rb)
    if fa != fb:
        fail(f"{name}: run formatting differs: {dict(fa)} vs {dict(fb)}")
    pa, pb = list(ra.iter(W + "p")), list(rb.iter(W + "p"))
    changed = with_text = 0
    for i, (x, y) in enumerate(zip(pa, pb)):
        px, py = x.find(W + "pPr"), y.find(W + "pPr")
        kx = strip(px, {W + "bidi"}) if px is not None else None
        ky = strip(py, {W + "bidi"}) if py is not None else None
        empty = lambda k: k is None or re.fullmatch(rb"<[^>]*pPr[^>]*/>", k)
        if not (kx == ky or (empty(kx) and empty(ky))):
            fail(f"{name}: paragraph {i}: properties {kx} became {ky}")
        tx, ty = para_text(x), para_text(y)
        if not re.search(r"\w", tx) or re.fullmatch(r"[\d\W]*", tx):
            continue
        with_text += 1
        if tx != ty:
            changed += 1
            bidi = py is not None and py.find(W + "bidi") is not None
            if bidi != (lang == "ar"):
                fail(f"{name}: paragraph {i}: w:bidi {'missing' if lang == 'ar' else 'left'}")
            for r in runs_of(y):
                if r.find(W + "t") is None:
                    continue
                rpr = r.find(W + "rPr")
                rtl = rpr is not None and rpr.find(W + "rtl") is not None
                if rtl != (lang == "ar"):
                    fail(f"{name}: paragraph {i}: a run {'without' if lang == 'ar' else 'with'} w:rtl")
                for a, b in (("b", "bCs"), ("i", "iCs"), ("sz", "szCs")):
                    if rpr is not None and (rpr.find(W + a) is None) != (rpr.find(W + b) is None):
                        fail(f"{name}: paragraph {i}: w:{a} and w:{b} not both set")
    return changed, with_text


def main():
    src, out, lang = sys.argv[1:4]
    za, zb = zipfile.ZipFile(src), zipfile.ZipFile(out)
    na, nb = za.namelist(), zb.namelist()
    if na != nb:
        fail(f"entries differ: {na} vs {nb}")
    ia, ib = {i.filename: i for i in za.infolist()}, {i.filename: i for i in zb.infolist()}
    changed = with_text = 0
    for name in na:
        if name not in ib:
            continue
        a, b = za.read(name), zb.read(name)
        if TEXT_PART.match(name):
            c, t = check_part(name, a, b, lang)
            changed += c
            with_text += t
            continue
        if a != b:
            fail(f"{name}: content changed")
        elif raw_bytes(src, ia[name]) != raw_bytes(out, ib[name]):
            fail(f"{name}: compressed bytes changed")
    if with_text == 0:
        fail("no paragraph with text")
    elif changed < with_text * 0.8:
        fail(f"only {changed} of {with_text} paragraphs with text changed")
    for e in errors:
        print("docx_check:", e)
    if not errors:
        print(f"docx_check: ok ({len(na)} entries, {changed}/{with_text} paragraphs translated)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
