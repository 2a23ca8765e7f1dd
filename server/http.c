/* SPDX-License-Identifier: MIT */
/* The HTTP layer of `tarjama serve`: libmicrohttpd with a thread per connection (bounded by
 * --max-connections), request bodies collected under --max-body, routing, CORS, the embedded
 * web page, and a clean shutdown on SIGINT/SIGTERM. Translation work itself is bounded by a
 * semaphore of --threads slots (api.c). */
#include "internal.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "assets.h"

static void add_common_headers(srv *s, struct MHD_Response *resp)
{
    const char *cors = s->cfg->cors;
    if (cors && *cors) {
        /* The same CORS headers LibreTranslate sends (its after_request hook). */
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", cors);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Authorization");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "1728000");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_buffer(srv *s, struct MHD_Connection *c, srv_request *r, int status,
                                   const char *type, void *data, size_t len,
                                   enum MHD_ResponseMemoryMode mode, const char *disposition)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, mode);
    if (!resp) {
        if (mode == MHD_RESPMEM_MUST_FREE) free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (disposition) MHD_add_response_header(resp, "Content-Disposition", disposition);
    add_common_headers(s, resp);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->replied = 1;
    srv_count(s, r->endpoint, status);
    return ret;
}

/* Sends and releases a JSON reply (NULL = out of memory: a fixed 500). */
static enum MHD_Result send_json(srv *s, struct MHD_Connection *c, srv_request *r, int status,
                                 json_t *j)
{
    /* 10 significant digits: rounded numbers (a confidence 33.3, a log-probability -1.1504)
     * print as they were rounded, not as their nearest double's 17 digits */
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(j);
    if (!text) {
        static const char oom[] = "{\"error\":\"Out of memory\"}";
        return send_buffer(s, c, r, 500, "application/json", (void *)oom, sizeof oom - 1,
                           MHD_RESPMEM_PERSISTENT, NULL);
    }
    return send_buffer(s, c, r, status, "application/json", text, strlen(text),
                       MHD_RESPMEM_MUST_FREE, NULL);
}

static enum MHD_Result send_error(srv *s, struct MHD_Connection *c, srv_request *r, int status,
                                  const char *msg)
{
    return send_json(s, c, r, status, api_error("%s", msg));
}

/* ---------------------------------------------------------------- request bodies */

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    return srv_form_data(cls, key, filename, data, off, size) ? MHD_NO : MHD_YES;
}

static const char *mhd_lookup(void *conn, int headers, const char *name)
{
    return MHD_lookup_connection_value(conn, headers ? MHD_HEADER_KIND : MHD_GET_ARGUMENT_KIND,
                                       name);
}

/* ---------------------------------------------------------------- routing */

static const char *mime_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    if (!strcmp(dot, ".png")) return "image/png";
    return "application/octet-stream";
}

static int route_of(const char *url)
{
    if (!strcmp(url, "/translate")) return EP_TRANSLATE;
    if (!strcmp(url, "/detect")) return EP_DETECT;
    if (!strcmp(url, "/languages")) return EP_LANGUAGES;
    if (!strcmp(url, "/translate_file")) return EP_TRANSLATE_FILE;
    if (!strncmp(url, "/download_file/", 15)) return EP_DOWNLOAD;
    if (!strcmp(url, "/frontend/settings")) return EP_SETTINGS;
    if (!strcmp(url, "/health") || !strcmp(url, "/healthz")) return EP_HEALTH;
    if (!strcmp(url, "/metrics")) return EP_METRICS;
    if (!strcmp(url, "/")) return EP_PAGE;
    for (size_t i = 0; i < tj_n_assets; i++)
        if (!strcmp(url, tj_assets[i].path)) return EP_PAGE;
    return EP_OTHER;
}

static int is_post_endpoint(int ep)
{
    return ep == EP_TRANSLATE || ep == EP_DETECT || ep == EP_TRANSLATE_FILE;
}

