# SPDX-License-Identifier: MIT
"""Tests of the Python binding (run by tests/python_binding.sh through ctest, or by hand:
TARJAMA_LIBRARY=build/libtarjama.so TJ_BIN=build/tarjama python3 -m pytest bindings/python/tests).

Expected translations come from the reference runtime's outputs in ../shared/fixtures (skipped
without them) and, for the starter models, from the `tarjama` command over the same library."""

import csv
import os
import re
import subprocess
import sys
import threading

import pytest

import tarjama

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
BIN = os.environ.get("TJ_BIN", os.path.join(ROOT, "build/tarjama"))
SHARED = os.environ.get("TJ_SHARED", os.path.join(ROOT, "../shared"))
FIXTURE = os.path.join(SHARED, "fixtures/tiny-aren")
AR = ["وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.",
      "مرحبا بالعالم. كيف حالك؟",
      "",
      "السطر الأول\nالسطر الثاني"]
EN = ["The president arrived in Cairo this morning for talks.", "Hello world. How are you?"]


def cli(*args, stdin=""):
    r = subprocess.run([BIN, *args], input=stdin.encode(), capture_output=True, check=True)
    return r.stdout.decode()


def fixture_lines(name, n):
    with open(os.path.join(FIXTURE, name), encoding="utf-8") as f:
        return [next(f).rstrip("\n") for _ in range(n)]


needs_fixtures = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="no ../shared/fixtures")
needs_cli = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason="no tarjama command (TJ_BIN)")


def test_version_matches_header():
    with open(os.path.join(ROOT, "include/tarjama.h"), encoding="utf-8") as f:
        h = f.read()
    want = ".".join(re.search(r"#define TJ_VERSION_%s (\d+)" % k, h).group(1)
                    for k in ("MAJOR", "MINOR", "PATCH"))
    assert tarjama.version() == want


@needs_fixtures
@pytest.mark.parametrize("ref,kw", [
    ("ref/tico19-test-500.greedy.en", {}),
    ("ref/tico19-test-500.greedy-noshortlist.en", {"shortlist": False}),
    ("ref/tico19-test-500.beam4.en", {"beam": 4}),
])
def test_translate_matches_reference_runtime(ref, kw):
    # The reference Marian's output for the fixture model, as tests/fixture_parity.sh checks the
    # command against: 40 lines per setting keep the test quick.
    src = fixture_lines("src/tico19-test-500.ar", 40)
    want = fixture_lines(ref, 40)
    with tarjama.Model(os.path.join(FIXTURE, "model")) as m:
        assert m.translate(src, split="line", **kw) == want


@needs_fixtures
def test_gzipped_model_and_threads():
    src = fixture_lines("src/tico19-test-500.ar", 24)
    want = fixture_lines("ref/tico19-test-500.greedy.en", 24)
    m = tarjama.Model(os.path.join(FIXTURE, "model-gz"))
    got = [None] * 4
    # Four Python threads on one model at once (ctypes releases the GIL in tj_translate).
    def work(i):
        got[i] = m.translate(src[i::4], split="line", threads=1)
    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i in range(4):
        assert got[i] == want[i::4]
    m.close()


@needs_cli
@pytest.mark.parametrize("pair,texts", [("ar-en", AR), ("en-ar", EN)])
@pytest.mark.parametrize("args,kw", [
    ([], {}),
    (["--split", "line", "--beam", "3"], {"split": "line", "beam": 3}),
    (["--no-shortlist", "--max-length-factor", "1.5"], {"shortlist": False, "max_length_factor": 1.5}),
])
def test_starter_models_like_the_command(pair, texts, args, kw):
    # One text per input line for the command; texts with newlines keep their line structure.
    want = cli("translate", "-m", os.path.join(ROOT, "models", pair), *args,
               stdin="".join(t + "\n" for t in texts)).split("\n")
    with tarjama.Model(os.path.join(ROOT, "models", pair)) as m:
        got = m.translate(texts, **kw)
    assert "\n".join(got).split("\n") == want[:-1]
    assert all(isinstance(g, str) for g in got)


