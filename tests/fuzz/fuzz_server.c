/* SPDX-License-Identifier: MIT */
/* The request handling of `tarjama serve` (server/api.c) on a POST body, without libmicrohttpd:
 * the body goes through srv_body_type / srv_body_data (JSON) or, for forms, is cut here into
 * fields (a stand-in for libmicrohttpd's post processor, which is not ours to fuzz) that go
 * through srv_form_data in two pieces each; srv_post then reads and checks the parameters
 * (JSON or form, query string, API keys, limits, language pair, format) and "translates" with a
 * fake (plain text copied, documents through the readers with fake.h's translator).
 * Input: byte 0 the endpoint (/translate, /detect, /translate_file, which takes .docx too) and the
 * Content-Type (JSON, form, none); byte 1 the server's settings (API keys, required or not,
 * character, batch and request limits); byte 2 the fake translator's mode; then an optional
 * "?QUERY\n" line (a=b&c=d, %XX escapes; key "host" is the Host header) and the body. A form field
 * "key:NAME" is a file field named NAME. Checks: a known HTTP status; a reply that serialises; an
 * {"error": STRING} object for every status but 200; for 200 the reply's documented shape; a
 * translated file can be downloaded. */
#include "internal.h"
#include "fake.h"

static fake_tr tr;

static tj_status fk_translate(const tj_server_model *m, const tj_options *opt,
                              const tj_doc_options *dopt, const char *const *texts, size_t n,
                              size_t bin_len, char **res, size_t *res_len, tj_error *err)
{
    (void)m;
    tj_status st = TJ_OK;
    for (size_t i = 0; i < n && !st; i++) {
        if (!dopt || dopt->format == TJ_FORMAT_TEXT) { /* text, also with a glossary */
            res[i] = strdup(texts[i]);
            if (!res[i]) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            continue;
        }
        tj_doc_ctx c = {NULL, opt, dopt, fake_paras, &tr};
        size_t out_len = 0, in_len = dopt->format == TJ_FORMAT_DOCX ? bin_len : strlen(texts[i]);
        st = tj_doc_dispatch(&c, texts[i], in_len, &res[i], &out_len, err);
        if (dopt->format != TJ_FORMAT_DOCX) /* a DOCX package is binary */
            fake_check_doc(st, err, st ? NULL : res[i], st ? 0 : out_len);
        else
            fuzz_check_error(st, err);
        if (res_len) res_len[i] = out_len;
    }
    if (st)
        for (size_t i = 0; i < n; i++) free(res[i]), res[i] = NULL;
    return st;
}

/* "flags": one scored "sentence" per non-empty line, copied (fake.h). */
static tj_status fk_scored(const tj_server_model *m, const tj_options *opt,
                           const tj_doc_options *dopt, const char *text, size_t len,
                           tj_scored_sentence **out, size_t *n, tj_error *err)
{
    (void)m, (void)opt, (void)dopt;
    if (tr.mode & FAKE_FAIL) return tj_fail(err, TJ_ERR_INPUT, "fake failure");
    return fake_scored_lines(text, len, 0, out, n, err);
}

