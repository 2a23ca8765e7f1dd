#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages in man/ against the live command: every command in `tarjama --help` has a page
# tarjama-COMMAND.1, and each page names exactly the options its command's --help lists (both
# ways: an option missing from the page, or a page option the command no longer has, fails).
# Options are read from the option lines of --help (lines starting with '-') and from the tags
# (.TP) of the page. tarjama(3) should name every function of tarjama.h (a note when not).
# groff must format every page without warnings (when installed).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TJ_BIN:-$root/build/tarjama}
[ -x "$bin" ] || { echo "skipped: no tarjama command at $bin (set TJ_BIN)"; exit 77; }
man=$root/man
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

help_options() {
    "$bin" "$@" --help 2> /dev/null | sed -n 's/^ *\(-.*\)$/\1/p' | sed 's/  .*//' |
        grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u
}
page_options() {
    awk 'tag {print; tag = 0} /^\.TP/ {tag = 1}' "$1" | sed 's/\\f[BIRP]//g; s/\\-/-/g' |
        grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u
}
commands() {
    "$bin" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\)\( [^ ]*\)\{0,1\}  .*/\1/p' | grep -vx help
}

check() { # PAGE ARGS...: the page against `tarjama ARGS --help`
    local page=$1
    shift
    [ -f "$page" ] || { bad "no man page ${page#"$root"/} for 'tarjama $*'"; return; }
    local h p
    h=$(help_options "$@")
    p=$(page_options "$page")
    [ -n "$h" ] || bad "'tarjama $* --help' lists no options"
    local missing extra
    missing=$(comm -23 <(echo "$h") <(echo "$p") | tr '\n' ' ')
    extra=$(comm -13 <(echo "$h") <(echo "$p") | tr '\n' ' ')
    [ -z "$missing" ] || bad "${page#"$root"/}: lacks option(s) of 'tarjama $* --help': $missing"
    [ -z "$extra" ] || bad "${page#"$root"/}: option(s) not in 'tarjama $* --help': $extra"
    echo "${page#"$root"/}: $(echo "$h" | wc -w) options, as in 'tarjama $* --help'"
}

cmds=$(commands)
[ -n "$cmds" ] || { echo "FAIL: no commands in 'tarjama --help'"; exit 1; }
check "$man/tarjama.1"
for c in $cmds; do check "$man/tarjama-$c.1" "$c"; done

# Pages of commands this tarjama does not have (a command built only with optional libraries,
# e.g. serve, is a note; a command it refuses outright is a stale page).
for page in "$man"/tarjama-*.1; do
    c=$(basename "$page" .1)
    c=${c#tarjama-}
    grep -qx "$c" <<< "$cmds" && continue
    if grep -q "optional" <<< "$("$bin" "$c" --help 2>&1)"; then
        echo "note: ${page#"$root"/}: '$c' not built into this tarjama"
    else
        bad "${page#"$root"/}: 'tarjama $c' is not a command ($("$bin" "$c" --help 2>&1 | head -1))"
    fi
done
# tarjama.1 lists the live commands (and no others) under COMMANDS.
listed=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man/tarjama.1" | awk 'tag {print; tag = 0} /^\.TP/ {tag = 1}' |
    sed 's/\\f[BIRP]//g' | awk '{print $1}' | sort -u)
for c in $cmds; do grep -qx "$c" <<< "$listed" || bad "tarjama.1: COMMANDS lacks $c"; done

# tarjama(3): every public function. A function added to tarjama.h is reported, not failed, so
# that adding API does not break the build before the hand-written page catches up.
if [ -f "$man/tarjama.3" ]; then
    for f in $(sed -n 's/.*\b\(tj_[a-z0-9_]*\)(.*/\1/p' "$root/include/tarjama.h" | sort -u); do
        grep -q "$f" "$man/tarjama.3" || echo "note: tarjama.3 does not describe $f yet (tarjama.h has it)"
    done
else
    bad "no man/tarjama.3"
fi

if command -v groff > /dev/null; then
    for page in "$man"/*.[13]; do
        w=$(groff -k -man -ww -z -Tutf8 "$page" 2>&1)
        [ -z "$w" ] || bad "groff warns on ${page#"$root"/}: $(head -2 <<< "$w")"
    done
else
    echo "note: groff not installed; pages not formatted"
fi
if [ $fails -ne 0 ]; then
    echo "man pages: $fails failure(s); after changing a --help text run: man/gen_man.py $bin man"
    exit 1
fi
echo "man pages: all checks passed"
