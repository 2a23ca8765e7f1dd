#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad self-attention-decoder models (issue 24) get a clear one-line error, never a crash: items
# missing, shapes that do not match the config, a truncated .npz, a vocabulary of the wrong size,
# an unsupported activation. The broken models are made from
# ../shared/fixtures/init-transformer-aren (a real Marian transformer) by tools/npz_edit.py.
set -u
# shellcheck source-path=SCRIPTDIR source=tools/testlib.sh
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init opus_bad_input python3
BIN=$bin SHARED=$shared SRC_DIR=$root
FX="$SHARED/fixtures/init-transformer-aren/float"
if [ ! -f "$FX/model.aren.npz" ]; then
    echo "skipped: $FX not found (needs ../shared)"
    exit 77
fi
EDIT="python3 $SRC_DIR/tools/npz_edit.py"

# expect NAME DIR PATTERN: translating one line with DIR fails (exit 1), with one line on stderr
# matching PATTERN.
expect() {
    local name=$1 dir=$2 pat=$3
    echo "مرحبا" | "$BIN" translate -m "$dir" >"$tmp/out" 2>"$tmp/err"
    local rc=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
        bad "$name: rc $rc, $lines stderr lines:"
        sed 's/^/    /' "$tmp/err"
    else
        echo "ok   $name: $(cat "$tmp/err")"
        ok
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

# yaml_case NAME KEY VALUE DESCRIPTION PATTERN: the fixture with one config entry changed.
yaml_case() {
    local d
    d=$(mk "$1")
    $EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml "$2" "$3" || exit 1
    expect "$4" "$d" "$5"
}
yaml_case activation transformer-ffn-activation tanh "activation Marian does not have" \
    "transformer-ffn-activation 'tanh' is not one of Marian's"
yaml_case highway transformer-postprocess dhn "highway postprocess (not implemented)" \
    "transformer-postprocess 'dhn' is not supported"
yaml_case badop transformer-preprocess x "an operation Marian does not have" \
    "transformer-preprocess 'x': Marian has no operation 'x'"
yaml_case rmsnorm transformer-postprocess-emb r "RMS norm on embeddings (not implemented)" \
    "transformer-postprocess-emb 'r' is not supported"
yaml_case ffn0 transformer-ffn-depth 0 "feed-forward depth 0" "depth 0/0 is smaller than 1"
yaml_case ffn9 transformer-ffn-depth 9 "feed-forward depth 9" "depth 9/9 is not supported"
yaml_case prenorm transformer-preprocess n "pre-norm without its _pre layer norms" \
    "missing parameter 'encoder_l1_self_Wo_ln_scale_pre'"

d=$(mk decoder)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-decoder-autoreg average-attention ||
    exit 1
expect "unsupported decoder" "$d" "decoder 'average-attention' is not supported"

d=$(mk proj)
$EDIT "$FX/model.aren.npz" "$d/model.npz" --yaml transformer-no-projection true || exit 1
expect "attention without projection" "$d" "transformer-no-projection is not supported"

mkdir -p "$tmp/vocab"
cp "$FX/model.aren.npz" "$tmp/vocab/model.npz"
cp "$SHARED/corpus/vocab.aren.32k.spm" "$tmp/vocab/vocab.aren.spm"
expect "vocabulary of the wrong size" "$tmp/vocab" "vocabulary size 32000 .* does not match the model's 16000"

# OPUS-MT releases and Hugging Face folders (tools/opus_release.py, tools/marian_to_hf.py).
python3 "$SRC_DIR/tools/opus_release.py" "$FX" "$tmp/opus" >/dev/null || exit 1
python3 "$SRC_DIR/tools/marian_to_hf.py" "$tmp/opus" "$tmp/hf" >/dev/null || exit 1
copy() { # copy SRC NAME: a copy of a good folder to break
    rm -rf "${tmp:?}/$2"
    cp -r "$tmp/$1" "$tmp/$2"
    echo "$tmp/$2"
}
VY=opus.spm16k-spm16k.vocab.yml

d=$(copy opus dupe)
sed -i '5s/: [0-9]*$/: 7/' "$d/$VY"
expect "vocab.yml: one id twice" "$d" "id 7 is given to both"

d=$(copy opus dupepiece)
sed -i '5s/^[^:]*:/"<unk>":/' "$d/$VY"
expect "vocab.yml: one piece twice" "$d" "piece '<unk>' appears twice"

d=$(copy opus noeos)
sed -i 's/^<\/s>: 0$/<\/t>: 0/' "$d/$VY"
expect "vocab.yml without </s>" "$d" "no end-of-sentence piece '</s>'"

d=$(copy opus short)
sed -i '$d' "$d/$VY"
expect "vocab.yml one entry short" "$d" "has 15999 entries but the model's vocabulary has 16000 rows"

d=$(copy opus garbage)
sed -i '9s/.*/this is not yaml/' "$d/$VY"
expect "vocab.yml: a line without an id" "$d" "$VY:9: expected 'piece: id'"

d=$(copy opus nodecmodel)
sed -i 's/^  - opus.*npz$/  - missing.npz/' "$d/decoder.yml"
expect "decoder.yml names a missing model" "$d" "decoder.yml names 'missing.npz', which is not in"

d=$(copy opus ensemble)
sed -i 's/^models:$/models:\n  - a.npz/' "$d/decoder.yml"
expect "decoder.yml: an ensemble" "$d" "an ensemble of several models"

d=$(copy opus nodecoder)
rm "$d/decoder.yml"
expect "OPUS-MT release without decoder.yml" "$d" "OPUS-MT release (opus.spm16k-spm16k.vocab.yml) without its decoder.yml"

d=$(copy opus nospm)
rm "$d/target.spm"
expect "OPUS-MT release without target.spm" "$d" "no target.spm"

# st_edit DIR PYTHON: rewrites DIR/model.safetensors; h is its header (a dict), data its bytes,
# and the code may set raw_len to write a bogus header length.
st_edit() {
    python3 - "$1/model.safetensors" "$2" <<'PY'
import json, struct, sys
path, code = sys.argv[1], sys.argv[2]
b = open(path, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h, data, raw_len = json.loads(b[8:8 + n]), b[8 + n:], None
exec(code)
t = json.dumps(h).encode()
open(path, "wb").write(struct.pack("<Q", raw_len if raw_len is not None else len(t)) + t + data)
PY
}
# st_case NAME PYTHON DESCRIPTION PATTERN: a copy of the HF folder with its safetensors edited.
st_case() {
    local d
    d=$(copy hf "$1")
    st_edit "$d" "$2"
    expect "$3" "$d" "$4"
}
# cfg_case NAME SED DESCRIPTION PATTERN: a copy of the HF folder with config.json edited.
cfg_case() {
    local d
    d=$(copy hf "$1")
    sed -i "$2" "$d/config.json"
    expect "$3" "$d" "$4"
}
W=model.encoder.layers.0.fc1.weight
st_case offsets "h['$W']['data_offsets'][1] = len(data) + 4096" \
    "safetensors: offsets past the end" "'$W': data_offsets .* run past the end"
st_case hugeheader "raw_len = 1 << 62" \
    "safetensors: huge header length" "safetensors header length 4611686018427387904 is larger"
st_case dtype "h['$W']['dtype'] = 'F8_E4M3'" \
    "safetensors: unknown dtype" "'$W' has dtype 'F8_E4M3' (supported: F32, F16, BF16)"
st_case size "h['$W']['shape'] = [512, 64]" \
    "safetensors: shape and bytes disagree" "'$W': .* bytes of data, its dtype and shape need"

d=$(copy hf badjson)
python3 -c 'import struct,sys; t=b"{\"a\": [1, 2,, 3]}"; open(sys.argv[1], "wb").write(struct.pack("<Q", len(t)) + t)' "$d/model.safetensors"
expect "safetensors: header is not JSON" "$d" "safetensors header: JSON: unexpected character at byte"

d=$(copy hf trunc)
head -c 3000000 "$tmp/hf/model.safetensors" >"$d/model.safetensors"
expect "safetensors: truncated" "$d" "run past the end of the data"

st_case missing "del h['model.decoder.layers.1.encoder_attn.v_proj.bias']" \
    "safetensors: a tensor missing" "missing tensor 'model.decoder.layers.1.encoder_attn.v_proj.bias'"
cfg_case nodmodel '/"d_model"/d' "config.json without d_model" "config.json: missing 'd_model'"
cfg_case noact '/"activation_function"/d' \
    "config.json without activation_function" "config.json: missing 'activation_function'"
cfg_case gelu 's/"activation_function": "swish"/"activation_function": "gelu"/' \
    "config.json: erf gelu (not Marian's)" "activation_function 'gelu' is not supported"
cfg_case heads 's/"encoder_attention_heads": 8/"encoder_attention_heads": 16/' \
    "config.json: encoder/decoder heads differ" "encoder and decoder differ in heads"
cfg_case prenorm 's/"d_model"/"normalize_before": true, "d_model"/' \
    "config.json: pre-norm" "normalize_before"

d=$(copy hf vocabjson)
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); v["</t>"]=v.pop("</s>"); json.dump(v, open(sys.argv[1], "w"))' "$d/vocab.json"
expect "vocab.json without </s>" "$d" "vocab.json: no end-of-sentence piece '</s>'"

d=$(copy hf pickle)
mv "$d/model.safetensors" "$d/pytorch_model.bin"
expect "Hugging Face folder with only pytorch_model.bin" "$d" "only pytorch_model.bin"

tj_test_done
