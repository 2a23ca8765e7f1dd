/* SPDX-License-Identifier: MIT */
/* The LibreTranslate API over include/tarjama.h: POST /translate, /detect, /translate_file and
 * GET /languages, /frontend/settings, /healthz. Field names, reply shapes, error messages and
 * their order follow LibreTranslate's app.py (docs/server.md cites what was checked). */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "eval/metrics.h"
#include "util/error.h"
#include "util/utf8.h"

json_t *api_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages quote what the client sent (a form's source=, format=), which may not be UTF-8,
     * and the cut at the buffer's end may split a character: jansson refuses such a string, and
     * the reply became a 500 "Out of memory" (found by tests/fuzz/fuzz_server.c). Bad bytes go
     * as '?'. */
    size_t len = strlen(msg), bad;
    while ((bad = tj_utf8_check(msg, len)) < len) msg[bad] = '?';
    return json_pack("{s:s}", "error", msg);
}

static const char *lang_name(const char *code)
{
    if (!strcmp(code, "ar")) return "Arabic";
    if (!strcmp(code, "en")) return "English";
    return code;
}

static int lang_loaded(const srv *s, const char *code)
{
    for (size_t i = 0; i < s->cfg->n_models; i++)
        if (!strcmp(s->cfg->models[i].src, code) || !strcmp(s->cfg->models[i].tgt, code)) return 1;
    return 0;
}

static const tj_server_model *find_model(const srv *s, const char *src, const char *tgt)
{
    for (size_t i = 0; i < s->cfg->n_models; i++)
        if (!strcmp(s->cfg->models[i].src, src) && !strcmp(s->cfg->models[i].tgt, tgt))
            return &s->cfg->models[i];
    return NULL;
}

/* Characters as LibreTranslate counts them (Python's len: code points). */
static size_t count_chars(const char *t, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

/* ---------------------------------------------------------------- parameters */

typedef struct params {
    json_t *root;   /* JSON body, owned */
    const char **q; /* texts (point into root or the request's fields) */
    size_t nq;
    int batch; /* q was an array */
    const char *source, *target, *format, *api_key;
    long alternatives;
    int alt_bad;
    tj_glossary *glossary; /* tarjama extension: "glossary" {"source term": "target term"} */
    tj_glossary_mode glossary_mode;
    int flags;                 /* tarjama extension: "flags": true, quality flags per sentence */
    tj_glossary_counts counts; /* what the glossary's terms did, over every text */
} params;

static void params_free(params *p)
{
    free(p->q);
    json_decref(p->root);
    tj_glossary_free(p->glossary);
}

#define API_MAX_TERMS 1000 /* glossary terms in one request */

static int glossary_mode(const char *v, params *p, json_t **out)
{
    if (!strcmp(v, "constrain")) {
        p->glossary_mode = TJ_GLOSSARY_CONSTRAIN;
    } else if (!strcmp(v, "align")) {
        p->glossary_mode = TJ_GLOSSARY_ALIGN;
    } else {
        *out = api_error("Invalid request: glossary_mode must be \"constrain\" or \"align\"");
        return 400;
    }
    return 0;
}

/* The tarjama extension to /translate: "glossary" (a JSON object of source term -> target term)
 * and "glossary_mode" ("constrain" or "align"). Returns 0 or 400 with *out set. */
static int read_glossary(params *p, json_t **out)
{
    json_t *g = json_object_get(p->root, "glossary");
    json_t *mode = json_object_get(p->root, "glossary_mode");
    if (mode && !json_is_null(mode) &&
        glossary_mode(json_is_string(mode) ? json_string_value(mode) : "", p, out))
        return 400;
    if (!g || json_is_null(g)) return 0;
    if (!json_is_object(g)) {
        *out = api_error("Invalid request: glossary must be an object of "
                         "\"source term\": \"target term\" pairs");
        return 400;
    }
    if (json_object_size(g) > API_MAX_TERMS) {
        *out = api_error("Invalid request: glossary has %zu terms (at most %d)",
                         json_object_size(g), API_MAX_TERMS);
        return 400;
    }
    tj_error err;
    if (tj_glossary_new(&p->glossary, &err)) {
        *out = api_error("Out of memory");
        return 500;
    }
    const char *key;
    json_t *v;
    json_object_foreach(g, key, v)
    {
        if (!json_is_string(v)) {
            *out = api_error("Invalid request: glossary term '%.100s' must map to a string", key);
            return 400;
        }
        if (tj_glossary_add(p->glossary, key, strlen(key), json_string_value(v),
                            json_string_length(v), 0, &err)) {
            *out = api_error("Invalid request: %s", err.message);
            return 400;
        }
    }
    return 0;
}

/* The query string's value of name (headers = 0) or a header's (1), NULL when absent. */
static const char *lookup(srv_request *r, int headers, const char *name)
{
    return r->lookup ? r->lookup(r->conn, headers, name) : NULL;
}

static const char *form_value(srv_request *r, int field, const char *name)
{
    if (r->f[field].present) return r->f[field].data ? r->f[field].data : "";
    /* Flask's request.values also holds the query string. */
    return lookup(r, 0, name);
}

/* Form text: valid UTF-8 without NUL bytes; line ends become "\n" and one final line break goes,
 * as LibreTranslate's "\n".join(q.splitlines()) does. */
static int clean_form_text(char *t, size_t len, json_t **out)
{
    if (memchr(t, '\0', len) || tj_utf8_check(t, len) != len) {
        *out = api_error("Invalid request: q is not valid UTF-8 text");
        return 400;
    }
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\r') {
            t[w++] = '\n';
            if (i + 1 < len && t[i + 1] == '\n') i++;
        } else {
            t[w++] = t[i];
        }
    }
    if (w > 0 && t[w - 1] == '\n') w--;
    t[w] = '\0';
    return 0;
}

