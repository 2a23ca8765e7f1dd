#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# completions/tarjama.bash: commands, options, option values and model names, completed the way
# bash calls the function (COMP_WORDS/COMP_CWORD), with bash-completion's helpers when installed
# and without them. Expected commands and options are the ones the README documents; model names
# are the registry's pairs (docs/models.md). zsh: a syntax check when zsh is installed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TJ_BIN:-$root/build/tarjama}
[ -x "$bin" ] || { echo "skipped: no tarjama command at $bin (set TJ_BIN)"; exit 77; }
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# complete WITH_HELPERS WORD... : the completions offered for the last word.
complete_words() {
    local helpers=$1
    shift
    bash --norc --noprofile -c '
        [ "$1" = yes ] && . /usr/share/bash-completion/bash_completion
        shift
        . "$0"
        COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
        # As typed: "--split=x" is one word to the user, three ("--split" "=" "x") to bash.
        COMP_LINE=$(printf "%s" "$*" | sed "s/ = */=/g") COMP_POINT=${#COMP_LINE}
        _tarjama
        printf "%s\n" "${COMPREPLY[@]}" | sort' "$root/completions/tarjama.bash" "$helpers" "$@"
}

# expect WITH_HELPERS "WANTED WORDS" WORD... : every wanted word is offered.
expect() {
    local helpers=$1 want=$2
    shift 2
    local got
    got=$(complete_words "$helpers" "$@")
    for w in $want; do
        grep -qxF -- "$w" <<< "$got" || bad "'$*<TAB>' ($helpers helpers): '$w' not offered (got: $(echo $got))"
    done
}
# reject WITH_HELPERS "UNWANTED" WORD...
reject() {
    local helpers=$1 unwanted=$2
    shift 2
    local got
    got=$(complete_words "$helpers" "$@")
    for w in $unwanted; do
        grep -qxF -- "$w" <<< "$got" && bad "'$*<TAB>' ($helpers helpers): '$w' offered"
    done
}

modes=no
[ -f /usr/share/bash-completion/bash_completion ] && modes="no yes"
for h in $modes; do
    expect "$h" "translate info tokenize detokenize eval detect models" "$bin" ""
    expect "$h" "translate tokenize" "$bin" "t"
    expect "$h" "help" "$bin" "h"
    expect "$h" "translate tokenize" "$bin" help t
    reject "$h" "info models" "$bin" "t"
    expect "$h" "--beam" "$bin" translate --be
    expect "$h" "--model --max-length-factor" "$bin" translate --m
    expect "$h" "--from --no-shortlist --split --threads --to --normalize --help" "$bin" translate --
    expect "$h" "--vocab --ids" "$bin" tokenize --
    reject "$h" "--beam" "$bin" tokenize --
    expect "$h" "--ref --metrics --sentence --json --width --score-only" "$bin" eval --
    reject "$h" "--sentence-level" "$bin" eval --
    expect "$h" "--confidence" "$bin" detect -
    expect "$h" "ar en auto" "$bin" translate --from ""
    expect "$h" "ar en" "$bin" translate -m x --to ""
    reject "$h" "auto" "$bin" translate --to ""
    expect "$h" "paragraph line" "$bin" translate --split ""
    expect "$h" "list fetch verify path remove" "$bin" models ""
    expect "$h" "ar-en en-ar" "$bin" models fetch ""
    expect "$h" "en-ar" "$bin" models path e
    reject "$h" "ar-en" "$bin" models path e
    expect "$h" "--mirror --force --quiet" "$bin" models fetch --
done
if [ "$modes" = "no yes" ]; then
    # --opt=value: bash splits the word at '='; bash-completion's -s joins it back.
    expect yes "paragraph line" "$bin" translate --split = ""
    expect yes "ar auto" "$bin" translate --from = a
    reject yes "en" "$bin" translate --from = a
else
    echo "note: bash-completion not installed; checked without its helpers only"
fi
if command -v zsh > /dev/null; then
    zsh -n "$root/completions/_tarjama" || bad "zsh: completions/_tarjama does not parse"
else
    echo "note: zsh not installed; completions/_tarjama not checked"
fi
if [ $fails -ne 0 ]; then echo "completion: $fails failure(s)"; exit 1; fi
echo "completion: all checks passed (bash-completion helpers: $modes)"
