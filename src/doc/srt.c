/* SPDX-License-Identifier: MIT */
/* Subtitles: SubRip (.srt) and WebVTT (.vtt, recognised by its "WEBVTT" first line). Cue numbers,
 * identifiers, timing lines (with WebVTT cue settings), NOTE/STYLE/REGION blocks and blank lines
 * are copied byte for byte; the text of each cue is translated as one paragraph (a subtitle's
 * sentence often runs over its two lines) and broken again into as many lines as it had, at the
 * spaces nearest to the same proportions. A timing line that does not parse is an error naming
 * its line. */
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/error.h"
#include "util/utf8.h"

typedef struct line {
    size_t b, e; /* content, without the line end */
    size_t next; /* start of the next line */
} line;

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return n > 0;
}

/* One timestamp at s[0..n): SRT HH:MM:SS,mmm (also '.'), WebVTT [HH:]MM:SS.mmm. Returns the
 * bytes it takes, 0 when malformed. */
static size_t timestamp(const char *s, size_t n, int vtt)
{
    size_t i = 0, h = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    h = i;
    if (h < 1 || i >= n || s[i] != ':') return 0;
    size_t p = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i - p != 2) return 0;
    if (i < n && s[i] == ':') {
        /* hours given */
        if (!vtt && h < 1) return 0;
        if (s[p] > '5') return 0; /* minutes */
        p = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i - p != 2) return 0;
    } else if (!vtt || h != 2) {
        return 0; /* SRT needs hours; WebVTT without hours has two-digit minutes */
    }
    if (s[p] > '5') return 0; /* seconds */
    if (i >= n || !(s[i] == '.' || (!vtt && s[i] == ','))) return 0;
    p = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i - p != 3) return 0;
    return i;
}

static int timing_line(const char *s, size_t n, int vtt)
{
    size_t a = timestamp(s, n, vtt);
    if (!a) return 0;
    size_t i = a;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (n - i < 3 || memcmp(s + i, "-->", 3)) return 0;
    i += 3;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    size_t z = timestamp(s + i, n - i, vtt);
    if (!z) return 0;
    i += z;
    /* SRT may carry X1:.. coordinates and WebVTT cue settings after white space */
    return i == n || s[i] == ' ' || s[i] == '\t';
}

/* Writes the translation t (n bytes) as k lines ending in eol. */
static void rebreak(const char *t, size_t n, size_t k, const char *eol, char *out, size_t *pos)
{
    size_t start = 0;
    for (size_t j = 1; j < k; j++) {
        size_t want = n * j / k, best = (size_t)-1, bd = (size_t)-1;
        for (size_t i = start + 1; i < n; i++)
            if (t[i] == ' ') {
                size_t d = i > want ? i - want : want - i;
                if (d < bd) bd = d, best = i;
            }
        if (best == (size_t)-1) break; /* no space left: fewer lines */
        memcpy(out + *pos, t + start, best - start);
        *pos += best - start;
        memcpy(out + *pos, eol, strlen(eol));
        *pos += strlen(eol);
        start = best + 1;
    }
    memcpy(out + *pos, t + start, n - start);
    *pos += n - start;
}

