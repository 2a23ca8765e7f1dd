#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --glossary` with the bundled starter models, in both glossary modes
# (constrain, the default, and align): terms appear in the output whatever the model makes of
# them, also after the clitics و ب ل ال (لل) and with hamza/alef and taa marbuta variants; lines
# and sentences without terms translate exactly as without a glossary; the summary on stderr
# counts the terms; the flags column (case, part); --format html/markdown/srt/docx with a glossary
# keep their structure (tests/doc_structure.py, a Markdown skeleton, tests/docx_check.py); --flags with a
# glossary; JSONL requests with glossaries, valid and bad; malformed glossary files.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN is missing.
set -u

. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_glossary
m=models/ar-en

printf '# test glossary\nالذكاء الاصطناعي\tAI\nمنظمة العفو الدولية\tAmnesty International\nالأمم المتحدة\tUnited Nations\nالصحة\thealth\n' >"$tmp/g.tsv"
cat >"$tmp/in.ar" <<'AR'
قال الباحث إن الذكاء الاصطناعي سيغير الصحافة.
وبالذكاء الاصطناعي يمكن ترجمة الأخبار بسرعة.
أصدرت منظمة العفو الدولية تقريرا جديدا.
وجه الرئيس كلمة للأمم المتحدة أمس.
تحسنت الصحّة العامة في المدينة.
اعلنت الامم المتحدة خطة جديدة.
وصل الرئيس إلى القاهرة صباح اليوم.
AR
plain7=$(sed -n 7p "$tmp/in.ar" | "$bin" translate -m $m)
want=("AI" "AI" "Amnesty International" "United Nations" "health" "United Nations")
for mode in constrain align; do
    "$bin" translate -m $m --glossary "$tmp/g.tsv" --glossary-mode $mode "$tmp/in.ar" >"$tmp/out.en" 2>"$tmp/err" ||
        bad "$mode: glossary run failed: $(cat "$tmp/err")"
    for i in 0 1 2 3 4 5; do
        sed -n "$((i + 1))p" "$tmp/out.en" | grep -qF "${want[$i]}" && ok || bad "$mode: line $((i + 1)) lacks '${want[$i]}': $(sed -n "$((i + 1))p" "$tmp/out.en")"
    done
    # the line without a term is translated exactly as without a glossary
    [ "$(sed -n 7p "$tmp/out.en")" = "$plain7" ] && ok || bad "$mode: a line without terms changed"
    [ "$(wc -l <"$tmp/out.en")" = 7 ] && ok || bad "$mode: line count $(wc -l <"$tmp/out.en")"
    grep -q 'glossary: 6 terms found: ' "$tmp/err" && ok || bad "$mode: summary: $(cat "$tmp/err")"
done
# the summary of each mode: align places or inserts all six, constrain forces all six
placed=$(grep -o '[0-9]* placed' "$tmp/err" | cut -d' ' -f1)
inserted=$(grep -o '[0-9]* inserted' "$tmp/err" | cut -d' ' -f1)
[ $((placed + inserted)) = 6 ] && ok || bad "align: 6 terms in the text, summary says $placed + $inserted"
"$bin" translate -m $m --glossary "$tmp/g.tsv" "$tmp/in.ar" 2>&1 >/dev/null |
    grep -q '6 forced by the constrained search, 0 missing' && ok || bad "constrain summary"

# a target term the target vocabulary cannot write (CJK here): forcing its pieces would print
# <unk> ("⁇") and lose the term, so constrained mode places it by alignment, verbatim
printf 'القاهرة\tCairo 開羅\n' >"$tmp/cjk.tsv"
out=$(sed -n 7p "$tmp/in.ar" | "$bin" translate -m $m --glossary "$tmp/cjk.tsv" 2>"$tmp/err")
case "$out" in *"Cairo 開羅"*) ok ;; *) bad "unwritable term lost: $out" ;; esac
case "$out" in *"⁇"*) bad "unwritable term printed <unk>: $out" ;; *) ok ;; esac
grep -q 'glossary: 1 terms found: 1 placed by alignment, 0 inserted$' "$tmp/err" && ok ||
    bad "unwritable term summary: $(cat "$tmp/err")"

