#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end benchmark of `tarjama translate`: model load time, throughput and peak memory for a
# matrix of settings, all in one run so that the ratios between rows are meaningful. Prints a
# markdown report (see docs/benchmarks.md for what each figure means).
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [options]

  -m DIR     model directory (default: ../shared/fixtures/tiny-aren/model)
  -z DIR     compressed copy of the same model, or 'none' (default: DIR-gz when it exists)
  -i FILE    source text (default: ../shared/fixtures/tiny-aren/src/flores200-devtest.ar)
  -n N       use the first N lines of it (default 50)
  -r RUNS    timed runs per row; the median is reported (default 3; rows slower than
             SLOW_S seconds, default 20, are run once)
  -b BIN     tarjama binary (default: $TJ_BIN, else build-bench/tarjama)
  -s BIN     the same binary with the scalar int8 kernel forced, or 'none' (default:
             tarjama-scalar next to BIN when it exists; 'make -C bench' builds it)
  -o FILE    also write the report to FILE
  -q         quick smoke run: -n 5 -r 1
  -h         this text

environment: THREADS (default "1 2"), SEARCHES ("greedy beam4"), SHORTLISTS ("on off"),
GZ_ROWS (settings run on the compressed model, default "greedy:on"), SCALAR_ROWS (settings
run with the scalar kernel at the first thread count, default "greedy:on"), SLOW_S (20),
EXTRA_ARGS (passed to every translate, e.g. "--split line").
EOF
}

die() {
    echo "bench/run.sh: $*" >&2
    exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${TJ_SHARED:-$repo/../shared}
[ -d "$shared" ] && shared=$(cd "$shared" && pwd)

model=$shared/fixtures/tiny-aren/model
gzmodel=
input=$shared/fixtures/tiny-aren/src/flores200-devtest.ar
nlines=50
runs=3
bin=${TJ_BIN:-$repo/build-bench/tarjama}
outfile=
scalar_bin=
while getopts "m:z:i:n:r:b:s:o:qh" opt; do
    case $opt in
    m) model=$OPTARG ;;
    z) gzmodel=$OPTARG ;;
    i) input=$OPTARG ;;
    n) nlines=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) bin=$OPTARG ;;
    s) scalar_bin=$OPTARG ;;
    o) outfile=$OPTARG ;;
    q) nlines=5 runs=1 ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "unexpected argument '$1' (see -h)"
