/* SPDX-License-Identifier: MIT */
/* tarjama translate: UTF-8 text in (stdin or files), translation out, line for line. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "eval/metrics.h"
#include "registry/registry.h"

static const char help[] =
    "usage: tarjama translate (-m MODEL_DIR | --from LANG [--to LANG]) [OPTIONS] [FILE...]\n"
    "\n"
    "Translates UTF-8 text from FILEs (or stdin) and writes the translation to stdout, line for\n"
    "line; blank lines are kept. Input is translated while it is read, in windows of 256 lines\n"
    "(fewer when a pipe or terminal pauses, so each typed line comes back at once); memory stays\n"
    "bounded whatever the input size. Lines with nothing to translate (no letters: numbers,\n"
    "punctuation, emoji, URLs, e-mail addresses) are copied unchanged.\n"
    "\n"
    "model:\n"
    "  -m, --model DIR        model directory (model.*.bin, lex.*.s2t.bin, vocab.*.spm)\n"
    "                         or an OPUS-MT release / Hugging Face MarianMT folder, whose\n"
    "                         decoder.yml settings are the defaults (docs/opus-mt.md)\n"
    "  --from ar|en|auto      source language; auto guesses it from the opening text (up to\n"
    "                         64 KiB, or the first lines a pipe sends) and fails (exit 2) when it\n"
    "                         is mixed or has no Arabic or Latin letters\n"
    "  --to ar|en             target language (default: the other one)\n"
    "                         Without -m, the installed model for the pair is used (see\n"
    "                         'tarjama models path ar-en'); with -m, --from/--to are checked\n"
    "                         against the model's file names (model.aren.* is ar-en)\n"
    "options:\n"
    "  --beam N               1 = greedy on raw scores, the Firefox setting (default);\n"
    "                         N>1 = beam search on log-probabilities, length-normalised\n"
    "  --normalize F          length normalisation exponent for beam search (default 1.0)\n"
    "  --max-length-factor F  output at most ceil(F x source pieces incl. EOS) tokens (default "
    "2.0)\n"
    "  --no-shortlist         score the whole vocabulary instead of the lexical shortlist\n"
    "  --int8                 float models: quantise the weights to int8 at load (faster;\n"
    "                         output close to float, not identical)\n"
    "  --target-token TOK     multi-target OPUS-MT models: the >>xxx<< token put before each\n"
    "                         sentence (default: from --to when the README requires one)\n"
    "  --split paragraph|line paragraph (default): each line is a paragraph, split into sentences\n"
    "                         and rejoined with the source's own spacing; line: each line is one\n"
    "                         sentence (like marian-decoder)\n"
    "  --threads N            worker threads, 0..64 (default 0: one per CPU)\n"
    "  --max-line KIB         longest line held in memory, in KiB (default 1024); a longer line\n"
    "                         is cut at white space and translated in parts, and one with no\n"
    "                         white space is an error\n"
    "documents (docs/documents.md):\n"
    "  --format FMT           text (default), html, markdown, srt (SubRip or WebVTT), docx;\n"
    "                         guessed from the first FILE's extension (.html .htm .md .srt\n"
    "                         .vtt .docx). A document is read whole and keeps its form: markup,\n"
    "                         cue numbers and timings are copied, only its text is translated.\n"
    "                         docx: one file, written with -o FILE or to a redirected stdout\n"
    "  --doubt LOGPROB        a sentence whose mean token log-probability is below LOGPROB is\n"
    "                         doubtful (default -1.9 with --flags and --jsonl); html: such\n"
    "                         blocks get a data-tj-doubt attribute\n"
    "  --glossary FILE        terms to enforce: 'source term<TAB>target term[<TAB>flags]'\n"
    "                         lines (flags: case = exact letters, part = also inside words);\n"
    "                         any format and --flags; read whole; Arabic terms also match\n"
    "                         after و ف ب ل ك and with alef/hamza variants. A summary goes to\n"
    "                         stderr (unless -q)\n"
    "  --glossary-mode MODE   constrain (default): force the terms into the output by a\n"
    "                         constrained greedy search; align: translate as usual, then put\n"
    "                         each term on the words aligned to its source\n"
    "quality flags:\n"
    "  --flags tsv|json       instead of the translation, write a per-sentence report: line,\n"
    "                         mean token log-probability, round-trip chrF (when the reverse\n"
    "                         model is found), doubtful (0/1), source, translation\n"
    "  --reverse-model DIR    the model translating back, for the round-trip score (default:\n"
    "                         the installed reverse pair when --from/--to picked the model)\n"
    "  --doubt-roundtrip F    doubtful also when the round-trip chrF is below F (default 10)\n"
    "batch:\n"
    "  --jsonl                JSON lines in, JSON lines out, in order: each line a request\n"
    "                         {\"id\": ..., \"text\": \"...\", \"format\": \"html\", \"flags\": "
    "true}\n"
    "                         (format and flags optional), answered by {\"id\": ...,\n"
    "                         \"translation\": \"...\"} or {\"id\": ..., \"error\": \"...\"}; "
    "blank\n"
    "                         lines are skipped. Made for GNU parallel --pipe and Hadoop\n"
    "                         Streaming (docs/documents.md)\n"
    "output:\n"
    "  -o, --output FILE      write FILE atomically (a temporary file beside it, renamed when\n"
    "                         done; removed on error or interruption) instead of stdout\n"
    "  --unbuffered           translate and write each line on its own as soon as it is read\n"
    "                         (slower on big inputs: one line at a time)\n"
    "  -q, --quiet            no progress line (it is only shown on a terminal, after 1 s)\n"
    "  -h, --help             this text\n"
    "\n"
    "Options also take the form --option=VALUE. Exit status: 0 done, 1 error (input, model,\n"
    "output), 2 usage error; killed by a signal: 128 + its number, with FILE not written.\n";

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

/* The language pair a model directory is named for: Marian and Firefox name their files
 * model.aren.*, vocab.enar.spm. Returns 0 and the two languages, or -1 when the names do not
 * tell (then nothing is checked). */