static int json_str_field(json_t *root, const char *name, const char **out, json_t **err)
{
    json_t *v = json_object_get(root, name);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) {
        *err = api_error("Invalid request: %s parameter must be a string", name);
        return 400;
    }
    *out = json_string_value(v);
    return 0;
}

static int parse_alternatives(params *p, const char *str)
{
    if (!str || !*str) return 0;
    char *end;
    errno = 0;
    long v = strtol(str, &end, 10);
    if (errno || *end) return -1;
    p->alternatives = v < 0 ? 0 : v;
    return 0;
}

/* Reads q, source, target, format, api_key and alternatives from a JSON or form body. Returns 0
 * or an HTTP status with *out set. */
static int read_params(srv_request *r, params *p, json_t **out)
{
    memset(p, 0, sizeof *p);
    if (r->is_json) {
        json_error_t jerr;
        p->root = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
        if (!p->root) {
            *out = api_error("Invalid JSON format: %s (line %d, column %d)", jerr.text, jerr.line,
                             jerr.column);
            return 400;
        }
        if (!json_is_object(p->root)) {
            *out = api_error("Invalid JSON format");
            return 400;
        }
        int rc;
        if ((rc = json_str_field(p->root, "source", &p->source, out)) ||
            (rc = json_str_field(p->root, "target", &p->target, out)) ||
            (rc = json_str_field(p->root, "format", &p->format, out)) ||
            (rc = json_str_field(p->root, "api_key", &p->api_key, out)) ||
            (rc = read_glossary(p, out)))
            return rc;
        json_t *fl = json_object_get(p->root, "flags");
        if (fl && !json_is_null(fl) && !json_is_boolean(fl)) {
            *out = api_error("Invalid request: flags must be true or false");
            return 400;
        }
        p->flags = json_is_true(fl);
        json_t *alt = json_object_get(p->root, "alternatives");
        if (json_is_integer(alt))
            p->alternatives = json_integer_value(alt) < 0 ? 0 : (long)json_integer_value(alt);
        else if (json_is_real(alt))
            p->alternatives = json_real_value(alt) < 1 ? 0 : (long)fmin(json_real_value(alt), 1e6);
        else if (json_is_string(alt))
            p->alt_bad = parse_alternatives(p, json_string_value(alt)) != 0;
        else if (alt && !json_is_null(alt))
            p->alt_bad = 1;
        json_t *q = json_object_get(p->root, "q");
        if (json_is_string(q)) {
            if (json_string_length(q) == 0) return 0; /* missing, as `not q` */
            p->q = malloc(sizeof *p->q);
            if (!p->q) goto oom;
            p->q[0] = json_string_value(q);
            p->nq = 1;
        } else if (json_is_array(q)) {
            size_t n = json_array_size(q);
            if (n == 0) return 0;
            p->q = malloc(n * sizeof *p->q);
            if (!p->q) goto oom;
            for (size_t i = 0; i < n; i++) {
                json_t *item = json_array_get(q, i);
                if (!json_is_string(item)) {
                    *out = api_error("Invalid request: q must be a string or an array of strings");
                    return 400;
                }
                p->q[i] = json_string_value(item);
            }
            p->nq = n;
            p->batch = 1;
        } else if (q && !json_is_null(q)) {
            *out = api_error("Invalid request: q must be a string or an array of strings");
            return 400;
        }
        return 0;
    }
    p->source = form_value(r, F_SOURCE, "source");
    p->target = form_value(r, F_TARGET, "target");
    p->format = form_value(r, F_FORMAT, "format");
    p->api_key = form_value(r, F_API_KEY, "api_key");
    p->alt_bad = parse_alternatives(p, form_value(r, F_ALTERNATIVES, "alternatives")) != 0;
    const char *q = NULL;
    if (r->f[F_Q].present) {
        if (r->f[F_Q].data) {
            int rc = clean_form_text(r->f[F_Q].data, r->f[F_Q].len, out);
            if (rc) return rc;
            q = r->f[F_Q].data;
        }
    } else {
        q = lookup(r, 0, "q");
        if (q && tj_utf8_check(q, strlen(q)) != strlen(q)) {
            *out = api_error("Invalid request: q is not valid UTF-8 text");
            return 400;
        }
    }
    if (q && *q) {
        p->q = malloc(sizeof *p->q);
        if (!p->q) goto oom;
        p->q[0] = q;
        p->nq = 1;
    }
    return 0;
oom:
    *out = api_error("Out of memory");
    return 500;
}

/* ---------------------------------------------------------------- access: keys and limits */

