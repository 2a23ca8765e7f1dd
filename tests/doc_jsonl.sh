#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --jsonl` with the bundled en-ar starter model: one response line per
# request line, in order, ids copied as they came (strings, numbers, arrays); bad lines (not JSON,
# no text, wrong types, invalid UTF-8, unsupported keys) give an error object for their id and the
# stream goes on; text responses equal `tarjama translate` of the same text; html requests equal
# --format html; flags; and the same requests through GNU parallel --pipe (2 jobs, small blocks)
# give byte-identical output to one process, also in the --sshlogin form (skipped without
# `parallel`).
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN or python3 is missing.
set -u

. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_jsonl python3
m=models/en-ar

{
    printf '%s\n' '{"id": 1, "text": "The president arrived in Cairo this morning."}'
    printf '%s\n' '{"text": "Talks will resume next week.", "id": "a-2"}'
    printf '%s\n' 'not json at all'
    printf '%s\n' '{"id": 4}'
    printf '\n'
    printf '%s\n' '{"id": [5, "x"], "text": "Two sentences here. And a second one.", "flags": true}'
    printf '%s\n' '{"id": 6, "text": 42}'
    printf '{"id": 7, "text": "caf\xff"}\n'
    printf '%s\n' '{"id": 8, "text": "Hello <b>world</b>, said the <i>minister</i>.", "format": "html"}'
    printf '%s\n' '{"id": 9, "text": "x", "format": "pdf"}'
    printf '%s\n' '{"id": 10, "text": "x", "glossary": {"a": ["b"]}}'
    printf '%s\n' '{"id": 11, "text": "He said \"yes\" \u00e9\ud83d\ude00.\nNew line."}'
    printf '%s\n' '{"id": 12, "text": "open string'
    printf '%s' '{"id": 13, "text": "Last line without a newline."}'
} >"$tmp/req.jsonl"
"$bin" translate -m $m --jsonl "$tmp/req.jsonl" >"$tmp/out.jsonl" 2>"$tmp/err" || bad "--jsonl failed: $(cat "$tmp/err")"
python3 - "$tmp/req.jsonl" "$tmp/out.jsonl" "$bin" "$m" <<'PY' && ok || bad "responses"
import json, subprocess, sys
req, out, tj, model = sys.argv[1:]
lines = open(out, encoding="utf-8").read().split("\n")
assert lines[-1] == "", "output does not end in a newline"
resp = [json.loads(l) for l in lines[:-1]]
ids = [r["id"] for r in resp]
want_ids = [1, "a-2", None, 4, [5, "x"], 6, 7, 8, 9, 10, 11, 12, 13]
assert ids == want_ids, "ids %r" % ids
err = {r["id"] if not isinstance(r["id"], list) else 5: r.get("error") for r in resp}
for i in (None, 4, 6, 7, 9, 10, 12):
    assert err[i], "id %r should be an error: %r" % (i, resp)
assert "invalid UTF-8" in err[7], err[7]
assert "missing \"text\"" in err[4], err[4]
for i in (1, "a-2", 5, 8, 11, 13):
    assert not err[i], "id %r failed: %s" % (i, err[i])
def tr(text, *opts):
    return subprocess.run([tj, "translate", "-m", model, "-q", *opts], input=text, capture_output=True,
                          text=True, check=True).stdout
by = {str(r["id"]): r for r in resp}
assert by["1"]["translation"] + "\n" == tr("The president arrived in Cairo this morning.\n")
assert by["13"]["translation"] + "\n" == tr("Last line without a newline.\n")
assert by["11"]["translation"] + "\n" == tr("He said \"yes\" \u00e9\U0001F600.\nNew line.\n")
assert by["8"]["translation"] == tr("Hello <b>world</b>, said the <i>minister</i>.", "--format", "html")
f = by[str([5, "x"])]
assert len(f["flags"]) == 2 and all(x["logprob"] < 0 for x in f["flags"]), f
PY

# GNU parallel: the same output from two jobs over small blocks as from one process
if command -v parallel >/dev/null; then
    head -c 100000 tests/data/numbers-names.ar >/dev/null 2>&1
    python3 -c '
import json
src = open("tests/data/docs/news-en.md", encoding="utf-8").read().split("\n")
for i, l in enumerate(x for x in src if x.strip() and not x.startswith(("```", "<", "!", "---", "curl"))):
    print(json.dumps({"id": i, "text": l.strip("#>-*0123456789. ")}))
' >"$tmp/many.jsonl"
    "$bin" translate -m $m --jsonl <"$tmp/many.jsonl" >"$tmp/one.jsonl" || bad "single process failed"
    parallel --pipe -k --block 300 -j2 "$bin" translate -m $m --jsonl <"$tmp/many.jsonl" >"$tmp/par.jsonl" ||
        bad "parallel failed"
    n=$(wc -l <"$tmp/many.jsonl")
    [ "$(wc -l <"$tmp/par.jsonl")" = "$n" ] && cmp -s "$tmp/one.jsonl" "$tmp/par.jsonl" && ok ||
        bad "parallel output differs from one process ($n requests)"
    # the documented --sshlogin form, with ':' (GNU parallel's name for this machine, no ssh)
    parallel --pipe -k --block 300 --sshlogin 2/: "$bin" translate -m $m --jsonl \
        <"$tmp/many.jsonl" >"$tmp/ssh.jsonl" || bad "parallel --sshlogin failed"
    cmp -s "$tmp/one.jsonl" "$tmp/ssh.jsonl" && ok || bad "parallel --sshlogin output differs"
else
    echo "note: GNU parallel not installed; its check skipped (apt-get install parallel)"
fi

tj_test_done