@needs_cli
def test_pair_lookup_like_models_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("TARJAMA_MODELS", raising=False)
    monkeypatch.delenv("TARJAMA_BUNDLED_MODELS", raising=False)
    for pair in ("ar-en", "en-ar"):
        assert tarjama.find_model(pair) == cli("models", "path", pair).strip()
    user = tmp_path / ".local/share/tarjama/models/ar-en"
    user.mkdir(parents=True)
    assert tarjama.find_model("ar-en") == str(user) == cli("models", "path", "ar-en").strip()
    first = tmp_path / "first"
    (first / "ar-en").mkdir(parents=True)
    monkeypatch.setenv("TARJAMA_MODELS", str(first))
    assert tarjama.find_model("ar-en") == str(first / "ar-en") == cli("models", "path", "ar-en").strip()
    monkeypatch.setenv("TARJAMA_BUNDLED_MODELS", "")
    with pytest.raises(tarjama.TarjamaError) as e:
        tarjama.find_model("en-ar")
    assert e.value.code == tarjama.ERR_NOTFOUND and "en-ar" in str(e.value)
    with pytest.raises(tarjama.TarjamaError) as e:
        tarjama.Model("en-ar")
    assert e.value.code == tarjama.ERR_NOTFOUND


def test_model_by_pair_translates():
    with tarjama.Model("ar-en") as m:
        assert m.info()["architecture"].startswith("transformer encoder")
        assert m.translate("مرحبا بالعالم.") == m.translate(["مرحبا بالعالم."])[0]
        assert m.translate([]) == []


def test_errors_carry_the_library_message(tmp_path):
    with pytest.raises(tarjama.TarjamaError) as e:
        tarjama.Model(str(tmp_path / "missing"))
    assert e.value.code == tarjama.ERR_NOTFOUND and "missing" in str(e.value)
    assert e.value.status == "not found"
    (tmp_path / "empty").mkdir()
    with pytest.raises(tarjama.TarjamaError) as e:
        tarjama.Model(str(tmp_path / "empty"))
    assert str(tmp_path / "empty") in str(e.value) or "model" in str(e.value)
    m = tarjama.Model(os.path.join(ROOT, "models/ar-en"))
    with pytest.raises(tarjama.TarjamaError) as e:
        m.translate(["ok", b"bad \xff here"])
    assert e.value.code == tarjama.ERR_INPUT and "invalid UTF-8" in str(e.value)
    with pytest.raises(tarjama.TarjamaError) as e:
        m.translate(["a\0b"])
    assert e.value.code == tarjama.ERR_INPUT and "NUL" in str(e.value)
    with pytest.raises(tarjama.TarjamaError) as e:
        m.translate(["x"], beam=0)
    assert e.value.code == tarjama.ERR_ARG and str(e.value)
    with pytest.raises(tarjama.TarjamaError) as e:
        m.translate(["x"], split="word")
    assert e.value.code == tarjama.ERR_ARG
    with pytest.raises(TypeError):
        m.translate([3])
    m.close()
    m.close()
    with pytest.raises(tarjama.TarjamaError):
        m.translate(["x"])


@needs_cli
def test_detect_like_the_command():
    lines = ["hello world", "مرحبا بالعالم", "hello مرحبا", "12345 !!", "Cairo القاهرة والجيزة ومصر"]
    want = cli("detect", "--confidence", stdin="".join(s + "\n" for s in lines)).splitlines()
    for s, w in zip(lines, want):
        lang, conf = tarjama.detect_confidence(s)
        assert tarjama.detect(s) == lang == w.split("\t")[0]
        assert abs(conf - float(w.split("\t")[1])) < 0.01
    assert tarjama.detect("hello") == "en" and tarjama.detect("مرحبا") == "ar"
    assert tarjama.detect("") == "unknown"