# constrained search: every target term of a real-world glossary in every sentence, both
# directions (the models know none of these words)
python3 - "$bin" tests/data/docs <<'PY' && ok || bad "constrained search lost a term"
import re, subprocess, sys
tj, d = sys.argv[1:]
FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
for model, src, gl in (("ar-en", "covid-ar.txt", "glossary-covid.tsv"),
                       ("en-ar", "covid-en.txt", "glossary-covid-en-ar.tsv")):
    terms = [l.rstrip("\n").split("\t") for l in open(d + "/" + gl, encoding="utf-8")
             if l.strip() and not l.startswith("#")]
    lines = open(d + "/" + src, encoding="utf-8").read().splitlines()
    out = subprocess.run([tj, "translate", "-q", "-m", "models/" + model, "--glossary", d + "/" + gl,
                          d + "/" + src], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(lines), (model, len(out))
    n = 0
    for s, o in zip(lines, out):
        # the sources were written so that each term appears in its plain form (or after ال,
        # و, ب for Arabic); the longest term wins where two overlap
        # whole words, after up to two Arabic clitics (و ف ب ل ك)
        found = [t for a, t in terms
                 if re.search(r"(?<!\w)[وفبلك]{0,2}" + re.escape(a.lower().translate(FOLD)) + r"(?!\w)",
                              s.lower().translate(FOLD))]
        found = [t for t in found if not any(t != u and t in u for u in found)]
        for t in found:
            n += 1
            if t.translate(FOLD) not in o.translate(FOLD):
                sys.exit("%s: %r lacks %r: %r" % (model, s, t, o))
    assert n >= 20, (model, n)
PY

# sentences without a term are untouched inside a paragraph that has one: --flags gives each
# sentence's translation, with and without the glossary
printf 'وصل الرئيس إلى القاهرة صباح اليوم. أصدرت منظمة العفو الدولية تقريرا جديدا. اللغة العربية جميلة.\n' >"$tmp/para.ar"
for mode in constrain align; do
    "$bin" translate -m $m --flags tsv "$tmp/para.ar" >"$tmp/f0" 2>/dev/null
    "$bin" translate -m $m --flags tsv --glossary "$tmp/g.tsv" --glossary-mode $mode "$tmp/para.ar" >"$tmp/f1" 2>"$tmp/err" ||
        bad "$mode: --flags with a glossary failed: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/f1")" = 4 ] && ok || bad "$mode: --flags rows: $(cat "$tmp/f1")"
    for r in 2 4; do
        [ "$(sed -n ${r}p "$tmp/f0" | cut -f6)" = "$(sed -n ${r}p "$tmp/f1" | cut -f6)" ] && ok ||
            bad "$mode: sentence $((r - 1)) without a term changed: $(sed -n ${r}p "$tmp/f1")"
    done
    sed -n 3p "$tmp/f1" | cut -f6 | grep -q 'Amnesty International' && ok || bad "$mode: --flags term: $(cat "$tmp/f1")"
done

# the flags column: case (exact letters: no alef/hamza folding), part (inside words)
printf 'الأمم المتحدة\tUnited Nations\tcase\n' >"$tmp/case.tsv"
printf 'اعلنت الامم المتحدة خطة جديدة.\nاعلنت الأمم المتحدة خطة جديدة.\n' >"$tmp/case.ar"
"$bin" translate -m $m --glossary "$tmp/case.tsv" "$tmp/case.ar" >"$tmp/out" 2>"$tmp/err"
[ "$(sed -n 1p "$tmp/out")" = "$(sed -n 1p "$tmp/case.ar" | "$bin" translate -m $m)" ] && ok ||
    bad "case: the unhamzated spelling matched"
sed -n 2p "$tmp/out" | grep -q 'United Nations' && ok || bad "case: exact spelling: $(cat "$tmp/out")"
grep -q '1 terms found' "$tmp/err" && ok || bad "case: summary $(cat "$tmp/err")"
printf 'US\tالولايات المتحدة\tcase\n' >"$tmp/us.tsv"
echo 'He told us about the US economy.' | "$bin" translate -m models/en-ar --glossary "$tmp/us.tsv" 2>&1 >/dev/null |
    grep -q '1 terms found' && ok || bad "case: English 'us' matched 'US'"
printf 'US\tالولايات المتحدة\n' >"$tmp/us2.tsv"
echo 'He told us about the US economy.' | "$bin" translate -m models/en-ar --glossary "$tmp/us2.tsv" 2>&1 >/dev/null |
    grep -q '2 terms found' && ok || bad "no case: English terms are case-insensitive"