static int access_check(srv *s, srv_request *r, const char *api_key, long cost, long *char_limit,
                        json_t **out)
{
    const srv_key *key = NULL;
    *char_limit = s->cfg->char_limit;
    if (s->n_keys) {
        key = srv_key_find(s, api_key && *api_key ? api_key : NULL);
        if (api_key && *api_key && !key) {
            *out = api_error("Invalid API key");
            return 403;
        }
        if (!key && s->cfg->require_api_key) {
            *out = api_error("Please contact the server operator to get an API key");
            return 400;
        }
        if (key && key->char_limit >= 0) *char_limit = key->char_limit;
    }
    long limit = key && key->req_limit >= 0 ? key->req_limit : s->cfg->req_limit;
    char id[80];
    snprintf(id, sizeof id, key ? "key:%.70s" : "ip:%.70s", key ? key->key : r->client);
    if (!srv_rate_take(s, id, limit, cost < 1 ? 1 : cost)) {
        /* flask-limiter's description of a per-minute limit, after LibreTranslate's prefix. */
        *out = api_error("Slowdown: %ld per 1 minute", limit);
        return 429;
    }
    return 0;
}

/* ---------------------------------------------------------------- detection */

/* For a mixed text tj_detect_language says only the majority's share; which script holds it is
 * a count of Arabic-block code points against ASCII letters. */
static int arabic_majority(const char *t, size_t len)
{
    size_t ar = 0, lat = 0;
    for (size_t i = 0; i < len;) {
        int n;
        uint32_t cp = tj_utf8_decode(t + i, len - i, &n);
        i += (size_t)(n > 0 ? n : 1);
        if ((cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
            (cp >= 0x08A0 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFEFC))
            ar++;
        else if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            lat++;
    }
    return ar >= lat;
}

typedef struct detection {
    const char *lang;  /* "ar" or "en" */
    double confidence; /* 0..100 */
    const char *other; /* the other script's language, or NULL */
    double other_confidence;
    int sure; /* 0 for mixed or letterless text */
} detection;

static double round1(double x)
{
    return round(x * 10.0) / 10.0;
}

static void detect_texts(const char *const *q, size_t n, detection *d)
{
    /* One verdict for all texts, as their concatenation (LibreTranslate averages a batch). */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(q[i]) + 1;
    char *all = malloc(total + 1);
    size_t len = 0;
    if (all) {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(q[i]);
            memcpy(all + len, q[i], l);
            len += l;
            all[len++] = '\n';
        }
    }
    const char *t = all ? all : q[0];
    if (!all) len = strlen(q[0]);
    float conf = 0;
    tj_lang l = tj_detect_language(t, len, &conf);
    memset(d, 0, sizeof *d);
    if (l == TJ_LANG_UNKNOWN) {
        d->lang = "en"; /* LibreTranslate's answer when nothing is detected */
        d->confidence = 0;
    } else {
        int ar = l == TJ_LANG_AR || (l == TJ_LANG_MIXED && arabic_majority(t, len));
        d->lang = ar ? "ar" : "en";
        d->confidence = round1(conf * 100.0);
        d->sure = l != TJ_LANG_MIXED;
        if (conf < 1.0f) {
            d->other = ar ? "en" : "ar";
            d->other_confidence = round1((1.0 - conf) * 100.0);
        }
    }
    free(all);
}

int api_detect(srv *s, srv_request *r, json_t **out)
{
    params p;
    int rc = read_params(r, &p, out);
    long char_limit;
    if (!rc) rc = access_check(s, r, p.api_key, 1, &char_limit, out);
    if (!rc && !p.nq) {
        *out = api_error("Invalid request: missing q parameter");
        rc = 400;
    }
    if (rc) {
        params_free(&p);
        return rc;
    }
    detection d;
    detect_texts(p.q, p.nq, &d);
    *out = json_array();
    json_array_append_new(*out,
                          json_pack("{s:f,s:s}", "confidence", d.confidence, "language", d.lang));
    if (d.other && lang_loaded(s, d.other))
        json_array_append_new(
            *out, json_pack("{s:f,s:s}", "confidence", d.other_confidence, "language", d.other));
    params_free(&p);
    return 200;
}

/* ---------------------------------------------------------------- translation */

static tj_status library_translate(const tj_server_model *m, const tj_options *opt,
                                   const tj_doc_options *dopt, const char *const *texts, size_t n,
                                   size_t bin_len, char **res, size_t *res_len, tj_error *err)
{
    if (!dopt) return tj_translate(m->model, opt, texts, n, res, err);
    tj_status st = TJ_OK;
    for (size_t i = 0; i < n && st == TJ_OK; i++) {
        /* a DOCX package is binary: its length is given, not found by strlen */
        size_t out_len = 0, in_len = dopt->format == TJ_FORMAT_DOCX ? bin_len : strlen(texts[i]);
        st = tj_translate_document(m->model, opt, dopt, texts[i], in_len, &res[i], &out_len, err);
        if (res_len) res_len[i] = out_len;
    }
    if (st != TJ_OK)
        for (size_t i = 0; i < n; i++) {
            tj_free(res[i]);
            res[i] = NULL;
        }
    return st;
}

/* Takes one of the --threads worker slots, waiting at most --timeout for one: 0, or 503 with
 * *out set. slot_give gives it back. */