tj_status tj_doc_srt(const tj_doc_ctx *c, const char *data, size_t len, char **out, size_t *out_len,
                     tj_error *err)
{
    size_t bad = tj_utf8_check(data, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (memchr(data, '\0', len)) return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the subtitles");
    size_t off = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) off = 3; /* byte order mark, kept */
    int vtt = len - off >= 6 && !memcmp(data + off, "WEBVTT", 6) &&
              (len - off == 6 || data[off + 6] == ' ' || data[off + 6] == '\t' ||
               data[off + 6] == '\n' || data[off + 6] == '\r');
    /* lines */
    size_t nl = 0, capl = 64;
    line *ls = malloc(capl * sizeof *ls);
    if (!ls) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t p = off; p < len;) {
        const char *q = memchr(data + p, '\n', len - p);
        size_t e = q ? (size_t)(q - data) : len;
        size_t nx = q ? e + 1 : len;
        if (e > p && data[e - 1] == '\r') e--;
        if (nl == capl) {
            line *t = realloc(ls, (capl *= 2) * sizeof *ls);
            if (!t) {
                free(ls);
                return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            }
            ls = t;
        }
        ls[nl++] = (line){p, e, nx};
        p = nx;
    }
    /* cues: the text lines after each timing line, up to a blank line */
    size_t ncue = 0;
    size_t *cue_first = malloc((nl + 1) * sizeof *cue_first),
           *cue_n = malloc((nl + 1) * sizeof *cue_n);
    char **texts = malloc((nl + 1) * sizeof *texts);
    size_t *lens = malloc((nl + 1) * sizeof *lens);
    tj_status st = TJ_OK;
    if (!cue_first || !cue_n || !texts || !lens) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t i = 0;
    while (i < nl && !st) {
        if (ls[i].e == ls[i].b) {
            i++;
            continue;
        }
        /* a block: [i, j) */
        size_t j = i;
        while (j < nl && ls[j].e > ls[j].b) j++;
        const char *s0 = data + ls[i].b;
        size_t n0 = ls[i].e - ls[i].b;
        if (vtt &&
            (i == 0 || (n0 >= 4 && !memcmp(s0, "NOTE", 4)) ||
             (n0 >= 5 && !memcmp(s0, "STYLE", 5)) || (n0 >= 6 && !memcmp(s0, "REGION", 6)))) {
            i = j; /* header and metadata blocks: kept */
            continue;
        }
        /* the timing line is the first or (after a number or identifier) the second */
        size_t t = i;
        if (!memmem(s0, n0, "-->", 3)) {
            if (!vtt && !digits(s0, n0)) {
                /* the line alone: the data is not NUL-terminated (read past its end) */
                st = tj_fail(err, TJ_ERR_FORMAT,
                             "subtitles line %zu: expected a cue number, got "
                             "'%.*s'",
                             i + 1, (int)tj_utf8_clip(s0, n0, 40), s0);
                break;
            }
            t = i + 1;
        }
        if (t >= j || !timing_line(data + ls[t].b, ls[t].e - ls[t].b, vtt)) {
            size_t k = t < j ? t : i;
            /* a broken arrow on the first line: that line is the timing that failed */
            if (k != i && !memmem(data + ls[k].b, ls[k].e - ls[k].b, "-->", 3) &&
                timestamp(s0, n0, vtt))
                k = i;
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "subtitles line %zu: malformed timing line '%.*s' "
                         "(expected %s)",
                         k + 1, (int)tj_utf8_clip(data + ls[k].b, ls[k].e - ls[k].b, 60),
                         data + ls[k].b,
                         vtt ? "00:01.000 --> 00:04.000" : "00:00:01,000 --> 00:00:04,000");
            break;
        }
        if (t + 1 < j) {
            /* the cue's text lines joined by spaces */
            size_t tl = 0;
            for (size_t k = t + 1; k < j; k++) tl += ls[k].e - ls[k].b + 1;
            char *x = malloc(tl + 1);
            if (!x) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            size_t q = 0;
            for (size_t k = t + 1; k < j; k++) {
                if (q) x[q++] = ' ';
                memcpy(x + q, data + ls[k].b, ls[k].e - ls[k].b);
                q += ls[k].e - ls[k].b;
            }
            x[q] = '\0';
            texts[ncue] = x, lens[ncue] = q;
            cue_first[ncue] = t + 1, cue_n[ncue] = j - t - 1;
            ncue++;
        }
        i = j;
    }
    tj_doc_para *paras = st ? NULL : calloc(ncue + 1, sizeof *paras);
    if (!st && !paras) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st) st = tj_doc_ctx_paras(c, (const char *const *)texts, lens, ncue, 0, paras, err);
    if (!st) {
        size_t cap = len + 1;
        for (size_t k = 0; k < ncue; k++) cap += paras[k].out_len + 2 * cue_n[k];
        char *o = malloc(cap);
        if (!o) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else {
            size_t pos = 0, src = 0;
            for (size_t k = 0; k < ncue; k++) {
                line *f = &ls[cue_first[k]], *l = &ls[cue_first[k] + cue_n[k] - 1];
                memcpy(o + pos, data + src, f->b - src);
                pos += f->b - src;
                const char *eol = f->next > f->e + 1 ? "\r\n" : "\n";
                rebreak(paras[k].out, paras[k].out_len, cue_n[k], eol, o, &pos);
                src = l->e;
            }
            memcpy(o + pos, data + src, len - src);
            pos += len - src;
            o[pos] = '\0';
            *out = o, *out_len = pos;
        }
    }
    for (size_t k = 0; paras && k < ncue; k++) tj_doc_para_free(&paras[k]);
    free(paras);
    for (size_t k = 0; k < ncue; k++) free(texts[k]);
    free(texts), free(lens), free(cue_first), free(cue_n), free(ls);
    return st;
}
