#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side speed of two translation commands (baseline A vs candidate B, e.g. tarjama at
# 036f3d3 vs this build): for every model x thread count, A and B are run alternately (A B A B
# ...) on the same input so that load on a shared machine hits both alike. Prints a markdown
# table with words/s, target tokens/s, peak RSS, load time and the B/A ratios, checks that A and B
# give the same output, and with -p draws a PNG plot (gnuplot). See bench/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/compare.sh -a CMD_A -b CMD_B [options]

  -a CMD     baseline command (run as: CMD translate -m MODEL --split line --threads T < input)
  -b CMD     candidate command, same form
  -A NAME    label of A (default: A)      -B NAME   label of B (default: B)
  -m LIST    model directories, space-separated (default: the tiny-aren and init-basemem-aren
             fixtures from ../shared and models/ar-en)
  -t LIST    thread counts (default: "1 2")
  -i FILE    source text, one sentence per line (default: ../shared/eval/flores200-devtest.ar)
  -n N       first N lines of it (default: 200; 0 = all)
  -r R       rounds; each round runs A then B once; medians are reported (default: 3)
  -o FILE    also write the markdown report to FILE
  -p PNG     also draw a bar plot of words/s to PNG (needs gnuplot: apt-get install gnuplot-nox)
  -h         this text

Commands are split on spaces, so a wrapper script can stand in for any engine that reads
sentences on stdin and writes translations on stdout (bench/README.md).
EOF
}

die() {
    echo "bench/compare.sh: $*" >&2
    exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${TJ_SHARED:-$repo/../shared}
cmd_a='' cmd_b='' name_a=A name_b=B
models="$shared/fixtures/tiny-aren/model $shared/fixtures/init-basemem-aren/model $repo/models/ar-en"
threads="1 2"
input=$shared/eval/flores200-devtest.ar
nlines=200 rounds=3 out='' png=''
while getopts "a:b:A:B:m:t:i:n:r:o:p:h" opt; do
    case $opt in
    a) cmd_a=$OPTARG ;;
    b) cmd_b=$OPTARG ;;
    A) name_a=$OPTARG ;;
    B) name_b=$OPTARG ;;
    m) models=$OPTARG ;;
    t) threads=$OPTARG ;;
    i) input=$OPTARG ;;
    n) nlines=$OPTARG ;;
    r) rounds=$OPTARG ;;
    o) out=$OPTARG ;;
    p) png=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
if [ -z "$cmd_a" ] || [ -z "$cmd_b" ]; then
    usage >&2
    exit 2
fi
[ -f "$input" ] || die "no input $input"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
[ -z "$png" ] || command -v gnuplot >/dev/null || die "-p needs gnuplot (apt-get install gnuplot-nox)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$nlines" -gt 0 ]; then head -n "$nlines" "$input" >"$work/in"; else cp "$input" "$work/in"; fi
lines=$(wc -l <"$work/in")
words=$(wc -w <"$work/in")
echo x >"$work/one"

# run CMD MODEL THREADS INPUT OUTPUT: prints "wall cpu maxrss_kb".
run() {
    local cmd=$1 model=$2 t=$3 in=$4 o=$5
    # shellcheck disable=SC2086 # commands are split on spaces on purpose
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" $cmd translate -m "$model" --split line \
        --threads "$t" <"$in" >"$o" 2>"$work/err" || die "$cmd failed on $model: $(tail -1 "$work/err")"
    awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Target tokens: the output re-encoded with the model's vocabulary (tarjama tokenize), counted on
# each engine's own output; B's command must be a tarjama for this.
tokens() {
    local model=$1 file=$2 vocab
    vocab=$(find "$model" -maxdepth 1 -name 'vocab*.spm' | sort | tail -1)
    # shellcheck disable=SC2086
    [ -n "$vocab" ] && $cmd_b tokenize --vocab "$vocab" <"$file" 2>/dev/null | wc -w || echo 0
}

cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512bw|avx512_vnni|avx512vnni|amx_int8)$' | tr '\n' ' ')
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
    echo "## $name_b vs $name_a"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $cpu_model; CPU flags: $cpu_flags(the int8 kernel uses AVX-512BW when present, else AVX2; with avx512_vnni the exact columns use VNNI, with amx_int8 Intel AMX)"
    echo "Input: first $lines lines of $(basename "$input") ($words words), --split line, greedy + shortlist."
    echo "A = \`$cmd_a\`, B = \`$cmd_b\`; $rounds rounds of A then B, medians; load = one-word input."
    echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| model | threads | engine | wall s | CPU s | words/s | target tokens/s | tokens/CPU-s | peak RSS MiB | load ms | output |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$work/report"

