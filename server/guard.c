/* SPDX-License-Identifier: MIT */
/* The server's guards: API keys (--api-keys FILE), the per-minute request limit (--req-limit)
 * and the Prometheus metrics behind GET /metrics. */
#include "internal.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const srv_endpoint_names[EP_COUNT] = {
    "/translate",      "/detect",        "/languages",
    "/translate_file", "/download_file", "/frontend/settings",
    "/health",         "/metrics",       "/",
    "other",
};
const int srv_codes[SRV_N_CODES] = {200, 204, 400, 403, 404, 405, 408, 413, 415, 429, 500, 503, 0};
const double srv_buckets[SRV_N_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1,    2.5,   5,    10,  30};

double srv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- API keys */

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const srv_key *)a)->key, ((const srv_key *)b)->key);
}

/* The file: one key per line, optionally followed by its requests per minute and its character
 * limit ("-" keeps the server's); '#' starts a comment line. */
int srv_keys_load(srv *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tarjama: serve: %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    size_t cap = 0, lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "tarjama: serve: %s:%zu: line too long\n", path, lineno);
            rc = -1;
            break;
        }
        char *save = NULL, *key = strtok_r(line, " \t\r\n", &save);
        if (!key || key[0] == '#') continue;
        char *req = strtok_r(NULL, " \t\r\n", &save), *chr = strtok_r(NULL, " \t\r\n", &save);
        long lim[2] = {-1, -1};
        const char *cols[2] = {req, chr};
        for (int i = 0; i < 2; i++) {
            if (!cols[i] || !strcmp(cols[i], "-")) continue;
            char *end;
            errno = 0;
            lim[i] = strtol(cols[i], &end, 10);
            if (errno || *end || lim[i] < 0) {
                fprintf(stderr, "tarjama: serve: %s:%zu: '%s' is not a limit (a number or -)\n",
                        path, lineno, cols[i]);
                rc = -1;
            }
        }
        if (rc) break;
        if (s->n_keys == cap) {
            cap = cap ? cap * 2 : 16;
            srv_key *nk = realloc(s->keys, cap * sizeof *nk);
            if (!nk) {
                rc = -1;
                break;
            }
            s->keys = nk;
        }
        char *dup = strdup(key);
        if (!dup) {
            rc = -1;
            break;
        }
        s->keys[s->n_keys++] = (srv_key){dup, lim[0], lim[1]};
    }
    fclose(f);
    if (rc == 0 && s->n_keys == 0) {
        fprintf(stderr, "tarjama: serve: %s: no API keys in the file\n", path);
        rc = -1;
    }
    if (rc == 0) qsort(s->keys, s->n_keys, sizeof *s->keys, key_cmp);
    return rc;
}

void srv_keys_free(srv *s)
{
    for (size_t i = 0; i < s->n_keys; i++) free(s->keys[i].key);
    free(s->keys);
    s->keys = NULL;
    s->n_keys = 0;
}

const srv_key *srv_key_find(const srv *s, const char *key)
{
    if (!key || !s->n_keys) return NULL;
    srv_key probe = {(char *)key, 0, 0};
    return bsearch(&probe, s->keys, s->n_keys, sizeof *s->keys, key_cmp);
}

/* ---------------------------------------------------------------- rate limit */

static uint64_t fnv1a(const char *str)
{
    uint64_t h = 1469598103934665603ull;
    for (; *str; str++) h = (h ^ (unsigned char)*str) * 1099511628211ull;
    return h;
}

int srv_rate_take(srv *s, const char *id, long limit, long cost)
{
    if (limit < 0) return 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, minute = ms / 60000;
    double into = (double)(ms % 60000) / 60000.0;
    uint64_t h = fnv1a(id);
    pthread_mutex_lock(&s->rl_lock);
    /* Up to 8 probes; when all are taken by other clients, the stalest entry is replaced. */
    srv_rl_entry *e = NULL, *stale = NULL;
    for (int p = 0; p < 8; p++) {
        srv_rl_entry *c = &s->rl[(h + (uint64_t)p) % SRV_RL_SLOTS];
        if (!strncmp(c->id, id, sizeof c->id - 1)) {
            e = c;
            break;
        }
        if (!stale || c->minute < stale->minute) stale = c;
    }
    if (!e) {
        e = stale;
        snprintf(e->id, sizeof e->id, "%s", id);
        e->minute = minute;
        e->prev = e->cur = 0;
    }
    if (e->minute != minute) {
        e->prev = e->minute == minute - 1 ? e->cur : 0;
        e->cur = 0;
        e->minute = minute;
    }
    /* Sliding window: the previous minute counts for the part of it still inside the last 60 s. */
    double used = (double)e->prev * (1.0 - into) + (double)e->cur;
    int ok = used + (double)cost <= (double)limit;
    if (ok) e->cur += cost;
    pthread_mutex_unlock(&s->rl_lock);
    return ok;
}