static enum MHD_Result handle_get(srv *s, struct MHD_Connection *c, srv_request *r, const char *url)
{
    switch (r->endpoint) {
    case EP_LANGUAGES:
        return send_json(s, c, r, 200, api_languages(s));
    case EP_SETTINGS:
        return send_json(s, c, r, 200, api_settings(s));
    case EP_HEALTH:
        /* /health answers as LibreTranslate's; /healthz adds the models for operators. */
        if (!strcmp(url, "/health"))
            return send_json(s, c, r, 200, json_pack("{s:s}", "status", "ok"));
        return send_json(s, c, r, 200, api_healthz(s));
    case EP_METRICS: {
        size_t len;
        char *text = srv_metrics_text(s, &len);
        if (!text) return send_error(s, c, r, 500, "Out of memory");
        return send_buffer(s, c, r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
                           MHD_RESPMEM_MUST_FREE, NULL);
    }
    case EP_PAGE: {
        const char *path = strcmp(url, "/") ? url : "/index.html";
        for (size_t i = 0; i < tj_n_assets; i++)
            if (!strcmp(path, tj_assets[i].path))
                return send_buffer(s, c, r, 200, mime_type(path), (void *)tj_assets[i].data,
                                   tj_assets[i].size, MHD_RESPMEM_PERSISTENT, NULL);
        return send_error(s, c, r, 404, "Not Found");
    }
    case EP_DOWNLOAD: {
        const char *name = url + 15;
        char *data;
        size_t len;
        if (!srv_file_get(s, name, &data, &len))
            return send_error(s, c, r, 404,
                              "File not found (translated files are kept 10 minutes)");
        /* The download name drops our "<id>." prefix, as LibreTranslate's does. */
        const char *dot = strchr(name, '.');
        char disp[256];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", dot ? dot + 1 : name);
        size_t nl = strlen(name);
        const char *type = nl > 5 && !strcmp(name + nl - 5, ".docx")
                               ? "application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document"
                               : "text/plain; charset=utf-8";
        return send_buffer(s, c, r, 200, type, data, len, MHD_RESPMEM_MUST_FREE, disp);
    }
    default:
        return send_error(s, c, r, 404, "Not Found");
    }
}