static int slot_take(srv *s, json_t **out)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += s->cfg->timeout_s;
    atomic_fetch_add(&s->m.queued, 1);
    int w;
    while ((w = sem_timedwait(&s->slots, &deadline)) != 0 && errno == EINTR) {
    }
    atomic_fetch_sub(&s->m.queued, 1);
    if (w != 0) {
        *out = api_error("Server busy: no free translation worker within %d s", s->cfg->timeout_s);
        return 503;
    }
    atomic_fetch_add(&s->m.in_flight, 1);
    return 0;
}

static void slot_give(srv *s)
{
    atomic_fetch_sub(&s->m.in_flight, 1);
    sem_post(&s->slots);
}

/* The reply to a failed library call. */
static int lib_error(tj_status st, const tj_error *err, json_t **out)
{
    if (st == TJ_ERR_INPUT || st == TJ_ERR_ARG || st == TJ_ERR_FORMAT) {
        *out = api_error("Invalid request: %s", err->message);
        return 400;
    }
    *out = api_error("Cannot translate text: %s", err->message);
    return 500;
}

/* Runs tj_translate (plain text) or tj_translate_document (other formats, each text a whole
 * document; target_lang as tj_doc_options has it) in a worker slot. */
static int run_translate(srv *s, const tj_server_model *m, tj_format format,
                         const char *target_lang, params *p, const char *const *texts, size_t n,
                         size_t bin_len, char **res, size_t *res_len, json_t **out)
{
    int rc = slot_take(s, out);
    if (rc) return rc;
    tj_options opt;
    tj_options_default(&opt);
    opt.threads = 1; /* requests run side by side; one thread each */
    tj_error err = {0};
    tj_doc_options dopt = {0};
    dopt.format = format;
    dopt.target_lang = target_lang;
    if (p)
        dopt.glossary = p->glossary, dopt.glossary_mode = p->glossary_mode,
        dopt.glossary_counts = &p->counts;
    /* "flags" on HTML: the blocks holding a doubtful sentence get data-tj-doubt */
    if (p && p->flags && format == TJ_FORMAT_HTML)
        dopt.mark_doubt = 1, dopt.doubt_logprob = SRV_DOUBT_LOGPROB;
    /* plain text without a glossary: one tj_translate call for every text */
    int plain = format == TJ_FORMAT_TEXT && !(p && p->glossary);
    tj_status st = (s->translate ? s->translate : library_translate)(
        m, &opt, plain ? NULL : &dopt, texts, n, bin_len, res, res_len, &err);
    slot_give(s);
    return st == TJ_OK ? 0 : lib_error(st, &err, out);
}

static tj_status library_scored(const tj_server_model *m, const tj_options *opt,
                                const tj_doc_options *dopt, const char *text, size_t len,
                                tj_scored_sentence **res, size_t *n, tj_error *err)
{
    return tj_translate_scored_doc(m->model, opt, dopt, text, len, res, n, err);
}

static double round4(double x)
{
    return round(x * 1e4) / 1e4;
}

/* The quality flags of one text, as `tarjama translate --flags json` gives them: each sentence's
 * mean token log-probability and, when rev (the reverse model) is loaded, the chrF of its
 * translation translated back against it; doubtful below either default threshold. */
static tj_status text_flags(srv *s, const tj_server_model *m, const tj_server_model *rev,
                            const tj_options *opt, const tj_doc_options *dopt, const char *text,
                            json_t **out, tj_error *err)
{
    tj_scored_sentence *v = NULL;
    size_t n = 0;
    tj_status st =
        (s->scored ? s->scored : library_scored)(m, opt, dopt, text, strlen(text), &v, &n, err);
    if (st) return st;
    char **back = NULL;
    const char **t = NULL;
    if (rev && n) {
        /* each translation back as one sentence, as the CLI does */
        back = calloc(n, sizeof *back);
        t = malloc(n * sizeof *t);
        if (!back || !t) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else {
            tj_options o = *opt;
            o.split = TJ_SPLIT_LINE;
            for (size_t i = 0; i < n; i++) t[i] = v[i].translation;
            st = (s->translate ? s->translate : library_translate)(rev, &o, NULL, t, n, 0, back,
                                                                   NULL, err);
        }
    }
    json_t *arr = st ? NULL : json_array();
    if (!st && !arr) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        double chrf = -1;
        if (back && back[i] && !v[i].copied) {
            tj_chrf_stats cs;
            const char *ref = v[i].source;
            tj_error e2;
            if (tj_chrf_segment(back[i], &ref, 1, 0, &cs, NULL, &e2) == TJ_OK)
                chrf = tj_chrf_compute(&cs, 0);
        }
        int doubtful = !v[i].copied && (v[i].logprob < SRV_DOUBT_LOGPROB ||
                                        (chrf >= 0 && chrf < SRV_DOUBT_ROUNDTRIP));
        json_t *o =
            json_pack("{s:s,s:s,s:f,s:b}", "source", v[i].source, "translation", v[i].translation,
                      "logprob", round4(v[i].logprob), "doubtful", doubtful);
        if (o && chrf >= 0 && json_object_set_new(o, "roundtrip_chrf", json_real(round4(chrf))))
            json_decref(o), o = NULL;
        if (!o || json_array_append_new(arr, o)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; back && i < n; i++) tj_free(back[i]);
    free(back), free(t);
    tj_scored_free(v, n);
    if (st) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return TJ_OK;
}