static int model_pair(const tj_model *m, tj_lang *src, tj_lang *trg)
{
    tj_model_info info;
    tj_model_get_info(m, &info);
    if (!info.model_path) return -1;
    const char *base = strrchr(info.model_path, '/');
    base = base ? base + 1 : info.model_path;
    if (strncmp(base, "model.", 6) != 0) return -1;
    const char *p = base + 6;
    if (strlen(p) < 5 || p[4] != '.') return -1;
    if (!strncmp(p, "aren", 4)) {
        *src = TJ_LANG_AR, *trg = TJ_LANG_EN;
    } else if (!strncmp(p, "enar", 4)) {
        *src = TJ_LANG_EN, *trg = TJ_LANG_AR;
    } else {
        return -1;
    }
    return 0;
}

/* One input: a file or stdin, read with read(2) so that poll(2) can tell when a pipe or
 * terminal has paused (then what was read so far is translated at once). */
typedef struct input {
    const char *name, *shown;
    int fd, regular, eof;
    size_t size; /* bytes, for a regular file (the progress line's total) */
} input;

static int input_open(input *in, const char *name)
{
    in->name = name;
    in->eof = 0;
    if (!strcmp(name, "-")) {
        in->shown = "stdin";
        in->fd = 0;
    } else {
        in->shown = name;
        in->fd = open(name, O_RDONLY);
        if (in->fd < 0) {
            cli_error("%s: cannot open: %s", name, strerror(errno));
            return -1;
        }
    }
    struct stat st;
    int have_st = fstat(in->fd, &st) == 0;
    if (have_st && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory", name);
        return -1;
    }
    in->regular = have_st && S_ISREG(st.st_mode);
    in->size = in->regular ? (size_t)st.st_size : 0;
    return 0;
}

static void input_close(input *in)
{
    if (in->fd > 0) close(in->fd);
    in->fd = -1;
}

/* Reads up to n bytes; returns the count (0 at end of input), or -1 after printing an error. */
static ssize_t input_read(input *in, char *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(in->fd, buf, n);
        if (r >= 0) {
            if (r == 0) in->eof = 1;
            return r;
        }
        if (errno == EINTR) continue;
        cli_error("%s: read error: %s", in->shown, strerror(errno));
        return -1;
    }
}

