#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad self-attention-decoder models (issue 24) get a clear one-line error, never a crash: items
# missing, shapes that do not match the config, a truncated .npz, a vocabulary of the wrong size,
# an unsupported activation. The broken models are made from
# ../shared/fixtures/init-transformer-aren (a real Marian transformer) by tools/npz_edit.py.
set -u
BIN=${TJ_BIN:-build/tarjama}
SHARED=${TJ_SHARED:-../shared}
FX="$SHARED/fixtures/init-transformer-aren/float"
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$FX/model.aren.npz" ]; then
    echo "skipped: $FX not found (needs ../shared)"
    exit 77
fi
if ! command -v python3 >/dev/null; then
    echo "skipped: python3 not found"
    exit 77
fi
EDIT="python3 $SRC_DIR/tools/npz_edit.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect NAME DIR PATTERN: translating one line with DIR fails (exit 1), with one line on stderr
# matching PATTERN.
expect() {
    local name=$1 dir=$2 pat=$3
    echo "مرحبا" | "$BIN" translate -m "$dir" >"$tmp/out" 2>"$tmp/err"
    local rc=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
        echo "FAIL $name: rc $rc, $lines stderr lines:"
        sed 's/^/    /' "$tmp/err"
        fail=$((fail + 1))
    else
        echo "ok   $name: $(cat "$tmp/err")"
    fi
}

mk() { # mk NAME: a model directory with the fixture's vocabulary
    mkdir -p "$tmp/$1"
    cp "$FX/vocab.aren.spm" "$tmp/$1/"
    echo "$tmp/$1"
}

d=$(mk missing)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --drop decoder_l2_self_Wq || exit 1
expect "missing self-attention weight" "$d" "missing parameter 'decoder_l2_self_Wq'"

d=$(mk shape)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --shape decoder_l1_self_Wk 128,64 || exit 1
expect "mismatched shape" "$d" "decoder_l1_self_Wk' should be float32 \[128, 128\]"

d=$(mk bias)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --shape decoder_l1_self_bv 1,96 || exit 1
expect "mismatched bias" "$d" "decoder_l1_self_bv' should be float32 with 128 elements"

d=$(mk truncated)
head -c 5000000 "$FX/model.aren.npz" >"$d/model.npz"
expect "truncated npz" "$d" "model.npz"

d=$(mk activation)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-ffn-activation gelu || exit 1
expect "unsupported activation" "$d" "ffn activation 'gelu' is not supported"

d=$(mk decoder)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-decoder-autoreg average-attention ||
    exit 1
expect "unsupported decoder" "$d" "decoder 'average-attention' is not supported"

d=$(mk emb)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-postprocess-emb n || exit 1
expect "layer norm on embeddings" "$d" "transformer-postprocess-emb 'n' is not supported"

d=$(mk proj)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-no-projection true || exit 1
expect "attention without projection" "$d" "transformer-no-projection is not supported"

mkdir -p "$tmp/vocab"
cp "$FX/model.aren.npz" "$tmp/vocab/model.npz"
cp "$SHARED/corpus/vocab.aren.32k.spm" "$tmp/vocab/vocab.aren.spm"
expect "vocabulary of the wrong size" "$tmp/vocab" "vocabulary size 32000 .* does not match the model's 16000"

[ "$fail" -eq 0 ] || {
    echo "$fail bad-input cases failed"
    exit 1
}
echo "opus bad input: all cases give one-line errors"