/* "flags": true on plain text: one list of sentence flags per text, in a worker slot. */
static int run_flags(srv *s, const tj_server_model *m, const params *p, json_t **flags,
                     json_t **out)
{
    int rc = slot_take(s, out);
    if (rc) return rc;
    tj_options opt;
    tj_options_default(&opt);
    opt.threads = 1;
    tj_doc_options dopt = {0};
    dopt.format = TJ_FORMAT_TEXT;
    dopt.glossary = p->glossary, dopt.glossary_mode = p->glossary_mode;
    const tj_server_model *rev = find_model(s, m->tgt, m->src);
    tj_error err = {0};
    tj_status st = TJ_OK;
    json_t *all = json_array();
    if (!all) st = tj_fail(&err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->nq && !st; i++) {
        json_t *one = NULL;
        st = text_flags(s, m, rev, &opt, &dopt, p->q[i], &one, &err);
        if (!st && json_array_append_new(all, one))
            st = tj_fail(&err, TJ_ERR_NOMEM, "out of memory");
    }
    slot_give(s);
    if (st) {
        json_decref(all);
        return lib_error(st, &err, out);
    }
    *flags = p->batch ? all : json_incref(json_array_get(all, 0));
    if (!p->batch) json_decref(all);
    return 0;
}

/* The checks LibreTranslate makes after the parameters, in its order. Sets *model. */
static int check_pair(srv *s, const char *source, const char *src, const char *target,
                      const tj_server_model **model, json_t **out)
{
    if (!lang_loaded(s, src)) {
        *out = api_error("%s is not supported", source);
        return 400;
    }
    if (!lang_loaded(s, target)) {
        *out = api_error("%s is not supported", target);
        return 400;
    }
    *model = find_model(s, src, target);
    if (!*model) {
        *out = api_error("%s (%s) is not available as a target language from %s (%s)",
                         lang_name(target), target, lang_name(src), src);
        return 400;
    }
    return 0;
}

int api_translate(srv *s, srv_request *r, json_t **out)
{
    params p;
    long char_limit;
    char **res = NULL;
    int rc = read_params(r, &p, out);
    if (!rc) rc = access_check(s, r, p.api_key, p.batch ? (long)p.nq : 1, &char_limit, out);
    if (rc) goto done;
    rc = 400;
    if (!p.nq) {
        *out = api_error("Invalid request: missing q parameter");
        goto done;
    }
    if (!p.source || !*p.source) {
        *out = api_error("Invalid request: missing source parameter");
        goto done;
    }
    if (!p.target || !*p.target) {
        *out = api_error("Invalid request: missing target parameter");
        goto done;
    }
    if (p.alt_bad) {
        *out = api_error("Invalid request: alternatives parameter is not a number");
        goto done;
    }
    if (p.batch && s->cfg->batch_limit >= 0 && (long)p.nq > s->cfg->batch_limit) {
        *out = api_error("Invalid request: request (%zu) exceeds text limit (%ld)", p.nq,
                         s->cfg->batch_limit);
        goto done;
    }
    size_t chars = 0;
    for (size_t i = 0; i < p.nq; i++) {
        size_t n = count_chars(p.q[i], strlen(p.q[i]));
        chars += n;
        if (char_limit >= 0 && n > (size_t)char_limit) {
            *out =
                api_error("Invalid request: request (%zu) exceeds text limit (%ld)", n, char_limit);
            goto done;
        }
    }
    int is_auto = !strcmp(p.source, "auto");
    detection d = {p.source, 100.0, NULL, 0, 1};
    if (is_auto) {
        detect_texts(p.q, p.nq, &d);
        /* Unsure (mixed or letterless) and the same as the target: take the other side, the
         * only pair there is to translate with. */
        if (!d.sure && !strcmp(d.lang, p.target) && d.other) d.lang = d.other;
        if (!d.sure && !strcmp(d.lang, p.target)) d.lang = strcmp(p.target, "ar") ? "ar" : "en";
    }
    const tj_server_model *m;
    if ((rc = check_pair(s, p.source, d.lang, p.target, &m, out))) goto done;
    rc = 400;
    tj_format format = TJ_FORMAT_TEXT;
    if (p.format && *p.format && strcmp(p.format, "text")) {
        if (strcmp(p.format, "html")) { /* LibreTranslate's two formats */
            *out = api_error("%s format is not supported", p.format);
            goto done;
        }
        format = TJ_FORMAT_HTML;
    }
    res = calloc(p.nq, sizeof *res);
    if (!res) {
        *out = api_error("Out of memory");
        rc = 500;
        goto done;
    }
    /* HTML snippets come back with their own markup only: no lang/dir added (target NULL). */
    if ((rc = run_translate(s, m, format, NULL, &p, p.q, p.nq, 0, res, NULL, out))) goto done;
    json_t *flags = NULL;
    if (p.flags && format == TJ_FORMAT_TEXT && (rc = run_flags(s, m, &p, &flags, out))) goto done;
    atomic_fetch_add(&s->m.characters, chars);
    atomic_fetch_add(&s->m.texts, p.nq);
    json_t *o = json_object(), *det = NULL;
    if (is_auto) det = json_pack("{s:f,s:s}", "confidence", d.confidence, "language", d.lang);
    if (p.batch) {
        json_t *arr = json_array(), *dets = is_auto ? json_array() : NULL, *alts = json_array();
        for (size_t i = 0; i < p.nq; i++) {
            json_array_append_new(arr, json_string(res[i]));
            if (dets) json_array_append(dets, det);
            json_array_append_new(alts, json_array());
        }
        json_object_set_new(o, "translatedText", arr);
        if (dets) json_object_set_new(o, "detectedLanguage", dets);
        if (p.alternatives > 0)
            json_object_set_new(o, "alternatives", alts);
        else
            json_decref(alts);
        json_decref(det);
    } else {
        json_object_set_new(o, "translatedText", json_string(res[0]));
        if (det) json_object_set_new(o, "detectedLanguage", det);
        /* Alternatives are not produced (greedy decoding): an empty list, as LibreTranslate
         * returns when it has none. */
        if (p.alternatives > 0) json_object_set_new(o, "alternatives", json_array());
    }
    if (flags) json_object_set_new(o, "flags", flags);
    if (p.glossary && tj_glossary_size(p.glossary)) /* as `translate --glossary` reports it */
        json_object_set_new(o, "glossary",
                            json_pack("{s:I,s:I,s:I,s:I,s:I}", "found", (json_int_t)p.counts.found,
                                      "placed", (json_int_t)p.counts.placed, "inserted",
                                      (json_int_t)p.counts.inserted, "forced",
                                      (json_int_t)p.counts.forced, "missing",
                                      (json_int_t)p.counts.missing));
    *out = o;
    rc = 200;
done:
    if (res)
        for (size_t i = 0; i < p.nq; i++) tj_free(res[i]);
    free(res);
    params_free(&p);
    srv_observe_latency(s, srv_now() - r->t0);
    return rc;
}