/* True when a pipe or terminal has nothing more to read right now. */
static int input_paused(const input *in)
{
    if (in->regular || in->eof) return 0;
    struct pollfd p = {in->fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

/* --from auto reads ahead this much at most to tell the language. */
#define DETECT_BYTES (64 * 1024)

/* Guesses the source language from the first input's opening text: up to DETECT_BYTES, or
 * less when a pipe pauses after some letters (so a line typed at a terminal is enough).
 * The text read stays in *pre for translation. Returns 0, or after printing an error the exit
 * status (2: the input does not tell, so --from is needed). */
static int detect_source(input *in, char *pre, size_t *npre, tj_lang *out)
{
    size_t n = 0;
    tj_lang l = TJ_LANG_UNKNOWN;
    float conf = 0;
    while (n < DETECT_BYTES && !in->eof) {
        ssize_t r = input_read(in, pre + n, DETECT_BYTES - n);
        if (r < 0) return 1;
        n += (size_t)r;
        l = tj_detect_language(pre, n, &conf);
        if (l != TJ_LANG_UNKNOWN && input_paused(in) && memchr(pre, '\n', n)) break;
    }
    *npre = n;
    l = tj_detect_language(pre, n, &conf);
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

typedef struct sink {
    cli_out *out;
} sink;

static int write_out(void *user, const char *data, size_t len)
{
    return cli_out_write(((sink *)user)->out, data, len);
}

/* Reads a whole input into *data (malloc'd). Returns 0, or 1 after printing an error. */
static int read_all(input *in, char **data, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) {
        cli_error("out of memory");
        return 1;
    }
    while (!in->eof) {
        if (n == cap) {
            char *t = cap < ((size_t)1 << 31) ? realloc(b, cap *= 2) : NULL;
            if (!t) {
                free(b);
                cli_error("%s: document too large to hold in memory", in->shown);
                return 1;
            }
            b = t;
        }
        ssize_t r = input_read(in, b + n, cap - n);
        if (r < 0) {
            free(b);
            return 1;
        }
        n += (size_t)r;
    }
    *data = b, *len = n;
    return 0;
}

/* Translates one document (any format but text) and writes it whole. Returns 0 or 1. */
static int translate_doc(const tj_model *m, const tj_options *opt, const tj_doc_options *dopt,
                         input *in, sink *out)
{
    char *data = NULL, *res = NULL;
    size_t len = 0, rlen = 0;
    if (read_all(in, &data, &len)) return 1;
    tj_error err;
    int rc = 0;
    if (tj_translate_document(m, opt, dopt, data, len, &res, &rlen, &err)) {
        cli_error("%s: %s", in->shown, err.message);
        rc = 1;
    } else if (cli_out_write(out->out, res, rlen)) {
        cli_error("error writing %s: %s", out->out->atomic ? out->out->path : "output",
                  strerror(out->out->err));
        rc = 1;
    }
    free(data);
    tj_free(res);
    return rc;
}

/* Writes s as a JSON string body (no quotes). Returns 0 or -1. */
static int put_json(cli_out *o, const char *s)
{
    char b[8];
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int r;
        if (c == '"' || c == '\\') {
            b[0] = '\\', b[1] = (char)c;
            r = cli_out_write(o, b, 2);
        } else if (c < 0x20) {
            snprintf(b, sizeof b, "\\u%04x", c);
            r = cli_out_write(o, b, 6);
        } else {
            r = cli_out_write(o, p, 1);
        }
        if (r) return -1;
    }
    return 0;
}

/* Writes s with tabs and line breaks as spaces, for one TSV field. */
static int put_tsv(cli_out *o, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p;
        if (cli_out_write(o, &c, 1)) return -1;
    }
    return 0;
}

