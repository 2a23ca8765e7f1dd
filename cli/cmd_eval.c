/* SPDX-License-Identifier: MIT */
/* tarjama eval: BLEU, chrF and chrF++ of a translation against references, printed the way
 * sacreBLEU 2.4 prints them with default settings (its text format, or its JSON with --json). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics.h"

static const char usage[] =
    "usage: tarjama eval --ref REF.txt [--ref REF2.txt ...] [OPTIONS] [HYP.txt]\n"
    "\n"
    "Scores hypotheses (one per line, from HYP.txt or stdin) against references with the\n"
    "default settings of sacreBLEU 2.4: BLEU (13a tokens, mixed case, exp smoothing), chrF2\n"
    "(character 6-grams) and chrF2++ (plus word bigrams). Output is sacreBLEU's text format:\n"
    "  NAME|SIGNATURE = SCORE [DETAILS]\n"
    "\n"
    "options:\n"
    "  -r, --ref FILE       reference translations, line-aligned with the hypotheses;\n"
    "                       repeat for several references\n"
    "  -m, --metrics LIST   comma-separated from bleu, chrf, chrf++ (default: all three)\n"
    "      --sentence       score every line separately (one metric only); sentence BLEU\n"
    "                       uses effective order, as sacrebleu --sentence-level does\n"
    "      --json           sacreBLEU's JSON output (with --sentence: one object per line)\n"
    "  -w, --width N        decimals of the scores (default 1)\n"
    "  -b, --score-only     print the scores only\n"
    "  -h, --help           this text\n";

enum { M_BLEU = 1, M_CHRF = 2, M_CHRFPP = 4 };

typedef struct text_file {
    const char *name;
    char *data;
    char **lines;
    size_t n;
} text_file;

static void text_file_free(text_file *f)
{
    free(f->data);
    free(f->lines);
}

/* Reads a whole file as lines; prints a one-line error and returns -1 on any problem. */
static int load_lines(const char *path, const char *name, text_file *f)
{
    size_t len;
    memset(f, 0, sizeof *f);
    f->name = name;
    if (cli_read_all(path, &f->data, &len) != 0) return -1;
    if (cli_check_utf8(name, f->data, len) != 0) return -1;
    const char *nul = memchr(f->data, '\0', len);
    if (nul) {
        size_t line = 1;
        for (const char *p = f->data; p < nul; p++) line += *p == '\n';
        cli_error("%s: NUL byte on line %zu", name, line);
        return -1;
    }
    f->lines = cli_split_lines(f->data, len, &f->n);
    if (!f->lines) {
        cli_error("out of memory reading %s", name);
        return -1;
    }
    if (f->n == 0) {
        cli_error("%s: empty file", name);
        return -1;
    }
    return 0;
}

static int parse_metrics(const char *list, int *out)
{
    *out = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 4 && !strncmp(p, "bleu", 4))
            *out |= M_BLEU;
        else if (len == 4 && !strncmp(p, "chrf", 4))
            *out |= M_CHRF;
        else if (len == 6 && !strncmp(p, "chrf++", 6))
            *out |= M_CHRFPP;
        else {
            cli_error("eval: unknown metric '%.*s' (known: bleu, chrf, chrf++)", (int)len, p);
            return -1;
        }
        p += len + (comma != NULL);
    }
    if (!*out) {
        cli_error("eval: --metrics needs at least one of bleu, chrf, chrf++");
        return -1;
    }
    return 0;
}

typedef struct options {
    int metrics, sentence, json, width, score_only;
} options;

/* Collects line i of every reference file. */
static void refs_of_line(const text_file *refs, size_t nrefs, size_t i, const char **out)
{
    for (size_t r = 0; r < nrefs; r++) out[r] = refs[r].lines[i];
}

/* Prints one formatted score. */
static void emit(const options *o, const char *name, double score, const char *sig,
                 const char *verbose, int indent, char *line, size_t cap)
{
    if (o->score_only)
        snprintf(line, cap, "%.*f", o->width, score);
    else if (o->json)
        tj_score_json(line, cap, name, score, o->width, sig, verbose, indent);
    else
        tj_score_text(line, cap, name, score, o->width, sig, verbose);
}

