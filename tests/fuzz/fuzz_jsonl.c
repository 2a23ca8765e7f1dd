/* SPDX-License-Identifier: MIT */
/* JSONL batch mode (tj_jsonl_run, the body of tj_translate_jsonl): the input's lines are request
 * lines, read by src/doc/jsonl.c's JSON reader, "translated" by fakes (plain text copied as it is,
 * so that a response must carry exactly the text the request held; a text holding '~' is refused,
 * which drives the one-by-one retry; documents through the readers with fake.h's translator) and
 * written back as response lines. The first byte picks the fake's mode.
 * Checks, besides no crash and no leak: every response is one line ending in '\n' and a JSON
 * object by jansson's reading (an independent parser), with exactly one of "translation" and
 * "error"; where jansson reads the request too, a translation's id equals the request's and a
 * plain-text translation equals the request's "text". */
#include <jansson.h>

#include "fake.h"

static tj_status fk_texts(void *user, const char *const *texts, size_t n, char **out, tj_error *err)
{
    (void)user;
    for (size_t i = 0; i < n; i++) out[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strchr(texts[i], '~') || !(out[i] = strdup(texts[i]))) {
            for (size_t k = 0; k < n; k++) free(out[k]), out[k] = NULL;
            return out[i] ? tj_fail(err, TJ_ERR_NOMEM, "out of memory")
                          : tj_fail(err, TJ_ERR_INPUT, "fake: text %zu refused", i);
        }
    }
    return TJ_OK;
}

/* One scored "sentence" per non-empty line (fake.h). */
static tj_status fk_scored(void *user, const tj_doc_options *d, const char *text, size_t len,
                           tj_scored_sentence **out, size_t *n, tj_error *err)
{
    (void)user, (void)d;
    return fake_scored_lines(text, len, 1, out, n, err);
}

static tj_status fk_document(void *user, const tj_doc_options *d, const char *data, size_t len,
                             char **out, size_t *out_len, tj_error *err)
{
    tj_options o;
    tj_options_default(&o);
    tj_doc_ctx c = {NULL, &o, d, fake_paras, user};
    tj_status st = tj_doc_dispatch(&c, data, len, out, out_len, err);
    fake_check_doc(st, err, st ? NULL : *out, st ? 0 : *out_len);
    return st;
}

static void check(const char *line, size_t len, const char *resp)
{
    size_t rl = strlen(resp);
    if (rl == 0 || resp[rl - 1] != '\n' || memchr(resp, '\n', rl - 1)) abort();
    /* Every response is a JSON object, whatever the request (jansson cannot hold numbers
     * beyond a double's range, which a copied id may be, nor an object key holding \u0000,
     * which JSON allows and a copied id may hold too). */
    json_error_t je;
    json_t *res = json_loadb(resp, rl, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
    if (!res &&
        (strstr(je.text, "overflow") || json_error_code(&je) == json_error_null_byte_in_key))
        return;
    if (!res || !json_is_object(res)) {
        fprintf(stderr, "response is not a JSON object (%s): %s", res ? "" : je.text, resp);
        abort();
    }
    json_t *req = json_loadb(line, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
    if (!req) {
        json_decref(res);
        return;
    }
    json_t *tr = json_object_get(res, "translation"), *er = json_object_get(res, "error");
    if (!tr == !er) abort(); /* exactly one of them */
    if (er && !json_is_string(er)) abort();
    /* The id as the request has it (a request that failed part-way may have another "id"
     * further on, which was not read). */
    json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
    json_t *rid = json_object_get(res, "id");
    if (!rid || (tr && (id ? !json_equal(id, rid) : !json_is_null(rid)))) {
        fprintf(stderr, "id changed: %s", resp);
        abort();
    }
    if (tr) {
        json_t *text = json_object_get(req, "text"), *fmt = json_object_get(req, "format");
        json_t *flags = json_object_get(req, "flags");
        if (!json_is_string(text) || !json_is_string(tr)) abort();
        int plain = !fmt || !strcmp(json_string_value(fmt), "text") ||
                    !strcmp(json_string_value(fmt), "txt");
        if (plain && (!flags || json_is_false(flags)) &&
            (json_string_length(text) != json_string_length(tr) ||
             memcmp(json_string_value(text), json_string_value(tr), json_string_length(tr)))) {
            fprintf(stderr, "translation is not the text: %s", resp);
            abort();
        }
    }
    json_decref(req);
    json_decref(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    fake_tr tr = {data[0] & 127};
    const char *s = (const char *)data + 1;
    size_t n = size - 1, nl = 0;
    for (size_t i = 0; i < n; i++) nl += s[i] == '\n';
    const char **lines = calloc(nl + 1, sizeof *lines);
    size_t *lens = calloc(nl + 1, sizeof *lens);
    char **out = calloc(nl + 1, sizeof *out);
    if (!lines || !lens || !out) abort();
    size_t k = 0;
    for (size_t b = 0; b < n;) {
        const char *q = memchr(s + b, '\n', n - b);
        size_t e = q ? (size_t)(q - s) : n;
        lines[k] = s + b, lens[k] = e - b, k++;
        b = e + 1;
    }
    tj_jsonl_backend be = {&tr, fk_texts, fk_scored, fk_document};
    tj_error err;
    tj_status st = tj_jsonl_run(&be, -1.0f, lines, lens, k, out, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) abort(); /* only bad arguments or out of memory may fail the call */
    for (size_t i = 0; i < k; i++) {
        if (!out[i]) abort();
        if (fuzz_verbose()) fprintf(stderr, "%s", out[i]);
        check(lines[i], lens[i], out[i]);
        free(out[i]);
    }
    free(lines), free(lens), free(out);
    return 0;
}