/* %XX and '+' decoded in place; returns the new length. */
static size_t url_decode(char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi, lo;
        if (s[i] == '+') {
            s[w++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%1x%1x", &hi, &lo) == 2) {
            s[w++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            s[w++] = s[i];
        }
    }
    return w;
}

/* The query string, decoded: up to 8 pairs. */
typedef struct query {
    char *key[8], *val[8];
    int n;
    char *host;
} query;

static void query_parse(query *q, char *s, size_t n)
{
    for (size_t b = 0; b < n && q->n < 8;) {
        char *amp = memchr(s + b, '&', n - b);
        size_t e = amp ? (size_t)(amp - s) : n;
        char *eq = memchr(s + b, '=', e - b);
        size_t ke = eq ? (size_t)(eq - s) : e;
        s[ke] = '\0';
        size_t kl = url_decode(s + b, ke - b);
        s[b + kl] = '\0';
        char *v = eq ? s + ke + 1 : s + ke;
        if (eq) {
            s[e] = '\0';
            size_t vl = url_decode(v, e - ke - 1);
            v[vl] = '\0';
        }
        if (!strcmp(s + b, "host"))
            q->host = v;
        else
            q->key[q->n] = s + b, q->val[q->n++] = v;
        b = e + 1;
    }
}

static const char *fk_lookup(void *conn, int headers, const char *name)
{
    query *q = conn;
    if (headers) return strcmp(name, "Host") ? NULL : q->host;
    for (int i = 0; i < q->n; i++)
        if (!strcmp(q->key[i], name)) return q->val[i];
    return NULL;
}

static void check_reply(int endpoint, int status, json_t *out)
{
    static const int ok[] = {200, 400, 403, 413, 429, 500, 503};
    int known = 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) known |= status == ok[i];
    if (!known || !out) abort();
    char *text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) abort();
    free(text);
    if (status != 200) {
        if (!json_is_string(json_object_get(out, "error"))) abort();
        if (status == 500) abort(); /* the fake never fails for want of memory */
        return;
    }
    if (endpoint == EP_DETECT) {
        if (!json_is_array(out) || json_array_size(out) < 1) abort();
    } else if (endpoint == EP_TRANSLATE) {
        json_t *t = json_object_get(out, "translatedText");
        if (!json_is_string(t) && !json_is_array(t)) abort();
        /* "flags": a list of sentences per text (a list of such lists for a batch) */
        json_t *f = json_object_get(out, "flags");
        if (f && (!json_is_array(f) || json_is_array(t) != json_is_array(json_array_get(f, 0))))
            abort();
        for (size_t i = 0; f && json_is_string(t) && i < json_array_size(f); i++) {
            json_t *sent = json_array_get(f, i);
            if (!json_is_number(json_object_get(sent, "logprob")) ||
                !json_is_boolean(json_object_get(sent, "doubtful")) ||
                !json_is_string(json_object_get(sent, "translation")))
                abort();
        }
    } else if (!json_is_string(json_object_get(out, "translatedFileUrl"))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    static const int endpoints[] = {EP_TRANSLATE, EP_DETECT, EP_TRANSLATE_FILE};
    int endpoint = endpoints[(data[0] & 3) % 3];
    int ctype = (data[0] >> 2) & 3; /* 0 JSON, 1 form, 2 none, 3 application/ld+json */
    int set = data[1];
    tr.mode = data[2] & 127;
    char *buf = malloc(size - 3 + 1);
    if (!buf) abort();
    memcpy(buf, data + 3, size - 3);
    buf[size - 3] = '\0';
    char *body = buf;
    size_t blen = size - 3;
    query q = {0};
    if (blen && body[0] == '?') {
        char *nl = memchr(body, '\n', blen);
        size_t ql = nl ? (size_t)(nl - body) : blen;
        query_parse(&q, body + 1, ql - 1);
        body += nl ? ql + 1 : ql;
        blen -= nl ? ql + 1 : ql;
    }

    tj_server_model models[2] = {{"ar", "en", "models/ar-en", NULL},
                                 {"en", "ar", "models/en-ar", NULL}};
    tj_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "127.0.0.1";
    cfg.threads = 1;
    cfg.char_limit = set & 1 ? 20 : -1;
    cfg.batch_limit = set & 2 ? 2 : -1;
    cfg.req_limit = set & 4 ? 3 : -1;
    cfg.timeout_s = 1;
    cfg.max_body = 1 << 20;
    cfg.require_api_key = (set & 16) != 0;
    cfg.models = models;
    cfg.n_models = set & 32 ? 1 : 2;
    srv *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->cfg = &cfg;
    s->translate = fk_translate;
    s->scored = fk_scored;
    if (sem_init(&s->slots, 0, 1) || pthread_mutex_init(&s->rl_lock, NULL) ||
        pthread_mutex_init(&s->files_lock, NULL))
        abort();
    /* The rate limiter's table, fresh for every input (so that a limit reached by one input
     * does not decide the next); allocated once, since a 400 KB calloc per input under ASan
     * made the target ten times slower. */
    static srv_rl_entry *rl;
    if (!rl && !(rl = malloc(SRV_RL_SLOTS * sizeof *rl))) abort();
    memset(rl, 0, SRV_RL_SLOTS * sizeof *rl);
    for (size_t i = 0; i < SRV_RL_SLOTS; i++) rl[i].minute = INT64_MIN;
    s->rl = rl;
    if (set & 8) { /* API keys (sorted, as srv_keys_load leaves them) */
        static const char *const names[] = {"k1", "secret"};
        s->keys = calloc(2, sizeof *s->keys);
        if (!s->keys) abort();
        for (int i = 0; i < 2; i++) {
            s->keys[i].key = strdup(names[i]);
            s->keys[i].req_limit = i ? -1 : 1;
            s->keys[i].char_limit = i ? -1 : 5;
        }
        s->n_keys = 2;
    }

    srv_request *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->s = s;
    r->skip = -1;
    r->endpoint = endpoint;
    r->t0 = srv_now();
    r->lookup = fk_lookup;
    r->conn = &q;
    snprintf(r->client, sizeof r->client, "192.0.2.1");
    static const char *const types[] = {"application/json", "application/x-www-form-urlencoded",
                                        NULL, "application/ld+json; charset=utf-8"};
    int form = srv_body_type(r, types[ctype]);
    if (form != (ctype == 1)) abort();
    if (r->is_json) {
        /* in two pieces, as a body may arrive */
        if (srv_body_data(r, body, blen / 2) || srv_body_data(r, body + blen / 2, blen - blen / 2))
            abort();
    } else if (form) {
        for (size_t b = 0; b < blen;) {
            char *amp = memchr(body + b, '&', blen - b);
            size_t e = amp ? (size_t)(amp - body) : blen;
            char *eq = memchr(body + b, '=', e - b);
            size_t ke = eq ? (size_t)(eq - body) : e;
            body[ke] = '\0';
            char *colon = strchr(body + b, ':');
            if (colon) *colon = '\0';
            size_t kl = url_decode(body + b, strlen(body + b));
            body[b + kl] = '\0';
            size_t vl = eq ? url_decode(body + ke + 1, e - ke - 1) : 0;
            const char *v = body + ke + 1;
            if (srv_form_data(r, body + b, colon ? colon + 1 : NULL, v, 0, vl / 2) ||
                srv_form_data(r, body + b, colon ? colon + 1 : NULL, v + vl / 2, vl / 2,
                              vl - vl / 2))
                abort();
            b = e + 1;
        }
    }

    json_t *out = NULL;
    int status = srv_post(s, r, &out);
    if (fuzz_verbose()) {
        char *t = out ? json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        fprintf(stderr, "%d %s\n", status, t ? t : "(no reply)");
        free(t);
    }
    check_reply(endpoint, status, out);
    if (endpoint == EP_TRANSLATE_FILE && status == 200) {
        /* the name is the URL's last part */
        const char *url = json_string_value(json_object_get(out, "translatedFileUrl"));
        const char *name = strstr(url, "/download_file/");
        char *got = NULL;
        size_t len = 0;
        if (!name || !srv_file_get(s, name + 15, &got, &len)) abort();
        const char *dot = strrchr(name, '.');
        if ((!dot || strcmp(dot, ".docx")) && tj_utf8_check(got, len) != len) abort();
        free(got);
    }
    json_decref(out);

    for (int i = 0; i < F_COUNT; i++) free(r->f[i].data);
    free(r->body);
    free(r);
    for (int i = 0; i < SRV_FILES; i++) free(s->files[i].data);
    srv_keys_free(s);
    pthread_mutex_destroy(&s->files_lock);
    pthread_mutex_destroy(&s->rl_lock);
    sem_destroy(&s->slots);
    free(s);
    free(buf);
    return 0;
}
