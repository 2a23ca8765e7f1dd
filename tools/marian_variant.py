#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes Marian .npz models of shapes the real-Marian fixture does not have, for
tests/opus_shapes.sh (tarjama against tools/marian_torch.py). Needs python3-numpy.

  heads16   the fixture's weights read with 16 heads (d_head 8)
  relu      the fixture's weights with a relu feed-forward
  untied    encoder_Wemb = Wemb, decoder_Wemb a different table (tied to the output layer:
            tied-embeddings true, tied-embeddings-all false)
  untied-out  as untied, plus an output matrix of its own (decoder_ff_logit_out_W)
  sepvocab  untied with a 32 000-row target table for a separate target vocabulary
  random    a fresh random model: d 256, 16 heads, FFN 1024 relu, 3+3 layers, untied
  base      a fresh random model of OPUS-MT base's shape: d 512, 8 heads, FFN 2048 swish, 6+6
            layers, tied joint embeddings (slow: run by hand, see docs/opus-mt.md)
  big       the same in tc-big's shape: d 1024, 16 heads, FFN 4096 swish, 6+6 layers (slower)
Block and feed-forward variants, fresh random models of d 128, 4 heads, FFN 256, 2+2 layers, tied:
  prenorm   transformer-preprocess n, postprocess da, postprocess-top n (Marian's pre-norm
            recipe: final layer norms encoder_top_ln_* / decoder_top_ln_*), gelu
  prenorm-notop  preprocess n, postprocess da and no final layer norm, relu
  embtop    post-norm dan plus postprocess-emb n (encoder_emb_ln_*_pre) and postprocess-top an
            (a skip connection from the embeddings, then a layer norm), swish
  ffndepth  transformer-ffn-depth 3 (encoder), transformer-decoder-ffn-depth 1, sigmoid
  decffn    transformer-decoder-dim-ffn 384 (encoder FFN 256), pre-norm "nd"/"dan" mixed:
            preprocess n and postprocess dan (both norms), linear activation ("")
  decffn-post  post-norm dan, transformer-decoder-dim-ffn 384, gelu: a shape Hugging Face
            MarianMT can hold (decoder_ffn_dim, quick_gelu), converted by tests/opus_shapes.sh

