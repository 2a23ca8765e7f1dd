#!/bin/bash
# SPDX-License-Identifier: MIT
# Transformer shapes the real-Marian fixture does not cover (issue 24): 16 heads, relu, untied
# embeddings (tied or separate output layer), separate source/target vocabularies of different
# sizes, a fresh random model (d 256, 16 heads, FFN 1024, 3+3 layers), and small random models
# with the other block variants: pre-norm with and without final layer norms, gelu,
# postprocess-emb/-top, feed-forward depths 3 and 1, a decoder FFN width of its own, sigmoid and
# linear activations (tools/marian_variant.py lists them). tarjama's greedy
# output on 5 TICO lines is compared with tools/marian_torch.py, a PyTorch reimplementation of
# Marian's transformer. That reimplementation is NOT an independent oracle (same authors, same
# reading of Marian); it is first checked against ../shared/fixtures/init-transformer-aren's
# marian-decoder references, which are. Variants come from tools/marian_variant.py.
set -u
BIN=${TJ_BIN:-build/tarjama}
SHARED=${TJ_SHARED:-../shared}
FXD="$SHARED/fixtures/init-transformer-aren"
S32="$SHARED/corpus/vocab.aren.32k.spm"
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$FXD/float/model.aren.npz" ] || [ ! -f "$S32" ]; then
    echo "skipped: $FXD or $S32 not found (needs ../shared)"
    exit 77
fi
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import numpy, torch' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    echo "skipped: needs python3-torch and python3-numpy (Debian)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
S16="$FXD/float/vocab.aren.spm"
N=5
head -n $N "$FXD/src/tico19-test-500.ar" >"$tmp/src"
"$BIN" tokenize --ids --vocab "$S16" <"$tmp/src" >"$tmp/ids" || exit 1

torch_run() { # torch_run MODEL.npz TARGET.spm > text
    "$PY" "$SRC_DIR/tools/marian_torch.py" "$1" "$S16" "$2" <"$tmp/ids" |
        "$BIN" detokenize --ids --vocab "$2"
}

# 1. The reimplementation against real Marian.
torch_run "$FXD/float/model.aren.npz" "$S16" >"$tmp/torch.fx"
if head -n $N "$FXD/ref/tico19-test-500.float-greedy.en" | cmp -s - "$tmp/torch.fx"; then
    echo "ok   marian_torch.py gives marian-decoder's output on $N fixture lines"
else
    echo "FAIL marian_torch.py disagrees with the fixture's references; it cannot judge shapes"
    exit 1
fi

# 2. Each shape: tarjama against the reimplementation.
# TJ_OPUS_SHAPES="base big" runs the OPUS-MT base and tc-big shapes instead (minutes: by hand).
for v in ${TJ_OPUS_SHAPES:-heads16 relu untied untied-out sepvocab random prenorm prenorm-notop \
    embtop ffndepth decffn decffn-post}; do
    d="$tmp/$v"
    mkdir -p "$d"
    "$PY" "$SRC_DIR/tools/marian_variant.py" "$FXD/float/model.aren.npz" "$d/model.npz" "$v" ||
        exit 1
    trg=$S16
    if [ "$v" = sepvocab ]; then
        trg=$S32
        cp "$S16" "$d/srcvocab.aren.spm"
        cp "$S32" "$d/trgvocab.aren.spm"
    else
        cp "$S16" "$d/vocab.aren.spm"
    fi
    torch_run "$d/model.npz" "$trg" >"$tmp/$v.torch"
    # Both must have produced text: two failures would otherwise compare equal.
    if "$BIN" translate -m "$d" --split line --beam 1 --max-length-factor 2 "$tmp/src" \
        >"$tmp/$v.tj" 2>"$tmp/$v.err" && [ "$(tr -d ' \n' <"$tmp/$v.torch" | wc -c)" -gt 0 ] &&
        cmp -s "$tmp/$v.tj" "$tmp/$v.torch"; then
        echo "ok   $v: $N/$N lines as the PyTorch reimplementation"
    else
        echo "FAIL $v: tarjama and the PyTorch reimplementation differ"
        head -3 "$tmp/$v.err"
        diff "$tmp/$v.tj" "$tmp/$v.torch" | head -4
        fail=$((fail + 1))
    fi
    if [ "$v" = decffn-post ]; then
        # The same model as an OPUS-MT release and a Hugging Face folder (decoder_ffn_dim 384,
        # activation_function quick_gelu): the same output.
        "$PY" "$SRC_DIR/tools/opus_release.py" "$d" "$d.rel" >/dev/null &&
            "$PY" "$SRC_DIR/tools/marian_to_hf.py" "$d.rel" "$d.hf" >/dev/null || exit 1
        if "$BIN" translate -m "$d.hf" --split line --beam 1 --max-length-factor 2 "$tmp/src" \
            2>"$tmp/$v.err" | cmp -s - "$tmp/$v.torch"; then
            echo "ok   $v as a Hugging Face folder: $N/$N lines as the PyTorch reimplementation"
        else
            echo "FAIL $v as a Hugging Face folder differs"
            head -3 "$tmp/$v.err"
            fail=$((fail + 1))
        fi
    fi
done
[ "$fail" -eq 0 ] || exit 1
echo "transformer shapes: all agree with the PyTorch reimplementation"