printf 'قاهر\tCairo\tpart\n' >"$tmp/part.tsv"
printf 'قاهر\tCairo\n' >"$tmp/nopart.tsv"
echo 'وصل الرئيس إلى القاهرة صباح اليوم.' >"$tmp/part.ar"
"$bin" translate -m $m --glossary "$tmp/part.tsv" "$tmp/part.ar" 2>"$tmp/err" | grep -q Cairo && ok || bad "part: $(cat "$tmp/err")"
"$bin" translate -m $m --glossary "$tmp/nopart.tsv" "$tmp/part.ar" 2>&1 >/dev/null | grep -q ' 0 terms found' && ok ||
    bad "without part, a term matched inside a word"
printf 'الصحة\thealth\tbold\n' >"$tmp/flag.tsv"
echo 'الصحة' | "$bin" translate -m $m --glossary "$tmp/flag.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "glossary line 1: unknown flag 'bold' (known: case, part)" "$tmp/err" && ok || bad "bad flag: $(cat "$tmp/err")"

# documents with a glossary keep their structure and get the terms
printf 'القاهرة\tCairo\nالرئيس\tthe president\nرئيس الوزراء\tthe prime minister\n' >"$tmp/news.tsv"
printf 'Cairo\tالقاهرة\nminister\tالوزير\npresident\tالرئيس\n' >"$tmp/news-en.tsv"
for mode in constrain align; do
    "$bin" translate -m $m --glossary "$tmp/news.tsv" --glossary-mode $mode tests/data/docs/news-ar.html >"$tmp/g.html" 2>"$tmp/err" ||
        bad "$mode: html with a glossary: $(cat "$tmp/err")"
    python3 tests/doc_structure.py html tests/data/docs/news-ar.html "$tmp/g.html" --lang en && ok || bad "$mode: html structure"
    # three in the page; with align, the byline's term can go under the notranslate span that
    # the starter model's alignments put over it (as its plain translation loses those words)
    least=3
    [ $mode = align ] && least=2
    [ "$(grep -o Cairo "$tmp/g.html" | wc -l)" -ge $least ] && ok || bad "$mode: html lacks Cairo"
    "$bin" translate -m $m --glossary "$tmp/news.tsv" --glossary-mode $mode tests/data/docs/news-ar.srt >"$tmp/g.srt" 2>"$tmp/err" ||
        bad "$mode: srt with a glossary: $(cat "$tmp/err")"
    python3 tests/doc_structure.py srt tests/data/docs/news-ar.srt "$tmp/g.srt" && ok || bad "$mode: srt structure"
    grep -q Cairo "$tmp/g.srt" && grep -q 'prime minister' "$tmp/g.srt" && ok || bad "$mode: srt terms: $(cat "$tmp/g.srt")"
    "$bin" translate -m models/en-ar --glossary "$tmp/news-en.tsv" --glossary-mode $mode tests/data/docs/news-en.vtt >"$tmp/g.vtt" 2>"$tmp/err" ||
        bad "$mode: vtt with a glossary: $(cat "$tmp/err")"
    python3 tests/doc_structure.py srt tests/data/docs/news-en.vtt "$tmp/g.vtt" && ok || bad "$mode: vtt structure"
    grep -q 'القاهرة' "$tmp/g.vtt" && ok || bad "$mode: vtt lacks the term"
    "$bin" translate -m models/en-ar --glossary "$tmp/news-en.tsv" --glossary-mode $mode tests/data/docs/news-en.md >"$tmp/g.md" 2>"$tmp/err" ||
        bad "$mode: markdown with a glossary: $(cat "$tmp/err")"
    "$bin" translate -m models/en-ar tests/data/docs/news-en.md >"$tmp/plain.md" 2>/dev/null
    python3 - "$tmp/plain.md" "$tmp/g.md" <<'PY' && ok || bad "$mode: markdown structure"
import re, sys
# the markup skeleton (headings, list items, links, code, emphasis marks) is that of the plain
# translation: only words changed
def skel(t):
    return [re.sub(r"[^#*_`\[\]()>|-]", "", l.split("](")[0]) + ("](" + l.split("](")[1].split(")")[0] if "](" in l else "")
            for l in t.splitlines()]