[[ $nlines =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive integer, got '$nlines'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-r needs a positive integer, got '$runs'"

threads_list=${THREADS:-1 2}
searches=${SEARCHES:-greedy beam4}
shortlists=${SHORTLISTS:-on off}
gz_rows=${GZ_ROWS:-greedy:on}
scalar_rows=${SCALAR_ROWS:-greedy:on}
slow_s=${SLOW_S:-20}
read -r -a extra <<<"${EXTRA_ARGS:-}"

[ -x "$bin" ] || die "no tarjama binary at $bin: build it (cmake -B build-bench -S . -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2) or pass -b"
[ -d "$model" ] || die "model directory $model not found"
[ -r "$input" ] || die "input $input not found"
[ -x /usr/bin/time ] || die "/usr/bin/time not found: install the 'time' package (apt-get install time)"
if [ -z "$gzmodel" ] && [ -d "$model-gz" ]; then gzmodel=$model-gz; fi
[ "$gzmodel" = none ] && gzmodel=
[ -z "$gzmodel" ] || [ -d "$gzmodel" ] || die "compressed model directory $gzmodel not found"
if [ -z "$scalar_bin" ] && [ -x "$(dirname "$bin")/tarjama-scalar" ]; then
    scalar_bin=$(dirname "$bin")/tarjama-scalar
fi
[ "$scalar_bin" = none ] && scalar_bin=
[ -z "$scalar_bin" ] || [ -x "$scalar_bin" ] || die "no scalar-kernel binary at $scalar_bin"
[ -z "$scalar_bin" ] || ! grep -q -w avx2 /proc/cpuinfo || [ "$scalar_bin" -nt "$(dirname "$scalar_bin")/libtarjama.a" ] ||
    echo "bench/run.sh: warning: $scalar_bin is older than libtarjama.a: rerun 'make -C bench'" >&2
have_hf=0
command -v hyperfine >/dev/null && have_hf=1

# The target vocabulary is what output tokens are counted with: trgvocab.* when the model has
# separate vocabularies, else the joint vocab.*.
pick_vocab() {
    local f
    for f in "$1"/trgvocab.*.spm* "$1"/vocab.*.spm*; do
        [ -e "$f" ] && { echo "$f"; return; }
    done
    die "no vocabulary (trgvocab.*.spm or vocab.*.spm) in $1"
}
pick_src_vocab() {
    local f
    for f in "$1"/srcvocab.*.spm* "$1"/vocab.*.spm*; do
        [ -e "$f" ] && { echo "$f"; return; }
    done
    die "no vocabulary (srcvocab.*.spm or vocab.*.spm) in $1"
}
trg_vocab=$(pick_vocab "$model")
src_vocab=$(pick_src_vocab "$model")

work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -n "$nlines" "$input" >"$work/input"
src_lines=$(grep -c . "$work/input" || true)
src_words=$(wc -w <"$work/input")
[ "$src_words" -gt 0 ] || die "no words in the first $nlines lines of $input"
src_pieces=$("$bin" tokenize --vocab "$src_vocab" "$work/input" | wc -w) ||
    die "'$bin tokenize --vocab $src_vocab' failed"

now_ns() { date +%s%N; }

# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure NAME CMD...: runs CMD once under /usr/bin/time -v (stdout to $work/NAME.out), then,
# unless that run was slow, more times (hyperfine when present). Sets m_wall (median seconds),
# m_sd (hyperfine's standard deviation or ""), m_runs (how many runs m_wall is from), m_first
# (wall seconds of the first run), m_cpu (user+sys seconds: hyperfine's mean, else the first
# run's), m_first_cpu (the first run's), m_rss (peak RSS of the first run in MiB).
measure() {
    local name=$1
    shift
    local t0 t1
    t0=$(now_ns)
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
        die "'$*' failed: $(tail -n 3 "$work/$name.err" "$work/$name.time" | tr '\n' ' ')"
    t1=$(now_ns)
    local first
    first=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    m_first=$first
    m_cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/$name.time")
    m_first_cpu=$m_cpu
    m_rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/$name.time")
    m_sd=
    m_runs=1
    m_wall=$first
    local more=$((runs - 1))
    if awk -v t="$first" -v s="$slow_s" 'BEGIN { exit !(t > s) }'; then more=0; fi
    [ "$more" -gt 0 ] || return 0
    if [ $have_hf = 1 ]; then
        # hyperfine runs through a shell: quote every word.
        local cmd="" w
        for w in "$@"; do cmd+=$(printf '%q ' "$w"); done
        hyperfine --style none --runs "$runs" --export-csv "$work/$name.csv" \
            --output=null "$cmd" >/dev/null 2>"$work/$name.hf" ||
            die "hyperfine failed on '$*': $(tail -n 2 "$work/$name.hf")"
        # command,mean,stddev,median,user,system,min,max (the command may contain commas)
        m_wall=$(awk -F, 'NR == 2 { print $(NF - 4) }' "$work/$name.csv")
        m_sd=$(awk -F, 'NR == 2 { print $(NF - 5) }' "$work/$name.csv")
        m_cpu=$(awk -F, 'NR == 2 { printf "%.4f", $(NF - 3) + $(NF - 2) }' "$work/$name.csv")
        m_runs=$runs
    else
        local i walls=$first
        for ((i = 0; i < more; i++)); do
            t0=$(now_ns)
            "$@" >/dev/null 2>&1
            t1=$(now_ns)
            walls+=$'\n'$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
        done
        m_wall=$(median <<<"$walls")
        m_runs=$runs
    fi
}

# How many cores this benchmark can really get: nproc busy loops run for 1 s and the CPU time they
# received is summed. On an idle machine this is close to nproc; what other processes take shows
# up as the shortfall.
free_cores() {
    local i n
    n=$(nproc)
    for ((i = 0; i < n; i++)); do
        /usr/bin/time -f "%U %S" -o "$work/spin.$i" timeout 1 bash -c 'while :; do :; done' &
    done
    wait
    for ((i = 0; i < n; i++)); do tail -n 1 "$work/spin.$i"; done |
        awk '{ c += $1 + $2 } END { printf "%.2f", c }'
}

fmt_time() { # seconds [sd] -> "1.23 s ± 0.01" / "45.6 ms ± 1.2"
    awk -v t="$1" -v sd="${2:-}" 'BEGIN {
        if (t < 1) { u = "ms"; t *= 1000; if (sd != "") sd *= 1000; f = "%.1f" } else { u = "s"; f = "%.2f" }
        printf f " %s", t, u
        if (sd != "") printf " ± " f, sd }'
}

report=$work/report.md
{
    echo "# tarjama benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no -- src cli include 2>/dev/null)" ]; then
        commit+=" (src/cli/include modified since)"
    fi
    echo "- commit: $commit"
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$bin")/CMakeCache.txt" 2>/dev/null || true)
    echo "- binary: $bin (${build_type:-build type unknown})"
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    isa=$(grep -o -w -E 'avx2|avx512f|avx512_vnni|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')
    echo "- CPU: ${cpu:-unknown}, $(nproc) cores online; ISA: ${isa:-no AVX2}"
    if ! grep -q -w avx2 /proc/cpuinfo; then
        echo "- int8 kernel: scalar (no AVX2 on this CPU)"
        scalar_bin=
    elif [ -n "$scalar_bin" ]; then
        echo "- int8 kernel: AVX2 (picked at run time); rows marked 'scalar' run $scalar_bin, the same code with the AVX2 kernel disabled at link time (bench/force_scalar.c)"
    else
        echo "- int8 kernel: AVX2 (picked at run time; no scalar rows: build tarjama-scalar with 'make -C bench')"
    fi
    free=$(free_cores)
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg); cores available: $free of $(nproc) (CPU time $(nproc) busy loops got in 1 s)"
    if awk -v f="$free" -v n="$(nproc)" 'BEGIN { exit !(f < 0.8 * n) }'; then
        echo "- **the machine was busy**: other processes took CPU time, so wall times are pessimistic and thread scaling is understated (compare the CPU columns)"
    fi
    echo "- model: $model${gzmodel:+ (compressed: $gzmodel)}"
    echo "- input: first $nlines lines of $input: $src_lines non-blank lines, $src_words words, $src_pieces source pieces"
    echo "- timing: median of $runs run(s)$([ $have_hf = 1 ] && echo " (hyperfine, ± = standard deviation)"), rows over ${slow_s} s run once (marked); peak RSS and CPU/wall from one run under /usr/bin/time -v, CPU $([ $have_hf = 1 ] && echo "the mean of hyperfine's runs" || echo "from that run")"
    [ ${#extra[@]} -eq 0 ] || echo "- extra translate options: ${extra[*]}"
    echo
} >"$report"

# --- model load --------------------------------------------------------------------------------
{
    echo "## Model load"
    echo
    echo "| model | \`tarjama info\` | \`translate\` on empty input | peak RSS (info) |"
    echo "|---|---:|---:|---:|"
} >>"$report"
load_runs=$((runs < 10 ? 10 : runs))
declare -A startup startup_cpu
for kind in plain gz; do
    dir=$model
    if [ $kind = gz ]; then
        [ -n "$gzmodel" ] || continue
        dir=$gzmodel
    fi
    echo "load: $kind" >&2
    saved_runs=$runs
    runs=$load_runs
    measure "info-$kind" "$bin" info -m "$dir"
    info_t=$(fmt_time "$m_wall" "$m_sd")
    info_rss=$m_rss
    : >"$work/empty"
    measure "empty-$kind" "$bin" translate -m "$dir" "$work/empty"
    startup[$kind]=$m_wall startup_cpu[$kind]=$m_cpu
    runs=$saved_runs
    files=("$dir"/model.*)
    echo "| $kind ($(basename "${files[0]}")) | $info_t | $(fmt_time "$m_wall" "$m_sd") | $info_rss MiB |" >>"$report"
done

# --- translation -------------------------------------------------------------------------------
{
    echo
    echo "## Translation ($src_words source words, first $nlines lines)"
    echo
    echo "| model | search | shortlist | threads | wall | CPU | CPU/wall | target tokens | words/s | tokens/s | tokens/CPU-s | peak RSS | output |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >>"$report"

rows=()
for s in $searches; do
    for sl in $shortlists; do
        for t in $threads_list; do rows+=("plain:$s:$sl:$t"); done
    done
done
if [ -n "$gzmodel" ]; then
    for r in $gz_rows; do
        for t in $threads_list; do rows+=("gz:$r:$t"); done
    done
fi
first_t=${threads_list%% *}
if [ -n "$scalar_bin" ]; then
    for r in $scalar_rows; do rows+=("scalar:$r:$first_t"); done
fi

declare -A wall_of cpu_of
for row in "${rows[@]}"; do
    IFS=: read -r kind s sl t <<<"$row"
    dir=$model exe=$bin
    [ "$kind" = gz ] && dir=$gzmodel
    [ "$kind" = scalar ] && exe=$scalar_bin
    args=(translate -m "$dir" --threads "$t")
    case $s in
    greedy) ;;
    beam*) args+=(--beam "${s#beam}") ;;
    *) die "unknown search '$s' (greedy or beamN)" ;;
    esac
    case $sl in
    on) ;;
    off) args+=(--no-shortlist) ;;
    *) die "unknown shortlist setting '$sl' (on or off)" ;;
    esac
    args+=("${extra[@]}" "$work/input")
    name="tr-$kind-$s-$sl-$t"
    echo "translate: $kind $s shortlist=$sl threads=$t" >&2
    measure "$name" "$exe" "${args[@]}"
    wall_of[$kind:$s:$sl:$t]=$m_wall cpu_of[$kind:$s:$sl:$t]=$m_cpu
    tokens=$("$bin" tokenize --vocab "$trg_vocab" "$work/$name.out" | wc -w) ||
        die "'$bin tokenize --vocab $trg_vocab' failed"
    # The output must not depend on the thread count, the model's compression or the kernel.
    base="$work/tr-plain-$s-$sl-$first_t.out"
    if [ "$name.out" = "$(basename "$base")" ]; then
        same=reference
    elif [ ! -e "$base" ]; then
        same="n/a"
    elif cmp -s "$base" "$work/$name.out"; then
        same=identical
    else
        same="**differs**"
    fi
    wall=$(fmt_time "$m_wall" "$m_sd")
    [ "$m_runs" = "$runs" ] || wall+=" ($m_runs run)"
    awk -v kind="$kind" -v s="$s" -v sl="$sl" -v t="$t" -v wall="$wall" \
        -v w="$m_wall" -v w1="$m_first" -v cpu1="$m_first_cpu" -v cpu="$m_cpu" -v tok="$tokens" -v words="$src_words" \
        -v rss="$m_rss" -v same="$same" 'BEGIN {
        printf "| %s | %s | %s | %s | %s | %.2f s | %.2f | %d | %.1f | %.1f | %.1f | %s MiB | %s |\n",
            kind, s, sl, t, wall, cpu, cpu1 / w1, tok, words / w, tok / w, tok / cpu, rss, same }' >>"$report"
