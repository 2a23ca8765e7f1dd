#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tarjama translate --format docx` on DOCX news stories written at test time by
# tests/make_docx.py (standard-library zipfile, hand-written WordprocessingML: header, footnote,
# table, image, hyperlink, bold/italic runs in one sentence, tab, bookmark, field, RTL), with the
# bundled starter models, checked by tests/docx_check.py: the same entries in the same order,
# untouched entries byte-identical, same paragraphs/tables/cells/runs of formatting, rPr kept, text
# changed, w:bidi/w:rtl for Arabic and not for English. Then bad input (broken ZIP, no
# word/document.xml, invalid XML, DOCTYPE, bombs, encrypted entry, OLE file, too many inline
# elements): exit 1 with one line, no output file. And /translate_file of `tarjama serve`.
# env: TJ_BIN (built tarjama). Exit 77 when TJ_BIN, python3 or the starter models are missing.
set -u

. "$(dirname "$0")/tools/testlib.sh"
tj_test_init doc_docx python3
tj_need_starter_models
check=tests/docx_check.py

python3 tests/make_docx.py --bad "$tmp" || {
    echo "FAIL: tests/make_docx.py"
    exit 1
}

# The checker itself catches what it should: a changed image, a lost bold run, a changed order.
python3 - "$tmp" <<'PY' || bad "tampering the documents"
import sys, zipfile
d = sys.argv[1]
src = zipfile.ZipFile(d + "/news-en.docx")
def rewrite(name, change, order=None):
    names = order or src.namelist()
    with zipfile.ZipFile(d + "/" + name, "w") as z:
        for n in names:
            i = src.getinfo(n)
            j = zipfile.ZipInfo(n, date_time=i.date_time)
            j.compress_type = i.compress_type
            z.writestr(j, change(n, src.read(n)))
rewrite("t-image.docx", lambda n, b: b[:-1] + b"x" if n.endswith(".png") else b)
rewrite("t-bold.docx", lambda n, b: b.replace(b"<w:b/><w:bCs/>", b"", 1) if n == "word/document.xml" else b)
rewrite("t-order.docx", lambda n, b: b, order=list(reversed(src.namelist())))
rewrite("t-same.docx", lambda n, b: b)
PY
for t in image bold order same; do
    python3 $check $tmp/news-en.docx $tmp/t-$t.docx ar >"$tmp/chk" 2>&1 && bad "checker missed t-$t: $(cat "$tmp/chk")" || ok
done

# Round trips both ways; -o and a redirected stdout give the same bytes.
"$bin" translate -m models/en-ar $tmp/news-en.docx -o $tmp/out-ar.docx 2>"$tmp/err" || bad "en-ar: $(cat "$tmp/err")"
python3 $check $tmp/news-en.docx $tmp/out-ar.docx ar && ok || bad "en-ar structure"
"$bin" translate -m models/ar-en $tmp/news-ar.docx -o $tmp/out-en.docx 2>"$tmp/err" || bad "ar-en: $(cat "$tmp/err")"
python3 $check $tmp/news-ar.docx $tmp/out-en.docx en && ok || bad "ar-en structure"
"$bin" translate -m models/en-ar $tmp/news-en.docx >$tmp/stdout.docx 2>"$tmp/err" || bad "stdout: $(cat "$tmp/err")"
cmp -s $tmp/stdout.docx $tmp/out-ar.docx && ok || bad "-o and stdout differ"
# --format docx on a name without the extension, from stdin
cp $tmp/news-ar.docx $tmp/story.bin
"$bin" translate -m models/ar-en --format docx <$tmp/story.bin >$tmp/stdin.docx 2>"$tmp/err" || bad "stdin: $(cat "$tmp/err")"
cmp -s $tmp/stdin.docx $tmp/out-en.docx && ok || bad "--format docx from stdin differs"

# A paragraph without markup is translated exactly as plain text is (the title).
python3 - "$tmp" <<'PY' >"$tmp/titles" || bad "reading titles"
import re, sys, zipfile
d = sys.argv[1]
def title(p):
    x = zipfile.ZipFile(p).read("word/document.xml").decode()
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", x.split("</w:p>")[0]))
print(title(d + "/news-en.docx")); print(title(d + "/out-ar.docx"))
PY
want=$(sed -n 1p "$tmp/titles" | "$bin" translate -m models/en-ar)
got=$(sed -n 2p "$tmp/titles")
[ -n "$got" ] && [ "$got" = "$want" ] && ok || bad "title: '$got' vs '$want'"

