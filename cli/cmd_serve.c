/* SPDX-License-Identifier: MIT */
/* tarjama serve: the LibreTranslate-compatible HTTP API and web page (server/, docs/server.md).
 * This file parses the options and opens the models; server/ does the rest. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef TJ_HAVE_SERVER
#include "registry/registry.h"
#include "server_module.h"
#endif

static const char usage[] =
    "usage: tarjama serve [OPTIONS]\n"
    "\n"
    "Serves the LibreTranslate API (POST /translate, /detect, /translate_file; GET /languages,\n"
    "/frontend/settings, /health, /healthz, /metrics) and a translation web page at /.\n"
    "\n"
    "options:\n"
    "  --host ADDR          address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
    "  --port N             port (default 5000; 0 = any free port, printed on stderr)\n"
    "  --models M[,M...]    model folders or installed pairs (ar-en, en-ar); repeatable\n"
    "                       (default: every installed or bundled pair)\n"
    "  --threads N          translations at once (default: one per CPU)\n"
    "  --char-limit N       characters per text, -1 = none (default 5000)\n"
    "  --batch-limit N      texts per request, -1 = none (default 1000)\n"
    "  --req-limit N        requests per minute per API key or IP, -1 = none (default -1)\n"
    "  --api-keys FILE      API keys, one a line: KEY [REQ_LIMIT|- [CHAR_LIMIT|-]]\n"
    "  --require-api-key    refuse requests without a valid key (with --api-keys)\n"
    "  --trust-forwarded-for  rate-limit by the X-Forwarded-For address (behind a proxy)\n"
    "  --timeout S          idle-connection timeout and longest wait for a worker (default 30)\n"
    "  --cors ORIGIN        Access-Control-Allow-Origin (default *; '' sends none)\n"
    "  --max-body BYTES     request body limit (default 2097152)\n"
    "  --max-connections N  open connections at once (default 256)\n"
    "  --max-connections-per-ip N\n"
    "                       of them from one address, 0 = no limit (default 128)\n"
    "  --port-file FILE     write the port listened on into FILE\n"
    "  -h, --help           this text\n";

#ifdef TJ_HAVE_SERVER
static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || errno || *end || v < lo || v > hi) {
        cli_error("serve: %s: '%s' is not a number from %ld to %ld", opt, s ? s : "", lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* Which direction a model folder translates: its name ("ar-en", "ar-en.base") or else its model
 * file's ("model.aren.intgemm.alphas.bin"). */
static int model_pair(const char *dir, tj_model *model, char *src, char *tgt)
{
    const char *base = strrchr(dir, '/');
    base = base && base[1] ? base + 1 : dir;
    if (strlen(base) >= 5 && base[2] == '-' && (base[5] == '\0' || base[5] == '.')) {
        memcpy(src, base, 2);
        src[2] = '\0';
        memcpy(tgt, base + 3, 2);
        tgt[2] = '\0';
        return 0;
    }
    tj_model_info info;
    tj_model_get_info(model, &info);
    const char *mp = info.model_path ? strrchr(info.model_path, '/') : NULL;
    mp = mp ? mp + 1 : info.model_path;
    if (mp && !strncmp(mp, "model.", 6) && strlen(mp) >= 11 && mp[10] == '.') {
        memcpy(src, mp + 6, 2);
        src[2] = '\0';
        memcpy(tgt, mp + 8, 2);
        tgt[2] = '\0';
        return 0;
    }
    cli_error("serve: %s: cannot tell the language pair; name the folder like ar-en", dir);
    return -1;
}

static int add_model(tj_server_model **models, size_t *n, const char *spec, int quiet_missing)
{
    struct stat st;
    char *dir = NULL;
    tj_error err = {0};
    if (strchr(spec, '/') || (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))) {
        dir = strdup(spec);
        if (!dir) return -1;
    } else if (tj_models_find(spec, &dir, &err) != TJ_OK) {
        if (quiet_missing) return 0;
        cli_error("serve: %s", err.message);
        return -1;
    }
    tj_model *model = NULL;
    if (tj_model_open(dir, &model, &err) != TJ_OK) {
        cli_error("serve: %s", err.message);
        free(dir);
        return -1;
    }
    tj_server_model *nm = realloc(*models, (*n + 1) * sizeof *nm);
    if (!nm) {
        tj_model_close(model);
        free(dir);
        return -1;
    }
    *models = nm;
    tj_server_model *m = &nm[*n];
    memset(m, 0, sizeof *m);
    m->dir = dir;
    m->model = model;
    if (model_pair(dir, model, m->src, m->tgt) != 0) {
        tj_model_close(model);
        free(dir);
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(nm[i].src, m->src) && !strcmp(nm[i].tgt, m->tgt)) {
            cli_error("serve: two models for %s-%s (%s and %s)", m->src, m->tgt, nm[i].dir, dir);
            tj_model_close(model);
            free(dir);
            return -1;
        }
    (*n)++;
    return 0;
}
#endif

