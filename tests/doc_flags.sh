#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --flags tsv|json` (quality flags) with the bundled starter models: one row
# per sentence, translations identical to plain `translate` of the same lines, log-probabilities
# below 0, round-trip chrF in 0..100 with --reverse-model (and checked against `tarjama eval` of
# the back-translation), the doubtful column following both thresholds, valid JSON.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN or python3 is missing.
set -u
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_flags python3

head -6 tests/data/numbers-names.ar >"$tmp/src.ar"
"$bin" translate -m models/ar-en --split line -q "$tmp/src.ar" >"$tmp/plain.en"
"$bin" translate -m models/ar-en --split line --flags tsv --reverse-model models/en-ar \
    --doubt -1.5 --doubt-roundtrip 15 "$tmp/src.ar" >"$tmp/report.tsv" 2>"$tmp/err" ||
    bad "--flags tsv failed: $(cat "$tmp/err")"
cut -f6 "$tmp/report.tsv" | tail -n +2 >"$tmp/report.en"
"$bin" translate -m models/en-ar --split line -q "$tmp/report.en" >"$tmp/back.ar"
python3 - "$tmp" <<'PY' && ok || bad "tsv report"
import sys
d = sys.argv[1]
rows = [l.split("\t") for l in open(d + "/report.tsv", encoding="utf-8").read().split("\n") if l]
assert rows[0] == ["line", "logprob", "roundtrip_chrf", "doubtful", "source", "translation"], rows[0]
rows = rows[1:]
plain = open(d + "/plain.en", encoding="utf-8").read().split("\n")[:-1]
src = open(d + "/src.ar", encoding="utf-8").read().split("\n")[:-1]
assert len(rows) == len(src) == 6, len(rows)
for i, r in enumerate(rows):
    assert int(r[0]) == i + 1 and r[4] == src[i] and r[5] == plain[i], r
    lp, rt, doubt = float(r[1]), float(r[2]), int(r[3])
    assert -30 < lp < 0 and 0 <= rt <= 100, r
    assert doubt == int(lp < -1.5 or rt < 15), r
PY
# the round-trip column is chrF of the back-translation against the source, as `tarjama eval`
# says (eval prints one decimal)
for i in 1 2 3; do
    want=$(sed -n ${i}p "$tmp/back.ar" >"$tmp/h" && sed -n ${i}p "$tmp/src.ar" >"$tmp/r" &&
        "$bin" eval --metrics chrf --ref "$tmp/r" "$tmp/h" 2>/dev/null | sed -n 's/^chrF2|.* = \([0-9.]*\).*/\1/p')
    got=$(sed -n "$((i + 1))p" "$tmp/report.tsv" | cut -f3)
    [ -n "$want" ] && python3 -c "import sys; sys.exit(abs(float('$got') - float('$want')) > 0.051)" && ok ||
        bad "line $i: round-trip chrF $got, eval says '$want'"
done
"$bin" translate -m models/ar-en --flags json "$tmp/src.ar" >"$tmp/report.json" || bad "--flags json failed"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(v) >= 6 and all(x["logprob"] < 0 and isinstance(x["doubtful"], bool) for x in v), v
assert "roundtrip_chrf" not in v[0]  # no reverse model given with -m
' "$tmp/report.json" && ok || bad "json report"
"$bin" translate -m models/ar-en --flags xml </dev/null 2>/dev/null
[ $? = 2 ] && ok || bad "--flags xml is not a usage error"

tj_test_done
