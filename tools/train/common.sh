# SPDX-License-Identifier: MIT
# Sourced by run.sh and run_v2.sh (POSIX sh, after they set WORK, SHARED and OUT): the settings
# both pipelines share, and their last step, which turns trained checkpoints into model folders.
SEED=${SEED:-1}
LEX_BEST=${LEX_BEST:-200}
THREADS=${THREADS:-$(nproc)}
TJ=${TJ:-build/tarjama}
PY=${PYTHON:-python3}
VOCAB=$SHARED/corpus/vocab.aren.spm
if [ -z "${BF16:-}" ]; then
    BF16=0
    grep -q avx512_bf16 /proc/cpuinfo 2>/dev/null && BF16=1
fi
BF16_FLAG=
[ "$BF16" = 1 ] && BF16_FLAG=--bf16
mkdir -p "$WORK"

# package_models DATA CALIB: for each direction, the shortlist from the training pairs in DATA,
# the int8 export of WORK/DIR/final.pt with alphas calibrated by decoding CALIB.<source language>
# in that direction, and the model folder OUT/DIR that tarjama loads (checked with tarjama info).
package_models() {
    for dir in ar-en en-ar; do
        s=${dir%-*}; pair=$(echo $dir | tr -d -)
        lex=$WORK/lex.50.$LEX_BEST.$pair.s2t.bin
        [ -f "$lex" ] || $PY "$HERE/shortlist.py" --data "$1" --direction $dir \
            --best "$LEX_BEST" --out "$lex"
        $PY "$HERE/export.py" --ckpt "$WORK/$dir/final.pt" --vocab "$VOCAB" --tarjama "$TJ" \
            --calib "$2.$s" --shortlist "$lex" \
            --out "$WORK/model.$pair.bin" --alphas-json "$WORK/alphas.$pair.json" --threads "$THREADS"
        mkdir -p "$OUT/$dir"
        cp "$WORK/model.$pair.bin" "$OUT/$dir/model.$pair.intgemm.alphas.bin"
        rm -f "$OUT/$dir"/lex.*.s2t.bin
        cp "$lex" "$OUT/$dir/"
        cp "$VOCAB" "$OUT/$dir/vocab.$pair.spm"
        $TJ info -m "$OUT/$dir" >/dev/null
    done
}
