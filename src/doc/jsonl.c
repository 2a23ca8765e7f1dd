/* SPDX-License-Identifier: MIT */
/* JSONL batch mode: one request object a line in, one response object a line out, in order.
 * Request: {"id": ANY, "text": STRING, "format": "text"|"html"|"markdown"|"srt", "flags": BOOL}.
 * Response: {"id": ANY, "translation": STRING} (the id copied as it came), with "flags" (one
 * {"logprob": N, "doubtful": B} per sentence, text only) when asked; a bad line gives
 * {"id": ANY or null, "error": STRING} and the stream goes on. The JSON reader is small and
 * strict (RFC 8259: objects, arrays, strings with escapes and surrogate pairs, numbers, literals).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/utf8.h"

#define MAX_DEPTH 64
#define TJ_JSONL_MAX_TERMS 1000 /* glossary terms in one request */

typedef struct rd {
    const char *s;
    size_t n, i;
    char msg[160];
} rd;

static void ws(rd *r)
{
    while (r->i < r->n &&
           (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\r' || r->s[r->i] == '\n'))
        r->i++;
}

static int fail(rd *r, const char *what)
{
    /* a reason too long for msg is cut short (the message stays one line); the result is
     * checked so that gcc's format-truncation warning (sanitizer builds) knows it is meant */
    if (!r->msg[0] && snprintf(r->msg, sizeof r->msg, "%s at byte %zu", what, r->i + 1) < 0)
        r->msg[0] = '\0';
    return -1;
}

static int hex4(rd *r, unsigned *v)
{
    if (r->n - r->i < 4) return fail(r, "bad \\u escape");
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = r->s[r->i++];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned)(c - '0');
        else if ((c | 32) >= 'a' && (c | 32) <= 'f')
            *v |= (unsigned)((c | 32) - 'a' + 10);
        else
            return fail(r, "bad \\u escape");
    }
    return 0;
}

/* A string at r->i (the opening quote); when out is not NULL its decoded UTF-8 goes there
 * (malloc'd). */
static int str(rd *r, char **out, size_t *olen)
{
    if (r->i >= r->n || r->s[r->i] != '"') return fail(r, "expected a string");
    r->i++;
    char *b = out ? malloc(r->n - r->i + 1) : NULL; /* decoded is never longer */
    if (out && !b) return fail(r, "out of memory");
    size_t k = 0;
    while (r->i < r->n && r->s[r->i] != '"') {
        unsigned char c = (unsigned char)r->s[r->i];
        if (c < 0x20) {
            free(b);
            return fail(r, "control character in a string");
        }
        if (c != '\\') {
            if (b) b[k] = (char)c;
            k++, r->i++;
            continue;
        }
        r->i++;
        if (r->i >= r->n) break;
        char e = r->s[r->i++];
        unsigned u;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            u = (unsigned)e;
            break;
        case 'b':
            u = '\b';
            break;
        case 'f':
            u = '\f';
            break;
        case 'n':
            u = '\n';
            break;
        case 'r':
            u = '\r';
            break;
        case 't':
            u = '\t';
            break;
        case 'u':
            if (hex4(r, &u)) {
                free(b);
                return -1;
            }
            if (u >= 0xD800 && u < 0xDC00) {
                unsigned lo;
                if (r->n - r->i < 2 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u') {
                    free(b);
                    return fail(r, "lone surrogate in \\u escape");
                }
                r->i += 2;
                if (hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    free(b);
                    return fail(r, "lone surrogate in \\u escape");
                }
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u < 0xE000) {
                free(b);
                return fail(r, "lone surrogate in \\u escape");
            }
            break;
        default:
            free(b);
            return fail(r, "bad escape in a string");
        }
        char tmp[4];
        size_t l = u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
        if (l == 1) tmp[0] = (char)u;
        if (l == 2) tmp[0] = (char)(0xC0 | u >> 6), tmp[1] = (char)(0x80 | (u & 63));
        if (l == 3)
            tmp[0] = (char)(0xE0 | u >> 12), tmp[1] = (char)(0x80 | ((u >> 6) & 63)),
            tmp[2] = (char)(0x80 | (u & 63));
        if (l == 4)
            tmp[0] = (char)(0xF0 | u >> 18), tmp[1] = (char)(0x80 | ((u >> 12) & 63)),
            tmp[2] = (char)(0x80 | ((u >> 6) & 63)), tmp[3] = (char)(0x80 | (u & 63));
        if (b) memcpy(b + k, tmp, l);
        k += l;
    }
    if (r->i >= r->n) {
        free(b);
        return fail(r, "unterminated string");
    }
    r->i++;
    if (b) b[k] = '\0', *out = b, *olen = k;
    return 0;
}

