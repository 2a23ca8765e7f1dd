#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages (debian/): builds tarjama, libtarjama0 and libtarjama-dev from a copy of
# this source tree with `dpkg-buildpackage -us -uc -b`, installs them with dpkg into a temporary
# root (its own dpkg database), and checks them there: the packaged tarjama translates with its
# starter models exactly as the build tree's command does, the README's library example builds
# with the -dev package's pkg-config file and runs against libtarjama0, the Python binding
# loads libtarjama0, and man pages, completions and copyright are in place. Runs lintian when
# it is installed (errors fail; other tags are printed). Skips (77) without dpkg-buildpackage,
# debhelper or the build dependencies, and in sanitizer builds (one run per CI job is enough).
# The package build skips its own test run (DEB_BUILD_OPTIONS=nocheck; TJ_DEB_CHECK=1 keeps it).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TJ_BUILD:-$root/build}
for t in dpkg-buildpackage dh dpkg-checkbuilddeps; do
    command -v $t > /dev/null || { echo "skipped: $t not installed (apt-get install dpkg-dev debhelper)"; exit 77; }
done
if grep -Eq '^TJ_(SANITIZE|FUZZ):BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null; then
    echo "skipped: sanitizer build (the packages are built once, by the plain build's tests)"
    exit 77
fi
if ! deps=$(cd "$root" && dpkg-checkbuilddeps 2>&1); then
    echo "skipped: build dependencies missing: $deps"
    exit 77
fi
[ -d "$root/models/ar-en" ] || { echo "skipped: models/ar-en not in this checkout"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tj_deb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ver=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)

# A copy of the source tree: the files git knows (tracked or not ignored), so no build folders.
src=$tmp/tarjama-$ver
mkdir -p "$src"
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
    (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
        tar -xf - -C "$src"
else
    tar -C "$root" --exclude='./build*' -cf - . | tar -xf - -C "$src"
fi
# The copy has no .git: the package's `tarjama --version` gets the commit from here.
if commit=$(git -C "$root" describe --always --dirty --abbrev=12 2> /dev/null); then
    export TJ_GIT_COMMIT=$commit
fi
opts="nocheck"
[ "${TJ_DEB_CHECK:-}" = 1 ] && opts=""
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="$opts parallel=2" nice dpkg-buildpackage -us -uc -b > "$tmp/build.log" 2>&1); then
    tail -30 "$tmp/build.log"
    echo "FAIL: dpkg-buildpackage -us -uc -b failed (log above)"
    exit 1
fi
echo "dpkg-buildpackage -us -uc -b: ok in $(($(date +%s) - start)) s (DEB_BUILD_OPTIONS='$opts parallel=2')"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs=()
for p in tarjama libtarjama0 libtarjama-dev; do
    f=$tmp/${p}_${ver}_$arch.deb
    if [ -f "$f" ]; then debs+=("$f"); echo "  $(basename "$f"): $(du -k "$f" | cut -f1) KiB"; else bad "no $p package"; fi
