#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns a float Marian model folder (an .npz with a joint SentencePiece vocabulary, like
../shared/fixtures/init-transformer-aren/float) into an OPUS-MT release folder, standard library
only, so that tarjama's OPUS-MT path can be checked against the fixture's references:

  * *.vocab.yml with Marian's own ids: `</s>` 0, `<unk>` 1, every other piece at a shuffled id
    (seeded), so that SentencePiece ids and model ids differ everywhere; YAML quoting as yaml-cpp
    writes it for pieces that need it;
  * the .npz with the embedding rows (Wemb) and the output bias permuted to match, so the model
    computes exactly what the original computes;
  * source.spm and target.spm (copies of the joint SentencePiece model), decoder.yml, README.md.

--lang-tokens '>>ara<<,>>eng<<' appends target-language tokens to the vocabulary (large random
embedding rows, output bias -1e9 so that they are never chosen) and writes the README's "language token is
required" sentence, as multi-target OPUS-MT models have.

usage: opus_release.py SRC_DIR OUT_DIR [--seed N] [--lang-tokens LIST] [--zip OUT.zip]
"""
import os
import random
import shutil
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npz_edit import make_npy, parse_npy  # noqa: E402


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def spm_pieces(path):
    """The piece strings of a SentencePiece ModelProto (field 1, each piece's field 1)."""
    b = open(path, "rb").read()
    out, i = [], 0
    while i < len(b):
        key, i = varint(b, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            _, i = varint(b, i)
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n, i = varint(b, i)
            if field == 1:
                sub, j = b[i:i + n], 0
                while j < len(sub):
                    k2, j = varint(sub, j)
                    if k2 & 7 == 2:
                        m, j = varint(sub, j)
                        if k2 >> 3 == 1:
                            out.append(sub[j:j + m].decode("utf-8"))
                        j += m
                    elif k2 & 7 == 0:
                        _, j = varint(sub, j)
                    elif k2 & 7 == 5:
                        j += 4
                    else:
                        j += 8
            i += n
        else:
            raise ValueError("unexpected protobuf wire type %d" % wt)
    return out


SPECIAL = set(":#'\"{}[],&*!|>%@`\\")
WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def yaml_key(p):
    """A piece as yaml-cpp would write it: plain where YAML allows, else double-quoted."""
    plain = (p and p[0] not in SPECIAL and p[0] not in "-? " and p[-1] != " "
             and not (set(p) & set(":#'\"\\"))
             and p.lower() not in WORDS and all(ord(c) >= 0x20 and c != "\x7f" for c in p))
    try:
        float(p)
        plain = False
    except ValueError:
        pass
    if plain:
        return p
    out = []
    for c in p:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or c == "\x7f":
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def main(argv):
    args = argv[1:]
    opts = {"--seed": "1", "--lang-tokens": "", "--zip": ""}
    pos = []
    while args:
        a = args.pop(0)
        if a in opts:
            opts[a] = args.pop(0)
        else:
            pos.append(a)
    if len(pos) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = pos
    npz = [f for f in os.listdir(src) if f.endswith(".npz")]
    spm = [f for f in os.listdir(src) if f.endswith(".spm")]
    if len(npz) != 1 or len(spm) != 1:
        print("need one .npz and one .spm in %s" % src, file=sys.stderr)
        return 1
    pieces = spm_pieces(os.path.join(src, spm[0]))
    langs = [t for t in opts["--lang-tokens"].split(",") if t]
    n = len(pieces) + len(langs)
    rng = random.Random(int(opts["--seed"]))
    # new_id[i]: Marian id of SentencePiece piece i (then of the added tokens).
    order = [i for i in range(n) if i < len(pieces) and pieces[i] in ("</s>", "<unk>")]
    order.sort(key=lambda i: pieces[i] != "</s>")
    rest = [i for i in range(n) if i not in order]
    rng.shuffle(rest)
    order += rest
    new_id = [0] * n
    for new, old in enumerate(order):
        new_id[old] = new
    names = pieces + langs

    os.makedirs(out, exist_ok=True)
    base = "opus.spm%dk-spm%dk" % (len(pieces) // 1000, len(pieces) // 1000)
    model_name = base + ".transformer-align.model1.npz.best-perplexity.npz"
    with zipfile.ZipFile(os.path.join(src, npz[0])) as zin, \
            zipfile.ZipFile(os.path.join(out, model_name), "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            header, payload = parse_npy(zin.read(info.filename))
            item = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if item in ("Wemb", "decoder_ff_logit_out_b"):
                shape = tuple(header["shape"])
                rows = shape[0] if item == "Wemb" else 1
                width = len(payload) // rows  # bytes per row (Wemb) or the whole bias
                if item == "Wemb":
                    old_rows = [payload[r * width:(r + 1) * width] for r in range(rows)]
                    for _ in langs:  # distinct rows, so that the token changes the output
                        old_rows.append(struct.pack("<%df" % shape[1], *[
                            rng.uniform(-2.0, 2.0) for _ in range(shape[1])]))
                    new_rows = [None] * n
                    for old, row in enumerate(old_rows):
                        new_rows[new_id[old]] = row
                    payload = b"".join(new_rows)
                    header["shape"] = (n, shape[1])
                else:
                    vals = list(struct.unpack("<%df" % (len(payload) // 4), payload))
                    vals += [-1e9] * len(langs)
                    new_vals = [0.0] * n
                    for old, v in enumerate(vals):
                        new_vals[new_id[old]] = v
                    payload = struct.pack("<%df" % n, *new_vals)
                    header["shape"] = (1, n) if len(shape) == 2 else (n,)
            elif item == "special:model.yml" and langs:
                text = payload.decode("latin1")
                text = text.replace("\n  - %d\n  - %d\n" % (len(pieces), len(pieces)),
                                    "\n  - %d\n  - %d\n" % (n, n))
                payload = text.encode("latin1")
                header["shape"] = (len(payload),)
            zout.writestr(info.filename, make_npy(header, payload))
    vocab_name = base + ".vocab.yml"
    with open(os.path.join(out, vocab_name), "w", encoding="utf-8") as f:
        for new, old in enumerate(order):
            f.write("%s: %d\n" % (yaml_key(names[old]), new))
    shutil.copyfile(os.path.join(src, spm[0]), os.path.join(out, "source.spm"))
    shutil.copyfile(os.path.join(src, spm[0]), os.path.join(out, "target.spm"))
    with open(os.path.join(out, "decoder.yml"), "w") as f:
        f.write("models:\n  - %s\nvocabs:\n  - %s\n  - %s\nbeam-size: 6\nnormalize: 0.6\n"
                "word-penalty: 0\nmini-batch: 16\nmaxi-batch: 100\nmaxi-batch-sort: src\n"
                "relative-paths: true\n" % (model_name, vocab_name, vocab_name))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# %s\n\n* dataset: opus\n* model: transformer-align\n"
                "* pre-processing: normalization + SentencePiece (spm%dk,spm%dk)\n"
                % (base, len(pieces) // 1000, len(pieces) // 1000))
        if langs:
            f.write("* a sentence initial language token is required in the form of `>>id<<` "
                    "(id = valid target language ID)\n* valid language labels: %s\n"
                    % " ".join(langs))
        f.write("\nMade by tarjama's tools/opus_release.py from a Marian model, for tests.\n")
    if opts["--zip"]:
        with zipfile.ZipFile(opts["--zip"], "w", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(os.listdir(out)):
                z.write(os.path.join(out, name), name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
