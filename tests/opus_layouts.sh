#!/bin/bash
# SPDX-License-Identifier: MIT
# The model folders people have (issue 24, docs/opus-mt.md), made from the real Marian model
# ../shared/fixtures/init-transformer-aren by tools that keep its computation: an OPUS-MT release
# (tools/opus_release.py: Marian vocab.yml with shuffled ids, embedding rows and output bias
# permuted to match, source.spm/target.spm, decoder.yml) and a Hugging Face MarianMT folder
# (tools/marian_to_hf.py: config.json, model.safetensors with transposed weights and the <pad>
# row, vocab.json). Both must give marian-decoder's reference on the first 20 TICO lines (greedy;
# the outputs run to the length limit, so 20 lines keep the test short). Also: import as a zip
# and verify, decoder.yml defaults, target-language tokens, F16 tensors, int8 at load.
set -u
# shellcheck source-path=SCRIPTDIR source=tools/testlib.sh
. "$(dirname "$0")/tools/testlib.sh"
tj_test_init opus_layouts python3
BIN=$bin SHARED=$shared SRC_DIR=$root
FXD="$SHARED/fixtures/init-transformer-aren"
if [ ! -f "$FXD/float/model.aren.npz" ]; then
    echo "skipped: $FXD not found (needs ../shared)"
    exit 77
fi
pass() { # prints a passed check (testlib's ok counts it)
    echo "ok   $1"
    ok
}
N=20
head -n $N "$FXD/src/tico19-test-500.ar" >"$tmp/src"
head -n $N "$FXD/ref/tico19-test-500.float-greedy.en" >"$tmp/ref"
# The references' settings (README of the fixture): greedy, length factor 2, line by line.
REF_OPTS=(--split line --beam 1 --max-length-factor 2 --threads 2)

same() { # same NAME MODEL_DIR [OPTIONS...]: the first N references exactly
    local name=$1 dir=$2
    shift 2
    if "$BIN" translate -m "$dir" "${REF_OPTS[@]}" "$@" "$tmp/src" >"$tmp/out" 2>"$tmp/err" &&
        cmp -s "$tmp/out" "$tmp/ref"; then
        pass "$name: $N/$N lines identical to marian-decoder"
    else
        bad "$name: output differs from the reference (or failed):"
        head -3 "$tmp/err"
        diff "$tmp/out" "$tmp/ref" | head -4
    fi
}

python3 "$SRC_DIR/tools/opus_release.py" "$FXD/float" "$tmp/opus" --zip "$tmp/opus.zip" || exit 1
# The ids really are Marian's own: </s> 0, <unk> 1, the rest shuffled away from the spm ids.
if head -n 2 "$tmp/opus/"*.vocab.yml | tr '\n' ' ' | grep -q '^</s>: 0 <unk>: 1 '; then
    pass "vocab.yml has </s> 0, <unk> 1"
else
    bad "vocab.yml layout"
fi
same "OPUS-MT release (permuted vocab.yml)" "$tmp/opus"

# decoder.yml's beam-size 6, normalize 0.6 (and Marian's max-length-factor 3) are the defaults.
head -n 2 "$tmp/src" >"$tmp/src2"
"$BIN" translate -m "$tmp/opus" --split line "$tmp/src2" >"$tmp/d1" 2>&1
"$BIN" translate -m "$tmp/opus" --split line --beam 6 --normalize 0.6 --max-length-factor 3 \
    "$tmp/src2" >"$tmp/d2" 2>&1
"$BIN" translate -m "$tmp/opus" --split line --beam 1 "$tmp/src2" >"$tmp/d3" 2>&1
if cmp -s "$tmp/d1" "$tmp/d2" && ! cmp -s "$tmp/d1" "$tmp/d3"; then
    pass "decoder.yml settings are translate's defaults"
else
    bad "decoder.yml defaults"