/* ---------------------------------------------------------------- files */

static void safe_filename(const char *in, char *out, size_t cap)
{
    /* Like werkzeug's secure_filename: ASCII letters, digits, '.', '_' and '-' only, no leading
     * dots (nor a path). */
    const char *slash = strrchr(in, '/');
    if (slash) in = slash + 1;
    slash = strrchr(in, '\\');
    if (slash) in = slash + 1;
    while (*in == '.') in++;
    size_t w = 0;
    for (; *in && w + 1 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';
        out[w++] = ok ? (char)ch : '_';
    }
    out[w] = '\0';
}

static int file_put(srv *s, const char *name, char *data, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&s->files_lock);
    int slot = 0;
    for (int i = 0; i < SRV_FILES; i++) {
        if (!s->files[i].data) {
            slot = i;
            break;
        }
        if (s->files[i].created < s->files[slot].created) slot = i;
    }
    free(s->files[slot].data);
    snprintf(s->files[slot].name, sizeof s->files[slot].name, "%s", name);
    s->files[slot].data = data;
    s->files[slot].len = len;
    s->files[slot].created = ts.tv_sec;
    pthread_mutex_unlock(&s->files_lock);
    return 0;
}

int srv_file_get(srv *s, const char *name, char **data, size_t *len)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int found = 0;
    pthread_mutex_lock(&s->files_lock);
    for (int i = 0; i < SRV_FILES; i++) {
        srv_file *f = &s->files[i];
        if (!f->data || strcmp(f->name, name)) continue;
        if (ts.tv_sec - f->created > SRV_FILE_TTL_S) break;
        *data = malloc(f->len ? f->len : 1);
        if (*data) {
            memcpy(*data, f->data, f->len);
            *len = f->len;
            found = 1;
        }
        break;
    }
    pthread_mutex_unlock(&s->files_lock);
    return found;
}

