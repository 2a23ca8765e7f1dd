/* SPDX-License-Identifier: MIT */
/* tj_stream: translation while reading. Input bytes are cut into lines (and over-long lines into
 * parts at white space); complete lines wait in a window that is translated with tj_translate
 * when it fills up, when the caller flushes (its input paused) or at the end. So memory is
 * bounded by the window, never by the input, and output leaves in input order. */
#include <stdlib.h>
#include <string.h>

#include "tarjama.h"
#include "util/error.h"
#include "util/utf8.h"

#define DEFAULT_WINDOW 256
#define DEFAULT_MAX_LINE ((size_t)1 << 20)
#define MIN_MAX_LINE 1024
/* Text held in the window before it is translated even if it has fewer lines than `window`:
 * keeps memory small when lines are long. */
#define HELD_MAX ((size_t)1 << 20)

/* A piece of input waiting for translation: a whole line, or a part of a long one. */
typedef struct segment {
    char *text;
    size_t in_bytes; /* input bytes it stands for, line end included */
    int ends_line;
} segment;

struct tj_stream {
    const tj_model *model;
    tj_options opt;
    size_t window, max_line;
    tj_write_fn write;
    void *user;

    segment *seg; /* the window: capacity `window` */
    size_t nseg, held;

    char *part; /* the line being read: capacity max_line + 1 */
    size_t plen;
    size_t line_no;    /* lines completed so far; the current line is line_no + 1 */
    size_t line_start; /* input offset where the current line starts */
    size_t line_done;  /* bytes of the current line already pushed as parts */

    char *out; /* one window's output, written in one call */
    size_t ocap;

    tj_stream_stats stats;
    int failed;
};

tj_status tj_stream_open(const tj_model *model, const tj_options *opt, const tj_stream_config *cfg,
                         tj_write_fn write, void *user, tj_stream **out, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (out) *out = NULL;
    if (!model || !write || !out) return tj_fail(err, TJ_ERR_ARG, "tj_stream_open: NULL argument");
    size_t window = cfg && cfg->window ? cfg->window : DEFAULT_WINDOW;
    size_t max_line = cfg && cfg->max_line ? cfg->max_line : DEFAULT_MAX_LINE;
    if (window > 65536) return tj_fail(err, TJ_ERR_ARG, "stream window %zu too large", window);
    if (max_line < MIN_MAX_LINE || max_line > ((size_t)1 << 30))
        return tj_fail(err, TJ_ERR_ARG, "maximum line length %zu out of range (%d..%zu bytes)",
                       max_line, MIN_MAX_LINE, (size_t)1 << 30);
    tj_stream *s = calloc(1, sizeof *s);
    if (!s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    s->model = model;
    if (opt)
        s->opt = *opt;
    else
        tj_options_default(&s->opt);
    s->window = window;
    s->max_line = max_line;
    s->write = write;
    s->user = user;
    s->seg = calloc(window, sizeof *s->seg);
    s->part = malloc(max_line + 1);
    if (!s->seg || !s->part) {
        tj_stream_close(s);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    /* Check the options now rather than at the first window. */
    tj_status st = tj_translate(model, &s->opt, NULL, 0, NULL, err);
    if (st) {
        tj_stream_close(s);
        return st;
    }
    *out = s;
    return TJ_OK;
}

void tj_stream_close(tj_stream *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nseg; i++) free(s->seg[i].text);
    free(s->seg);
    free(s->part);
    free(s->out);
    free(s);
}

void tj_stream_get_stats(const tj_stream *s, tj_stream_stats *stats)
{
    if (stats) *stats = s ? s->stats : (tj_stream_stats){0, 0, 0};
}

static tj_status fail(tj_stream *s, tj_status code)
{
    s->failed = 1;
    return code;
}

static size_t count_words(const char *t)
{
    size_t n = 0;
    int in_word = 0;
    for (; *t; t++) {
        int sp = *t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '\f' || *t == '\v';
        if (!sp && !in_word) n++;
        in_word = !sp;
    }
    return n;
}

/* Translates the window and writes its output in one call. */
static tj_status run_window(tj_stream *s, tj_error *err)
{
    if (s->nseg == 0) return TJ_OK;
    size_t nseg = s->nseg;
    const char **texts = malloc(nseg * sizeof *texts);
    char **outs = calloc(nseg, sizeof *outs);
    tj_status st = TJ_OK;
    if (!texts || !outs) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->nseg; i++) texts[i] = s->seg[i].text;
    if ((st = tj_translate(s->model, &s->opt, texts, s->nseg, outs, err))) goto done;
    size_t need = 1;
    for (size_t i = 0; i < s->nseg; i++) need += strlen(outs[i]) + 1;
    if (need > s->ocap) {
        char *nb = realloc(s->out, need);
        if (!nb) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            goto done;
        }
        s->out = nb;
        s->ocap = need;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->nseg; i++) {
        size_t l = strlen(outs[i]);
        memcpy(s->out + n, outs[i], l);
        n += l;
        if (s->seg[i].ends_line)
            s->out[n++] = '\n';
        else if (s->opt.split == TJ_SPLIT_LINE && l > 0)
            s->out[n++] = ' '; /* line mode drops a part's spacing: put one space back */
    }
    if (s->write(s->user, s->out, n) != 0) {
        st = tj_fail(err, TJ_ERR_IO, "writing the translation failed");
        goto done;
    }
    for (size_t i = 0; i < s->nseg; i++) {
        s->stats.lines += s->seg[i].ends_line ? 1 : 0;
        s->stats.bytes += s->seg[i].in_bytes;
        s->stats.words += count_words(s->seg[i].text);
        free(s->seg[i].text);
        s->seg[i].text = NULL;
    }
    s->nseg = 0;
    s->held = 0;