done

# --- ratios ------------------------------------------------------------------------------------
# ratio LABEL SLOW_KEY FAST_KEY: how many times longer SLOW took than FAST, in wall time and in
# CPU time (the second is steadier on a busy machine, but cannot show a thread speed-up).
ratio() {
    local a=${wall_of[$2]:-} b=${wall_of[$3]:-} ca=${cpu_of[$2]:-} cb=${cpu_of[$3]:-}
    [ -n "$a" ] && [ -n "$b" ] || return 0
    awk -v l="$1" -v a="$a" -v b="$b" -v ca="$ca" -v cb="$cb" 'BEGIN {
        printf "| %s | %.2f× | ", l, a / b
        if (ca > 0 && cb > 0) printf "%.2f× |\n", ca / cb; else printf "- |\n" }' >>"$report"
}
{
    echo
    echo "## Ratios (time of the first setting / the second)"
    echo
    echo "| comparison | wall | CPU |"
    echo "|---|---:|---:|"
} >>"$report"
second_t=$(awk '{ print $2 }' <<<"$threads_list")
t=$first_t
if [ -n "$second_t" ]; then
    for s in $searches; do
        for sl in $shortlists; do
            ratio "threads $first_t / $second_t ($s, shortlist $sl)" "plain:$s:$sl:$first_t" "plain:$s:$sl:$second_t"
        done
    done