usage: marian_variant.py FIXTURE.npz OUT.npz VARIANT
"""
import re
import sys

import numpy as np


def set_yaml(text, key, value):
    pat = re.compile(r"^%s:.*$" % re.escape(key), re.M)
    line = "%s: %s" % (key, value)
    return pat.sub(line, text) if pat.search(text) else text + line + "\n"


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    z = np.load(argv[1])
    p = {k: np.asarray(z[k]) for k in z.files}
    yml = bytes(p.pop("special:model.yml")).decode("utf-8").rstrip("\x00")
    v = argv[3]
    rng = np.random.default_rng(7)
    d = p["Wemb"].shape[1]

    def untie(trg_rows):
        wemb = p.pop("Wemb")
        p["encoder_Wemb"] = wemb
        if trg_rows == wemb.shape[0]:
            p["decoder_Wemb"] = np.roll(wemb, 1, axis=0) * np.float32(1.5)
        else:
            p["decoder_Wemb"] = rng.uniform(-0.02, 0.02, (trg_rows, d)).astype(np.float32)
            p["decoder_ff_logit_out_b"] = rng.uniform(-0.1, 0.1, (1, trg_rows)).astype(np.float32)
        return set_yaml(set_yaml(yml, "tied-embeddings-all", "false"), "tied-embeddings", "true")

    if not yml.endswith("\n"):
        yml += "\n"  # keys set_yaml appends must start a line of their own
    if v == "heads16":
        yml = set_yaml(yml, "transformer-heads", "16")
    elif v == "relu":
        yml = set_yaml(yml, "transformer-ffn-activation", "relu")
    elif v == "untied":
        yml = untie(p["Wemb"].shape[0])
    elif v == "untied-out":
        yml = set_yaml(untie(p["Wemb"].shape[0]), "tied-embeddings", "false")
        vt = p["decoder_Wemb"].shape[0]
        p["decoder_ff_logit_out_W"] = rng.uniform(-0.05, 0.05, (d, vt)).astype(np.float32)
    elif v == "sepvocab":
        yml = untie(32000)
        yml = set_yaml(yml, "dim-vocabs", "[16000, 32000]")
    elif v in ("random", "base", "big", "prenorm", "prenorm-notop", "embtop", "ffndepth",
               "decffn", "decffn-post"):
        small = (128, 256, 2, 4, "swish", True)
        D, F, L, H, act, tied = {"random": (256, 1024, 3, 16, "relu", False),
                                 "base": (512, 2048, 6, 8, "swish", True),
                                 "big": (1024, 4096, 6, 16, "swish", True)}.get(v, small)
        # (preprocess, postprocess, postprocess-emb, postprocess-top, ffn depths, decoder FFN)
        pre, post, emb, top, edep, ddep, DF = "", "dan", "d", "", 2, 2, F
        if v == "prenorm":
            pre, post, top, act = "n", "da", "n", "gelu"
        elif v == "prenorm-notop":
            pre, post, act = "n", "da", "relu"
        elif v == "embtop":
            emb, top = "dn", "an"
        elif v == "ffndepth":
            edep, ddep, act = 3, 1, "sigmoid"
        elif v == "decffn":
            pre, DF, act = "n", 384, ""
        elif v == "decffn-post":
            DF, act = 384, "gelu"
        V = p["Wemb"].shape[0]
        q = {}

        def u(*shape, s=None):
            s = s if s is not None else np.sqrt(6.0 / sum(shape))
            return rng.uniform(-s, s, shape).astype(np.float32)

        def norm(name):
            q[name.replace("@", "_ln_scale")] = 1 + u(1, D, s=0.1)
            q[name.replace("@", "_ln_bias")] = u(1, D, s=0.1)

        if tied:
            q["Wemb"] = u(V, D)
        else:
            q["encoder_Wemb"], q["decoder_Wemb"] = u(V, D), u(V, D)
        q["decoder_ff_logit_out_b"] = u(1, V, s=0.1)
        for side, blocks in (("encoder", ["self"]), ("decoder", ["self", "context"])):
            for l in range(1, L + 1):
                for b in blocks:
                    pn = "%s_l%d_%s" % (side, l, b)
                    for w in "qkvo":
                        q["%s_W%s" % (pn, w)] = u(D, D)
                        q["%s_b%s" % (pn, w)] = u(1, D, s=0.1)
                    if "n" in pre:
                        norm(pn + "_Wo@_pre")
                    if "n" in post:
                        norm(pn + "_Wo@")
                pn = "%s_l%d_ffn" % (side, l)
                depth, width = (edep, F) if side == "encoder" else (ddep, DF)
                for i in range(1, depth + 1):
                    n_in = D if i == 1 else width
                    n_out = D if i == depth else width
                    q["%s_W%d" % (pn, i)] = u(n_in, n_out)
                    q["%s_b%d" % (pn, i)] = u(1, n_out, s=0.1)
                if "n" in pre:
                    norm(pn + "_ffn@_pre")
                if "n" in post:
                    norm(pn + "_ffn@")
            if "n" in emb:
                norm(side + "_emb@_pre")
            if "n" in top:
                norm(side + "_top@")
        p = q
        for key, val in (("dim-emb", D), ("transformer-dim-ffn", F), ("transformer-heads", H),
                         ("enc-depth", L), ("dec-depth", L),
                         ("transformer-ffn-activation", '""' if act == "" else act),
                         ("transformer-preprocess", '"%s"' % pre),
                         ("transformer-postprocess", post),
                         ("transformer-postprocess-emb", emb),
                         ("transformer-postprocess-top", '"%s"' % top),
                         ("transformer-ffn-depth", edep),
                         ("transformer-decoder-ffn-depth", ddep)):
            yml = set_yaml(yml, key, val)
        if DF != F:
            yml = set_yaml(yml, "transformer-decoder-dim-ffn", DF)
        if not tied:
            yml = set_yaml(set_yaml(yml, "tied-embeddings-all", "false"), "tied-embeddings", "true")
    else:
        print("unknown variant %s" % v, file=sys.stderr)
        return 2
    p["special:model.yml"] = np.frombuffer(yml.encode("utf-8") + b"\x00", dtype=np.int8)
    np.savez(argv[2], **p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