done:
    if (outs)
        for (size_t i = 0; i < nseg; i++) tj_free(outs[i]);
    free(outs);
    free(texts);
    return st;
}

/* Checks part[0..n): no NUL, valid UTF-8. On a bad byte the lines before it are translated and
 * written first, so that what comes out does not depend on where a window happened to end. */
static tj_status check_text(tj_stream *s, size_t n, tj_error *err)
{
    const char *nul = memchr(s->part, '\0', n);
    size_t bad = nul ? (size_t)(nul - s->part) : tj_utf8_check(s->part, n);
    if (bad == n) return TJ_OK;
    tj_status st = run_window(s, err);
    if (st) return st;
    return tj_fail(err, TJ_ERR_INPUT, "%s at line %zu, byte offset %zu",
                   nul ? "NUL byte" : "invalid UTF-8", s->line_no + 1,
                   s->line_start + s->line_done + bad);
}

/* Moves part[0..n) into the window as a segment standing for in_bytes of input. */
static tj_status push_segment(tj_stream *s, size_t n, size_t in_bytes, int ends_line, tj_error *err)
{
    tj_status st = check_text(s, n, err);
    if (st) return st;
    char *t = malloc(n + 1);
    if (!t) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    memcpy(t, s->part, n);
    t[n] = '\0';
    s->seg[s->nseg++] = (segment){t, in_bytes, ends_line};
    s->held += n;
    memmove(s->part, s->part + n, s->plen - n);
    s->plen -= n;
    if (ends_line) {
        s->line_no++;
        s->line_start += s->line_done + in_bytes;
        s->line_done = 0;
    } else {
        s->line_done += in_bytes;
    }
    if (s->nseg == s->window || s->held >= HELD_MAX) return run_window(s, err);
    return TJ_OK;
}

/* The current line is full: cut it after its last space or tab. */
static tj_status cut_long_line(tj_stream *s, tj_error *err)
{
    size_t k = s->plen;
    while (k > 0 && s->part[k - 1] != ' ' && s->part[k - 1] != '\t') k--;
    tj_status st = check_text(s, k ? k : s->plen, err);
    if (st) return st;
    if (k == 0)
        return tj_fail(err, TJ_ERR_INPUT,
                       "line %zu is longer than %zu bytes and has no white space to cut it at "
                       "(raise the maximum line length)",
                       s->line_no + 1, s->max_line);
    return push_segment(s, k, k, 0, err);
}

/* The current line ended (at '\n' when had_newline, else at the end of input). */
static tj_status end_line(tj_stream *s, int had_newline, tj_error *err)
{
    size_t n = s->plen, in_bytes = s->plen + (had_newline ? 1 : 0);
    if (n > 0 && s->part[n - 1] == '\r') n--;
    s->plen = n; /* the '\r' is input, not text */
    return push_segment(s, n, in_bytes, 1, err);
}

tj_status tj_stream_feed(tj_stream *s, const char *data, size_t len, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!s || (len && !data)) return tj_fail(err, TJ_ERR_ARG, "tj_stream_feed: NULL argument");
    if (s->failed) return tj_fail(err, TJ_ERR_ARG, "tj_stream_feed: the stream has failed");
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        while (i < end) {
            if (s->plen == s->max_line) {
                tj_status st = cut_long_line(s, err);
                if (st) return fail(s, st);
                continue;
            }
            size_t take = end - i;
            if (take > s->max_line - s->plen) take = s->max_line - s->plen;
            memcpy(s->part + s->plen, data + i, take);
            s->plen += take;
            i += take;
        }
        if (nl) {
            i++;
            tj_status st = end_line(s, 1, err);
            if (st) return fail(s, st);
        }
    }
    return TJ_OK;
}

tj_status tj_stream_flush(tj_stream *s, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!s) return tj_fail(err, TJ_ERR_ARG, "tj_stream_flush: NULL argument");
    if (s->failed) return tj_fail(err, TJ_ERR_ARG, "tj_stream_flush: the stream has failed");
    tj_status st = run_window(s, err);
    return st ? fail(s, st) : TJ_OK;
}

tj_status tj_stream_finish(tj_stream *s, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!s) return tj_fail(err, TJ_ERR_ARG, "tj_stream_finish: NULL argument");
    if (s->failed) return tj_fail(err, TJ_ERR_ARG, "tj_stream_finish: the stream has failed");
    tj_status st = TJ_OK;
    if (s->plen > 0 || s->line_done > 0) st = end_line(s, 0, err);
    if (!st) st = run_window(s, err);
    return st ? fail(s, st) : TJ_OK;
}
