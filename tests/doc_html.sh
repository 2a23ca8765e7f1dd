#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --format html` (docs/documents.md) with the bundled starter models, on the
# news pages in tests/data/docs: the structure round trip (tests/doc_structure.py: well-formed,
# same elements and attributes, untouched code/script/pre/notranslate), the text of a block equal
# to the plain-text translation of the same text, lang/dir on the root, data-tj-doubt marks,
# fragments, format guessing, and bad input (truncated HTML, invalid UTF-8, deep nesting, empty).
# The starter models are weak: only structure is judged, never translation quality.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN or python3 is missing.
set -u
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_html python3
docs=tests/data/docs
check=tests/doc_structure.py

# 1. the checker itself catches a lost tag, an unclosed element and changed code
sed 's|<b>Sudan</b>|Sudan|' $docs/news-en.html >"$tmp/lost.html"
python3 $check html $docs/news-en.html "$tmp/lost.html" >/dev/null && bad "checker missed a lost <b>" || ok
sed 's|</em>||' $docs/news-en.html >"$tmp/open.html"
python3 $check html $docs/news-en.html "$tmp/open.html" >/dev/null && bad "checker missed an unclosed <em>" || ok
sed 's|api/flow|api/flux|' $docs/news-en.html >"$tmp/code.html"
python3 $check html $docs/news-en.html "$tmp/code.html" >/dev/null && bad "checker missed changed code" || ok

# 2. round trips, both directions; the format is guessed from .html
"$bin" translate -m models/en-ar $docs/news-en.html >"$tmp/en-ar.html" 2>"$tmp/err" ||
    bad "en-ar html failed: $(cat "$tmp/err")"
python3 $check html $docs/news-en.html "$tmp/en-ar.html" --lang ar || bad "en-ar structure"
"$bin" translate -m models/ar-en --format html <$docs/news-ar.html >"$tmp/ar-en.html" 2>"$tmp/err" ||
    bad "ar-en html failed: $(cat "$tmp/err")"
python3 $check html $docs/news-ar.html "$tmp/ar-en.html" --lang en || bad "ar-en structure"
grep -q '<html lang="en" dir="ltr">' "$tmp/ar-en.html" && ok || bad "Arabic page to English keeps dir=rtl"
grep -q '<html lang="ar" dir="rtl">' "$tmp/en-ar.html" && ok || bad "English page to Arabic lacks dir=rtl"
# entities and markup-like text in a script survive byte for byte
grep -qF 'if (a < b && c > d) {}' "$tmp/en-ar.html" && ok || bad "script text changed"
grep -qF '<!-- analytics -->' "$tmp/en-ar.html" && ok || bad "comment lost"

# 3. a block's text is the plain-text translation of the same text (same splitter and search)
h1=$(python3 -c 'import re,sys; print(re.search(r"<h1>(.*?)</h1>", open(sys.argv[1]).read()).group(1))' $docs/news-en.html)
want=$(printf '%s\n' "$h1" | "$bin" translate -m models/en-ar)
got=$(python3 -c 'import re,sys; print(re.search(r"<h1>(.*?)</h1>", open(sys.argv[1]).read()).group(1))' "$tmp/en-ar.html")
[ "$got" = "$want" ] && ok || bad "h1: '$got' is not the text translation '$want'"
# a paragraph with inline markup: its text without the tags is the translation of its text
src_p='The minister said on <b>Monday</b> that the <a href="/x">Nile dam</a> talks will resume.'
want=$(printf 'The minister said on Monday that the Nile dam talks will resume.\n' | "$bin" translate -m models/en-ar)
got=$(printf '<p>%s</p>\n' "$src_p" | "$bin" translate -m models/en-ar --format html |
    python3 -c 'import re,sys; print(re.sub(r"<[^>]*>", "", sys.stdin.read()).strip())')
[ "$got" = "$want" ] && ok || bad "inline paragraph text: '$got' vs '$want'"

# 4. fragments stay fragments; text before any element gets no <p>
printf 'Hello <b>world</b>.\n<p>Second line.</p>\n' >"$tmp/frag.html"
"$bin" translate -m models/en-ar --format html "$tmp/frag.html" >"$tmp/frag.out" || bad "fragment failed"
grep -q '<html\|<body\|<p><b>\|^<p>.*<p>' "$tmp/frag.out" && bad "fragment got wrapped: $(cat "$tmp/frag.out")" || ok
python3 $check html "$tmp/frag.html" "$tmp/frag.out" || bad "fragment structure"

# 5. doubt marks: every translated block below log-probability 0, none below -100
"$bin" translate -m models/en-ar --format html --doubt 0 $docs/news-en.html >"$tmp/d0.html" || bad "--doubt failed"
n=$(grep -c 'data-tj-doubt' "$tmp/d0.html")
[ "$n" -ge 10 ] && ok || bad "--doubt 0 marked only $n blocks"
"$bin" translate -m models/en-ar --format html --doubt -100 $docs/news-en.html | grep -q data-tj-doubt &&
    bad "--doubt -100 marked a block" || ok

# 6. bad input: a clear error or sane output, never a crash
printf '<p>The minister said <b>that the tal' | "$bin" translate -m models/en-ar --format html >"$tmp/trunc.out" 2>&1
[ $? = 0 ] && grep -q '</b></p>' "$tmp/trunc.out" && ok || bad "truncated HTML: $(cat "$tmp/trunc.out")"
printf '<p>caf\xe9</p>' | "$bin" translate -m models/en-ar --format html >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'invalid UTF-8 at byte offset 6' "$tmp/err" && ok || bad "invalid UTF-8: $(cat "$tmp/err")"
python3 -c "print('<div>' * 50000 + '<b>' * 50000 + 'deep text' + '</b>' * 50000 + '</div>' * 50000)" >"$tmp/deep.html"
timeout 60 "$bin" translate -m models/en-ar --format html "$tmp/deep.html" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] && ok || bad "deep nesting: exit $rc $(head -c 200 "$tmp/err")"
printf '' | "$bin" translate -m models/en-ar --format html >"$tmp/empty.out" && [ ! -s "$tmp/empty.out" ] && ok ||
    bad "empty input"
"$bin" translate -m models/en-ar --format pdf </dev/null 2>/dev/null
[ $? = 2 ] && ok || bad "--format pdf not a usage error"

# 7. --format text keeps the streaming text path: a .html file read as text is translated line by line
"$bin" translate -m models/en-ar --format text $docs/news-ar.html >"$tmp/t1" &&
    "$bin" translate -m models/en-ar <$docs/news-ar.html >"$tmp/t2" && cmp -s "$tmp/t1" "$tmp/t2" && ok ||
    bad "--format text differs from stdin text"

tj_test_done