int api_translate_file(srv *s, srv_request *r, json_t **out)
{
    long char_limit;
    srv_field *file = &r->f[F_FILE];
    const char *source = form_value(r, F_SOURCE, "source");
    const char *target = form_value(r, F_TARGET, "target");
    const char *api_key = form_value(r, F_API_KEY, "api_key");
    /* Files cost one request per char-limit's worth of bytes, as in LibreTranslate. */
    long cost = s->cfg->char_limit > 0 ? (long)(file->len / (size_t)s->cfg->char_limit) : 1;
    int rc = access_check(s, r, api_key, cost, &char_limit, out);
    if (rc) return rc;
    if (!file->present || r->is_json) {
        *out = api_error("Invalid request: missing file parameter");
        return 400;
    }
    if (!source || !*source) {
        *out = api_error("Invalid request: missing source parameter");
        return 400;
    }
    if (!target || !*target) {
        *out = api_error("Invalid request: missing target parameter");
        return 400;
    }
    if (!r->filename[0]) {
        *out = api_error("Invalid request: empty file");
        return 400;
    }
    const char *ext = strrchr(r->filename, '.');
    int format = !ext ? -1 : !strcmp(ext, ".txt") ? TJ_FORMAT_TEXT : tj_format_from_name(ext + 1);
    if (format < 0) {
        *out = api_error("Invalid request: file format not supported");
        return 400;
    }
    if (strcmp(source, "auto") && !lang_loaded(s, source)) {
        *out = api_error("%s is not supported", source);
        return 400;
    }
    if (!lang_loaded(s, target)) {
        *out = api_error("%s is not supported", target);
        return 400;
    }
    const char *text = file->data ? file->data : "";
    size_t len = file->len;
    int docx = format == TJ_FORMAT_DOCX;                         /* a ZIP package, binary */
    if (!docx && len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* a BOM is not text */
        text += 3;
        len -= 3;
    }
    if (!docx && (memchr(text, '\0', len) || tj_utf8_check(text, len) != len)) {
        *out = api_error("Invalid request: the file is not UTF-8 text");
        return 400;
    }
    const char *src = source;
    if (docx && !strcmp(source, "auto")) {
        src = strcmp(target, "ar") ? "ar" : "en"; /* the other language of the two */
    } else if (!strcmp(source, "auto")) {
        detection d;
        detect_texts(&text, 1, &d);
        src = d.lang;
        if (!d.sure && !strcmp(src, target)) src = strcmp(target, "ar") ? "ar" : "en";
    }
    const tj_server_model *m;
    if ((rc = check_pair(s, source, src, target, &m, out))) return rc;
    /* tarjama extension: "glossary", a glossary file's text (docs/documents.md), and
     * "glossary_mode" */
    params gp;
    memset(&gp, 0, sizeof gp);
    const char *mode = form_value(r, F_GLOSSARY_MODE, "glossary_mode");
    if (mode && *mode && glossary_mode(mode, &gp, out)) return 400;
    /* and "flags": HTML blocks holding a doubtful sentence get data-tj-doubt (the other formats
     * have no place for a mark) */
    const char *fl = form_value(r, F_FLAGS, "flags");
    if (fl && *fl && strcmp(fl, "true") && strcmp(fl, "false")) {
        *out = api_error("Invalid request: flags must be true or false");
        return 400;
    }
    gp.flags = fl && !strcmp(fl, "true");
    srv_field *gf = &r->f[F_GLOSSARY];
    if (gf->present && gf->len) {
        tj_error gerr;
        tj_status gst = tj_glossary_parse(gf->data, gf->len, &gp.glossary, &gerr);
        if (gst == TJ_ERR_NOMEM) {
            *out = api_error("Out of memory");
            return 500;
        }
        if (gst) {
            *out = api_error("Invalid request: %s", gerr.message);
            return 400;
        }
        if (tj_glossary_size(gp.glossary) > API_MAX_TERMS) {
            *out = api_error("Invalid request: glossary has %zu terms (at most %d)",
                             tj_glossary_size(gp.glossary), API_MAX_TERMS);
            tj_glossary_free(gp.glossary);
            return 400;
        }
    }
    char *res = NULL;
    size_t rlen = 0;
    rc = run_translate(s, m, (tj_format)format, target, &gp, &text, 1, len, &res, &rlen, out);
    tj_glossary_free(gp.glossary);
    if (rc) return rc;
    if (format == TJ_FORMAT_TEXT) rlen = strlen(res);
    atomic_fetch_add(&s->m.characters, count_chars(text, len));
    atomic_fetch_add(&s->m.texts, 1);
    srv_observe_latency(s, srv_now() - r->t0);
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        tj_free(res);
        *out = api_error("Cannot translate file: no random numbers for its name");
        return 500;
    }
    char safe[100], name[160];
    safe_filename(r->filename, safe, sizeof safe);
    int w = 0;
    for (int i = 0; i < 16; i++) w += snprintf(name + w, sizeof name - (size_t)w, "%02x", rnd[i]);
    snprintf(name + w, sizeof name - (size_t)w, ".%s", safe[0] ? safe : "file.txt");
    /* The kept copy is ours (malloc'd), the library's buffer goes back to it. */
    char *copy = malloc(rlen + 1);
    if (!copy) {
        tj_free(res);
        *out = api_error("Out of memory");
        return 500;
    }
    memcpy(copy, res, rlen + 1);
    tj_free(res);
    file_put(s, name, copy, rlen);
    const char *host = lookup(r, 1, "Host");
    char url[512];
    /* A Host header is a name or address and a port: printable ASCII. Anything else (a byte
     * over 0x7F made the reply fail to build, a 500 after the work was done; found by
     * tests/fuzz/fuzz_server.c) gives the default. */
    int host_ok = host && *host && strlen(host) < 256 && !strpbrk(host, "/\\ \"<>@?#");
    for (const char *h = host; host_ok && *h; h++) host_ok = *h > 0x20 && *h < 0x7f;
    snprintf(url, sizeof url, "http://%s/download_file/%s", host_ok ? host : "localhost", name);
    *out = json_pack("{s:s}", "translatedFileUrl", url);
    return 200;
}

/* ---------------------------------------------------------------- request bodies */

int srv_body_type(srv_request *r, const char *ct)
{
    /* Flask's request.is_json: application/json or any application/...+json. */
    if (ct && (!strncasecmp(ct, "application/json", 16) ||
               (!strncasecmp(ct, "application/", 12) && strstr(ct, "+json")))) {
        r->is_json = 1;
        return 0;
    }
    return ct != NULL;
}

