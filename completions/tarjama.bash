# SPDX-License-Identifier: MIT
# bash completion for tarjama. Installed as share/bash-completion/completions/tarjama.
# Commands and options are read from the command's own --help texts (its option lines, those
# that start with '-'), and model names from `tarjama models list`, so the completion follows the
# installed version without a list of its own to keep in step.

# The commands listed under "commands:" in `tarjama --help`.
_tarjama_commands()
{
    "$1" --help 2> /dev/null | sed -n -e '/^commands:/,/^$/s/^  \([a-z][a-z-]*\)\( [^ ]*\)\{0,1\}  .*/\1/p' -e 's/^  \(help\) .*/\1/p'
}

# The options of `tarjama CMD [SUB]`: the option column of each --help line starting with '-'.
_tarjama_options()
{
    "$@" --help 2> /dev/null | sed -n 's/^ *\(-.*\)$/\1/p' | sed 's/  .*//' |
        grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,'
}

# Model names (ar-en, ar-en:base, ...): the first column of the table in `tarjama models list`.
_tarjama_models()
{
    "$1" models list 2> /dev/null | awk '/^MODEL /{t=1; next} t && NF==0{exit} t{print $1}'
}

_tarjama()
{
    local cur prev words cword split=false
    if declare -F _init_completion > /dev/null; then
        _init_completion -s -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local bin=${words[0]} cmd="" sub="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd=${words[i]}; elif [ -z "$sub" ]; then sub=${words[i]}; fi ;;
        esac
    done

    # Option values.
    case $prev in
        -m | --model) [ "$cmd" = models ] || { _tarjama_dirs; return; } ;;
        --from) COMPREPLY=($(compgen -W 'ar en auto' -- "$cur")); return ;;
        --to) COMPREPLY=($(compgen -W 'ar en' -- "$cur")); return ;;
        --split) COMPREPLY=($(compgen -W 'paragraph line' -- "$cur")); return ;;
        --glossary-mode) COMPREPLY=($(compgen -W 'constrain align' -- "$cur")); return ;;
        --metrics) COMPREPLY=($(compgen -W 'bleu chrf chrf++ bleu,chrf bleu,chrf,chrf++' -- "$cur")); return ;;
        --vocab | -r | --ref | -o | --output | --glossary) _tarjama_files; return ;;
        --beam | --threads | --normalize | --max-length-factor | -w | --width | --max-line | \
            --mirror | --port | --host | --listen | --target-token | --name) return ;;
    esac
    "$split" && return

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_tarjama_options "$bin")" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_tarjama_commands "$bin")" -- "$cur"))
        fi
        return
    fi
    if [ "$cmd" = help ]; then
        COMPREPLY=($(compgen -W "$(_tarjama_commands "$bin")" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tarjama_options "$bin" "$cmd")" -- "$cur"))
        return
    fi
    if [ "$cmd" = models ]; then
        if [ -z "$sub" ]; then
            COMPREPLY=($(compgen -W 'list fetch verify path remove import' -- "$cur"))
        elif [ "$sub" = import ]; then
            _tarjama_files
        elif [ "$sub" != list ]; then
            COMPREPLY=($(compgen -W "$(_tarjama_models "$bin")" -- "$cur"))
            declare -F __ltrim_colon_completions > /dev/null && __ltrim_colon_completions "$cur"
        fi
        return
    fi
    _tarjama_files
}

_tarjama_files()
{
    if declare -F _filedir > /dev/null; then _filedir; else COMPREPLY=($(compgen -f -- "$cur")); fi
}

_tarjama_dirs()
{
    if declare -F _filedir > /dev/null; then _filedir -d; else COMPREPLY=($(compgen -d -- "$cur")); fi
}

complete -F _tarjama tarjama
