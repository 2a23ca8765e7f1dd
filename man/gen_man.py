#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the tarjama(1) and tarjama-COMMAND(1) man pages from the command's own --help texts,
plus the hand-written sections in man/extra/PAGE.troff (EXIT STATUS, EXAMPLES, SEE ALSO, ...).

    man/gen_man.py build/tarjama man/

Run it after changing a command's --help text, and commit the pages it writes; tests/man_pages.sh
fails when a page and the live --help disagree on the options. The help texts follow one layout:
"usage: ..." first, then a description, then sections ("options:", "model:", "commands:",
"environment:") of two-space-indented entries whose description starts two or more spaces after
the term and continues on more-indented lines.
"""

import os
import re
import subprocess
import sys

DATE = "2026-12-07"


def esc(s):
    """Text to troff: backslashes, and dashes as minus signs (options must be typed as such)."""
    return s.replace("\\", "\\e").replace("-", "\\-")


def line(s):
    s = esc(s)
    return "\\&" + s if s[:1] in (".", "'") else s


def term(t):
    """An entry's term: options and commands bold, their arguments italic."""
    out = []
    for w in re.split(r"(, | )", t):
        if w in (", ", " "):
            out.append(w)
        elif re.match(r"^-|^[a-z][a-z-]*$", w) and not w.isupper():
            out.append("\\fB" + esc(w) + "\\fR")
        else:
            out.append("\\fI" + esc(w) + "\\fR")
    return "".join(out)


def parse(text):
    lines = text.rstrip("\n").split("\n")
    usage = []
    i = 0
    while i < len(lines) and lines[i].strip():
        usage.append(re.sub(r"^usage: ", "", lines[i]).strip())
        i += 1
    sections = []  # (title, [paragraph lines] or [(term, desc)])
    desc = []
    cur = None
    blank = False
    for ln in lines[i:]:
        if not ln.strip():
            if cur is None and desc and desc[-1] != "":
                desc.append("")
            blank = True
            continue
        was_blank, blank = blank, False
        m = re.match(r"^([a-z][a-z ]*):$", ln)
        if m:
            cur = (m.group(1).upper(), [])
            sections.append(cur)
            continue
        indent = len(ln) - len(ln.lstrip())
        s = ln.strip()
        is_entry = indent > 0 and (s.startswith("-") or (cur is not None and indent <= 4))
        if cur is None and not is_entry:
            desc.append(("pre:" if indent else "") + s)
            continue
        if cur is None or (is_entry and s.startswith("-") and cur[0] == "COMMANDS"):
            cur = ("OPTIONS", [])
            sections.append(cur)
        if is_entry:
            m = re.match(r"^(\S.*?)(?:\s{2,}(.*))?$", s)
            t, d = m.group(1), m.group(2) or ""
            words = t.split(" ")
            n = 0
            while n < len(words) and words[n].startswith("-"):
                n += 1
            # A long term may leave one space before its text ("--split paragraph|line paragraph
            # (default): ...", "verify [MODEL...] re-check ..."): the term is the options (or
            # the command word) and the arguments after them (upper case or with '|').
            n = max(n, 1)
            while n < len(words) and (words[n].isupper() or "|" in words[n]):
                n += 1
            if len(words) > n:
                t, d = " ".join(words[:n]), (" ".join(words[n:]) + " " + d).strip()
            cur[1].append([t, d])
        elif indent == 0:
            # Text after a section's entries: a paragraph (its lines joined).
            if cur[1] and isinstance(cur[1][-1], str) and not was_blank:
                cur[1][-1] += " " + s
            else:
                cur[1].append(s)
        elif cur[1] and isinstance(cur[1][-1], list):
            cur[1][-1][1] = (cur[1][-1][1] + " " + s).strip()
        else:
            cur[1].append(s)
    while desc and desc[-1] == "":
        desc.pop()
    return usage, desc, sections


def page(name, section, summary, usage, desc, sections, extra):
    out = [f'.TH {name.upper()} {section} "{DATE}" "tarjama" "tarjama manual"',
           ".\\\" Written by man/gen_man.py from `tarjama ... --help`; edit the help text or",
           ".\\\" man/extra/ and run it again.",
           ".SH NAME", f"{esc(name)} \\- {esc(summary)}", ".SH SYNOPSIS"]
    for u in usage:
        out += [".nf", line(u), ".fi"]
    out.append(".SH DESCRIPTION")
    pre = False
    for d in desc:
        if d.startswith("pre:"):
            if not pre:
                out += [".IP", ".nf"]
                pre = True
            out.append(line(d[4:]))
            continue
        if pre:
            out += [".fi", ".PP"]
            pre = False
        out.append(".PP" if d == "" else line(d))
    if pre:
        out.append(".fi")
    for title, entries in sections:
        out.append(".SH " + title)
        for e in entries:
            if isinstance(e, list):
                out += [".TP", term(e[0]), line(e[1])]
            else:
                out += [".PP", line(e)]
    out.append(extra.rstrip("\n"))
    return "\n".join(out) + "\n"


def main():
    binary, outdir = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))

    def help_of(*args):
        return subprocess.run([binary, *args, "--help"], capture_output=True, text=True,
                              check=True).stdout

    def extra(name):
        p = os.path.join(here, "extra", name + ".troff")
        return open(p, encoding="utf-8").read() if os.path.exists(p) else ""

    top = help_of()
    usage, desc, sections = parse(top)
    commands = [e for t, es in sections if t == "COMMANDS" for e in es if isinstance(e, list)]
    text = page("tarjama", 1, "offline Arabic-English machine translation", usage, desc,
                sections, extra("tarjama"))
    written = ["tarjama.1"]
    with open(os.path.join(outdir, "tarjama.1"), "w", encoding="utf-8") as f:
        f.write(text)
    for entry, what in commands:
        cmd = entry.split(" ")[0]  # "help COMMAND" -> help
        if cmd == "help":
            continue
        usage, desc, secs = parse(help_of(cmd))
        name = "tarjama-" + cmd
        with open(os.path.join(outdir, name + ".1"), "w", encoding="utf-8") as f:
            f.write(page(name, 1, what, usage, desc, secs, extra(name)))
        written.append(name + ".1")
    print("wrote " + " ".join(written))


if __name__ == "__main__":
    main()
