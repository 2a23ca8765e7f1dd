#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Structure round trip of a translated document against its source (tests/doc_html.sh,
tests/doc_srt.sh). Written independently of the C code, on Python's own parsers.

  doc_structure.py html SOURCE OUTPUT [--lang ar|en]
  doc_structure.py srt SOURCE OUTPUT

html: the output is well-formed (every element closed, properly nested); it has the same elements
with the same attributes as the source (translated attributes and the root's lang/dir aside), the
block elements in the same order, inline elements in the same block; the content of script,
style, pre, code, translate="no" and class="notranslate" elements is byte-identical.
srt: same cue numbers, timing lines, blocks and lines per cue; header and NOTE blocks identical."""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param"}
INLINE = {"a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
          "em", "font", "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span",
          "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "img", "wbr", "input"}
TRANSLATED_ATTRS = {"alt", "title", "placeholder", "aria-label"}
VERBATIM = {"script", "style", "pre", "code", "kbd", "samp", "var", "textarea"}


class Doc(HTMLParser):
    def __init__(self, strict):
        super().__init__(convert_charrefs=False)
        self.strict = strict
        self.stack = []
        self.elements = []  # (name, attrs without translated ones, enclosing block index)
        self.blocks = []
        self.verbatim = []  # raw text of untouched elements
        self.raw_depth = 0
        self.raw = []
        self.errors = []

    def _skip(self, tag, attrs):
        d = dict(attrs)
        return (tag in VERBATIM or (d.get("translate") or "").lower() == "no"
                or "notranslate" in (d.get("class") or "").split())

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self._skip(tag, attrs)))
            if self.stack[-1][1]:
                if self.raw_depth == 0:
                    self.raw.append("")
                self.raw_depth += 1
            elif self.raw_depth:
                self.raw_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs)

    def _start(self, tag, attrs):
        if self.raw_depth:
            self.raw[-1] += self.get_starttag_text()
        kept = tuple(sorted((k, v) for k, v in attrs
                            if k not in TRANSLATED_ATTRS and not (tag == "html" and k in ("lang", "dir"))
                            and k != "data-tj-doubt"))
        if tag not in INLINE:
            self.blocks.append(tag)
        self.elements.append((tag, kept, len(self.blocks)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("end tag </%s> does not close <%s>" % (
                tag, self.stack[-1][0] if self.stack else "nothing"))
            return
        self.stack.pop()
        if self.raw_depth:
            self.raw_depth -= 1
            if self.raw_depth:
                self.raw[-1] += "</%s>" % tag
            else:
                self.verbatim.append(self.raw.pop())

    def handle_data(self, data):
        if self.raw_depth:
            self.raw[-1] += data

    def handle_entityref(self, name):
        self.handle_data("&%s;" % name)

    def handle_charref(self, name):
        self.handle_data("&#%s;" % name)

    def handle_comment(self, data):
        self.handle_data("<!--%s-->" % data)


def parse(path, strict):
    d = Doc(strict)
    d.feed(open(path, encoding="utf-8").read())
    d.close()
    if strict and d.stack:
        d.errors.append("unclosed elements: %s" % " ".join(t for t, _ in d.stack))
    return d


def check_html(src, out, lang):
    a, b = parse(src, False), parse(out, True)
    errs = list(b.errors)
    if a.blocks != b.blocks:
        errs.append("block elements differ:\n  %s\n  %s" % (a.blocks, b.blocks))
    if sorted(a.elements) != sorted(b.elements):
        sa, sb = sorted(a.elements), sorted(b.elements)
        missing = [e for e in sa if e not in sb]
        extra = [e for e in sb if e not in sa]
        errs.append("elements differ: missing %s, extra %s" % (missing[:5], extra[:5]))
    if a.verbatim != b.verbatim:
        for x, y in zip(a.verbatim, b.verbatim):
            if x != y:
                errs.append("untouched content changed: %r -> %r" % (x[:80], y[:80]))
                break
        else:
            errs.append("untouched elements: %d in source, %d in output" % (len(a.verbatim), len(b.verbatim)))
    if lang:
        text = open(out, encoding="utf-8").read()
        want = '<html lang="%s"' % lang
        if "<html" in text and want not in text:
            errs.append("root lacks lang=%s" % lang)
        if lang == "ar" and "<html" in text and 'dir="rtl"' not in text:
            errs.append("root lacks dir=rtl")
    return errs


def blocks_srt(path):
    text = open(path, encoding="utf-8-sig").read().replace("\r\n", "\n")
    return [b.split("\n") for b in text.split("\n\n") if b.strip()]


def check_srt(src, out):
    a, b = blocks_srt(src), blocks_srt(out)
    errs = []
    if len(a) != len(b):
        return ["%d blocks in source, %d in output" % (len(a), len(b))]
    for i, (x, y) in enumerate(zip(a, b)):
        t = next((k for k, line in enumerate(x) if "-->" in line), None)
        if t is None:  # header or NOTE: identical
            if x != y:
                errs.append("block %d changed: %r -> %r" % (i + 1, x, y))
            continue
        if x[:t + 1] != y[:t + 1]:
            errs.append("block %d: cue number or timing changed: %r -> %r" % (i + 1, x[:t + 1], y[:t + 1]))
        if len(x) != len(y):
            errs.append("block %d: %d text lines, now %d" % (i + 1, len(x) - t - 1, len(y) - t - 1))
    return errs


def main():
    kind, src, out = sys.argv[1:4]
    lang = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--lang" else None
    errs = check_html(src, out, lang) if kind == "html" else check_srt(src, out)
    for e in errs:
        print("%s: %s" % (out, e))
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
