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
    elif v in ("random", "base", "big"):
        D, F, L, H, act, tied = {"random": (256, 1024, 3, 16, "relu", False),
                                 "base": (512, 2048, 6, 8, "swish", True),
                                 "big": (1024, 4096, 6, 16, "swish", True)}[v]
        V = p["Wemb"].shape[0]
        q = {}

        def u(*shape, s=None):
            s = s if s is not None else np.sqrt(6.0 / sum(shape))
            return rng.uniform(-s, s, shape).astype(np.float32)

        if tied:
            q["Wemb"] = u(V, D)
        else:
            q["encoder_Wemb"], q["decoder_Wemb"] = u(V, D), u(V, D)
        q["decoder_ff_logit_out_b"] = u(1, V, s=0.1)
        for side, blocks in (("encoder", ["self"]), ("decoder", ["self", "context"])):
            for l in range(1, L + 1):
                for b in blocks:
                    pre = "%s_l%d_%s" % (side, l, b)
                    for w in "qkvo":
                        q["%s_W%s" % (pre, w)] = u(D, D)
                        q["%s_b%s" % (pre, w)] = u(1, D, s=0.1)
                    q[pre + "_Wo_ln_scale"] = 1 + u(1, D, s=0.1)
                    q[pre + "_Wo_ln_bias"] = u(1, D, s=0.1)
                pre = "%s_l%d_ffn" % (side, l)
                q[pre + "_W1"], q[pre + "_b1"] = u(D, F), u(1, F, s=0.1)
                q[pre + "_W2"], q[pre + "_b2"] = u(F, D), u(1, D, s=0.1)
                q[pre + "_ffn_ln_scale"] = 1 + u(1, D, s=0.1)
                q[pre + "_ffn_ln_bias"] = u(1, D, s=0.1)
        p = q
        for key, val in (("dim-emb", D), ("transformer-dim-ffn", F), ("transformer-heads", H),
                         ("enc-depth", L), ("dec-depth", L),
                         ("transformer-ffn-activation", act)):
            yml = set_yaml(yml, key, val)
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