fi
for sl in $shortlists; do
    for s in $searches; do
        [ "$s" = greedy ] || ratio "$s / greedy (shortlist $sl, $t thread)" "plain:$s:$sl:$t" "plain:greedy:$sl:$t"
    done
done
for s in $searches; do
    ratio "shortlist off / on ($s, $t thread)" "plain:$s:off:$t" "plain:$s:on:$t"
done
if [ -n "$gzmodel" ]; then
    wall_of[load:gz]=${startup[gz]} wall_of[load:plain]=${startup[plain]}
    cpu_of[load:gz]=${startup_cpu[gz]} cpu_of[load:plain]=${startup_cpu[plain]}
    ratio "load, .gz / plain model (translate on empty input)" load:gz load:plain
    ratio "translate, .gz / plain model (greedy, shortlist on, $t thread)" "gz:greedy:on:$t" "plain:greedy:on:$t"
fi
for r in $scalar_rows; do
    ratio "scalar / AVX2 kernel (${r%%:*}, shortlist ${r#*:}, $t thread)" "scalar:$r:$t" "plain:$r:$t"
done
{
    echo
    echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg); cores available: $(free_cores) of $(nproc)"
} >>"$report"

cat "$report"
[ -z "$outfile" ] || cp "$report" "$outfile"