static int value(rd *r, int depth);

static int literal(rd *r, const char *w)
{
    size_t l = strlen(w);
    if (r->n - r->i < l || memcmp(r->s + r->i, w, l)) return fail(r, "invalid value");
    r->i += l;
    return 0;
}

static int number(rd *r)
{
    size_t i0 = r->i;
    if (r->i < r->n && r->s[r->i] == '-') r->i++;
    if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') return fail(r, "invalid value");
    if (r->s[r->i] == '0')
        r->i++;
    else
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') return fail(r, "bad number");
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
    }
    if (r->i < r->n && (r->s[r->i] | 32) == 'e') {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) r->i++;
        if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') return fail(r, "bad number");
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
    }
    return r->i > i0 ? 0 : -1;
}

static int container(rd *r, int depth, char close)
{
    if (depth > MAX_DEPTH) return fail(r, "nested too deeply");
    r->i++;
    ws(r);
    if (r->i < r->n && r->s[r->i] == close) {
        r->i++;
        return 0;
    }
    for (;;) {
        ws(r);
        if (close == '}') {
            if (str(r, NULL, NULL)) return -1;
            ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') return fail(r, "expected ':'");
            r->i++;
        }
        if (value(r, depth + 1)) return -1;
        ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == close) {
            r->i++;
            return 0;
        }
        return fail(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int value(rd *r, int depth)
{
    ws(r);
    if (r->i >= r->n) return fail(r, "unexpected end of line");
    switch (r->s[r->i]) {
    case '"':
        return str(r, NULL, NULL);
    case '{':
        return container(r, depth, '}');
    case '[':
        return container(r, depth, ']');
    case 't':
        return literal(r, "true");
    case 'f':
        return literal(r, "false");
    case 'n':
        return literal(r, "null");
    default:
        return number(r);
    }
}

typedef struct req {
    const char *id; /* raw JSON of the id, or NULL */
    size_t id_len;
    char *text;
    size_t text_len;
    int format;
    int flags;
    tj_glossary *g; /* "glossary", or NULL */
    tj_glossary_mode gmode;
} req;

/* A request's "glossary": {"source term": "target term", ...} or [["source", "target"
 * (, "flags")], ...] (flags as in a glossary file's third column: "case", "part"). */
static int glossary_json(rd *r, req *q)
{
    if (!q->g && tj_glossary_new(&q->g, NULL)) return fail(r, "out of memory");
    int obj = r->i < r->n && r->s[r->i] == '{';
    if (r->i >= r->n || (r->s[r->i] != '{' && r->s[r->i] != '['))
        return fail(r, "\"glossary\" must be an object {\"source term\": \"target term\"} or an "
                       "array of [source, target] pairs");
    r->i++;
    ws(r);
    if (r->i < r->n && r->s[r->i] == (obj ? '}' : ']')) {
        r->i++;
        return 0;
    }
    for (;;) {
        char *a = NULL, *b = NULL, *f = NULL;
        size_t al = 0, bl = 0, fl = 0;
        int rc = 0;
        ws(r);
        if (obj) {
            rc = str(r, &a, &al);
            ws(r);
            if (!rc && (r->i >= r->n || r->s[r->i] != ':')) rc = fail(r, "expected ':'");
            if (!rc) r->i++, ws(r);
            if (!rc && (r->i >= r->n || r->s[r->i] != '"'))
                rc = fail(r, "a \"glossary\" target term must be a string");
            if (!rc) rc = str(r, &b, &bl);
        } else {
            const char *shape = "a \"glossary\" entry must be [\"source term\", \"target term\"] "
                                "or [source, target, \"flags\"]";
            if (r->i >= r->n || r->s[r->i] != '[') rc = fail(r, shape);
            if (!rc) r->i++, ws(r);
            if (!rc && (r->i >= r->n || r->s[r->i] != '"')) rc = fail(r, shape);
            if (!rc) rc = str(r, &a, &al);
            ws(r);
            if (!rc && (r->i >= r->n || r->s[r->i] != ',')) rc = fail(r, shape);
            if (!rc) r->i++, ws(r);
            if (!rc && (r->i >= r->n || r->s[r->i] != '"')) rc = fail(r, shape);
            if (!rc) rc = str(r, &b, &bl);
            ws(r);
            if (!rc && r->i < r->n && r->s[r->i] == ',') {
                r->i++, ws(r);
                if (r->i >= r->n || r->s[r->i] != '"') rc = fail(r, shape);
                if (!rc) rc = str(r, &f, &fl);
                ws(r);
            }
            if (!rc && (r->i >= r->n || r->s[r->i] != ']')) rc = fail(r, shape);
            if (!rc) r->i++;
        }
        int flags = 0;
        if (!rc && f && (flags = tj_glossary_flags(f, fl)) < 0)
            rc = fail(r, "unknown \"glossary\" flag (known: case, part)");
        if (!rc && tj_glossary_size(q->g) >= TJ_JSONL_MAX_TERMS)
            rc = fail(r, "\"glossary\" has more than 1000 terms");
        tj_error e;
        if (!rc && tj_glossary_add(q->g, a, al, b, bl, flags, &e)) {
            char m[160];
            snprintf(m, sizeof m, "\"glossary\": %.100s",
                     strncmp(e.message, "glossary: ", 10) ? e.message : e.message + 10);
            rc = fail(r, m);
        }
        free(a), free(b), free(f);
        if (rc) return -1;
        ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == (obj ? '}' : ']')) {
            r->i++;
            return 0;
        }
        return fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Parses one request line into q; returns 0 or -1 with r->msg set. */
static int parse_req(rd *r, req *q)
{
    memset(q, 0, sizeof *q);
    q->format = TJ_FORMAT_TEXT;
    ws(r);
    if (r->i >= r->n || r->s[r->i] != '{') return fail(r, "a request must be a JSON object");
    r->i++;
    ws(r);
    if (r->i < r->n && r->s[r->i] == '}') return fail(r, "missing \"text\"");
    for (;;) {
        ws(r);
        char *key = NULL;
        size_t kl = 0;
        if (str(r, &key, &kl)) return -1;
        ws(r);
        if (r->i >= r->n || r->s[r->i] != ':') {
            free(key);
            return fail(r, "expected ':'");
        }
        r->i++;
        ws(r);
        size_t v0 = r->i;
        int rc = 0;
        if (!strcmp(key, "id")) {
            /* only a whole value: a line that breaks inside its id gets "id": null (the bytes
             * read so far made the response line invalid JSON; found by tests/fuzz) */
            rc = value(r, 1);
            if (!rc) q->id = r->s + v0, q->id_len = r->i - v0;
        } else if (!strcmp(key, "text")) {
            free(q->text);
            q->text = NULL;
            if (r->i < r->n && r->s[r->i] != '"') rc = fail(r, "\"text\" must be a string");
            if (!rc) rc = str(r, &q->text, &q->text_len);
        } else if (!strcmp(key, "format")) {
            char *f = NULL;
            size_t fl;
            rc = str(r, &f, &fl);
            if (!rc) {
                q->format = tj_format_from_name(f);
                if (q->format < 0 || q->format == TJ_FORMAT_DOCX)
                    rc = fail(r, "unsupported \"format\" (text, html, markdown or srt)");
            }
            free(f);
        } else if (!strcmp(key, "flags")) {
            if (!literal(r, "true"))
                q->flags = 1;
            else if (r->msg[0] = '\0', !literal(r, "false"))
                q->flags = 0;
            else
                rc = fail(r, "\"flags\" must be true or false");
        } else if (!strcmp(key, "glossary")) {
            rc = glossary_json(r, q);
        } else if (!strcmp(key, "glossary_mode")) {
            char *f = NULL;
            size_t fl;
            if (r->i < r->n && r->s[r->i] != '"')
                rc = fail(r, "\"glossary_mode\" must be \"constrain\" or \"align\"");
            if (!rc) rc = str(r, &f, &fl);
            if (!rc && !strcmp(f, "constrain"))
                q->gmode = TJ_GLOSSARY_CONSTRAIN;
            else if (!rc && !strcmp(f, "align"))
                q->gmode = TJ_GLOSSARY_ALIGN;
            else if (!rc)
                rc = fail(r, "\"glossary_mode\" must be \"constrain\" or \"align\"");
            free(f);
        } else {
            rc = value(r, 1); /* unknown keys are ignored */
        }
        free(key);
        if (rc) return -1;
        ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == '}') {
            r->i++;
            break;
        }
        return fail(r, "expected ',' or '}'");
    }
    ws(r);
    if (r->i != r->n) return fail(r, "text after the object");
    if (!q->text) return fail(r, "missing \"text\"");
    return 0;
}

static void wstr(tj_strbuf *w, const char *s, size_t n)
{
    tj_strbuf_put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\', e[1] = (char)c;
            tj_strbuf_put(w, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            tj_strbuf_put(w, e, 6);
        } else {
            tj_strbuf_put(w, s + i, 1);
        }
    }
    tj_strbuf_put(w, "\"", 1);
}

static void wid(tj_strbuf *w, const req *q)
{
    tj_strbuf_put(w, "{\"id\": ", 7);
    if (q->id)
        tj_strbuf_put(w, q->id, q->id_len);
    else
        tj_strbuf_put(w, "null", 4);
}

static void werror(tj_strbuf *w, const req *q, const char *msg)
{
    wid(w, q);
    tj_strbuf_put(w, ", \"error\": ", 11);
    wstr(w, msg, strlen(msg));
    tj_strbuf_put(w, "}\n", 2);
}

/* A request with a glossary: what its terms did, as `translate --glossary` reports it. */
static void wgloss(tj_strbuf *w, const req *q, const tj_glossary_counts *c)
{
    if (!tj_glossary_size(q->g)) return;
    char num[256];
    snprintf(num, sizeof num,
             ", \"glossary\": {\"found\": %zu, \"placed\": %zu, \"inserted\": %zu, "
             "\"forced\": %zu, \"missing\": %zu}",
             c->found, c->placed, c->inserted, c->forced, c->missing);
    tj_strbuf_put(w, num, strlen(num));
}

typedef struct model_backend {
    const tj_model *model;
    const tj_options *opt;
} model_backend;

static tj_status mb_texts(void *user, const char *const *texts, size_t n, char **out, tj_error *err)
{
    const model_backend *b = user;
    return tj_translate(b->model, b->opt, texts, n, out, err);
}

static tj_status mb_scored(void *user, const tj_doc_options *d, const char *text, size_t len,
                           tj_scored_sentence **out, size_t *n, tj_error *err)
{
    const model_backend *b = user;
    return tj_translate_scored_doc(b->model, b->opt, d, text, len, out, n, err);
}

static tj_status mb_document(void *user, const tj_doc_options *d, const char *data, size_t len,
                             char **out, size_t *out_len, tj_error *err)
{
    const model_backend *b = user;
    return tj_translate_document(b->model, b->opt, d, data, len, out, out_len, err);
}

tj_status tj_translate_jsonl(const tj_model *model, const tj_options *opt, float doubt_logprob,
                             const char *const *lines, const size_t *lens, size_t n, char **out,
                             tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!model) return tj_fail(err, TJ_ERR_ARG, "tj_translate_jsonl: NULL argument");
    model_backend mb = {model, opt};
    tj_jsonl_backend b = {&mb, mb_texts, mb_scored, mb_document};
    return tj_jsonl_run(&b, doubt_logprob, lines, lens, n, out, err);
}