static int score_sentences(const options *o, const text_file *hyp, const text_file *refs,
                           size_t nrefs, const char **rl)
{
    char sig[256], verbose[256], line[2048];
    tj_error err;
    for (size_t i = 0; i < hyp->n; i++) {
        refs_of_line(refs, nrefs, i, rl);
        size_t used;
        const char *name;
        double score;
        verbose[0] = '\0';
        tj_status st;
        if (o->metrics == M_BLEU) {
            tj_bleu_stats bs;
            tj_bleu_score s;
            st = tj_bleu_segment(hyp->lines[i], rl, nrefs, &bs, &used, &err);
            if (st != TJ_OK) goto fail;
            tj_bleu_compute(&bs, 1, &s);
            tj_bleu_signature(sig, sizeof sig, used, 1);
            tj_bleu_verbose(&s, verbose, sizeof verbose);
            name = "BLEU";
            score = s.score;
        } else {
            int wo = o->metrics == M_CHRFPP ? 2 : 0;
            tj_chrf_stats cs;
            st = tj_chrf_segment(hyp->lines[i], rl, nrefs, wo, &cs, &used, &err);
            if (st != TJ_OK) goto fail;
            tj_chrf_signature(sig, sizeof sig, used, wo);
            name = wo ? "chrF2++" : "chrF2";
            score = tj_chrf_compute(&cs, wo);
        }
        emit(o, name, score, sig, verbose, 0, line, sizeof line);
        puts(line);
        continue;
    fail:
        cli_error("eval: line %zu: %s", i + 1, err.message);
        return 1;
    }
    return 0;
}

/* The nrefs of a signature: the common number of non-empty references, or 0 ("var"). */
static void note_refs(size_t used, size_t *nrefs_sig, int *first)
{
    if (*first)
        *nrefs_sig = used;
    else if (*nrefs_sig != used)
        *nrefs_sig = 0;
    *first = 0;
}

static int score_corpus(const options *o, const text_file *hyp, const text_file *refs, size_t nrefs,
                        const char **rl)
{
    char results[3][2048];
    int nres = 0;
    tj_error err;
    char sig[256], verbose[256];

    if (o->metrics & M_BLEU) {
        tj_bleu_stats sum, seg;
        memset(&sum, 0, sizeof sum);
        size_t nsig = 0;
        int first = 1;
        for (size_t i = 0; i < hyp->n; i++) {
            size_t used;
            refs_of_line(refs, nrefs, i, rl);
            if (tj_bleu_segment(hyp->lines[i], rl, nrefs, &seg, &used, &err) != TJ_OK) {
                cli_error("eval: line %zu: %s", i + 1, err.message);
                return 1;
            }
            tj_bleu_stats_add(&sum, &seg);
            note_refs(used, &nsig, &first);
        }
        tj_bleu_score s;
        tj_bleu_compute(&sum, 0, &s);
        tj_bleu_signature(sig, sizeof sig, nsig, 0);
        tj_bleu_verbose(&s, verbose, sizeof verbose);
        emit(o, "BLEU", s.score, sig, verbose, 1, results[nres++], sizeof results[0]);
    }
    for (int wo = 0; wo <= 2; wo += 2) {
        if (!(o->metrics & (wo ? M_CHRFPP : M_CHRF))) continue;
        tj_chrf_stats sum, seg;
        memset(&sum, 0, sizeof sum);
        size_t nsig = 0;
        int first = 1;
        for (size_t i = 0; i < hyp->n; i++) {
            size_t used;
            refs_of_line(refs, nrefs, i, rl);
            if (tj_chrf_segment(hyp->lines[i], rl, nrefs, wo, &seg, &used, &err) != TJ_OK) {
                cli_error("eval: line %zu: %s", i + 1, err.message);
                return 1;
            }
            tj_chrf_stats_add(&sum, &seg);
            note_refs(used, &nsig, &first);
        }
        tj_chrf_signature(sig, sizeof sig, nsig, wo);
        emit(o, wo ? "chrF2++" : "chrF2", tj_chrf_compute(&sum, wo), sig, NULL, 1, results[nres++],
             sizeof results[0]);
    }

    if (o->json && !o->score_only && nres > 1) {
        puts("[");
        for (int k = 0; k < nres; k++) printf("%s%s\n", results[k], k + 1 < nres ? "," : "");
        puts("]");
    } else if (o->json || o->score_only || nres == 1) {
        for (int k = 0; k < nres; k++) puts(results[k]);
    } else {
        /* sacreBLEU right-aligns the "NAME|SIGNATURE" parts so that the '=' signs line up. */
        int w = 0;
        for (int k = 0; k < nres; k++) {
            int at = (int)(strchr(results[k], '=') - results[k]) - 1;
            if (at > w) w = at;
        }
        for (int k = 0; k < nres; k++) {
            int at = (int)(strchr(results[k], '=') - results[k]) - 1;
            printf("%*s%.*s%s\n", w - at, "", at, results[k], results[k] + at);
        }
    }
    return 0;
}

