/* SPDX-License-Identifier: MIT */
/* tarjama translate: UTF-8 text in (stdin or files), translation out, line for line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "registry/registry.h"

static const char help[] =
    "usage: tarjama translate (-m MODEL_DIR | --from LANG [--to LANG]) [OPTIONS] [FILE...]\n"
    "\n"
    "Translates UTF-8 text from FILEs (or stdin) and writes the translation to stdout, line for\n"
    "line; blank lines are kept.\n"
    "\n"
    "model:\n"
    "  -m, --model DIR        model directory (model.*.bin, lex.*.s2t.bin, vocab.*.spm)\n"
    "  --from ar|en|auto      source language; auto guesses it from the whole input and fails\n"
    "                         (exit 2) when the input is mixed or has no Arabic or Latin letters\n"
    "  --to ar|en             target language (default: the other one)\n"
    "                         Without -m, the installed model for the pair is used (see\n"
    "                         'tarjama models path ar-en'); with -m, --from/--to are only "
    "checked.\n"
    "options:\n"
    "  --beam N               1 = greedy on raw scores, the Firefox setting (default);\n"
    "                         N>1 = beam search on log-probabilities, length-normalised\n"
    "  --normalize F          length normalisation exponent for beam search (default 1.0)\n"
    "  --max-length-factor F  output at most ceil(F x source pieces incl. EOS) tokens (default "
    "2.0)\n"
    "  --no-shortlist         score the whole vocabulary instead of the lexical shortlist\n"
    "  --split paragraph|line paragraph (default): each line is a paragraph, split into sentences\n"
    "                         and rejoined with the source's own spacing; line: each line is one\n"
    "                         sentence (like marian-decoder)\n"
    "  --threads N            worker threads (default: one per CPU)\n"
    "  -h, --help             this text\n";

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi) {
        cli_error("%s needs an integer in %d..%d, got '%s'", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_float(const char *opt, const char *s, float lo, float hi, float *out)
{
    char *end;
    errno = 0;
    float v = s ? strtof(s, &end) : 0;
    if (!s || errno || *end || end == s || !(v >= lo && v <= hi)) {
        cli_error("%s needs a number in %g..%g, got '%s'", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* TJ_LANG_UNKNOWN stands for "auto" on --from (and is refused on --to). */
static int parse_lang(const char *opt, const char *s, int allow_auto, tj_lang *out)
{
    if (s && !strcmp(s, "ar")) {
        *out = TJ_LANG_AR;
    } else if (s && !strcmp(s, "en")) {
        *out = TJ_LANG_EN;
    } else if (s && allow_auto && !strcmp(s, "auto")) {
        *out = TJ_LANG_UNKNOWN;
    } else {
        cli_error("%s needs %s, got '%s'", opt,
                  allow_auto ? "'ar', 'en' or 'auto'" : "'ar' or 'en'", s ? s : "");
        return -1;
    }
    return 0;
}

static tj_lang other_lang(tj_lang l)
{
    return l == TJ_LANG_AR ? TJ_LANG_EN : TJ_LANG_AR;
}

/* Lines reach the library as C strings, so a NUL inside one would silently cut it short. */
static int check_nul(const char *name, const char *buf, size_t len)
{
    const char *nul = memchr(buf, '\0', len);
    if (!nul) return 0;
    size_t line = 1;
    for (const char *p = buf; p < nul; p++) line += *p == '\n';
    cli_error("%s: NUL byte at line %zu, byte offset %zu", name, line, (size_t)(nul - buf));
    return -1;
}

/* Guesses the source language from all inputs together. Returns 0, or after printing an error
 * the exit status (2: the input does not tell, so --from is needed). */
static int detect_source(char *const *bufs, const size_t *lens, int n, tj_lang *out)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) total += lens[i];
    char *all = malloc(total + 1);
    if (!all) {
        cli_error("out of memory");
        return 1;
    }
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + at, bufs[i], lens[i]);
        at += lens[i];
    }
    float conf;
    tj_lang l = tj_detect_language(all, total, &conf);
    free(all);
    if (l == TJ_LANG_MIXED) {
        cli_error("translate: --from auto: the input mixes Arabic and Latin script (%.0f%% in the "
                  "majority); give the source language with --from ar or --from en",
                  100.0 * conf);
        return 2;
    }
    if (l != TJ_LANG_AR && l != TJ_LANG_EN) {
        cli_error("translate: --from auto: the input has no Arabic or Latin letters to tell its "
                  "language by; give it with --from ar or --from en");
        return 2;
    }
    *out = l;
    return 0;
}

/* Lines are translated in blocks so that memory stays bounded on long inputs while every
 * thread has work. */
#define BLOCK_LINES 256

