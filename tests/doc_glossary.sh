#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --glossary` with the bundled ar-en starter model: terms appear in the output
# whatever the model makes of them, also after the clitics و ب ل ال (لل) and with hamza/alef and
# taa marbuta variants; lines without terms translate exactly as without a glossary; the summary
# on stderr counts the terms; a malformed glossary line is an error naming the line.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN is missing.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bin=${TJ_BIN:-$root/build/tarjama}
if [ ! -x "$bin" ]; then
    echo "skipped: tarjama binary not found at $bin (set TJ_BIN)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_doc_gl.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
bad() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
ok() { passes=$((passes + 1)); }
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
"$bin" translate -m $m --glossary "$tmp/g.tsv" "$tmp/in.ar" >"$tmp/out.en" 2>"$tmp/err" || bad "glossary run failed: $(cat "$tmp/err")"
want=("AI" "AI" "Amnesty International" "United Nations" "health" "United Nations")
for i in 0 1 2 3 4 5; do
    sed -n "$((i + 1))p" "$tmp/out.en" | grep -qF "${want[$i]}" && ok || bad "line $((i + 1)) lacks '${want[$i]}': $(sed -n "$((i + 1))p" "$tmp/out.en")"
done
# the line without a term is translated exactly as without a glossary
[ "$(sed -n 7p "$tmp/out.en")" = "$(sed -n 7p "$tmp/in.ar" | "$bin" translate -m $m)" ] && ok ||
    bad "a line without terms changed"
[ "$(wc -l <"$tmp/out.en")" = 7 ] && ok || bad "line count $(wc -l <"$tmp/out.en")"
grep -q 'glossary: [0-9]* terms placed by alignment, [0-9]* inserted' "$tmp/err" &&
    [ "$(grep -o '[0-9]* terms placed' "$tmp/err" | cut -d' ' -f1)" -ge 0 ] && ok || bad "summary: $(cat "$tmp/err")"
placed=$(grep -o '[0-9]* terms placed' "$tmp/err" | cut -d' ' -f1)
inserted=$(grep -o '[0-9]* inserted' "$tmp/err" | cut -d' ' -f1)
[ $((placed + inserted)) = 6 ] && ok || bad "6 terms in the text, summary says $placed + $inserted"

printf 'الصحة\thealth\nno tab here\n' >"$tmp/bad.tsv"
echo 'الصحة' | "$bin" translate -m $m --glossary "$tmp/bad.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'glossary line 2' "$tmp/err" && ok || bad "malformed glossary: $(cat "$tmp/err")"
echo 'x' | "$bin" translate -m $m --glossary "$tmp/none.tsv" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'cannot open' "$tmp/err" && ok || bad "missing glossary: $(cat "$tmp/err")"

echo "doc_glossary: $passes passed, $fails failed"
[ $fails = 0 ]