@needs_cli
def test_csv_example(tmp_path):
    src = tmp_path / "in.csv"
    rows = [["id", "headline", "note"],
            ["1", "وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.", "a, b"],
            ["2", "", "empty headline"],
            ["3", "مرحبا بالعالم.\nكيف حالك؟", 'quote " inside']]
    with open(src, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "out.csv"
    example = os.path.join(ROOT, "bindings/python/examples/translate_csv.py")
    subprocess.run([sys.executable, example, "--model", os.path.join(ROOT, "models/ar-en"),
                    "--column", "headline", str(src), str(out)], check=True,
                   env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "bindings/python")))
    with open(out, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    assert got[0] == ["id", "headline", "note", "headline_en"]
    with tarjama.Model(os.path.join(ROOT, "models/ar-en")) as m:
        want = m.translate([r[1] for r in rows[1:]])
    for r, g, w in zip(rows[1:], got[1:], want):
        assert g == r + [w]


def test_calls_release_the_gil():
    # ctypes releases the GIL around a foreign call unless the library was loaded as PyDLL (or
    # the function is flagged to call into Python): check that neither is the case.
    import ctypes
    lib = tarjama._lib()
    assert not isinstance(lib, ctypes.PyDLL)
    for name in ("tj_translate", "tj_model_open", "tj_detect_language"):
        assert getattr(lib, name)._flags_ & ctypes._FUNCFLAG_PYTHONAPI == 0


HTML = ('<!DOCTYPE html><html><head><title>خبر</title></head><body>'
        '<h1>وصل الرئيس إلى القاهرة.</h1><p>مرحبا <b>بالعالم</b>. كيف حالك؟</p>'
        '<img src="a.png" alt="صورة الرئيس"><pre>لا تترجم</pre></body></html>\n')
SRT = ("1\n00:00:01,000 --> 00:00:02,500\nمرحبا بالعالم.\n\n"
       "2\n00:00:03,000 --> 00:00:04,000\nكيف حالك؟\n")


@needs_cli
@pytest.mark.parametrize("fmt,doc", [("html", HTML), ("srt", SRT)])
def test_documents_like_the_command(tmp_path, fmt, doc):
    lib = tarjama._lib()
    if not hasattr(lib, "tj_translate_document"):
        pytest.skip("library without tj_translate_document")
    src = tmp_path / ("in." + fmt)
    src.write_text(doc, encoding="utf-8")
    r = subprocess.run([BIN, "translate", "-m", os.path.join(ROOT, "models/ar-en"), "--format",
                        fmt, str(src)], capture_output=True, check=True)
    with tarjama.Model(os.path.join(ROOT, "models/ar-en")) as m:
        got = m.translate_document(doc, format=fmt, target_lang="en")
        assert got == r.stdout.decode()
        assert m.translate_document(doc.encode(), format=fmt, target_lang="en") == r.stdout
        if fmt == "srt":
            assert "00:00:01,000 --> 00:00:02,500" in got
            with pytest.raises(tarjama.TarjamaError) as e:
                m.translate_document("1\n00:00:xx --> 00:00:02,000\nمرحبا\n", format="srt")
            assert e.value.code in (tarjama.ERR_FORMAT, tarjama.ERR_INPUT) and str(e.value)
        with pytest.raises(tarjama.TarjamaError) as e:
            m.translate_document(doc, format="pdf")
        assert e.value.code == tarjama.ERR_ARG


def test_translate_scored():
    lib = tarjama._lib()
    if not hasattr(lib, "tj_translate_scored"):
        pytest.skip("library without tj_translate_scored")
    lines = ["وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.", "12345", "كيف حالك؟"]
    with tarjama.Model(os.path.join(ROOT, "models/ar-en")) as m:
        got = m.translate_scored("\n".join(lines) + "\n", split="line")
        want = m.translate(lines, split="line")
    assert [s["line"] for s in got] == [1, 2, 3]
    assert [s["source"] for s in got] == lines
    assert [s["translation"] for s in got] == want
    assert got[1]["copied"] and got[1]["logprob"] == 0
    assert all(s["logprob"] < 0 for s in (got[0], got[2]))


def test_structs_match_the_header(tmp_path):
    # The ctypes structs mirror tarjama.h by hand; a field added to the header and not here
    # makes the library read past the Python object (a crash, not an error). A C program built
    # against the header prints each struct's size and field offsets; the binding must agree.
    import ctypes
    import shutil
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        pytest.skip("no C compiler")
    structs = {"tj_error": tarjama._Error, "tj_options": tarjama._Options,
               "tj_doc_options": tarjama._DocOptions, "tj_scored_sentence": tarjama._Scored,
               "tj_model_info": tarjama._Info}
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "tarjama.h"',
             "int main(void) {"]
    for c, py in structs.items():
        lines.append(f'printf("{c} size %zu\\n", sizeof({c}));')
        for name, _ in py._fields_:
            lines.append(f'printf("{c} {name} %zu\\n", offsetof({c}, {name}));')
    lines += ["return 0;", "}"]
    src = tmp_path / "structs.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "structs"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "include"), str(src), "-o", str(exe)],
                   check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    for line in filter(None, got):
        c, name, value = line.split()
        py = structs[c]
        want = ctypes.sizeof(py) if name == "size" else getattr(py, name).offset
        assert int(value) == want, f"{c}.{name}: C {value}, binding {want}"