int srv_body_data(srv_request *r, const char *data, size_t n)
{
    if (r->body_len + n + 1 > r->body_cap) {
        size_t nc = r->body_cap ? r->body_cap : 1024;
        while (nc < r->body_len + n + 1) nc *= 2;
        char *nb = realloc(r->body, nc);
        if (!nb) return -1;
        r->body = nb;
        r->body_cap = nc;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    return 0;
}

static int field_index(const char *key)
{
    static const char *const names[F_COUNT] = {
        "q",    "source",   "target",        "format", "api_key", "alternatives",
        "file", "glossary", "glossary_mode", "flags"};
    for (int i = 0; i < F_COUNT; i++)
        if (!strcmp(key, names[i])) return i;
    return -1;
}

/* Field sizes are bounded by the body limit, which on_request checks as bytes arrive. */
static int field_append(srv_request *r, srv_field *f, const char *data, size_t size)
{
    if (f->len + size + 1 > f->cap) {
        size_t nc = f->cap ? f->cap : 256;
        while (nc < f->len + size + 1) nc *= 2;
        char *np = realloc(f->data, nc);
        if (!np) {
            r->too_big = 1;
            return -1;
        }
        f->data = np;
        f->cap = nc;
    }
    memcpy(f->data + f->len, data, size);
    f->len += size;
    f->data[f->len] = '\0';
    return 0;
}

int srv_form_data(srv_request *r, const char *key, const char *filename, const char *data,
                  uint64_t off, size_t size)
{
    int i = key ? field_index(key) : -1;
    if (i < 0) return 0; /* unknown fields are ignored, as Flask's request.values does */
    srv_field *f = &r->f[i];
    if (off == 0) {
        if (f->present) {
            r->skip = i; /* a repeated key: the first value wins, as request.values.get */
            return 0;
        }
        r->skip = -1;
        f->present = 1;
        if (i == F_FILE && filename) snprintf(r->filename, sizeof r->filename, "%s", filename);
    } else if (r->skip == i) {
        return 0;
    }
    return size && field_append(r, f, data, size) != 0 ? -1 : 0;
}

int srv_post(srv *s, srv_request *r, json_t **out)
{
    if (r->too_big) {
        *out = api_error("Request body over the server's limit of %zu bytes", s->cfg->max_body);
        return 413;
    }
    if (r->bad_form) {
        *out = api_error("Invalid request: malformed form data");
        return 400;
    }
    switch (r->endpoint) {
    case EP_TRANSLATE:
        return api_translate(s, r, out);
    case EP_DETECT:
        return api_detect(s, r, out);
    default:
        return api_translate_file(s, r, out);
    }
}

/* ---------------------------------------------------------------- GET replies */

json_t *api_languages(srv *s)
{
    json_t *arr = json_array();
    const char *seen[32];
    size_t n_seen = 0;
    for (size_t i = 0; i < s->cfg->n_models * 2 && n_seen < 32; i++) {
        const tj_server_model *m = &s->cfg->models[i / 2];
        const char *code = i % 2 ? m->tgt : m->src;
        int dup = 0;
        for (size_t k = 0; k < n_seen; k++) dup |= !strcmp(seen[k], code);
        if (dup) continue;
        seen[n_seen++] = code;
        json_t *targets = json_array();
        for (size_t k = 0; k < s->cfg->n_models; k++)
            if (!strcmp(s->cfg->models[k].src, code))
                json_array_append_new(targets, json_string(s->cfg->models[k].tgt));
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o}", "code", code, "name", lang_name(code),
                                             "targets", targets));
    }
    return arr;
}

json_t *api_settings(srv *s)
{
    const char *tgt = s->cfg->n_models ? s->cfg->models[0].tgt : "en";
    return json_pack("{s:I,s:i,s:b,s:b,s:b,s:b,s:[s,s,s,s,s,s,s],s:{s:{s:s,s:s},s:{s:s,s:s}}}",
                     "charLimit", (json_int_t)s->cfg->char_limit, "frontendTimeout", 500, "apiKeys",
                     s->n_keys > 0, "keyRequired", s->cfg->require_api_key, "suggestions", 0,
                     "filesTranslation", 1, "supportedFilesFormat", ".txt", ".html", ".htm", ".srt",
                     ".vtt", ".md", ".docx", "language", "source", "code", "auto", "name",
                     "Auto Detect", "target", "code", tgt, "name", lang_name(tgt));
}

json_t *api_healthz(srv *s)
{
    json_t *models = json_array();
    for (size_t i = 0; i < s->cfg->n_models; i++) {
        char pair[20];
        snprintf(pair, sizeof pair, "%s-%s", s->cfg->models[i].src, s->cfg->models[i].tgt);
        json_array_append_new(models, json_string(pair));
    }
    return json_pack("{s:s,s:s,s:o,s:i,s:I,s:I}", "status", "ok", "version", tj_version(), "models",
                     models, "workers", s->cfg->threads, "in_flight",
                     (json_int_t)atomic_load(&s->m.in_flight), "queued",
                     (json_int_t)atomic_load(&s->m.queued));
}