tj_status tj_jsonl_run(const tj_jsonl_backend *b, float doubt_logprob, const char *const *lines,
                       const size_t *lens, size_t n, char **out, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!b || (n && (!lines || !lens || !out)))
        return tj_fail(err, TJ_ERR_ARG, "tj_translate_jsonl: NULL argument");
    for (size_t i = 0; i < n; i++) out[i] = NULL;
    req *qs = calloc(n ? n : 1, sizeof *qs);
    char **msgs = calloc(n ? n : 1, sizeof *msgs);
    const char **texts = malloc((n ? n : 1) * sizeof *texts);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    char **res = calloc(n ? n : 1, sizeof *res);
    tj_status st = TJ_OK;
    if (!qs || !msgs || !texts || !idx || !res) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t nt = 0;
    for (size_t i = 0; i < n && !st; i++) {
        rd r = {lines[i], lens[i], 0, ""};
        size_t bad = tj_utf8_check(lines[i], lens[i]);
        if (bad != lens[i]) {
            /* the id, when it can be read and is itself valid, still names the line */
            parse_req(&r, &qs[i]);
            if (qs[i].id && tj_utf8_check(qs[i].id, qs[i].id_len) != qs[i].id_len) qs[i].id = NULL;
            snprintf(r.msg, sizeof r.msg, "invalid UTF-8 at byte %zu", bad + 1);
        } else if (!parse_req(&r, &qs[i]) && memchr(qs[i].text, '\0', qs[i].text_len)) {
            snprintf(r.msg, sizeof r.msg, "NUL character in \"text\"");
        }
        if (r.msg[0]) {
            if (!(msgs[i] = strdup(r.msg))) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            continue;
        }
        /* plain text without flags: one tj_translate call for all of them (every thread busy) */
        if (qs[i].format == TJ_FORMAT_TEXT && !qs[i].flags && !tj_glossary_size(qs[i].g))
            texts[nt] = qs[i].text, idx[nt++] = i;
    }
    char **tr = !st ? calloc(nt ? nt : 1, sizeof *tr) : NULL;
    if (!st && !tr) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st && nt) {
        tj_error e2;
        if (b->texts(b->user, texts, nt, tr, &e2)) {
            /* one bad text fails the whole call: go one by one to tell which */
            for (size_t k = 0; k < nt; k++)
                if (b->texts(b->user, &texts[k], 1, &tr[k], &e2)) {
                    if (e2.code == TJ_ERR_NOMEM) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                    msgs[idx[k]] = strdup(e2.message);
                }
        }
        for (size_t k = 0; k < nt; k++) res[idx[k]] = tr[k];
    }
    for (size_t i = 0; i < n && !st; i++) {
        tj_strbuf w = {0};
        req *q = &qs[i];
        if (msgs[i]) {
            werror(&w, q, msgs[i]);
        } else if (q->format == TJ_FORMAT_TEXT && q->flags) {
            tj_scored_sentence *v = NULL;
            size_t ns = 0, jl = 0;
            tj_error e2;
            char *joined = NULL;
            tj_doc_options d;
            memset(&d, 0, sizeof d);
            d.format = TJ_FORMAT_TEXT, d.glossary = q->g, d.glossary_mode = q->gmode;
            /* the terms are counted once, in the translation returned */
            tj_glossary_counts gc = {0};
            tj_doc_options dc = d;
            dc.glossary_counts = &gc;
            if (b->scored(b->user, &d, q->text, q->text_len, &v, &ns, &e2)) {
                werror(&w, q, e2.message);
            } else if ((joined = NULL),
                       tj_glossary_size(q->g)
                           ? b->document(b->user, &dc, q->text, q->text_len, &joined, &jl, &e2)
                           : b->texts(b->user, (const char *const *)&q->text, 1, &joined, &e2)) {
                werror(&w, q, e2.message);
                tj_scored_free(v, ns);
            } else {
                wid(&w, q);
                tj_strbuf_put(&w, ", \"translation\": ", 17);
                wstr(&w, joined, strlen(joined));
                tj_strbuf_put(&w, ", \"flags\": [", 12);
                for (size_t s = 0; s < ns; s++) {
                    char num[96];
                    snprintf(num, sizeof num, "%s{\"logprob\": %.4f, \"doubtful\": %s}",
                             s ? ", " : "", (double)v[s].logprob,
                             !v[s].copied && v[s].logprob < doubt_logprob ? "true" : "false");
                    tj_strbuf_put(&w, num, strlen(num));
                }
                tj_strbuf_put(&w, "]", 1);
                wgloss(&w, q, &gc);
                tj_strbuf_put(&w, "}\n", 2);
                tj_scored_free(v, ns);
                tj_free(joined);
            }
        } else if (q->format != TJ_FORMAT_TEXT || tj_glossary_size(q->g)) {
            tj_doc_options d;
            memset(&d, 0, sizeof d);
            d.format = (tj_format)q->format;
            tj_glossary_counts gc = {0};
            d.glossary = q->g, d.glossary_mode = q->gmode, d.glossary_counts = &gc;
            char *doc = NULL;
            size_t dl = 0;
            tj_error e2;
            if (b->document(b->user, &d, q->text, q->text_len, &doc, &dl, &e2)) {
                werror(&w, q, e2.message);
            } else {
                wid(&w, q);
                tj_strbuf_put(&w, ", \"translation\": ", 17);
                wstr(&w, doc, dl);
                wgloss(&w, q, &gc);
                tj_strbuf_put(&w, "}\n", 2);
            }
            tj_free(doc);
        } else {
            wid(&w, q);
            tj_strbuf_put(&w, ", \"translation\": ", 17);
            wstr(&w, res[i], strlen(res[i]));
            tj_strbuf_put(&w, "}\n", 2);
        }
        if (w.oom) {
            free(w.s);
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
        out[i] = w.s;
    }
    for (size_t i = 0; i < n; i++) {
        if (qs) free(qs[i].text), tj_glossary_free(qs[i].g);
        if (msgs) free(msgs[i]);
        if (res) tj_free(res[i]);
    }
    free(qs), free(msgs), free(texts), free(idx), free(res), free(tr);
    if (st)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
        }
    return st;
}
