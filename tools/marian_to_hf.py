#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a Hugging Face MarianMT folder from an OPUS-MT release folder (as tools/opus_release.py
makes), standard library only, following the mapping of Hugging Face's
convert_marian_to_pytorch.py, so that tarjama's Hugging Face path can be checked against a Marian
model's references:

  * config.json (MarianConfig fields from the model's special:model.yml and decoder.yml);
  * model.safetensors: every Marian [in, out] weight transposed to PyTorch's [out, in], biases and
    layer norms as vectors, the embeddings with one zero row appended for <pad> (the last id, also
    decoder_start_token_id), final_logits_bias [1, V+1] with a 0 for it, and the sinusoidal
    position tables as Hugging Face computes them (sin in the first half, cos in the second);
  * vocab.json (the vocab.yml plus <pad>), source.spm, target.spm, tokenizer_config.json.

--f16 writes the tensors as F16 (the converter's model.half()).

usage: marian_to_hf.py OPUS_DIR OUT_DIR [--f16]
"""
import json
import math
import os
import re
import shutil
import struct
import sys
import zipfile
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npz_edit import parse_npy  # noqa: E402


def read_vocab_yml(path):
    """piece -> id of a vocab.yml (plain and double-quoted keys, as opus_release.py writes)."""
    vocab = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r'^(.*):\s*(\d+)\s*$', line)
        if not m:
            continue
        key = m.group(1).rstrip()
        if key.startswith('"'):
            key = json.loads(key.replace("\\x", "\\u00"))
        vocab[key] = int(m.group(2))
    return vocab


def yaml_value(text, key):
    m = re.search(r"^%s:\s*(.*)$" % re.escape(key), text, re.M)
    return m.group(1).strip() if m else None


def f16(x):
    return struct.pack("<e", x)


def main(argv):
    args = [a for a in argv[1:] if a != "--f16"]
    half = "--f16" in argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = args
    npz = [f for f in os.listdir(src) if f.endswith(".npz")]
    vyml = [f for f in os.listdir(src) if f.endswith("vocab.yml")]
    if len(npz) != 1 or len(vyml) != 1:
        print("need one .npz and one *vocab.yml in %s" % src, file=sys.stderr)
        return 1
    items = {}
    with zipfile.ZipFile(os.path.join(src, npz[0])) as z:
        for name in z.namelist():
            header, payload = parse_npy(z.read(name))
            items[name[:-4] if name.endswith(".npy") else name] = (tuple(header["shape"]),
                                                                   payload)
    cfg = items["special:model.yml"][1].decode("utf-8")
    d = int(yaml_value(cfg, "dim-emb"))
    enc, dec = int(yaml_value(cfg, "enc-depth")), int(yaml_value(cfg, "dec-depth"))
    heads, ffn = int(yaml_value(cfg, "transformer-heads")), int(yaml_value(cfg,
                                                                         "transformer-dim-ffn"))
    dffn = int(yaml_value(cfg, "transformer-decoder-dim-ffn") or 0) or ffn
    act = yaml_value(cfg, "transformer-ffn-activation") or "swish"
    # Marian's gelu is x*sigmoid(1.702x), which Hugging Face calls quick_gelu (its "gelu" is erf).
    act = {"gelu": "quick_gelu"}.get(act, act)
    for key, want in (("tied-embeddings-all", "true"), ("transformer-postprocess", "dan"),
                      ("transformer-decoder-autoreg", "self-attention"),
                      ("transformer-preprocess", ""), ("transformer-ffn-depth", "2")):
        if (yaml_value(cfg, key) or "").strip("\"") != want:
            print("%s: %s is not %s (the converter's assumption)" % (npz[0], key, want),
                  file=sys.stderr)
            return 1
    shape, wemb = items["Wemb"]
    V = shape[0]
    tensors = {}  # name -> (shape, array of floats)

    def floats(payload):
        a = array("f")
        a.frombytes(payload)
        return a

    pad_emb = floats(wemb) + array("f", [0.0] * d)
    tensors["model.shared.weight"] = ((V + 1, d), pad_emb)
    bias = floats(items["decoder_ff_logit_out_b"][1]) + array("f", [0.0])
    tensors["final_logits_bias"] = ((1, V + 1), bias)
    # Hugging Face's sinusoidal table: position_enc[p][j] = p / 10000^(2*(j//2)/d); sin of the
    # even columns in the first half, cos of the odd ones in the second.
    npos = 512
    pos = array("f")
    for p in range(npos):
        enc_row = [p / math.pow(10000, 2 * (j // 2) / d) for j in range(d)]
        pos.extend([math.sin(enc_row[j]) for j in range(0, d, 2)] +
                   [math.cos(enc_row[j]) for j in range(1, d, 2)])
    tensors["model.encoder.embed_positions.weight"] = ((npos, d), pos)
    tensors["model.decoder.embed_positions.weight"] = ((npos, d), pos)
    names = {"self_Wq": "self_attn.q_proj.weight", "self_Wk": "self_attn.k_proj.weight",
             "self_Wv": "self_attn.v_proj.weight", "self_Wo": "self_attn.out_proj.weight",
             "self_bq": "self_attn.q_proj.bias", "self_bk": "self_attn.k_proj.bias",
             "self_bv": "self_attn.v_proj.bias", "self_bo": "self_attn.out_proj.bias",
             "self_Wo_ln_scale": "self_attn_layer_norm.weight",
             "self_Wo_ln_bias": "self_attn_layer_norm.bias",
             "ffn_W1": "fc1.weight", "ffn_b1": "fc1.bias", "ffn_W2": "fc2.weight",
             "ffn_b2": "fc2.bias", "ffn_ffn_ln_scale": "final_layer_norm.weight",
             "ffn_ffn_ln_bias": "final_layer_norm.bias"}
    for k in list(names):
        if k.startswith("self_"):
            names["context_" + k[5:]] = "encoder_attn" + names[k][len("self_attn"):]
    for side, depth in (("encoder", enc), ("decoder", dec)):
        for layer in range(depth):
            prefix = "%s_l%d_" % (side, layer + 1)
            for key, (shape, payload) in items.items():
                if not key.startswith(prefix):
                    continue
                rest = key[len(prefix):]
                if rest not in names:
                    print("unexpected item %s" % key, file=sys.stderr)
                    return 1
                a = floats(payload)
                hf = "model.%s.layers.%d.%s" % (side, layer, names[rest])
                if len(shape) == 2 and shape[0] > 1:  # a weight [in, out] -> [out, in]
                    rows, cols = shape
                    t = array("f")
                    for j in range(cols):
                        t.extend(a[j::cols])
                    tensors[hf] = ((cols, rows), t)
                else:
                    tensors[hf] = ((len(a),), a)
    os.makedirs(out, exist_ok=True)
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        shape, a = tensors[name]
        data = b"".join(f16(x) for x in a) if half else a.tobytes()
        header[name] = {"dtype": "F16" if half else "F32", "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    htext = json.dumps(header, separators=(",", ":")).encode()
    htext += b" " * ((8 - len(htext) % 8) % 8)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(htext)))
        f.write(htext)
        for b in blobs:
            f.write(b)
    vocab = read_vocab_yml(os.path.join(src, vyml[0]))
    vocab["<pad>"] = max(vocab.values()) + 1
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    dyml = open(os.path.join(src, "decoder.yml")).read() if os.path.exists(
        os.path.join(src, "decoder.yml")) else ""
    beam = int(yaml_value(dyml, "beam-size") or 4)
    config = {
        "architectures": ["MarianMTModel"], "model_type": "marian", "vocab_size": V + 1,
        "decoder_vocab_size": V + 1, "share_encoder_decoder_embeddings": True,
        "d_model": d, "encoder_layers": enc, "decoder_layers": dec,
        "encoder_attention_heads": heads, "decoder_attention_heads": heads,
        "encoder_ffn_dim": ffn, "decoder_ffn_dim": dffn, "activation_function": act,
        "pad_token_id": V, "eos_token_id": vocab["</s>"], "forced_eos_token_id": vocab["</s>"],
        "bos_token_id": 0, "decoder_start_token_id": V, "bad_words_ids": [[V]],
        "max_position_embeddings": npos, "scale_embedding": True,
        "static_position_embeddings": True, "tie_word_embeddings": True, "num_beams": beam,
        "max_length": 512, "dropout": 0.1, "torch_dtype": "float16" if half else "float32",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"source_lang": "ar", "target_lang": "en", "separate_vocabs": False}, f)
    for spm in ("source.spm", "target.spm"):
        shutil.copyfile(os.path.join(src, spm), os.path.join(out, spm))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