: >"$work/plot.dat"
ratios=
for model in $models; do
    [ -d "$model" ] || die "no model directory $model"
    mname=$(basename "$model")
    [ "$mname" = model ] && mname=$(basename "$(dirname "$model")")
    for t in $threads; do
        for e in a b; do : >"$work/$e.wall" && : >"$work/$e.cpu" && : >"$work/$e.rss" && : >"$work/$e.load"; done
        for _ in $(seq "$rounds"); do
            for e in a b; do
                cmd=$cmd_a && [ $e = b ] && cmd=$cmd_b
                read -r w c r < <(run "$cmd" "$model" "$t" "$work/in" "$work/$e.out")
                echo "$w" >>"$work/$e.wall" && echo "$c" >>"$work/$e.cpu" && echo "$r" >>"$work/$e.rss"
                read -r w _ _ < <(run "$cmd" "$model" 1 "$work/one" /dev/null)
                echo "$w" >>"$work/$e.load"
            done
        done
        same=identical
        cmp -s "$work/a.out" "$work/b.out" || same="**differs**"
        declare -A W C
        for e in a b; do
            name=$name_a && [ $e = b ] && name=$name_b
            # Each engine's own output: they differ when B changes the arithmetic (bench/int8.sh).
            ntok=$(tokens "$model" "$work/$e.out")
            wall=$(median <"$work/$e.wall") cpu=$(median <"$work/$e.cpu")
            rss=$(median <"$work/$e.rss") load=$(median <"$work/$e.load")
            W[$e]=$wall C[$e]=$cpu
            awk -v m="$mname" -v t="$t" -v n="$name" -v w="$wall" -v c="$cpu" -v r="$rss" \
                -v l="$load" -v words="$words" -v tok="$ntok" -v s="$same" 'BEGIN {
                    printf "| %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %.0f | %.1f | %.0f | %s |\n",
                        m, t, n, w, c, words / w, tok / w, tok / c, r / 1024, l * 1000, s }' |
                tee -a "$work/report"
            echo "$mname/${t}t $e $(awk -v w="$wall" -v words="$words" 'BEGIN {printf "%.1f", words / w}')" >>"$work/plot.dat"
        done
        ratios+=$(awk -v m="$mname" -v t="$t" -v a="${W[a]}" -v b="${W[b]}" -v ca="${C[a]}" \
            -v cb="${C[b]}" 'BEGIN {printf "| %s | %s | %.2fx | %.2fx |\\n", m, t, a / b, ca / cb}')
    done
done
{
    echo
    echo "Speed of $name_b over $name_a (time A / time B, > 1: B is faster; on a shared machine the"
    echo "CPU-time ratio is the steadier one):"
    echo
    echo "| model | threads | B/A words/s (wall) | B/A words per CPU-s |"
    echo "|---|---|---|---|"
    printf '%b' "$ratios"
} | tee -a "$work/report"

[ -z "$out" ] || cp "$work/report" "$out"
if [ -n "$png" ]; then
    awk '$2 == "a" {a[$1] = $3; o[++n] = $1} $2 == "b" {b[$1] = $3}
         END {for (i = 1; i <= n; i++) print o[i], a[o[i]], b[o[i]]}' "$work/plot.dat" >"$work/bars"
    gnuplot <<EOF
set terminal pngcairo size 900,480 noenhanced
set output "$png"
set title "words/s, $name_a vs $name_b ($lines lines, --split line)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "source words per second"
set xtics rotate by -20
set key top left
set yrange [0:*]
plot "$work/bars" using 2:xtic(1) title "$name_a", "" using 3 title "$name_b"
EOF
    echo "plot: $png"
fi