# Binary output never goes to a terminal; two packages are not one file.
if command -v script >/dev/null; then
    script -qec "$bin translate -m models/en-ar $tmp/news-en.docx" /dev/null >"$tmp/tty" 2>&1
    grep -q "binary: give -o FILE" "$tmp/tty" && ok || bad "docx to a terminal: $(cat "$tmp/tty")"
fi
"$bin" translate -m models/en-ar $tmp/news-en.docx $tmp/news-en.docx -o $tmp/two.docx 2>"$tmp/err" && bad "two docx files accepted" || ok
grep -q "one file at a time" "$tmp/err" && ok || bad "two files: $(cat "$tmp/err")"

# Bad input: exit 1, one line naming the problem, no output file left behind.
for c in truncated:"cannot be read" empty:"empty" text:"cannot be read" ole:"OLE compound" \
    nodocument:"no word/document.xml" badxml:"invalid XML" doctype:"DOCTYPE is not allowed" \
    bomb:"too large" liar:"more data than its header" encrypted:"is encrypted" \
    marks:"inline elements" latin1:"is not UTF-8"; do
    name=${c%%:*} want=${c#*:}
    rm -f $tmp/o.docx
    "$bin" translate -m models/en-ar $tmp/bad-$name.docx -o $tmp/o.docx 2>"$tmp/err"
    rc=$?
    [ $rc = 1 ] && ok || bad "bad-$name: exit $rc"
    [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$want" "$tmp/err" && ok || bad "bad-$name: '$(cat "$tmp/err")' (want '$want')"
    [ ! -e $tmp/o.docx ] && ok || bad "bad-$name: output file written"
done

# A part declaring another encoding is read as UTF-8 (what Word writes), quietly: libxml2 would
# report failed conversions on stderr.
"$bin" translate -m models/en-ar $tmp/bad-utf7.docx -o $tmp/utf7.docx 2>"$tmp/err" && [ ! -s "$tmp/err" ] && ok ||
    bad "UTF-7 declared: $(cat "$tmp/err")"

# tarjama serve: /translate_file takes a .docx and gives back the same package as the CLI.
if "$bin" serve --port -1 2>&1 | grep -q "built without"; then
    echo "note: server part skipped (built without libmicrohttpd/jansson)"
else
    python3 - "$bin" "$tmp" <<'PY' && ok || bad "/translate_file with a .docx"
import os, signal, subprocess, sys, time, urllib.request
bin, d = sys.argv[1], sys.argv[2]
pf = d + "/port"
log = open(d + "/server.log", "w")
p = subprocess.Popen([bin, "serve", "--port", "0", "--port-file", pf, "--models",
                      "models/ar-en,models/en-ar"], stdout=log, stderr=subprocess.STDOUT)
try:
    for _ in range(3000):
        if os.path.exists(pf) and open(pf).read().endswith("\n"):
            break
        time.sleep(0.02)
    base = "http://127.0.0.1:%d" % int(open(pf).read())
    data = open(d + "/news-en.docx", "rb").read()
    b = "tjdocx"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nen\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"target\"\r\n\r\nar\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"news.docx\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    req = urllib.request.Request(base + "/translate_file", data=body, method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=" + b})
    import json
    url = json.loads(urllib.request.urlopen(req, timeout=120).read())["translatedFileUrl"]
    assert url.endswith(".news.docx"), url
    r = urllib.request.urlopen(url, timeout=30)
    got = r.read()
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats"), r.headers["Content-Type"]
    want = open(d + "/out-ar.docx", "rb").read()
    assert got == want, "the served package differs from the CLI's"
    # a broken package is a 400 with the reader's message
    bad = body.replace(data, data[: len(data) // 2])
    req = urllib.request.Request(base + "/translate_file", data=bad, method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=" + b})
    try:
        urllib.request.urlopen(req, timeout=60)
        raise AssertionError("broken package accepted")
    except urllib.error.HTTPError as e:
        msg = json.loads(e.read())["error"]
        assert e.code == 400 and "DOCX" in msg, (e.code, msg)
finally:
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=120)
PY
fi

tj_test_done
