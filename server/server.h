/* SPDX-License-Identifier: MIT */
/* `tarjama serve`: a LibreTranslate-compatible HTTP API over include/tarjama.h (docs/server.md).
 * The CLI opens the models and fills in a tj_server_config; tj_server_run serves until SIGINT or
 * SIGTERM. */
#ifndef TJ_SERVER_H
#define TJ_SERVER_H

#include <stddef.h>

#include "tarjama.h"

/* One opened translation direction, shared read-only by every request. */
typedef struct tj_server_model {
    char src[8], tgt[8]; /* "ar", "en" */
    char *dir;           /* where it was opened from (owned by the caller) */
    tj_model *model;
} tj_server_model;

typedef struct tj_server_config {
    const char *host;                /* address to bind, e.g. "127.0.0.1" or "::" */
    int port;                        /* 0 = any free port (printed on stderr) */
    int threads;                     /* translations running at once */
    long char_limit;                 /* per text, in characters; -1 = none */
    long batch_limit;                /* texts per request; -1 = none */
    long req_limit;                  /* requests per minute per API key or IP; -1 = none */
    int timeout_s;                   /* idle connection timeout and wait for a free worker */
    const char *cors;                /* Access-Control-Allow-Origin value; NULL or "" = none */
    size_t max_body;                 /* request body limit in bytes */
    unsigned max_connections;        /* open connections at once */
    unsigned max_connections_per_ip; /* of them from one address; 0 = no limit */
    const char *api_keys_path;       /* NULL = no API keys */
    int require_api_key;             /* refuse requests without a key (needs api_keys_path) */
    const char *port_file;           /* NULL, or a file to write the bound port into */
    int trust_forwarded_for; /* rate-limit by X-Forwarded-For's first address (behind a proxy) */
    const tj_server_model *models;
    size_t n_models;
} tj_server_config;

/* Serves until SIGINT or SIGTERM. Prints one line on stderr when listening and errors on
 * stderr. Returns the process exit status (0 after a clean shutdown). */
int tj_server_run(const tj_server_config *cfg);

#endif