static enum MHD_Result handle_post(srv *s, struct MHD_Connection *c, srv_request *r)
{
    json_t *out = NULL;
    int status = srv_post(s, r, &out);
    return send_json(s, c, r, status, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    srv *s = cls;
    srv_request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        *con_cls = r;
        r->s = s;
        r->skip = -1;
        r->lookup = mhd_lookup;
        r->conn = c;
        r->t0 = srv_now();
        r->endpoint = route_of(url);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client,
                          sizeof r->client);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client,
                          sizeof r->client);
        }
        const char *xff = s->cfg->trust_forwarded_for
                              ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")
                              : NULL;
        if (xff) { /* the client as the proxy saw it: the first address of the list */
            while (*xff == ' ') xff++;
            size_t n = strcspn(xff, ", ");
            if (n > 0 && n < sizeof r->client) {
                memcpy(r->client, xff, n);
                r->client[n] = '\0';
            }
        }
        if (!strcmp(method, "OPTIONS")) /* CORS preflight */
            return send_buffer(s, c, r, 204, "text/plain", (void *)"", 0, MHD_RESPMEM_PERSISTENT,
                               NULL);
        int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
        int is_post = !strcmp(method, "POST");
        if (r->endpoint == EP_OTHER) return send_error(s, c, r, 404, "Not Found");
        if (is_post_endpoint(r->endpoint) ? !is_post : !is_get)
            return send_error(s, c, r, 405, "Method Not Allowed");
        if (is_get) return MHD_YES; /* answered on the next call, once the headers are in */
        const char *clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (clen && strtoull(clen, NULL, 10) > s->cfg->max_body) {
            r->too_big = 1; /* refused before reading a byte of it */
            return handle_post(s, c, r);
        }
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (srv_body_type(r, ct)) r->pp = MHD_create_post_processor(c, 16384, post_iter, r);
        return MHD_YES;
    }
    if (r->replied) {
        *upload_data_size = 0; /* already answered (an error): drop the rest */
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        /* libmicrohttpd takes no reply while a body is still arriving, so a body that passes
         * the limit on the way (chunked) or trickles in past its deadline (each byte inside the
         * idle timeout) ends the connection. A Content-Length over the limit got its 413 above,
         * before the body was sent. */
        if (srv_now() - r->t0 > 2.0 * s->cfg->timeout_s) {
            srv_count(s, r->endpoint, 408);
            return MHD_NO;
        }
        if (r->total + n > s->cfg->max_body) {
            srv_count(s, r->endpoint, 413);
            return MHD_NO;
        }
        r->total += n;
        if (r->is_json) {
            if (srv_body_data(r, upload_data, n)) {
                srv_count(s, r->endpoint, 500);
                return MHD_NO;
            }
        } else if (r->pp) {
            if (MHD_post_process(r->pp, upload_data, n) != MHD_YES) r->bad_form = 1;
        }
        return MHD_YES;
    }
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) return handle_get(s, c, r, url);
    return handle_post(s, c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv_request *r = *con_cls;
    if (!r) return;
    if (r->pp) MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < F_COUNT; i++) free(r->f[i].data);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static void on_mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    fprintf(stderr, "tarjama: serve: libmicrohttpd internal error at %s:%u: %s\n", file, line,
            reason ? reason : "");
    abort();
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    fputs("tarjama: serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "tarjama: serve: --host %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

int tj_server_run(const tj_server_config *cfg)
{
    srv *s = calloc(1, sizeof *s);
    if (!s) return 1;
    s->cfg = cfg;
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    int sem_ok = 0, rl_lock_ok = 0, files_lock_ok = 0;
    if (sem_init(&s->slots, 0, (unsigned)cfg->threads) != 0) goto out;
    sem_ok = 1;
    if (pthread_mutex_init(&s->rl_lock, NULL) != 0) goto out;
    rl_lock_ok = 1;
    if (pthread_mutex_init(&s->files_lock, NULL) != 0) goto out;
    files_lock_ok = 1;
    s->rl = calloc(SRV_RL_SLOTS, sizeof *s->rl);
    if (!s->rl) goto out;
    for (size_t i = 0; i < SRV_RL_SLOTS; i++) s->rl[i].minute = INT64_MIN;
    if (cfg->api_keys_path && srv_keys_load(s, cfg->api_keys_path) != 0) goto out;

    struct sockaddr_storage ss;
    if (resolve(cfg->host, cfg->port, &ss) != 0) goto out;
    /* Handle SIGINT/SIGTERM by sigwait below: block them before MHD's threads start, so that
     * they inherit the mask and the signal reaches this thread. */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    signal(SIGPIPE, SIG_IGN);
    MHD_set_panic_func(on_mhd_panic, NULL);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)65536, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "tarjama: serve: cannot listen on %s port %d: %s\n", cfg->host, cfg->port,
                errno ? strerror(errno) : "libmicrohttpd refused to start");
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? di->port : cfg->port;
    if (cfg->port_file) {
        FILE *pf = fopen(cfg->port_file, "w");
        if (pf) {
            fprintf(pf, "%d\n", port);
            fclose(pf);
        }
    }
    fprintf(stderr, "tarjama: serve: listening on http://%s%s%s:%d/ (%zu model%s, %d worker%s)\n",
            ss.ss_family == AF_INET6 ? "[" : "", cfg->host, ss.ss_family == AF_INET6 ? "]" : "",
            port, cfg->n_models, cfg->n_models == 1 ? "" : "s", cfg->threads,
            cfg->threads == 1 ? "" : "s");
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "tarjama: serve: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    rc = 0;
out:
    for (int i = 0; i < SRV_FILES; i++) free(s->files[i].data);
    srv_keys_free(s);
    free(s->rl);
    if (files_lock_ok) pthread_mutex_destroy(&s->files_lock);
    if (rl_lock_ok) pthread_mutex_destroy(&s->rl_lock);
    if (sem_ok) sem_destroy(&s->slots);
    free(s);
    return rc;
}