done
[ ${#debs[@]} -eq 3 ] || exit 1
# TJ_DEB_OUT=DIR keeps the packages (and the lintian report) for a look afterwards.
if [ -n "${TJ_DEB_OUT:-}" ]; then
    mkdir -p "$TJ_DEB_OUT" && cp "${debs[@]}" "$tmp"/*.changes "$tmp"/*.buildinfo "$TJ_DEB_OUT"/
fi

# Install into a temporary root with its own dpkg database. The packages' dependencies (libc,
# libcurl, ...) are the host's, so dependency checks are waived there.
inst=$tmp/root
mkdir -p "$inst/var/lib/dpkg/info" "$inst/var/lib/dpkg/updates"
touch "$inst/var/lib/dpkg/status"
if ! dpkg --root="$inst" --force-not-root --force-depends --force-script-chrootless \
        --no-triggers -i "${debs[@]}" > "$tmp/dpkg.log" 2>&1; then
    cat "$tmp/dpkg.log"
    bad "dpkg -i into a temporary root failed"
fi
dpkg --root="$inst" -l 'tarjama' 'libtarjama*' 2> /dev/null | grep '^ii' | awk '{print "  installed:", $2, $3}'
for f in usr/bin/tarjama usr/lib/$multi/libtarjama.so.0 usr/lib/$multi/libtarjama.a \
    usr/lib/$multi/pkgconfig/tarjama.pc usr/include/tarjama.h usr/share/man/man1/tarjama.1.gz \
    usr/share/man/man1/tarjama-translate.1.gz usr/share/man/man3/tarjama.3.gz \
    usr/share/bash-completion/completions/tarjama usr/share/zsh/vendor-completions/_tarjama \
    usr/share/tarjama/models/ar-en usr/share/tarjama/models/en-ar \
    usr/share/tarjama/models/ATTRIBUTION-tatoeba.tsv usr/share/doc/tarjama/copyright \
    usr/share/doc/libtarjama0/copyright; do
    [ -e "$inst/$f" ] || bad "/$f not installed"
done
grep -q 'Tatoeba' "$inst/usr/share/doc/tarjama/copyright" 2> /dev/null || bad "copyright does not credit Tatoeba"

# The packaged command: version, the models folder compiled in, and translation with the
# packaged starter models (pointed at inside the temporary root) as the build tree's command.
export HOME=$tmp XDG_DATA_HOME=$tmp/xdg TARJAMA_MODELS=$tmp/none
unset TARJAMA_REGISTRY
tj=$inst/usr/bin/tarjama
echo "  $("$tj" --version 2>&1 | head -1)"
msg=$(unset TARJAMA_BUNDLED_MODELS; "$tj" models path ar-en 2>&1)
grep -q '/usr/share/tarjama/models/ar-en' <<< "$msg" || bad "packaged tarjama does not look in /usr/share/tarjama/models: $msg"
printf '%s\n' 'وصل الرئيس إلى القاهرة صباح اليوم لإجراء محادثات.' > "$tmp/ar.txt"
printf '%s\n' 'The president arrived in Cairo this morning for talks.' > "$tmp/en.txt"
tree_bin=${TJ_BIN:-$build/tarjama}
for d in ar-en en-ar; do
    s=${d%-*}
    TARJAMA_BUNDLED_MODELS=$inst/usr/share/tarjama/models "$tj" translate --from "$s" < "$tmp/$s.txt" > "$tmp/pkg.$d" 2> "$tmp/err" ||
        bad "packaged translate --from $s: $(head -1 "$tmp/err")"
    echo "  packaged tarjama translate --from $s: $(cat "$tmp/pkg.$d")"
    if [ -x "$tree_bin" ]; then
        "$tree_bin" translate -m "$root/models/$d" < "$tmp/$s.txt" > "$tmp/tree.$d" 2>&1
        cmp -s "$tmp/pkg.$d" "$tmp/tree.$d" || bad "$d: packaged output differs from the build tree's '$(cat "$tmp/tree.$d")'"
    fi
done

# The modules (src/util/module.h): documents through libtarjama0's tarjama-doc.so, found from the
# packaged command; the server module is in tarjama.
for f in "usr/lib/$multi/tarjama/tarjama-doc.so" "usr/lib/$multi/tarjama/tarjama-fetch.so" \
    "usr/lib/$multi/tarjama/tarjama-serve.so"; do
    [ -f "$inst/$f" ] || bad "/$f not installed by the packages"
done
printf '%s\n' '<p>The president arrived in Cairo.</p>' > "$tmp/en.html"
TARJAMA_BUNDLED_MODELS=$inst/usr/share/tarjama/models "$tj" translate --from en --format html \
    < "$tmp/en.html" > "$tmp/pkg.html" 2> "$tmp/err" && grep -q '^<p' "$tmp/pkg.html" ||
    bad "packaged translate --format html: $(head -1 "$tmp/err")"

# libtarjama-dev + libtarjama0: the README example through the packaged pkg-config file.
awk '/^## Library/{l=1} l && /^```c$/{c=1; next} c && /^```$/{exit} c' "$root/README.md" |
    sed "s|\"models/ar-en\"|\"$inst/usr/share/tarjama/models/ar-en\"|" > "$tmp/app.c"
flags=$(PKG_CONFIG_SYSROOT_DIR=$inst PKG_CONFIG_PATH=$inst/usr/lib/$multi/pkgconfig pkg-config --cflags --libs tarjama)
echo "  cc app.c $flags"
# shellcheck disable=SC2086 # pkg-config's output is a word list
if ${CC:-cc} -std=c11 -Wall -Werror "$tmp/app.c" $flags -o "$tmp/app" 2> "$tmp/err"; then
    out=$(LD_LIBRARY_PATH=$inst/usr/lib/$multi "$tmp/app" 2>&1) || bad "example failed: $out"
    want=$(printf '%s\n%s\n' 'مرحبا بالعالم.' 'كيف حالك؟' | TARJAMA_BUNDLED_MODELS=$inst/usr/share/tarjama/models "$tj" translate --from ar)
    [ "$out" = "$want" ] || bad "example printed '$out', want '$want'"
else
    bad "example does not build against the packages: $(head -3 "$tmp/err")"
fi

# The Python binding over the packaged libtarjama.so.0.
py=/usr/bin/python3
if [ -x "$py" ]; then
    got=$(TARJAMA_LIBRARY=$inst/usr/lib/$multi/libtarjama.so.0 PYTHONPATH=$root/bindings/python \
        "$py" -c 'import sys, tarjama; print(tarjama.Model(sys.argv[1]).translate(["كيف حالك؟"])[0])' \
        "$inst/usr/share/tarjama/models/ar-en" 2>&1)
    want=$(printf 'كيف حالك؟\n' | TARJAMA_BUNDLED_MODELS=$inst/usr/share/tarjama/models "$tj" translate --from ar)
    [ "$got" = "$want" ] || bad "python over libtarjama0: '$got', want '$want'"
fi

if command -v lintian > /dev/null; then
    lintian --display-info --pedantic "${debs[@]}" 2>&1 | grep -v '^running with root' > "$tmp/lintian.log"
    echo "lintian (info and pedantic tags shown): $(grep -c '^[EWIPX]:' "$tmp/lintian.log") tag(s)"
    sed 's/^/  /' "$tmp/lintian.log" | grep -v '^  N:' | head -40
    grep -q '^E:' "$tmp/lintian.log" && bad "lintian reports errors"
    [ -n "${TJ_DEB_OUT:-}" ] && cp "$tmp/lintian.log" "$TJ_DEB_OUT"/
else
    echo "note: lintian not installed; packages not linted"
fi
if [ $fails -ne 0 ]; then echo "deb package: $fails failure(s)"; exit 1; fi
echo "deb package: all checks passed"
