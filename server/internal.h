/* SPDX-License-Identifier: MIT */
/* Shared between the server's files: the server state, one request's state, and the guards
 * (API keys, rate limit, metrics). */
#ifndef TJ_SERVER_INTERNAL_H
#define TJ_SERVER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "server.h"

/* api.c and guard.c do not use libmicrohttpd (http.c does), so that tests/fuzz/fuzz_server.c
 * can run the request handling on body bytes without a connection. */
struct MHD_PostProcessor;

/* Endpoints and status codes the metrics count. */
enum {
    EP_TRANSLATE,
    EP_DETECT,
    EP_LANGUAGES,
    EP_TRANSLATE_FILE,
    EP_DOWNLOAD,
    EP_SETTINGS,
    EP_HEALTH,
    EP_METRICS,
    EP_PAGE,
    EP_OTHER,
    EP_COUNT
};
extern const char *const srv_endpoint_names[EP_COUNT];
#define SRV_N_CODES 13
extern const int srv_codes[SRV_N_CODES]; /* the last slot counts every other code */
#define SRV_N_BUCKETS 12
extern const double srv_buckets[SRV_N_BUCKETS];

typedef struct srv_metrics {
    atomic_ulong requests[EP_COUNT][SRV_N_CODES];
    atomic_ulong characters;                        /* source characters translated */
    atomic_ulong texts;                             /* texts translated */
    atomic_ulong latency_bucket[SRV_N_BUCKETS + 1]; /* /translate and /translate_file; +Inf */
    atomic_ulong latency_us_sum;
    atomic_long in_flight; /* translations running */
    atomic_long queued;    /* requests waiting for a worker */
} srv_metrics;

typedef struct srv_key {
    char *key;
    long req_limit;  /* -1 = the server's */
    long char_limit; /* -1 = the server's */
} srv_key;

/* Rate limiter: a fixed table of clients (API key or IP), each with a sliding one-minute window
 * made of the previous and current minute's counts (bounded memory whatever the traffic). */
typedef struct srv_rl_entry {
    char id[72];
    int64_t minute;
    long prev, cur;
} srv_rl_entry;
#define SRV_RL_SLOTS 4096

/* A translated file kept for GET /download_file, in memory, a few at a time. */
typedef struct srv_file {
    char name[160]; /* "<32 hex>.<original name>" */
    char *data;
    size_t len;
    int64_t created;
} srv_file;
#define SRV_FILES 16
#define SRV_FILE_TTL_S 600

typedef struct srv {
    const tj_server_config *cfg;
    sem_t slots; /* free translation workers */
    srv_key *keys;
    size_t n_keys;
    pthread_mutex_t rl_lock;
    srv_rl_entry *rl;
    pthread_mutex_t files_lock;
    srv_file files[SRV_FILES];
    srv_metrics m;
    /* What run_translate calls: NULL = the library (tj_translate for plain text, else
     * tj_translate_document per text with dopt; a DOCX text is bin_len bytes, the others are
     * strings; res_len, when not NULL, gets the output lengths); the fuzz target passes a fake,
     * so that it explores the request handling rather than the model. */
    tj_status (*translate)(const tj_server_model *m, const tj_options *opt,
                           const tj_doc_options *dopt, const char *const *texts, size_t n,
                           size_t bin_len, char **res, size_t *res_len, tj_error *err);
    /* What "flags" calls: NULL = tj_translate_scored_doc; the fuzz target's fake likewise. */
    tj_status (*scored)(const tj_server_model *m, const tj_options *opt, const tj_doc_options *dopt,
                        const char *text, size_t len, tj_scored_sentence **res, size_t *n,
                        tj_error *err);
} srv;

/* "flags": doubtful below these, the defaults of `tarjama translate --flags` (docs/documents.md
 * has their calibration). */
#define SRV_DOUBT_LOGPROB -1.9f
#define SRV_DOUBT_ROUNDTRIP 10.0

/* A request field from a form or JSON body. */
typedef struct srv_field {
    char *data;
    size_t len, cap;
    int present;
} srv_field;
enum {
    F_Q,
    F_SOURCE,
    F_TARGET,
    F_FORMAT,
    F_API_KEY,
    F_ALTERNATIVES,
    F_FILE,
    F_GLOSSARY, /* /translate_file, tarjama extension: a glossary file's text */
    F_GLOSSARY_MODE,
    F_FLAGS, /* /translate_file, tarjama extension: "true" marks doubtful blocks of HTML */
    F_COUNT
};

typedef struct srv_request {
    srv *s;
    int endpoint;
    int is_json;
    struct MHD_PostProcessor *pp;
    char *body; /* JSON bodies */
    size_t body_len, body_cap;
    size_t total; /* body bytes received */
    srv_field f[F_COUNT];
    char filename[128];
    int skip; /* form field being skipped (a repeated key: the first wins), or -1 */
    int too_big, bad_form, replied;
    double t0;
    char client[64]; /* peer address, for the rate limit */
    /* The request's query string (headers = 0) and headers (1): libmicrohttpd's in http.c. */
    const char *(*lookup)(void *conn, int headers, const char *name);
    void *conn;
} srv_request;

/* ---------------------------------------------------------------- guard.c */
int srv_keys_load(srv *s, const char *path);
void srv_keys_free(srv *s);
const srv_key *srv_key_find(const srv *s, const char *key);
/* 1 when id may spend cost more requests this minute (and spends them), 0 when over limit. */
int srv_rate_take(srv *s, const char *id, long limit, long cost);
void srv_count(srv *s, int endpoint, int status);
void srv_observe_latency(srv *s, double seconds);
char *srv_metrics_text(srv *s, size_t *len);
double srv_now(void);

/* ---------------------------------------------------------------- api.c */
/* Each returns the HTTP status and sets *out to the JSON reply (an {"error"} object on errors). */
int api_translate(srv *s, srv_request *r, json_t **out);
int api_detect(srv *s, srv_request *r, json_t **out);
int api_translate_file(srv *s, srv_request *r, json_t **out);
/* A POST body, as it arrives: srv_body_type reads the Content-Type (NULL when absent) and
 * returns 1 when the body is a form (for libmicrohttpd's post processor, whose fields go to
 * srv_form_data), 0 otherwise; srv_body_data takes a JSON body's bytes (-1: out of memory);
 * srv_post answers once the body is in (the body limit is the caller's). */
int srv_body_type(srv_request *r, const char *content_type);
int srv_body_data(srv_request *r, const char *data, size_t n);
int srv_form_data(srv_request *r, const char *key, const char *filename, const char *data,
                  uint64_t off, size_t size);
int srv_post(srv *s, srv_request *r, json_t **out);
json_t *api_languages(srv *s);
json_t *api_settings(srv *s);
json_t *api_healthz(srv *s);
json_t *api_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Finds a kept translated file by name; copies it out (malloc'd) under the lock. */
int srv_file_get(srv *s, const char *name, char **data, size_t *len);

#endif
