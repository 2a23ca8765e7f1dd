#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --format srt` on SubRip and WebVTT subtitles (tests/data/docs) with the
# bundled starter models: cue numbers, timings, header and NOTE blocks untouched, the same number
# of lines per cue (tests/doc_structure.py), a one-line cue's text equal to the plain translation
# of the same text, CRLF kept, and malformed timing lines refused with the line named.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN or python3 is missing.
set -u
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_srt python3
docs=tests/data/docs
check=tests/doc_structure.py

# the checker catches a changed timing
sed 's/00:00:04,500/00:00:04,600/' $docs/news-ar.srt >"$tmp/moved.srt"
python3 $check srt $docs/news-ar.srt "$tmp/moved.srt" >/dev/null && bad "checker missed a timing change" || ok

"$bin" translate -m models/ar-en $docs/news-ar.srt >"$tmp/out.srt" 2>"$tmp/err" || bad "srt: $(cat "$tmp/err")"
python3 $check srt $docs/news-ar.srt "$tmp/out.srt" && ok || bad "srt structure"
"$bin" translate -m models/en-ar $docs/news-en.vtt >"$tmp/out.vtt" 2>"$tmp/err" || bad "vtt: $(cat "$tmp/err")"
python3 $check srt $docs/news-en.vtt "$tmp/out.vtt" && ok || bad "vtt structure"
head -3 "$tmp/out.vtt" | cmp -s - <(head -3 $docs/news-en.vtt) && ok || bad "vtt header changed"

# cue 2 is one line: its translation is the plain translation of its text
want=$(sed -n 7p $docs/news-ar.srt | "$bin" translate -m models/ar-en)
got=$(sed -n 7p "$tmp/out.srt")
[ "$got" = "$want" ] && ok || bad "cue 2: '$got' vs '$want'"

# CRLF line ends survive
sed 's/$/\r/' $docs/news-ar.srt >"$tmp/crlf.srt"
"$bin" translate -m models/ar-en --format srt "$tmp/crlf.srt" >"$tmp/crlf.out" || bad "crlf srt failed"
[ "$(grep -c $'\r$' "$tmp/crlf.out")" = "$(grep -c $'\r$' "$tmp/crlf.srt")" ] && ok || bad "CRLF lines not kept"

# malformed timings: exit 1, one line naming the line
printf '1\n00:00:01,000 --> 00:00:4,000\nHello there.\n' >"$tmp/bad1.srt"
printf '1\n00:00:01,000 --> 00:00:04,000\nHello.\n\n2\n00:00:05 --> 00:00:06,000\nAgain.\n' >"$tmp/bad2.srt"
printf 'WEBVTT\n\n00:01.000 -> 00:04.000\nHello.\n' >"$tmp/bad3.vtt"
printf '1\nHello without a timing.\n' >"$tmp/bad4.srt"
for f in bad1.srt:2 bad2.srt:6 bad3.vtt:3 bad4.srt:2; do
    "$bin" translate -m models/en-ar "$tmp/${f%%:*}" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "line ${f##*:}: malformed timing" "$tmp/err" &&
        [ ! -s "$tmp/out" ]; then ok; else bad "${f%%:*}: exit $rc, $(cat "$tmp/err")"; fi
done
printf 'x\n00:00:01,000 --> 00:00:04,000\nHello.\n' >"$tmp/bad5.srt"
"$bin" translate -m models/en-ar "$tmp/bad5.srt" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'line 1: expected a cue number' "$tmp/err" && ok || bad "bad cue number: $(cat "$tmp/err")"
# the quote of a long bad line stops before the character that would be cut at 40 bytes: 13
# Arabic letters (2 bytes each) after 15 ASCII bytes, so byte 40 is the middle of a letter
printf 'Cue number is: %s\n00:00:01,000 --> 00:00:04,000\nHello.\n' "$(printf 'ب%.0s' $(seq 14))" >"$tmp/bad6.srt"
"$bin" translate -m models/en-ar "$tmp/bad6.srt" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "got 'Cue number is: $(printf 'ب%.0s' $(seq 12))'\$" "$tmp/err" && ok ||
    bad "quote cut inside a character: $(cat "$tmp/err")"

tj_test_done