/* Matches "--name VALUE", "--name=VALUE" or "-s VALUE"; advances *i past the value. Returns 1
 * on a match with *value set, 0 on no match, -1 when the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
                     const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    if (!strncmp(a, lng, n) && a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (strcmp(a, lng) && (!shrt || strcmp(a, shrt))) return 0;
    if (*i + 1 >= argc) {
        cli_error("eval: %s needs a value", lng);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cmd_eval(int argc, char **argv)
{
    options o = {M_BLEU | M_CHRF | M_CHRFPP, 0, 0, 1, 0};
    const char **ref_paths = calloc((size_t)argc + 1, sizeof *ref_paths);
    const char *hyp_path = NULL, **rl = NULL;
    text_file hyp, *refs = NULL;
    size_t nrefs = 0;
    int rc = 2;
    memset(&hyp, 0, sizeof hyp);
    if (!ref_paths) {
        cli_error("out of memory");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int m;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = 0;
            goto out;
        } else if ((m = opt_value(argc, argv, &i, "--ref", "-r", &v)) != 0) {
            if (m < 0) goto out;
            ref_paths[nrefs++] = v;
        } else if ((m = opt_value(argc, argv, &i, "--metrics", "-m", &v)) != 0) {
            if (m < 0 || parse_metrics(v, &o.metrics) != 0) goto out;
        } else if ((m = opt_value(argc, argv, &i, "--width", "-w", &v)) != 0) {
            char *end;
            if (m < 0) goto out;
            long w = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || w < 0 || w > 15) {
                cli_error("eval: --width wants a number of decimals from 0 to 15, not '%s'", v);
                goto out;
            }
            o.width = (int)w;
        } else if (!strcmp(a, "--sentence")) {
            o.sentence = 1;
        } else if (!strcmp(a, "--json")) {
            o.json = 1;
        } else if (!strcmp(a, "-b") || !strcmp(a, "--score-only")) {
            o.score_only = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("eval: unknown option '%s' (see 'tarjama eval --help')", a);
            goto out;
        } else if (hyp_path) {
            cli_error("eval: more than one hypothesis file ('%s' and '%s')", hyp_path, a);
            goto out;
        } else {
            hyp_path = a;
        }
    }
    if (nrefs == 0) {
        cli_error("eval: no reference given (use --ref FILE)");
        goto out;
    }
    if (o.sentence && o.metrics != M_BLEU && o.metrics != M_CHRF && o.metrics != M_CHRFPP) {
        cli_error("eval: --sentence scores one metric at a time (pick one with --metrics)");
        goto out;
    }

    int from_stdin = !hyp_path || !strcmp(hyp_path, "-"), stdin_uses = from_stdin;
    for (size_t r = 0; r < nrefs; r++) stdin_uses += !strcmp(ref_paths[r], "-");
    if (stdin_uses > 1) {
        cli_error("eval: stdin can hold the hypotheses or one reference, not both");
        goto out;
    }

    rc = 1;
    refs = calloc(nrefs, sizeof *refs);
    rl = calloc(nrefs, sizeof *rl);
    if (!refs || !rl) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t r = 0; r < nrefs; r++)
        if (load_lines(ref_paths[r], ref_paths[r], &refs[r]) != 0) goto out;
    if (load_lines(hyp_path, from_stdin ? "stdin" : hyp_path, &hyp) != 0) goto out;
    for (size_t r = 0; r < nrefs; r++) {
        if (refs[r].n != hyp.n) {
            cli_error("eval: %s has %zu lines but %s has %zu", hyp.name, hyp.n, refs[r].name,
                      refs[r].n);
            goto out;
        }
    }
    rc = o.sentence ? score_sentences(&o, &hyp, refs, nrefs, rl)
                    : score_corpus(&o, &hyp, refs, nrefs, rl);
    if (fflush(stdout) != 0) {
        cli_error("eval: cannot write the output");
        rc = 1;
    }
out:
    text_file_free(&hyp);
    if (refs)
        for (size_t r = 0; r < nrefs; r++) text_file_free(&refs[r]);
    free(refs);
    free(rl);
    free(ref_paths);
    return rc;
}