fi
if "$BIN" info "$tmp/opus" | grep -q 'decoder.yml:    beam-size 6, normalize 0.6'; then
    pass "info shows decoder.yml"
else
    bad "info on the OPUS-MT release"
fi

# models import from the zip (entries in a sub-folder, as release zips may have), then verify.
export XDG_DATA_HOME="$tmp/xdg" TARJAMA_MODELS="$tmp/none"
(cd "$tmp/opus" && python3 -c '
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(".")):
        z.write(f, "opus-2020-01-01/" + f)' "$tmp/opus-sub.zip")
if "$BIN" models import "$tmp/opus-sub.zip" --name ar-en.opus | grep -q 'OPUS-MT release'; then
    pass "models import of a release zip"
else
    bad "models import of a release zip"
fi
same "imported OPUS-MT release" "$tmp/xdg/tarjama/models/ar-en.opus"
if "$BIN" models verify ar-en.opus >"$tmp/v" 2>&1; then pass "models verify"; else bad "verify"; fi
printf 'x' >>"$tmp/xdg/tarjama/models/ar-en.opus/decoder.yml"
if ! "$BIN" models verify ar-en.opus >"$tmp/v" 2>&1 && grep -q 'decoder.yml' "$tmp/v"; then
    pass "models verify notices a changed file"
else
    bad "verify of a changed file"
fi
if ! "$BIN" models import "$tmp/opus.zip" --name ar-en.opus 2>"$tmp/e" &&
    grep -q 'already installed' "$tmp/e"; then
    pass "import refuses to replace without --force"
else
    bad "import over an installed model"
fi

python3 "$SRC_DIR/tools/marian_to_hf.py" "$tmp/opus" "$tmp/hf" || exit 1
same "Hugging Face MarianMT folder (F32 safetensors)" "$tmp/hf"
if "$BIN" models import "$tmp/hf" --name hf-test | grep -q 'Hugging Face MarianMT'; then
    pass "models import of a Hugging Face folder"
else
    bad "models import of a Hugging Face folder"
fi
# Hugging Face's "quick_gelu" is Marian's gelu (x·sigmoid(1.702x), checked against the PyTorch
# reimplementation by opus_shapes): the HF folder with it must give what the Marian model with
# gelu gives, and info must name gelu (the fixture's outputs hardly depend on the activation).
cp -r "$tmp/hf" "$tmp/hfgelu"
sed -i 's/"activation_function": "swish"/"activation_function": "quick_gelu"/' \
    "$tmp/hfgelu/config.json"
mkdir -p "$tmp/gelu"
cp "$FXD/float/vocab.aren.spm" "$tmp/gelu/"
python3 "$SRC_DIR/tools/npz_edit.py" "$FXD/float/model.aren.npz" "$tmp/gelu/model.npz" \
    --yaml transformer-ffn-activation gelu || exit 1
head -n 5 "$tmp/src" >"$tmp/src5"
if "$BIN" translate -m "$tmp/hfgelu" "${REF_OPTS[@]}" "$tmp/src5" >"$tmp/hg" 2>"$tmp/err" &&
    "$BIN" translate -m "$tmp/gelu" "${REF_OPTS[@]}" "$tmp/src5" >"$tmp/mg" 2>>"$tmp/err" &&
    [ -s "$tmp/hg" ] && cmp -s "$tmp/hg" "$tmp/mg" &&
    "$BIN" info -m "$tmp/hfgelu" | grep -q 'architecture:.*, gelu'; then
    pass "HF quick_gelu runs as Marian's gelu"
else
    bad "HF quick_gelu differs from Marian's gelu (or is not reported as gelu, or failed)"
    head -3 "$tmp/err"
fi
python3 "$SRC_DIR/tools/marian_to_hf.py" "$tmp/opus" "$tmp/hf16" --f16 || exit 1
if "$BIN" translate -m "$tmp/hf16" "${REF_OPTS[@]}" "$tmp/src" >"$tmp/out16" 2>"$tmp/err" &&
    [ "$(wc -l <"$tmp/out16")" -eq $N ]; then
    pass "F16 safetensors load and translate"