a, b = (open(p, encoding="utf-8").read() for p in sys.argv[1:])
assert len(a.splitlines()) == len(b.splitlines()), "line count"
for x, y in zip(a.splitlines(), b.splitlines()):
    for mark in ("#", "- ", "1. ", "```", "    "):
        assert x.startswith(mark) == y.startswith(mark), (x, y)
    assert x.count("`") == y.count("`") and x.count("](") == y.count("]("), (x, y)
    assert re.findall(r"\]\(([^)]*)\)", x) == re.findall(r"\]\(([^)]*)\)", y), (x, y)
assert "القاهرة" in b
PY
done

# DOCX with a glossary: the package checked by tests/docx_check.py, the term in the document
if python3 tests/make_docx.py "$tmp/docx" >/dev/null 2>&1; then
    printf 'central bank\tالبنك المركزي\ninterest rates\tأسعار الفائدة\nEgypt\tمصر\n' >"$tmp/bank.tsv"
    "$bin" translate -m models/en-ar --glossary "$tmp/bank.tsv" -o "$tmp/g.docx" "$tmp/docx/news-en.docx" 2>"$tmp/err" ||
        bad "docx with a glossary: $(cat "$tmp/err")"
    python3 tests/docx_check.py "$tmp/docx/news-en.docx" "$tmp/g.docx" ar >/dev/null && ok || bad "docx structure"
    python3 -c 'import sys, zipfile; sys.exit("البنك المركزي" not in zipfile.ZipFile(sys.argv[1]).read("word/document.xml").decode())' "$tmp/g.docx" &&
        ok || bad "docx lacks the term"
else
    bad "tests/make_docx.py failed"
fi

# JSONL: glossaries per request, valid and bad
big=$(python3 -c 'import json; print(json.dumps({"id": 9, "text": "x", "glossary": {"t%d" % i: "x" for i in range(1001)}}, ensure_ascii=False))')
long=$(python3 -c 'import json; print(json.dumps({"id": 10, "text": "x", "glossary": [["a", "b" * 513]]}))')
{
    printf '%s\n' '{"id": 1, "text": "قال الباحث إن الذكاء الاصطناعي سيغير الصحافة.", "glossary": {"الذكاء الاصطناعي": "AI"}}'
    printf '%s\n' '{"id": 2, "text": "وصل الرئيس إلى القاهرة صباح اليوم.", "glossary": [["القاهرة", "Cairo"], ["رئيس", "head", "part"]], "glossary_mode": "align"}'
    printf '%s\n' '{"id": 3, "text": "<p>أصدرت <b>منظمة العفو الدولية</b> تقريرا جديدا.</p>", "format": "html", "glossary": {"منظمة العفو الدولية": "Amnesty International"}}'
    printf '%s\n' '{"id": 4, "text": "وصل الرئيس إلى القاهرة صباح اليوم.", "glossary": {}}'
    printf '%s\n' '{"id": 5, "text": "x", "glossary": "AI"}'
    printf '%s\n' '{"id": 6, "text": "x", "glossary": [["a"]]}'
    printf '%s\n' '{"id": 7, "text": "x", "glossary": {"a": 3}}'
    printf '%s\n' '{"id": 8, "text": "x", "glossary": [["a", "b", "bold"]]}'
    printf '%s\n' "$big"
    printf '%s\n' "$long"
    printf '%s\n' '{"id": 11, "text": "x", "glossary": {"": "b"}}'
    printf '%s\n' '{"id": 12, "text": "x", "glossary_mode": "fast"}'
    printf '%s\n' '{"id": 13, "text": "تحسنت الصحة العامة.", "flags": true, "glossary": {"الصحة": "health"}}'
} >"$tmp/req.jsonl"
"$bin" translate -m $m --jsonl "$tmp/req.jsonl" >"$tmp/out.jsonl" 2>"$tmp/err" || bad "--jsonl: $(cat "$tmp/err")"
printf 'الذكاء الاصطناعي\tAI\n' >"$tmp/j1.tsv"
printf 'القاهرة\tCairo\nرئيس\thead\tpart\n' >"$tmp/j2.tsv"
printf 'منظمة العفو الدولية\tAmnesty International\n' >"$tmp/j3.tsv"
python3 - "$tmp/out.jsonl" "$bin" "$m" "$tmp" <<'PY' && ok || bad "JSONL glossaries"
import json, subprocess, sys
out, tj, model, tmp = sys.argv[1:]
r = [json.loads(l) for l in open(out, encoding="utf-8")]
assert [x["id"] for x in r] == list(range(1, 14)), [x["id"] for x in r]
def cli(text, *extra):
    return subprocess.run([tj, "translate", "-q", "-m", model, *extra], input=text + "\n",
                          capture_output=True, text=True, check=True).stdout.rstrip("\n")