int cmd_translate(int argc, char **argv)
{
    const char *model_dir = NULL;
    char *found_dir = NULL;
    int have_from = 0, have_to = 0;
    tj_lang from = TJ_LANG_UNKNOWN, to = TJ_LANG_UNKNOWN;
    tj_options opt;
    tj_options_default(&opt);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) {
        cli_error("out of memory");
        return 1;
    }
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            free(files);
            return 0;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            if (!v) {
                cli_error("%s needs a directory", a);
                goto out;
            }
            model_dir = v, i++;
        } else if (!strcmp(a, "--from")) {
            if (parse_lang(a, v, 1, &from)) goto out;
            have_from = 1, i++;
        } else if (!strcmp(a, "--to")) {
            if (parse_lang(a, v, 0, &to)) goto out;
            have_to = 1, i++;
        } else if (!strcmp(a, "--beam") || !strcmp(a, "--beam-size") || !strcmp(a, "-b")) {
            if (parse_int(a, v, 1, 64, &opt.beam_size)) goto out;
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (parse_int(a, v, 0, 64, &opt.threads)) goto out;
            i++;
        } else if (!strcmp(a, "--normalize")) {
            if (parse_float(a, v, 0.0f, 10.0f, &opt.normalize)) goto out;
            i++;
        } else if (!strcmp(a, "--max-length-factor")) {
            if (parse_float(a, v, 0.01f, 100.0f, &opt.max_length_factor)) goto out;
            i++;
        } else if (!strcmp(a, "--no-shortlist")) {
            opt.use_shortlist = 0;
        } else if (!strcmp(a, "--split")) {
            if (v && !strcmp(v, "paragraph"))
                opt.split = TJ_SPLIT_PARAGRAPH;
            else if (v && !strcmp(v, "line"))
                opt.split = TJ_SPLIT_LINE;
            else {
                cli_error("--split needs 'paragraph' or 'line', got '%s'", v ? v : "");
                goto out;
            }
            i++;
        } else if (!strcmp(a, "--")) {
            while (++i < argc) files[nfiles++] = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("translate: unknown option '%s' (see 'tarjama translate --help')", a);
            goto out;
        } else {
            files[nfiles++] = a;
        }
    }
    if (have_from && have_to && from == to) {
        cli_error("translate: --from and --to are both '%s'", tj_lang_code(to));
        goto out;
    }
    if (!model_dir && !have_from && !have_to) {
        cli_error("translate: no model given: use -m MODEL_DIR or --from LANG (see 'tarjama "
                  "translate --help')");
        goto out;
    }

    /* Read and validate all input before loading the model or writing anything. */
    int ninputs = nfiles ? nfiles : 1;
    char **bufs = calloc((size_t)ninputs, sizeof *bufs);
    size_t *lens = calloc((size_t)ninputs, sizeof *lens);
    tj_model *model = NULL;
    rc = 1;
    if (!bufs || !lens) {
        cli_error("out of memory");
        goto done;
    }
    for (int f = 0; f < ninputs; f++) {
        const char *name = nfiles ? files[f] : "-";
        const char *shown = strcmp(name, "-") ? name : "stdin";
        if (cli_read_all(name, &bufs[f], &lens[f])) goto done;
        if (cli_check_utf8(shown, bufs[f], lens[f])) goto done;
        if (check_nul(shown, bufs[f], lens[f])) goto done;
    }

    tj_error err;
    if (!model_dir) {
        if (!have_from) {
            from = other_lang(to);
        } else if (from == TJ_LANG_UNKNOWN) {
            if ((rc = detect_source(bufs, lens, ninputs, &from))) goto done;
            rc = 1;
            if (have_to && from == to) {
                cli_error("translate: --from auto: the input looks %s, the same as --to",
                          from == TJ_LANG_AR ? "Arabic" : "English");
                rc = 2;
                goto done;
            }
        }
        if (!have_to) to = other_lang(from);
        char pair[8];
        snprintf(pair, sizeof pair, "%s-%s", tj_lang_code(from), tj_lang_code(to));
        if (tj_models_find(pair, &found_dir, &err)) {
            cli_error("%s", err.message);
            goto done;
        }
        model_dir = found_dir;
    }
    if (tj_model_open(model_dir, &model, &err)) {
        cli_error("%s", err.message);
        goto done;
    }
    for (int f = 0; f < ninputs; f++) {
        size_t nlines;
        char **lines = cli_split_lines(bufs[f], lens[f], &nlines);
        if (!lines) {
            cli_error("out of memory");
            goto done;
        }
        for (size_t b = 0; b < nlines; b += BLOCK_LINES) {
            size_t nb = nlines - b < BLOCK_LINES ? nlines - b : BLOCK_LINES;
            char *outs[BLOCK_LINES];
            if (tj_translate(model, &opt, (const char *const *)lines + b, nb, outs, &err)) {
                cli_error("%s", err.message);
                free(lines);
                goto done;
            }
            for (size_t k = 0; k < nb; k++) {
                fputs(outs[k], stdout);
                fputc('\n', stdout);
                tj_free(outs[k]);
            }
        }
        free(lines);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("error writing output: %s", strerror(errno));
        goto done;
    }
    rc = 0;
done:
    tj_model_close(model);
    tj_free(found_dir);
    for (int f = 0; bufs && f < ninputs; f++) free(bufs[f]);
    free(bufs);
    free(lens);
out:
    free(files);
    return rc;
}