else
    bad "F16 safetensors"
    head -3 "$tmp/err"
fi

# Glossary terms forced by the constrained search are pieces of the target vocabulary: with
# Marian's own (shuffled) ids they must go through vocab.yml, so the release gives the fixture's
# own output, with every term in it.
head -n 3 "$tmp/src" >"$tmp/src3"
printf 'الأعراض\tsymptoms\nالصدر\tchest pain\nالحمى\tfever\n' >"$tmp/gloss.tsv"
GL=(--split line --beam 1 --max-length-factor 2 --glossary "$tmp/gloss.tsv")
if "$BIN" translate -m "$FXD/float" "${GL[@]}" "$tmp/src3" >"$tmp/g1" 2>/dev/null &&
    "$BIN" translate -m "$tmp/opus" "${GL[@]}" "$tmp/src3" >"$tmp/g2" 2>/dev/null &&
    cmp -s "$tmp/g1" "$tmp/g2" && grep -q 'symptoms' "$tmp/g2" && grep -q 'chest pain' "$tmp/g2" &&
    grep -q 'fever' "$tmp/g2"; then
    pass "glossary terms through vocab.yml ids: as the fixture, every term placed"
else
    bad "glossary with a release's own ids"
    head -3 "$tmp/g2"
fi

# Multi-target models: >>xxx<< tokens in the vocabulary and the README's requirement.
python3 "$SRC_DIR/tools/opus_release.py" "$FXD/float" "$tmp/multi" \
    --lang-tokens '>>ara<<,>>eng<<' || exit 1
if ! "$BIN" translate -m "$tmp/multi" "$tmp/src2" >/dev/null 2>"$tmp/e" &&
    [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q 'needs a target-language token' "$tmp/e"; then
    pass "a required target token is asked for"
else
    bad "missing target token"
    cat "$tmp/e"
fi
if "$BIN" translate -m "$tmp/multi" --to en --split line "$tmp/src2" >"$tmp/m1" 2>&1 &&
    "$BIN" translate -m "$tmp/multi" --target-token '>>eng<<' --split line "$tmp/src2" \
        >"$tmp/m2" 2>&1 && cmp -s "$tmp/m1" "$tmp/m2" &&
    "$BIN" translate -m "$tmp/multi" --target-token '>>ara<<' --split line "$tmp/src2" \
        >"$tmp/m3" 2>&1 && ! cmp -s "$tmp/m1" "$tmp/m3"; then
    pass "--to en picks >>eng<<, and the token reaches the encoder"
else
    bad "target tokens"
fi
if ! "$BIN" translate -m "$tmp/multi" --target-token '>>fra<<' "$tmp/src2" >/dev/null \
    2>"$tmp/e" && grep -q "target token '>>fra<<' is not in" "$tmp/e"; then
    pass "an unknown target token is refused"
else
    bad "unknown target token"
fi

# int8 at load: runs, every line translated, and close to float (chrF of the int8 output
# against the float reference; the random-init model's outputs are repetitive, so chrF is high
# only when the int8 model follows the float one).
if "$BIN" translate -m "$tmp/opus" "${REF_OPTS[@]}" --int8 "$tmp/src" >"$tmp/q8" 2>"$tmp/err" &&
    [ "$(wc -l <"$tmp/q8")" -eq $N ]; then
    chrf=$("$BIN" eval --ref "$tmp/ref" -m chrf -b "$tmp/q8" 2>/dev/null)
    if [ -n "$chrf" ] && awk -v c="$chrf" 'BEGIN { exit !(c >= 30) }'; then
        pass "--int8: chrF $chrf against float on $N lines"
    else
        bad "--int8 chrF '$chrf' against float"
    fi
else
    bad "--int8 failed"
    head -3 "$tmp/err"
fi

tj_test_done