ar = ["قال الباحث إن الذكاء الاصطناعي سيغير الصحافة.", "وصل الرئيس إلى القاهرة صباح اليوم.",
      "<p>أصدرت <b>منظمة العفو الدولية</b> تقريرا جديدا.</p>"]
# the same as the CLI with the same glossary in a file
assert r[0]["translation"] == cli(ar[0], "--glossary", tmp + "/j1.tsv") and "AI" in r[0]["translation"], r[0]
assert r[1]["translation"] == cli(ar[1], "--glossary", tmp + "/j2.tsv", "--glossary-mode", "align"), r[1]
assert "Cairo" in r[1]["translation"] and "head" in r[1]["translation"], r[1]
# (the CLI knows the target language and marks the fragment's root with it; JSONL does not)
assert r[2]["translation"] == cli(ar[2], "--glossary", tmp + "/j3.tsv", "--format", "html").replace(' lang="en"', ""), r[2]
assert r[3]["translation"] == cli(ar[1]), r[3]  # an empty glossary changes nothing
want = {5: '"glossary" must be an object', 6: 'a "glossary" entry must be', 7: 'target term must be a string',
        8: 'unknown "glossary" flag', 9: '"glossary" has more than 1000 terms',
        10: 'target term is longer than 512 bytes', 11: 'source term is empty',
        12: '"glossary_mode" must be "constrain" or "align"'}
for i, w in want.items():
    assert w in r[i - 1].get("error", ""), (i, r[i - 1])
assert "health" in r[12]["translation"] and len(r[12]["flags"]) == 1, r[12]
# what the terms did: the counts of the CLI's summary line for the same glossary
import re
def counts(text, *extra):
    err = subprocess.run([tj, "translate", "-m", model, *extra], input=text + "\n",
                         capture_output=True, text=True, check=True).stderr
    m = re.search(r"glossary: (\d+) terms found: (\d+) placed by alignment, (\d+) inserted"
                  r"(?:, (\d+) forced by the constrained search, (\d+) missing)?", err)
    assert m, err
    return dict(zip(("found", "placed", "inserted", "forced", "missing"),
                    (int(x or 0) for x in m.groups())))
for k, (text, extra) in ((0, (ar[0], ("--glossary", tmp + "/j1.tsv"))),
                         (1, (ar[1], ("--glossary", tmp + "/j2.tsv", "--glossary-mode", "align"))),
                         (2, (ar[2], ("--glossary", tmp + "/j3.tsv", "--format", "html")))):
    want = counts(text, *extra)
    assert r[k].get("glossary") == want and want["found"] >= 1, (k, r[k], want)
assert r[1]["glossary"]["found"] == 2 and r[0]["glossary"]["forced"] == 1, r[:2]
assert "glossary" not in r[3], r[3]  # an empty glossary: nothing to report
assert r[12]["glossary"]["found"] == 1, r[12]
PY

printf 'الصحة\thealth\nno tab here\n' >"$tmp/bad.tsv"
echo 'الصحة' | "$bin" translate -m $m --glossary "$tmp/bad.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'glossary line 2' "$tmp/err" && ok || bad "malformed glossary: $(cat "$tmp/err")"
printf 'الصحة\t%s\n' "$(head -c 600 /dev/zero | tr '\0' x)" >"$tmp/long.tsv"
echo 'الصحة' | "$bin" translate -m $m --glossary "$tmp/long.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'glossary line 1: target term is longer than 512 bytes' "$tmp/err" && ok || bad "long term: $(cat "$tmp/err")"
printf 'a\tb\tcase\textra\n' >"$tmp/four.tsv"
echo 'a' | "$bin" translate -m $m --glossary "$tmp/four.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'glossary line 1: more than three columns' "$tmp/err" && ok || bad "four columns: $(cat "$tmp/err")"
echo 'x' | "$bin" translate -m $m --glossary "$tmp/none.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'cannot open' "$tmp/err" && ok || bad "missing glossary: $(cat "$tmp/err")"
echo 'x' | "$bin" translate -m $m --glossary "$tmp/g.tsv" --glossary-mode fast >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "glossary-mode needs 'align' or 'constrain'" "$tmp/err" && ok || bad "bad mode: $(cat "$tmp/err")"

tj_test_done