/* ---------------------------------------------------------------- metrics */

void srv_count(srv *s, int endpoint, int status)
{
    int k = SRV_N_CODES - 1;
    for (int i = 0; i < SRV_N_CODES - 1; i++)
        if (srv_codes[i] == status) k = i;
    atomic_fetch_add(&s->m.requests[endpoint][k], 1);
}

void srv_observe_latency(srv *s, double seconds)
{
    int b = SRV_N_BUCKETS;
    for (int i = 0; i < SRV_N_BUCKETS; i++)
        if (seconds <= srv_buckets[i]) {
            b = i;
            break;
        }
    atomic_fetch_add(&s->m.latency_bucket[b], 1);
    atomic_fetch_add(&s->m.latency_us_sum, (unsigned long)(seconds * 1e6));
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = b->cap * 2 + (size_t)n;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
}

char *srv_metrics_text(srv *s, size_t *len)
{
    sbuf b = {malloc(4096), 0, 4096, 0};
    if (!b.p) return NULL;
    b.p[0] = '\0';
    sb_printf(&b, "# HELP tarjama_http_requests_total HTTP requests by endpoint and status code.\n"
                  "# TYPE tarjama_http_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        for (int k = 0; k < SRV_N_CODES; k++) {
            unsigned long v = atomic_load(&s->m.requests[e][k]);
            if (!v) continue;
            if (srv_codes[k])
                sb_printf(&b, "tarjama_http_requests_total{endpoint=\"%s\",code=\"%d\"} %lu\n",
                          srv_endpoint_names[e], srv_codes[k], v);
            else
                sb_printf(&b, "tarjama_http_requests_total{endpoint=\"%s\",code=\"other\"} %lu\n",
                          srv_endpoint_names[e], v);
        }
    sb_printf(&b,
              "# HELP tarjama_http_errors_total HTTP replies with status 400 or more, by code.\n"
              "# TYPE tarjama_http_errors_total counter\n");
    for (int k = 0; k < SRV_N_CODES; k++) {
        if (srv_codes[k] && srv_codes[k] < 400) continue;
        unsigned long v = 0;
        for (int e = 0; e < EP_COUNT; e++) v += atomic_load(&s->m.requests[e][k]);
        if (srv_codes[k])
            sb_printf(&b, "tarjama_http_errors_total{code=\"%d\"} %lu\n", srv_codes[k], v);
        else
            sb_printf(&b, "tarjama_http_errors_total{code=\"other\"} %lu\n", v);
    }
    sb_printf(&b,
              "# HELP tarjama_translated_characters_total Source characters translated.\n"
              "# TYPE tarjama_translated_characters_total counter\n"
              "tarjama_translated_characters_total %lu\n"
              "# HELP tarjama_translated_texts_total Texts translated.\n"
              "# TYPE tarjama_translated_texts_total counter\n"
              "tarjama_translated_texts_total %lu\n"
              "# HELP tarjama_translations_in_flight Translations running now.\n"
              "# TYPE tarjama_translations_in_flight gauge\n"
              "tarjama_translations_in_flight %ld\n"
              "# HELP tarjama_translations_queued Requests waiting for a free worker.\n"
              "# TYPE tarjama_translations_queued gauge\n"
              "tarjama_translations_queued %ld\n",
              atomic_load(&s->m.characters), atomic_load(&s->m.texts), atomic_load(&s->m.in_flight),
              atomic_load(&s->m.queued));
    sb_printf(&b, "# HELP tarjama_translate_duration_seconds Time to answer a translation "
                  "request.\n"
                  "# TYPE tarjama_translate_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (int i = 0; i <= SRV_N_BUCKETS; i++) {
        cum += atomic_load(&s->m.latency_bucket[i]);
        if (i < SRV_N_BUCKETS)
            sb_printf(&b, "tarjama_translate_duration_seconds_bucket{le=\"%g\"} %lu\n",
                      srv_buckets[i], cum);
        else
            sb_printf(&b, "tarjama_translate_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    }
    sb_printf(&b,
              "tarjama_translate_duration_seconds_sum %.6f\n"
              "tarjama_translate_duration_seconds_count %lu\n",
              (double)atomic_load(&s->m.latency_us_sum) * 1e-6, cum);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
