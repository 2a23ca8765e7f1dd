#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the small seed corpora of tests/fuzz/corpus/ (committed; rerun only to regenerate).

Seeds are valid inputs of each format, kept tiny so that the fuzzer mutates structure rather
than payload: a Marian .bin built by the spec's layout (plain, gzip, zstd), a float .npz
(stored and deflated), the embedded YAML of the starter model, a SentencePiece model cut down
from the starter vocabulary and one trained by spm_train with a small charsmap, a whole model
(the starter model's layout shrunk to width 32 over that small vocabulary), shortlists,
text in both scripts for the splitter, encoder, detector and eval, a registry TSV, and
documents (HTML, Markdown, SRT/WebVTT), JSONL request lines and server request bodies.
Usage: tests/fuzz/make_seeds.py  (from anywhere; needs the `zstd` and `spm_train` commands)
"""
import gzip
import io
import os
import struct
import subprocess
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

YAML = b"""type: transformer
dim-emb: 8
dim-vocabs:
  - 16
  - 16
enc-depth: 1
dec-depth: 1
transformer-heads: 2
transformer-ffn-activation: relu
tied-embeddings-all: true
transformer-decoder-autoreg: rnn
version: v1.10.0 6f6d4847 2021-02-01 10:00:00 +0000
"""


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def marian_bin(items):
    """items: (name, type, shape, payload). Layout of spec 2.1: header table, names, shapes,
    padding to 256, then payloads each padded to 256."""
    out = struct.pack("<QQ", 1, len(items))
    names = b"".join(n.encode() + b"\0" for n, _, _, _ in items)
    shapes = b"".join(struct.pack("<%di" % len(s), *s) for _, _, s, _ in items)
    padded = []
    for _, _, _, p in items:
        padded.append(p + b"\0" * (-len(p) % 256))
    for (n, t, s, _), p in zip(items, padded):
        out += struct.pack("<QQQQ", len(n) + 1, t, len(s), len(p))
    out += names + shapes
    pad = -(len(out) + 8) % 256
    out += struct.pack("<Q", pad) + b"\0" * pad
    return out + b"".join(padded)


def seeds_marian():
    items = [
        ("special:model.yml", 0x101, [len(YAML) + 1], YAML + b"\0"),
        ("Wemb", 0x4101, [4, 8], bytes(range(32)) + struct.pack("<f", 0.5)),
        ("encoder_l1_ffn_b1", 0x404, [1, 4], struct.pack("<4f", 0.5, -1.0, 2.0, 0.0)),
    ]
    b = marian_bin(items)
    put("marian_bin", "tiny.bin", b)
    put("marian_bin", "tiny.bin.gz", gzip.compress(b, mtime=0))
    z = subprocess.run(["zstd", "-q", "-c", "-3"], input=b, stdout=subprocess.PIPE, check=True)
    put("marian_bin", "tiny.bin.zst", z.stdout)
    put("marian_bin", "yaml_only.bin", marian_bin(items[:1]))
    put("marian_bin", "tiny.npz", npz(False))


def npy(dtype, shape, payload):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        dtype, "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    hdr = hdr.encode()
    total = 10 + len(hdr) + 1
    hdr += b" " * (-total % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + payload


def npz(compressed):
    buf = io.BytesIO()
    mode = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", mode) as z:
        def add(name, data):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = mode
            z.writestr(info, data)
        add("special:model.yml.npy", npy("|i1", [len(YAML) + 1], YAML + b"\0"))
        add("Wemb.npy", npy("<f4", [4, 2], struct.pack("<8f", *range(8))))
        add("decoder_ff_logit_out_b.npy", npy("<f4", [1, 4], struct.pack("<4f", 1, 2, 3, 4)))
    return buf.getvalue()


def seeds_npz():
    put("npz", "stored.npz", npz(False))
    put("npz", "deflated.npz", npz(True))


def seeds_yaml():
    put("yaml", "model.yml", b"dim-vocabs\n" + YAML)
    put("yaml", "flow.yml", b'dim-vocabs\ndim-vocabs: [32000, "32000"]\ntype: \'transformer\'\n'
        b'tied-embeddings-all: True\nlabel: "a\\x41\\u00e9\\U0001F600 \\"q\\""\n')
    put("yaml", "seq.yml", b"enc-depth\nenc-depth: 6 # comment\nlist:\n- a\n-   b\n  - c\nx: ~\n")


# ---------------------------------------------------------------- SentencePiece protobuf

def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def read_varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """Top-level (field, wire type, raw bytes of the whole field) of a protobuf message."""
    i = 0
    while i < len(b):
        start = i
        tag, i = read_varint(b, i)
        f, wt = tag >> 3, tag & 7
        if wt == 0:
            _, i = read_varint(b, i)
        elif wt == 1:
            i += 8
        elif wt == 2:
            n, i = read_varint(b, i)
            i += n
        elif wt == 5:
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield f, wt, b[start:i]


def payload(raw):
    _, i = read_varint(raw, 0)
    n, i = read_varint(raw, i)
    return raw[i:i + n]


def ld(field, body):
    return varint(field << 3 | 2) + varint(len(body)) + body


def seeds_spm():
    src = open(os.path.join(ROOT, "models", "ar-en", "vocab.aren.spm"), "rb").read()
    pieces, rest = [], []
    for f, wt, raw in fields(src):
        (pieces if f == 1 else rest).append((f, raw))
    # The starter vocabulary's specs with its first 40 pieces (<unk>, <s>, </s>, then the most
    # frequent) and without its 237 KB charsmap (normalizer_spec field 2), which would dwarf
    # everything else the fuzzer mutates.
    no_map = b""
    for f, raw in rest:
        if f == 3:
            body = b"".join(r for g, _, r in fields(payload(raw)) if g != 2)
            raw = ld(3, body)
        no_map += raw
    put("spm_model", "cut_nomap.spm", b"".join(raw for _, raw in pieces[:40]) + no_map)
    # A tiny model with byte fallback and a small charsmap of custom rules, from spm_train. Kept
    # when present: spm_train's output varies from run to run, and the model seed's vocabulary
    # size comes from it.
    if os.path.exists(os.path.join(CORPUS, "spm_model", "tiny_rules.spm")):
        return
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "train.txt"), "w") as f:
            f.write("\n".join(TEXTS[:3] + ["hello world hello there"]) * 20 + "\n")
        with open(os.path.join(tmp, "rules.tsv"), "w") as f:
            f.write("FF21\t41\nFF22\t42\nFB01\t66 69\n3000\t20\n0622\t0627 0653\n")
        subprocess.run(["spm_train", "--input=" + tmp + "/train.txt", "--model_prefix=" + tmp +
                        "/tiny", "--vocab_size=400", "--hard_vocab_limit=false",
                        "--model_type=unigram", "--normalization_rule_tsv=" + tmp + "/rules.tsv",
                        "--byte_fallback=true",
                        "--character_coverage=1.0"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        put("spm_model", "tiny_rules.spm", open(os.path.join(tmp, "tiny.model"), "rb").read())


# ---------------------------------------------------------------- whole model

def read_bin(path):
    """(name, type, shape, payload) of every item of a Marian .bin."""
    d = open(path, "rb").read()
    n = struct.unpack_from("<Q", d, 8)[0]
    hdr = [struct.unpack_from("<QQQQ", d, 16 + 32 * i) for i in range(n)]
    pos = 16 + 32 * n
    names = []
    for nl, _, _, _ in hdr:
        names.append(d[pos:pos + nl - 1].decode())
        pos += nl
    shapes = []
    for _, _, nd, _ in hdr:
        shapes.append(list(struct.unpack_from("<%di" % nd, d, pos)))
        pos += 4 * nd
    pos += 8 + struct.unpack_from("<Q", d, pos)[0]
    items = []
    for name, (_, t, _, dl), shape in zip(names, hdr, shapes):
        items.append((name, t, shape, d[pos:pos + dl]))
        pos += dl
    return items


def seeds_model():
    """The starter model's architecture shrunk to one encoder and one decoder layer, width 32,
    FFN 32, 2 heads (the builder wants multiples of 32), over the tiny spm_model seed's vocabulary, with small made-up weights: a
    model that tj_model_open accepts and translates with in a millisecond."""
    spm = open(os.path.join(CORPUS, "spm_model", "tiny_rules.spm"), "rb").read()
    vocab = sum(1 for f, _, _ in fields(spm) if f == 1)
    real = read_bin(os.path.join(ROOT, "models", "ar-en", "model.aren.intgemm.alphas.bin"))
    size = {256: 32, 1536: 32, 16000: vocab}
    items = []
    for name, t, shape, payload in real:
        if any("_l%d_" % k in name for k in range(2, 10)):
            continue
        if name == "special:model.yml":
            y = payload.rstrip(b"\0").decode()
            for a, b in (("dim-emb: 256", "dim-emb: 32"), ("transformer-dim-ffn: 1536",
                         "transformer-dim-ffn: 32"), ("transformer-heads: 8",
                         "transformer-heads: 2"), ("enc-depth: 6", "enc-depth: 1"),
                         ("dec-depth: 2", "dec-depth: 1"), ("- 16000", "- %d" % vocab)):
                assert a in y, a
                y = y.replace(a, b)
            y = y.encode() + b"\0"
            items.append((name, t, [len(y)], y))
            continue
        shape = [size.get(x, x) for x in shape]
        k = 1
        for x in shape:
            k *= x
        if t == 0x4101 and name.endswith("QuantMultA"):  # one int8 scaled by its multiplier
            data = bytes([120]) + struct.pack("<f", 4.0)
        elif t == 0x4101:  # int8 values, then the quantisation multiplier
            data = bytes(((i * 37) % 11 - 5) & 0xFF for i in range(k)) + struct.pack("<f", 40.0)
        elif name.endswith("QuantMultA"):
            data = struct.pack("<f", 30.0)
        elif name.endswith("ln_scale"):
            data = struct.pack("<%df" % k, *([1.0] * k))
        else:
            data = struct.pack("<%df" % k, *[((i * 13) % 7 - 3) / 10 for i in range(k)])
        items.append((name, t, shape, data))
    put("model", "tiny.bin", marian_bin(items))


# ---------------------------------------------------------------- shortlist

def shortlist(first, best, lists):
    offsets = [0]
    for l in lists:
        offsets.append(offsets[-1] + len(l))
    ids = [t for l in lists for t in l]
    return (struct.pack("<6Q", 0xF11A48D5013417F5, 0, first, best, len(offsets), len(ids)) +
            struct.pack("<%dQ" % len(offsets), *offsets) + struct.pack("<%dI" % len(ids), *ids))


def seeds_shortlist():
    s = shortlist(3, 4, [[5, 6], [], [9, 10, 11, 12], [1]])
    # first two bytes: source and target vocabulary sizes of 1 + 4*b
    put("shortlist", "small", bytes([4, 4]) + s)
    put("shortlist", "small.gz", bytes([4, 4]) + gzip.compress(s, mtime=0))
    put("shortlist", "empty_lists", bytes([0, 2]) + shortlist(0, 0, [[]]))


# ---------------------------------------------------------------- text

TEXTS = [
    "وصل الرئيس إلى القاهرة صباح اليوم. وقال إن المحادثات كانت مثمرة؟ نعم!",
    "Dr. Smith arrived at 3.5 p.m. on Jan. 5, e.g. today. The U.S. team won No. 1!",
    "اللغة العربية جميلة، أليس كذلك؟ The meeting starts at 10:30 a.m. «حسناً»",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ ①②③ ﬁ ﷺ ﻻ \u200f\u200e \u00a0non-breaking\u2003space",
    "...!!! ?? «» \"quoted.\" (parens.) [1.000,5] 1.2.3. ـــ ٣٫١٤ ۔ ؟",
]


def seeds_text():
    for i, t in enumerate(TEXTS):
        b = t.encode()
        for target in ("spm_encode", "ssplit", "langdetect"):
            put(target, "text%d" % i, b)
    put("spm_encode", "invalid_utf8", b"caf\xc3 \xff\xfe \xed\xa0\x80 \xf4\x90\x80\x80 a\0b")
    put("ssplit", "invalid_utf8", b"One. \xc3Two? \xe2\x80 Three!")
    put("eval", "one_ref", ("The cat sat on the mat.\nThe cat is on the mat.").encode())
    put("eval", "two_refs", ("It's 3.5 &amp; 1,000 -- ok!\nIt is 3.5 & 1,000 - ok!\n"
                             "\u0642\u0637 \u0639\u0644\u0649 \u0627\u0644\u062d\u0635\u064a\u0631").encode())
    put("eval", "empty_ref", b"hypothesis only\n   \nreal reference")


def seeds_decode():
    # two bytes per id; 0xffff..0xfff0 are the out-of-range edges
    put("spm_decode", "ids", struct.pack("<12H", 5, 200, 31, 4000, 2, 0, 1, 250, 251, 7000, 3, 2))
    put("spm_decode", "bytes", struct.pack("<6H", 3, 4, 5, 6, 7, 8))
    put("spm_decode", "bad", struct.pack("<3H", 10, 0xffff, 11))


def seeds_search():
    """fuzz_search: byte 0 the options (beam, shortlist, length factor, normalisation,
    constraints), byte 1 a constraint's source span, then 16-bit ids of the tiny model's
    338-piece vocabulary (EOS 2, <unk> 0), 0xffff closing a group; with constraints the first
    group holds them, 0xfffe between two."""
    def groups(*gs):
        return b"".join(struct.pack("<%dH" % len(g), *g) + b"\xff\xff" for g in gs)
    put("search", "greedy", bytes([0, 0]) + groups([10, 20, 30, 40]))
    put("search", "beam4_shortlist_norm", bytes([5 | 8 | 64 | 32, 0]) +
        groups([5, 6, 7, 8, 9], [100, 200]))
    put("search", "beam8_eos_unk_inside", bytes([7 | 48, 0]) + groups([2, 0, 2, 0, 337, 2]))
    put("search", "constrained_batch", bytes([128 | 16 | 8, 0x12]) +
        groups([50, 51, 0xfffe, 60], [1, 2, 3, 4, 5, 6], [300, 301], []))
    put("search", "four_sentences", bytes([2 | 16, 0]) +
        groups(list(range(3, 27)), [9] * 24, [], [337, 336]))


def seeds_registry():
    sha = "0" * 64
    put("registry", "mirror.tsv", (
        "# pair[:variant]\tfile\turl\tsize\tsha256\traw_size\traw_sha256\n"
        "ar-en\tmodel.aren.intgemm.alphas.bin.gz\tar-en/model.gz\t123\t%s\t456\t%s\n"
        "ar-en\tvocab.aren.spm\thttps://example.org/vocab.aren.spm\t10\t%s\t-\t-\n"
        "en-ar:tiny\tlex.50.50.enar.s2t.bin.zst\ten-ar/lex.zst\t5\t%s\n" % (sha, sha, sha, sha)
    ).encode())


def seeds_docs():
    """Documents, JSONL request lines and server request bodies. The first bytes are the
    targets' own settings (fake translator mode, options: see each fuzz_*.c); then a small
    document of the format, with the constructs its reader treats specially."""
    html = (b'<!DOCTYPE html>\n<html lang="en"><head><title>News</title></head><body>\n'
            b'<h1 class="t">Talks <b>resume</b> today</h1>\n'
            b'<p>The <a href="/x" title="A link">minister</a> said <em>it is <strong>not</strong>'
            b' over</em>. Second sentence here!<br>Line two <img src="a.png" alt="a photo"> '
            b'<code>x = 1</code> end.</p>\n'
            b'<p translate="no">Keep this</p><pre>pre text</pre><!-- note -->\n'
            b'<ul><li>One <span> </span>item</li><li class="notranslate">skip</li></ul>\n'
            b'<input placeholder="Your name"><script>var a = "<p>";</script>\n'
            b'<p>\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa6\xd9\x8a\xd8\xb3 &amp; 12 &lt;3</p>'
            b'</body></html>\n')
    put("html", "page", b"\x00\x05" + html)
    put("html", "page_reversed", b"\x03\x01" + html)
    put("html", "fragment", b"\x04\x02" + b'Hello <b>big</b> world. <i>Again</i> <a href="#">here</a>')
    put("html", "blank", b"\x00\x00 \n\t")
    md = (b"# Talks *resume* on the Nile dam\n\n"
          b"*Cairo* -- The **foreign ministers** met in [Cairo](https://example.org \"C\") on "
          b"Monday. They had `stalled` talks.  \nA hard break ![img](a.png) and <b>html</b>.\n\n"
          b"> \"We want an agreement,\" he said.\n\n"
          b"- One\n- Two *items*\n\n1. First\n2. Second\n\n"
          b"```\ncode block\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
          b"Setext heading\n==============\n")
    put("markdown", "news", b"\x00\x00" + md)
    put("markdown", "news_dropped", b"\x06\x00" + md)
    put("markdown", "nested", b"\x01\x00***a _b **c** d_ e*** [x *y* z](u)\n")
    put("markdown", "table", b"\x03\x00| A *b* | `c|d` |\n|:--|--:|\n| x \\| y | [z](u) w |\n| | q\n")
    srt = (b"1\n00:00:01,000 --> 00:00:04,000\nThe president arrived in Cairo\n"
           b"for a two-day visit.\n\n"
           b"2\r\n00:00:04,500 --> 00:00:07,000 X1:10 X2:20\r\nHe was received.\r\n\r\n"
           b"3\n00:00:07,300 --> 00:00:10,800\n\n")
    put("srt", "subrip", b"\x00\x00" + srt)
    put("srt", "subrip_bom", b"\x05\x00\xef\xbb\xbf" + srt)
    vtt = (b"WEBVTT - captions\n\nNOTE written for the tests\n\nSTYLE\n::cue { color: red }\n\n"
           b"intro\n00:01.000 --> 00:04.000 align:start position:10%\n"
           b"The president arrived\nthis morning.\n\n"
           b"00:00:04.500 --> 00:00:07.000\nHe was received by the prime minister.\n")
    put("srt", "webvtt", b"\x02\x00" + vtt)
    put("srt", "bad_timing", b"\x00\x00" + b"1\n00:00:01 --> 00:00:04,000\nText\n")
    lines = [
        b'{"id": 1, "text": "The president arrived in Cairo."}',
        b'{"text": "Talks \\u00e9 \\ud83d\\ude00 \\n resume.", "id": "a-2", "flags": false}',
        b'not json',
        b'{"id": [5, {"x": null}], "text": "Two sentences. And a second one.", "flags": true}',
        b'{"id": 6, "text": "<p>Hi <b>there</b></p>", "format": "html"}',
        b'{"id": 7, "text": "# Title\\n\\n*x* y", "format": "markdown"}',
        b'{"id": 8, "text": "1\\n00:00:01,000 --> 00:00:02,000\\nHi there\\n", "format": "srt"}',
        b'{"id": -1.5e3, "text": "refused ~ text"}',
        b'{"id": 9, "text": "x", "glossary": {}, "other": [true, false]}',
        b'{"id": 10, "format": "docx", "text": "x"}',
    ]
    put("jsonl", "requests", b"\x00" + b"\n".join(lines) + b"\n")
    put("jsonl", "requests_failing", b"\x20" + b"\n".join(lines[:6]))
    put("jsonl", "one", b"\x00" + b'{"id": 1, "text": "Hello."}')
    # server: endpoint and content type, settings, fake mode, then ?query and body
    put("server", "translate_json", b"\x00\x00\x00" +
        b'{"q": "Hello world.", "source": "en", "target": "ar", "format": "text"}')
    put("server", "translate_batch", b"\x00\x02\x00" +
        b'{"q": ["One.", "Two.", "Three."], "source": "auto", "target": "ar", "alternatives": 2}')
    put("server", "translate_html", b"\x00\x00\x01" +
        b'{"q": "<p>Hi <b>you</b></p>", "source": "en", "target": "ar", "format": "html",'
        b' "api_key": "secret"}')
    put("server", "translate_flags", b"\x00\x00\x00" +
        b'{"q": ["One.\\nTwo three.", "Four"], "source": "en", "target": "ar", "flags": true}')
    put("server", "translate_form", b"\x04\x08\x00" +
        b"?alternatives=1&host=example.org\nq=Hello+there%0D%0Aworld&source=en&target=ar&api_key=k1")
    put("server", "detect_form", b"\x05\x00\x00" +
        b"q=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7+hello&q=again")
    put("server", "detect_json", b"\x01\x00\x00" + b'{"q": ["Hello", "\\u0645"]}')
    put("server", "file_srt", b"\x06\x00\x00" +
        b"?host=localhost%3A5000\nsource=en&target=ar&file:subs.srt=1%0A00%3A00%3A01%2C000+--%3E+"
        b"00%3A00%3A02%2C000%0AHello+there%0A")
    put("server", "file_html", b"\x06\x00\x03" +
        b"source=auto&target=ar&file:page.html=%EF%BB%BF%3Cp%3EHi%3C%2Fp%3E")
    put("server", "file_glossary", b"\x06\x00\x00" +
        b"source=en&target=ar&glossary_mode=align&glossary=Hello%09Salam%09case%0Athere%09x"
        b"&file:a.txt=Hello+there")
    put("server", "query_only", b"\x08\x00\x00" + b"?q=Hi&source=en&target=ar\n")


if __name__ == "__main__":
    seeds_marian()
    seeds_npz()
    seeds_yaml()
    seeds_spm()
    seeds_model()
    seeds_shortlist()
    seeds_text()
    seeds_decode()
    seeds_search()
    seeds_registry()
    seeds_docs()