int cmd_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        }
#ifndef TJ_HAVE_SERVER
    cli_error("serve: this tarjama was built without libmicrohttpd and jansson (see README)");
    return 1;
#else
    tj_server_config cfg = {0};
    cfg.host = "127.0.0.1";
    cfg.port = 5000;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.threads = ncpu > 0 ? (int)(ncpu < 64 ? ncpu : 64) : 1;
    cfg.char_limit = 5000;
    cfg.batch_limit = 1000;
    cfg.req_limit = -1;
    cfg.timeout_s = 30;
    cfg.cors = "*";
    cfg.max_body = 2097152;
    cfg.max_connections = 256;
    cfg.max_connections_per_ip = 128;
    const char **specs = calloc((size_t)argc, sizeof *specs);
    size_t n_specs = 0;
    tj_server_model *models = NULL;
    size_t n_models = 0;
    int rc = 2;
    if (!specs) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define NEED_VALUE                                                                                 \
    if (!v) {                                                                                      \
        cli_error("serve: %s needs a value", a);                                                   \
        goto done;                                                                                 \
    }                                                                                              \
    i++;
        if (!strcmp(a, "--host")) {
            NEED_VALUE cfg.host = v;
        } else if (!strcmp(a, "--port")) {
            NEED_VALUE if (parse_long(a, v, 0, 65535, &n)) goto done;
            cfg.port = (int)n;
        } else if (!strcmp(a, "--models") || !strcmp(a, "-m")) {
            NEED_VALUE specs[n_specs++] = v;
        } else if (!strcmp(a, "--threads")) {
            NEED_VALUE if (parse_long(a, v, 1, 256, &n)) goto done;
            cfg.threads = (int)n;
        } else if (!strcmp(a, "--char-limit")) {
            NEED_VALUE if (parse_long(a, v, -1, LONG_MAX, &cfg.char_limit)) goto done;
        } else if (!strcmp(a, "--batch-limit")) {
            NEED_VALUE if (parse_long(a, v, -1, LONG_MAX, &cfg.batch_limit)) goto done;
        } else if (!strcmp(a, "--req-limit")) {
            NEED_VALUE if (parse_long(a, v, -1, LONG_MAX, &cfg.req_limit)) goto done;
        } else if (!strcmp(a, "--timeout")) {
            NEED_VALUE if (parse_long(a, v, 1, 86400, &n)) goto done;
            cfg.timeout_s = (int)n;
        } else if (!strcmp(a, "--cors")) {
            NEED_VALUE cfg.cors = v;
        } else if (!strcmp(a, "--max-body")) {
            NEED_VALUE if (parse_long(a, v, 1024, 1L << 30, &n)) goto done;
            cfg.max_body = (size_t)n;
        } else if (!strcmp(a, "--max-connections")) {
            NEED_VALUE if (parse_long(a, v, 1, 65536, &n)) goto done;
            cfg.max_connections = (unsigned)n;
        } else if (!strcmp(a, "--max-connections-per-ip")) {
            NEED_VALUE if (parse_long(a, v, 0, 65536, &n)) goto done;
            cfg.max_connections_per_ip = (unsigned)n;
        } else if (!strcmp(a, "--api-keys")) {
            NEED_VALUE cfg.api_keys_path = v;
        } else if (!strcmp(a, "--require-api-key")) {
            cfg.require_api_key = 1;
        } else if (!strcmp(a, "--trust-forwarded-for")) {
            cfg.trust_forwarded_for = 1;
        } else if (!strcmp(a, "--port-file")) {
            NEED_VALUE cfg.port_file = v;
        } else {
            cli_error("serve: unknown option '%s' (see 'tarjama serve --help')", a);
            goto done;
        }
#undef NEED_VALUE
    }
    if (cfg.require_api_key && !cfg.api_keys_path) {
        cli_error("serve: --require-api-key needs --api-keys FILE");
        goto done;
    }
    rc = 1;
    if (n_specs == 0) {
        /* Every installed or bundled direction. */
        if (add_model(&models, &n_models, "ar-en", 1) || add_model(&models, &n_models, "en-ar", 1))
            goto done;
        if (n_models == 0) {
            cli_error("serve: no models installed (see 'tarjama models fetch' or --models DIR)");
            goto done;
        }
    }
    for (size_t i = 0; i < n_specs; i++) {
        char *list = strdup(specs[i]), *save = NULL;
        if (!list) goto done;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (add_model(&models, &n_models, t, 0)) {
                free(list);
                goto done;
            }
        free(list);
    }
    cfg.models = models;
    cfg.n_models = n_models;
    tj_error merr = {0};
    const tj_serve_module *sm = tj_module_load("tarjama-serve", sizeof(tj_serve_module), &merr);
    if (!sm) {
        cli_error("serve: %s", merr.message);
        rc = 1;
        goto done;
    }
    rc = sm->run(&cfg);
done:
    for (size_t i = 0; i < n_models; i++) {
        tj_model_close(models[i].model);
        free(models[i].dir);
    }
    free(models);
    free(specs);
    return rc;
#endif
}