/* --flags: the per-sentence report of a whole input. rev (may be NULL) translates back. */
static int flags_report(const tj_model *m, const tj_model *rev, const tj_options *opt,
                        const tj_doc_options *dopt, input *in, int json, float doubt_rt, sink *out)
{
    float doubt = dopt->doubt_logprob;
    char *data = NULL;
    size_t len = 0, n = 0;
    if (read_all(in, &data, &len)) return 1;
    tj_error err;
    tj_scored_sentence *v = NULL;
    char **back = NULL;
    int rc = 1;
    if (tj_translate_scored_doc(m, opt, dopt, data, len, &v, &n, &err)) {
        cli_error("%s: %s", in->shown, err.message);
        goto done;
    }
    if (rev && n) {
        /* each translation back as one sentence, scored with chrF against its source */
        const char **t = malloc(n * sizeof *t);
        back = calloc(n, sizeof *back);
        tj_options o = *opt;
        o.split = TJ_SPLIT_LINE;
        if (!t || !back) {
            free(t);
            cli_error("out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) t[i] = v[i].translation;
        int st = tj_translate(rev, &o, t, n, back, &err);
        free(t);
        if (st) {
            cli_error("round trip: %s", err.message);
            goto done;
        }
    }
    cli_out *o = out->out;
    int w = 0;
    if (json)
        w |= cli_out_write(o, "[", 1);
    else
        w |= cli_out_write(o, "line\tlogprob\troundtrip_chrf\tdoubtful\tsource\ttranslation\n", 56);
    for (size_t i = 0; i < n && !w; i++) {
        char num[64], rt[32] = "";
        double chrf = -1;
        if (back && !v[i].copied) {
            tj_chrf_stats cs;
            const char *ref = v[i].source;
            if (tj_chrf_segment(back[i], &ref, 1, 0, &cs, NULL, &err) == 0)
                chrf = tj_chrf_compute(&cs, 0);
            snprintf(rt, sizeof rt, "%.2f", chrf);
        }
        int doubtful = !v[i].copied && (v[i].logprob < doubt || (chrf >= 0 && chrf < doubt_rt));
        if (json) {
            snprintf(num, sizeof num, "%s\n{\"line\": %zu, \"logprob\": %.4f, ", i ? "," : "",
                     v[i].line, (double)v[i].logprob);
            w |= cli_out_write(o, num, strlen(num));
            if (*rt) {
                w |= cli_out_write(o, "\"roundtrip_chrf\": ", 18);
                w |= cli_out_write(o, rt, strlen(rt));
                w |= cli_out_write(o, ", ", 2);
            }
            snprintf(num, sizeof num, "\"doubtful\": %s, \"source\": \"",
                     doubtful ? "true" : "false");
            w |= cli_out_write(o, num, strlen(num));
            w |= put_json(o, v[i].source);
            w |= cli_out_write(o, "\", \"translation\": \"", 19);
            w |= put_json(o, v[i].translation);
            w |= cli_out_write(o, "\"}", 2);
        } else {
            snprintf(num, sizeof num, "%zu\t%.4f\t%s\t%d\t", v[i].line, (double)v[i].logprob, rt,
                     doubtful);
            w |= cli_out_write(o, num, strlen(num));
            w |= put_tsv(o, v[i].source);
            w |= cli_out_write(o, "\t", 1);
            w |= put_tsv(o, v[i].translation);
            w |= cli_out_write(o, "\n", 1);
        }
    }
    if (json && !w) w |= cli_out_write(o, "\n]\n", 3);
    if (w) {
        cli_error("error writing %s: %s", o->atomic ? o->path : "output", strerror(o->err));
        goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; back && i < n; i++) tj_free(back[i]);
    free(back);
    tj_scored_free(v, n);
    free(data);
    return rc;
}

/* The glossary's summary line on stderr. */
static void glossary_summary(const char *shown, const tj_glossary_counts *c)
{
    fprintf(stderr, "tarjama: %s: glossary: %zu terms found: %zu placed by alignment, %zu inserted",
            shown, c->found, c->placed, c->inserted);
    if (c->forced || c->missing)
        fprintf(stderr, ", %zu forced by the constrained search, %zu missing", c->forced,
                c->missing);
    fputc('\n', stderr);
}

/* --glossary on text: the whole input with its terms enforced. Returns 0 or 1. */
static int glossary_run(const tj_model *m, const tj_options *opt, const tj_doc_options *dopt,
                        input *in, int quiet, sink *out)
{
    char *data = NULL, *res = NULL;
    size_t len = 0, rlen = 0;
    if (read_all(in, &data, &len)) return 1;
    tj_error err;
    int rc = 0;
    tj_doc_options d = *dopt;
    d.format = TJ_FORMAT_TEXT;
    if (tj_translate_document(m, opt, &d, data, len, &res, &rlen, &err)) {
        cli_error("%s: %s", in->shown, err.message);
        rc = 1;
    } else {
        size_t n = strlen(res);
        int w = cli_out_write(out->out, res, n);
        if (!w && len && data[len - 1] == '\n' && (!n || res[n - 1] != '\n'))
            w = cli_out_write(out->out, "\n", 1);
        if (w) {
            cli_error("error writing %s: %s", out->out->atomic ? out->out->path : "output",
                      strerror(out->out->err));
            rc = 1;
        } else if (!quiet) {
            glossary_summary(in->shown, dopt->glossary_counts);
        }
    }
    free(data);
    tj_free(res);
    return rc;
}

/* --jsonl: requests are answered in windows of JSONL_WINDOW lines, in order. */
#define JSONL_WINDOW 64
#define JSONL_MAX_LINE ((size_t)64 << 20)

static int jsonl_window(const tj_model *m, const tj_options *opt, float doubt, char *buf,
                        size_t *starts, size_t *lens, size_t n, sink *out)
{
    const char *lines[JSONL_WINDOW];
    char *res[JSONL_WINDOW];
    for (size_t i = 0; i < n; i++) lines[i] = buf + starts[i];
    tj_error err;
    if (tj_translate_jsonl(m, opt, doubt, lines, lens, n, res, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    int w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!w) w = cli_out_write(out->out, res[i], strlen(res[i]));
        tj_free(res[i]);
    }
    if (w) {
        cli_error("error writing %s: %s", out->out->atomic ? out->out->path : "output",
                  strerror(out->out->err));
        return 1;
    }
    return 0;
}

static int jsonl_run(const tj_model *m, const tj_options *opt, float doubt, input *in, sink *out)
{
    size_t cap = 1 << 16, len = 0, pos = 0;
    char *buf = malloc(cap);
    size_t starts[JSONL_WINDOW], lens[JSONL_WINDOW], n = 0;
    int rc = 1;
    if (!buf) {
        cli_error("out of memory");
        return 1;
    }
    for (;;) {
        /* complete lines from pos on */
        char *nl;
        while (n < JSONL_WINDOW && (nl = memchr(buf + pos, '\n', len - pos))) {
            size_t e = (size_t)(nl - buf), b = pos;
            pos = e + 1;
            if (e > b && buf[e - 1] == '\r') e--;
            size_t k = b;
            while (k < e && (buf[k] == ' ' || buf[k] == '\t')) k++;
            if (k == e) continue; /* blank line */
            starts[n] = b, lens[n] = e - b, n++;
        }
        if (in->eof && n < JSONL_WINDOW && pos < len) {
            /* a last line without '\n' */
            starts[n] = pos, lens[n] = len - pos, n++;
            pos = len;
        }
        if (n == JSONL_WINDOW || (in->eof && n) || (n && input_paused(in))) {
            if (jsonl_window(m, opt, doubt, buf, starts, lens, n, out)) goto done;
            n = 0;
            continue;
        }
        if (in->eof) break;
        /* keep the unfinished line (and the lines waiting for their window), read more */
        if (n == 0) {
            memmove(buf, buf + pos, len - pos);
            len -= pos, pos = 0;
        }
        if (len == cap) {
            if (cap - (n ? starts[0] : pos) >= JSONL_MAX_LINE) {
                cli_error("%s: a JSONL line longer than %zu MiB", in->shown, JSONL_MAX_LINE >> 20);
                goto done;
            }
            char *t = realloc(buf, cap * 2);
            if (!t) {
                cli_error("out of memory");
                goto done;
            }
            buf = t, cap *= 2;
        }
        ssize_t r = input_read(in, buf + len, cap - len);
        if (r < 0) goto done;
        len += (size_t)r;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

/* The format a file name's extension stands for, or -1. */
static int format_of_file(const char *name)
{
    const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
    if (!dot || (slash && dot < slash)) return -1;
    return tj_format_from_name(dot + 1);
}

/* Translates one input through a fresh stream (line numbers in errors count from its start).
 * pre holds bytes already read from it. Returns 0 or 1 after printing an error. */
static int translate_input(const tj_model *m, const tj_options *opt, const tj_stream_config *cfg,
                           input *in, const char *pre, size_t npre, sink *out, cli_progress *pg,
                           tj_stream_stats *total)
{
    tj_error err;
    tj_stream *s = NULL;
    if (tj_stream_open(m, opt, cfg, write_out, out, &s, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    static char buf[1 << 16];
    tj_stream_stats st = {0, 0, 0};
    int rc = 1;
    if (npre && tj_stream_feed(s, pre, npre, &err)) goto fail;
    if (input_paused(in) && tj_stream_flush(s, &err)) goto fail;
    while (!in->eof) {
        ssize_t r = input_read(in, buf, sizeof buf);
        if (r < 0) goto done;
        if (tj_stream_feed(s, buf, (size_t)r, &err)) goto fail;
        if (input_paused(in) && tj_stream_flush(s, &err)) goto fail;
        tj_stream_get_stats(s, &st);
        cli_progress_update(pg, total->lines + st.lines, total->bytes + st.bytes,
                            total->words + st.words);
    }
    if (tj_stream_finish(s, &err)) goto fail;
    rc = 0;
    goto done;
fail:
    if (err.code == TJ_ERR_INPUT)
        cli_error("%s: %s", in->shown, err.message);
    else if (err.code == TJ_ERR_IO && out->out->err)
        cli_error("error writing %s: %s", out->out->atomic ? out->out->path : "output",
                  strerror(out->out->err));
    else
        cli_error("%s", err.message);
done:
    tj_stream_get_stats(s, &st);
    total->lines += st.lines;
    total->bytes += st.bytes;
    total->words += st.words;
    tj_stream_close(s);
    return rc;
}

/* When --from/--to fell back to a bundled starter model, say so once per run: its translations
 * are poor, and a user who sees them should learn why and what to install. Only on a terminal, so
 * that pipelines and logs stay clean. */
static void starter_notice(const char *dir, tj_lang from, tj_lang to)
{
    if (!isatty(STDERR_FILENO)) return;
    char *bundled = tj_models_bundled_dir();
    size_t n = bundled ? strlen(bundled) : 0;
    if (n && !strncmp(dir, bundled, n) && dir[n] == '/')
        fprintf(stderr,
                "tarjama: using the small built-in %s-%s starter model, which gets most words "
                "wrong; 'tarjama models fetch %s-%s' installs Mozilla's (about 25 MB)\n",
                tj_lang_code(from), tj_lang_code(to), tj_lang_code(from), tj_lang_code(to));
    free(bundled);
}

/* OPUS-MT / Hugging Face models: decoder.yml's settings where the command line gave none, the
 * target-language token (--target-token, else >>xxx<< from --to when the README requires one),
 * int8 at load. */
static int opus_setup(tj_model *model, tj_options *opt, int set_beam, int set_norm, int set_mlf,
                      int int8, const char *token, tj_lang to)
{
    tj_options d;
    tj_error err;
    tj_model_default_options(model, &d);
    if (!set_beam) opt->beam_size = d.beam_size;
    if (!set_norm) opt->normalize = d.normalize;
    if (!set_mlf) opt->max_length_factor = d.max_length_factor;
    if (token && tj_model_set_target_token(model, token, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    if (!token && tj_model_needs_target_token(model) && to != TJ_LANG_UNKNOWN) {
        /* OPUS-MT labels are ISO 639-3 (>>ara<<, >>eng<<), older ones ISO 639-1. */
        const char *three = to == TJ_LANG_AR ? ">>ara<<" : ">>eng<<";
        char two[16];
        snprintf(two, sizeof two, ">>%s<<", tj_lang_code(to));
        if (tj_model_set_target_token(model, three, &err) &&
            tj_model_set_target_token(model, two, &err)) {
            cli_error("%s", err.message);
            return 1;
        }
    }
    if (tj_model_needs_target_token(model)) {
        cli_error("translate: this model translates into several languages and needs a "
                  "target-language token: give --target-token (e.g. '>>ara<<'; its README "
                  "lists them) or --to");
        return 1;
    }
    if (int8 && tj_model_quantize(model, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    return 0;
}

int cmd_translate(int argc, char **argv)
{
    const char *model_dir = NULL, *output = NULL;
    char *found_dir = NULL;
    int have_from = 0, have_to = 0, quiet = 0, unbuffered = 0;
    tj_lang from = TJ_LANG_UNKNOWN, to = TJ_LANG_UNKNOWN;
    tj_options opt;
    tj_options_default(&opt);
    int set_beam = 0, set_norm = 0, set_mlf = 0, int8 = 0;
    const char *target_token = NULL;
    tj_stream_config cfg = {0, 0};
    int format = -1, flags = -1; /* flags: 0 tsv, 1 json */
    const char *reverse_dir = NULL;
    int jsonl = 0;
    const char *glossary_path = NULL;
    float doubt_rt = 10.0f;
    tj_doc_options dopt;
    memset(&dopt, 0, sizeof dopt);
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
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!v || !*v) {
                cli_error("%s needs a file name", a);
                goto out;
            }
            output = v, i++;
        } else if (!strcmp(a, "--from")) {
            if (parse_lang(a, v, 1, &from)) goto out;
            have_from = 1, i++;
        } else if (!strcmp(a, "--to")) {
            if (parse_lang(a, v, 0, &to)) goto out;
            have_to = 1, i++;
        } else if (!strcmp(a, "--beam") || !strcmp(a, "--beam-size") || !strcmp(a, "-b")) {
            if (parse_int(a, v, 1, 64, &opt.beam_size)) goto out;
            set_beam = 1;
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (parse_int(a, v, 0, 64, &opt.threads)) goto out;
            i++;
        } else if (!strcmp(a, "--normalize")) {
            if (parse_float(a, v, 0.0f, 10.0f, &opt.normalize)) goto out;
            set_norm = 1;
            i++;
        } else if (!strcmp(a, "--max-length-factor")) {
            if (parse_float(a, v, 0.01f, 100.0f, &opt.max_length_factor)) goto out;
            set_mlf = 1;
            i++;
        } else if (!strcmp(a, "--max-line")) {
            int kb;
            if (parse_int(a, v, 1, 1 << 20, &kb)) goto out;
            cfg.max_line = (size_t)kb * 1024;
            i++;
        } else if (!strcmp(a, "--format")) {
            format = tj_format_from_name(v);
            if (format < 0) {
                cli_error("--format needs 'text', 'html', 'markdown', 'srt' or 'docx', got '%s'",
                          v ? v : "");
                goto out;
            }
            i++;
        } else if (!strcmp(a, "--flags")) {
            if (v && (!strcmp(v, "tsv") || !strcmp(v, "json"))) {
                flags = !strcmp(v, "json");
            } else {
                cli_error("--flags needs 'tsv' or 'json', got '%s'", v ? v : "");
                goto out;
            }
            i++;
        } else if (!strcmp(a, "--glossary")) {
            if (!v || !*v) {
                cli_error("%s needs a file", a);
                goto out;
            }
            glossary_path = v, i++;
        } else if (!strcmp(a, "--glossary-mode")) {
            if (v && !strcmp(v, "align")) {
                dopt.glossary_mode = TJ_GLOSSARY_ALIGN;
            } else if (v && !strcmp(v, "constrain")) {
                dopt.glossary_mode = TJ_GLOSSARY_CONSTRAIN;
            } else {
                cli_error("--glossary-mode needs 'align' or 'constrain', got '%s'", v ? v : "");
                goto out;
            }
            i++;
        } else if (!strcmp(a, "--jsonl")) {
            jsonl = 1;
        } else if (!strcmp(a, "--reverse-model")) {
            if (!v || !*v) {
                cli_error("%s needs a directory", a);
                goto out;
            }
            reverse_dir = v, i++;
        } else if (!strcmp(a, "--doubt-roundtrip")) {
            if (parse_float(a, v, 0.0f, 100.0f, &doubt_rt)) goto out;
            i++;
        } else if (!strcmp(a, "--doubt")) {
            if (parse_float(a, v, -100.0f, 0.0f, &dopt.doubt_logprob)) goto out;
            dopt.mark_doubt = 1;
            i++;
        } else if (!strcmp(a, "--int8")) {
            int8 = 1;
        } else if (!strcmp(a, "--target-token")) {
            if (!v || !*v) {
                cli_error("%s needs a token such as '>>ara<<'", a);
                goto out;
            }
            target_token = v, i++;
        } else if (!strcmp(a, "--no-shortlist")) {
            opt.use_shortlist = 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--unbuffered")) {
            unbuffered = 1;
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
    if (unbuffered) cfg.window = 1;
    if (format < 0 && nfiles > 0) format = format_of_file(files[0]);
    if (format < 0) format = TJ_FORMAT_TEXT;
    if (format == TJ_FORMAT_DOCX && (nfiles > 1 || (!output && isatty(STDOUT_FILENO)))) {
        /* a ZIP package is binary: never onto a terminal, and two are not one file */
        cli_error(nfiles > 1 ? "translate: --format docx takes one file at a time"
                             : "translate: DOCX output is binary: give -o FILE or redirect stdout");
        goto out;
    }
    dopt.format = (tj_format)format;
    if (flags >= 0 && format != TJ_FORMAT_TEXT) {
        cli_error("translate: --flags works on text (--format text)");
        goto out;
    }
    /* defaults calibrated on FLORES devtest with the starter models (docs/documents.md) */
    if (flags >= 0 && !dopt.mark_doubt) dopt.doubt_logprob = -1.9f;
    if (jsonl && (flags >= 0 || format != TJ_FORMAT_TEXT)) {
        cli_error("translate: --jsonl takes the format and flags from each request");
        goto out;
    }
    if (jsonl && !dopt.mark_doubt) dopt.doubt_logprob = -1.9f;
    if (glossary_path && jsonl) {
        cli_error("translate: --glossary does not work with --jsonl (give \"glossary\" in each "
                  "request)");
        goto out;
    }

    int ninputs = nfiles ? nfiles : 1;
    input *ins = calloc((size_t)ninputs, sizeof *ins);
    char *pre = NULL;
    size_t npre = 0, total_bytes = 0;
    tj_model *model = NULL;
    cli_out out;
    memset(&out, 0, sizeof out);
    out.fd = -1;
    rc = 1;
    if (!ins) {
        cli_error("out of memory");
        goto done;
    }
    for (int f = 0; f < ninputs; f++) ins[f].fd = -1;
    /* Open every input first: a missing file is reported before anything is translated. */
    int all_regular = 1;
    for (int f = 0; f < ninputs; f++) {
        if (input_open(&ins[f], nfiles ? files[f] : "-")) goto done;
        if (ins[f].regular)
            total_bytes += ins[f].size;
        else
            all_regular = 0;
    }

    tj_error err;
    if (!model_dir) {
        if (!have_from) {
            from = other_lang(to);
        } else if (from == TJ_LANG_UNKNOWN) {
            if (!(pre = malloc(DETECT_BYTES))) {
                cli_error("out of memory");
                goto done;
            }
            if ((rc = detect_source(&ins[0], pre, &npre, &from))) goto done;
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
    if (opus_setup(model, &opt, set_beam, set_norm, set_mlf, int8, target_token,
                   have_to ? to : TJ_LANG_UNKNOWN)) {
        rc = 1;
        goto done;
    }
    if (found_dir && !quiet) starter_notice(found_dir, from, to);
    tj_lang msrc, mtrg;
    if (found_dir == NULL && model_pair(model, &msrc, &mtrg) == 0 &&
        ((have_from && from != TJ_LANG_UNKNOWN && from != msrc) || (have_to && to != mtrg))) {
        tj_lang want_from = have_from && from != TJ_LANG_UNKNOWN ? from : other_lang(to);
        tj_lang want_to = have_to ? to : other_lang(want_from);
        cli_error("translate: the model in %s translates %s-%s, not %s-%s", model_dir,
                  tj_lang_code(msrc), tj_lang_code(mtrg), tj_lang_code(want_from),
                  tj_lang_code(want_to));
        rc = 2;
        goto done;
    }
    if (cli_out_open(&out, output)) goto done;
    sink sk = {&out};
    cli_progress pg;
    cli_progress_init(&pg, !quiet, all_regular ? total_bytes : 0);
    tj_stream_stats total = {0, 0, 0};
    if (format != TJ_FORMAT_TEXT) {
        /* lang= and dir= on an HTML root need the target language */
        tj_lang ms, mt;
        if (found_dir)
            dopt.target_lang = tj_lang_code(to);
        else if (model_pair(model, &ms, &mt) == 0)
            dopt.target_lang = tj_lang_code(mt);
        if (pre && npre) {
            /* --from auto read ahead: a document is not detected on its opening bytes */
            cli_error("translate: --from auto works with --format text only; give --from");
            rc = 2;
            goto done;
        }
    }
    tj_model *rev = NULL;
    tj_glossary *gl = NULL;
    if (glossary_path && tj_glossary_load(glossary_path, &gl, &err)) {
        cli_error("%s", err.message);
        goto done;
    }
    tj_glossary_counts gcount;
    dopt.glossary = gl;
    dopt.glossary_counts = &gcount;
    if (flags >= 0) {
        char *rdir = NULL;
        if (!reverse_dir && found_dir) {
            /* the installed reverse pair, when there is one; no round trip otherwise */
            char pair[8];
            snprintf(pair, sizeof pair, "%s-%s", tj_lang_code(to), tj_lang_code(from));
            if (tj_models_find(pair, &rdir, &err) == 0) reverse_dir = rdir;
        }
        if (reverse_dir && tj_model_open(reverse_dir, &rev, &err)) {
            cli_error("--reverse-model: %s", err.message);
            tj_free(rdir);
            goto done;
        }
        tj_free(rdir);
    }
    for (int f = 0; f < ninputs; f++) {
        memset(&gcount, 0, sizeof gcount);
        if (gl && flags < 0 && format == TJ_FORMAT_TEXT) {
            if (glossary_run(model, &opt, &dopt, &ins[f], quiet, &sk)) {
                tj_glossary_free(gl);
                cli_out_abort(&out);
                goto done;
            }
            continue;
        }
        if (jsonl) {
            if (pre && npre) {
                cli_error("translate: --from auto does not work with --jsonl; give --from");
                tj_model_close(rev);
                rc = 2;
                goto done;
            }
            if (jsonl_run(model, &opt, dopt.doubt_logprob, &ins[f], &sk)) {
                tj_model_close(rev);
                cli_out_abort(&out);
                goto done;
            }
            continue;
        }
        if (flags >= 0) {
            if (pre && npre) {
                cli_error("translate: --from auto works with --flags only on files; give --from");
                tj_model_close(rev);
                rc = 2;
                goto done;
            }
            if (flags_report(model, rev, &opt, &dopt, &ins[f], flags, doubt_rt, &sk)) {
                tj_model_close(rev);
                tj_glossary_free(gl);
                cli_out_abort(&out);
                goto done;
            }
            if (gl && !quiet) glossary_summary(ins[f].shown, &gcount);
            continue;
        }
        if (format != TJ_FORMAT_TEXT) {
            if (translate_doc(model, &opt, &dopt, &ins[f], &sk)) {
                tj_glossary_free(gl);
                cli_out_abort(&out);
                goto done;
            }
            if (gl && !quiet) glossary_summary(ins[f].shown, &gcount);
            continue;
        }
        int r = translate_input(model, &opt, &cfg, &ins[f], f == 0 ? pre : NULL, f == 0 ? npre : 0,
                                &sk, &pg, &total);
        if (r) {
            cli_progress_end(&pg);
            cli_out_abort(&out);
            goto done;
        }
    }
    cli_progress_end(&pg);
    tj_model_close(rev);
    tj_glossary_free(gl);
    if (cli_out_commit(&out)) goto done;
    rc = 0;
done:
    cli_out_abort(&out);
    tj_model_close(model);
    tj_free(found_dir);
    for (int f = 0; ins && f < ninputs; f++) input_close(&ins[f]);
    free(ins);
    free(pre);
out:
    free(files);
    return rc;
}
