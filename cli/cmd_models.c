/* SPDX-License-Identifier: MIT */
/* tarjama models: list, fetch, verify, locate and remove the downloadable models. */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/registry.h"

static const char usage[] =
    "usage: tarjama models COMMAND [OPTIONS]\n"
    "\n"
    "Download and manage Mozilla's Firefox Translations models for Arabic<->English.\n"
    "\n"
    "commands:\n"
    "  list              list the known models, whether they are installed, and which\n"
    "                    folders translate --from/--to would use\n"
    "  fetch MODEL...    download, verify and install models\n"
    "  verify [MODEL...] re-check the size and sha256 of installed files (all models if none)\n"
    "  path MODEL        print the folder a model is loaded from\n"
    "  remove MODEL...   delete an installed model and any partial download of it\n"
    "  import PATH       install a model folder or .zip: an OPUS-MT release, a Hugging Face\n"
    "                    MarianMT folder or a Firefox model (docs/opus-mt.md), under --name\n"
    "                    NAME (default: PATH's file name), checked to load, with a SHA256SUMS\n"
    "                    manifest that 'verify' re-checks\n"
    "\n"
    "MODEL is a direction, ar-en or en-ar (the default base-memory variant), or a direction\n"
    "and variant, e.g. ar-en:base.\n"
    "\n"
    "options:\n"
    "  --mirror URL      download from URL instead of Mozilla's repository (a copy of its\n"
    "                    models/ folder); https, or http to a loopback host\n"
    "  --force           fetch again even when an installed copy verifies; import: replace\n"
    "                    an installed model of that name\n"
    "  --name NAME       import: the installed name ([A-Za-z0-9._-], no ':')\n"
    "  -q, --quiet       no progress messages\n"
    "  -h, --help        this text\n"
    "\n"
    "environment:\n"
    "  XDG_DATA_HOME     models are installed in $XDG_DATA_HOME/tarjama/models\n"
    "                    (default ~/.local/share/tarjama/models)\n"
    "  TARJAMA_MODELS    a folder of models searched first by 'path' and 'translate'\n"
    "  TARJAMA_MIRROR    default for --mirror\n"
    "  TARJAMA_REGISTRY  a TSV file that replaces the built-in registry (docs/models.md)\n";

typedef struct opts {
    const char *mirror, *name;
    int force, quiet;
    char **args;
    int n_args;
} opts;

static void human(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= 1000000)
        snprintf(buf, cap, "%.1f MB", (double)bytes / 1e6);
    else if (bytes >= 1000)
        snprintf(buf, cap, "%.1f kB", (double)bytes / 1e3);
    else
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "ar-en" for a default variant, "ar-en:base" otherwise. */
static void model_label(const tj_reg_model *m, char *buf, size_t cap)
{
    if (m->is_default)
        snprintf(buf, cap, "%s", m->pair);
    else
        snprintf(buf, cap, "%s:%s", m->pair, m->variant);
}

/* ---------------------------------------------------------------- progress */

typedef struct progress {
    int tty, quiet;
    int bar_open; /* a \r-redrawn line is on screen */
    int last_permille;
    struct timespec last;
    const char *model;
} progress;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void draw_bar(progress *p, const tj_fetch_event *ev)
{
    enum { WIDTH = 28 };
    int permille = ev->total ? (int)(ev->done * 1000 / ev->total) : 0;
    if (p->bar_open && permille == p->last_permille && seconds_since(&p->last) < 0.25) return;
    p->last_permille = permille;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    char bar[WIDTH + 1], done[32], total[32];
    int fill = permille * WIDTH / 1000;
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    human(ev->done, done, sizeof done);
    human(ev->total, total, sizeof total);
    fprintf(stderr, "\r  [%zu/%zu] %-34.34s [%s] %5.1f%% %s / %s\033[K", ev->index + 1, ev->count,
            ev->file, bar, permille / 10.0, done, total);
    fflush(stderr);
    p->bar_open = 1;
}

static void close_bar(progress *p)
{
    if (p->bar_open) fputc('\n', stderr);
    p->bar_open = 0;
}

static void on_progress(void *ctx, const tj_fetch_event *ev)
{
    progress *p = ctx;
    if (p->quiet) return;
    char total[32], from[32];
    human(ev->total, total, sizeof total);
    switch (ev->stage) {
    case TJ_FETCH_START:
        close_bar(p);
        if (ev->resumed_from) {
            human(ev->resumed_from, from, sizeof from);
            fprintf(stderr, "%s: resuming %s at %s of %s\n", p->model, ev->file, from, total);
        } else {
            fprintf(stderr, "%s: downloading %s (%s)\n", p->model, ev->file, total);
        }
        p->last_permille = -1;
        if (p->tty) draw_bar(p, ev);
        break;
    case TJ_FETCH_PROGRESS:
        if (p->tty) draw_bar(p, ev);
        break;
    case TJ_FETCH_CACHED:
        close_bar(p);
        fprintf(stderr, "%s: %s already downloaded and verified\n", p->model, ev->file);
        break;
    case TJ_FETCH_VERIFIED:
        close_bar(p);
        fprintf(stderr, "%s: %s: size and sha256 ok\n", p->model, ev->file);
        break;
    case TJ_FETCH_UNPACKED:
        break;
    }
}

/* ---------------------------------------------------------------- subcommands */

static int do_list(const tj_registry *reg, const char *data_dir)
{
    if (strcmp(reg->source, "built-in") != 0)
        printf("registry: %s\n", reg->source);
    else
        printf("registry: built-in (Mozilla firefox-translations-models, pinned commit)\n");
    printf("models folder: %s\n\n", data_dir);
    printf("%-16s %-12s %10s %10s  %-9s  %s\n", "MODEL", "VARIANT", "DOWNLOAD", "UNPACKED",
           "INSTALLED", "DESCRIPTION");
    for (size_t i = 0; i < reg->n_models; i++) {
        const tj_reg_model *m = &reg->models[i];
        char label[160], pub_s[32], raw_s[32];
        uint64_t pub, raw;
        tj_reg_model_sizes(m, &pub, &raw);
        human(pub, pub_s, sizeof pub_s);
        if (raw)
            human(raw, raw_s, sizeof raw_s);
        else
            snprintf(raw_s, sizeof raw_s, "-");
        model_label(m, label, sizeof label);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", data_dir, m->dir);
        printf("%-16s %-12s %10s %10s  %-9s  %s\n", label, m->variant, pub_s, raw_s,
               is_dir(path) ? "yes" : "-", m->note);
    }
    /* What translate --from/--to will load: an installed model, or the bundled starter model. */
    printf("\ntranslate --from/--to uses:\n");
    static const char *const pairs[] = {"ar-en", "en-ar"};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char *dir = NULL;
        tj_error err;
        if (tj_models_find(pairs[i], &dir, &err) == TJ_OK)
            printf("  %-6s %s\n", pairs[i], dir);
        else
            printf("  %-6s (none: 'tarjama models fetch %s')\n", pairs[i], pairs[i]);
        free(dir);
    }
    return 0;
}

static int do_fetch(const tj_registry *reg, const opts *o)
{
    if (o->n_args == 0) {
        cli_error("models fetch: which model? (e.g. 'tarjama models fetch ar-en')");
        return 2;
    }
    progress p = {.tty = isatty(STDERR_FILENO), .quiet = o->quiet};
    tj_fetch_options fo = {
        .mirror = o->mirror, .force = o->force, .progress = on_progress, .progress_ctx = &p};
    int rc = 0;
    for (int i = 0; i < o->n_args; i++) {
        const tj_reg_model *m;
        tj_error err;
        if (tj_registry_find(reg, o->args[i], &m, &err) != TJ_OK) {
            cli_error("%s", err.message);
            rc = 1;
            continue;
        }
        char *dir = NULL;
        int already = 0;
        p.model = o->args[i];
        tj_status st = tj_models_fetch(reg, m, &fo, &dir, &already, &err);
        close_bar(&p);
        if (st != TJ_OK) {
            cli_error("%s: %s", o->args[i], err.message);
            rc = 1;
            continue;
        }
        if (already)
            printf("%s: already installed and verified in %s\n", o->args[i], dir);
        else
            printf("%s: installed in %s\n", o->args[i], dir);
        tj_free(dir);
    }
    return rc;
}

static void on_verify(void *ctx, const char *file, tj_status status, const char *message)
{
    (void)ctx;
    printf("  %-36s %s%s\n", file, status == TJ_OK ? "" : "FAILED: ", message);
}

/* Registry entry installed under folder name dir, or NULL. */
static const tj_reg_model *model_for_dir(const tj_registry *reg, const char *dir)
{
    for (size_t i = 0; i < reg->n_models; i++)
        if (strcmp(reg->models[i].dir, dir) == 0) return &reg->models[i];
    return NULL;
}

static int verify_one(const tj_registry *reg, const char *label, const char *dir)
{
    const char *slash = strrchr(dir, '/');
    const tj_reg_model *m = model_for_dir(reg, slash ? slash + 1 : dir);
    tj_error err;
    printf("%s (%s)\n", label, dir);
    tj_status st = tj_models_verify(m, dir, on_verify, NULL, &err);
    if (st != TJ_OK) {
        cli_error("%s", err.message);
        return 1;
    }
    printf("%s: ok\n", label);
    return 0;
}

/* 1 when dir lies in the folder of bundled starter models (bundled may be NULL). */
static int in_bundled(const char *dir, const char *bundled)
{
    size_t n = bundled ? strlen(bundled) : 0;
    return n && !strncmp(dir, bundled, n) && dir[n] == '/';
}

static int do_verify(const tj_registry *reg, const char *data_dir, const opts *o)
{
    int rc = 0;
    char *bundled = tj_models_bundled_dir();
    if (o->n_args > 0) {
        for (int i = 0; i < o->n_args; i++) {
            char *dir = NULL;
            tj_error err;
            if (tj_models_find(o->args[i], &dir, &err) != TJ_OK) {
                cli_error("%s", err.message);
                rc = 1;
                continue;
            }
            /* The starter models ship without pinned digests: checking them against Mozilla's
             * would report a failure that is none. Nothing verifiable is installed: exit 1, as
             * `path` and `remove` do for a model that is not installed. */
            if (in_bundled(dir, bundled)) {
                cli_error(
                    "%s is not installed in %s: the only %s found is the bundled starter model "
                    "in %s, which has no pinned digests to verify ('tarjama models fetch %s' "
                    "installs Mozilla's)",
                    o->args[i], data_dir, o->args[i], dir, o->args[i]);
                rc = 1;
            } else {
                rc |= verify_one(reg, o->args[i], dir);
            }
            tj_free(dir);
        }
        free(bundled);
        return rc;
    }
    char **names;
    size_t n;
    tj_error err;
    if (tj_models_installed(data_dir, &names, &n, &err) != TJ_OK) {
        cli_error("%s", err.message);
        free(bundled);
        return 1;
    }
    if (n == 0) printf("no models installed in %s\n", data_dir);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", data_dir, names[i]);
        rc |= verify_one(reg, names[i], path);
    }
    tj_models_names_free(names, n);
    if (bundled && is_dir(bundled))
        printf("(the bundled starter models in %s have no pinned digests and are not checked)\n",
               bundled);
    free(bundled);
    return rc;
}

static int do_path(const opts *o)
{
    if (o->n_args != 1) {
        cli_error("models path: give exactly one model (e.g. 'tarjama models path ar-en')");
        return 2;
    }
    char *dir;
    tj_error err;
    if (tj_models_find(o->args[0], &dir, &err) != TJ_OK) {
        cli_error("%s", err.message);
        return 1;
    }
    printf("%s\n", dir);
    tj_free(dir);
    return 0;
}

static int do_remove(const tj_registry *reg, const char *data_dir, const opts *o)
{
    if (o->n_args == 0) {
        cli_error("models remove: which model? (e.g. 'tarjama models remove ar-en')");
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < o->n_args; i++) {
        char name[160];
        tj_error err;
        int removed = 0;
        if (tj_models_dir_name(reg, o->args[i], name, sizeof name, &err) != TJ_OK ||
            tj_models_remove(data_dir, name, &removed, &err) != TJ_OK) {
            cli_error("%s", err.message);
            rc = 1;
        } else if (!removed) {
            char *bundled = tj_models_bundled_dir(), *starter = NULL;
            if (bundled && (starter = malloc(strlen(bundled) + strlen(name) + 2)))
                sprintf(starter, "%s/%s", bundled, name);
            if (starter && is_dir(starter))
                cli_error("%s is not installed in %s (the bundled starter model in %s is part "
                          "of tarjama and stays)",
                          o->args[i], data_dir, starter);
            else
                cli_error("%s is not installed in %s", o->args[i], data_dir);
            free(starter);
            free(bundled);
            rc = 1;
        } else {
            /* Say only what was there: the model, its partial download, or both. */
            if (removed & TJ_MODELS_REMOVED_MODEL)
                printf("%s: removed %s/%s\n", o->args[i], data_dir, name);
            else
                printf("%s: not installed\n", o->args[i]);
            if (removed & TJ_MODELS_REMOVED_PARTIAL)
                printf("%s: removed the partial download %s/.%s.partial\n", o->args[i], data_dir,
                       name);
        }
    }
    return rc;
}

static int do_import(const char *data_dir, const opts *o)
{
    if (o->n_args != 1) {
        cli_error("models import takes one PATH (a model folder or .zip)");
        return 2;
    }
    const char *src = o->args[0];
    char name[128];
    if (o->name) {
        snprintf(name, sizeof name, "%s", o->name);
    } else {
        /* The folder's or archive's own name, less .zip and any trailing slash. */
        size_t n = strlen(src);
        while (n > 1 && src[n - 1] == '/') n--;
        size_t b = n;
        while (b > 0 && src[b - 1] != '/') b--;
        size_t l = n - b;
        if (l > 4 && !strncmp(src + n - 4, ".zip", 4)) l -= 4;
        snprintf(name, sizeof name, "%.*s", (int)(l < sizeof name ? l : sizeof name - 1), src + b);
    }
    static const char *const layouts[] = {"Firefox/Bergamot", "OPUS-MT release",
                                          "Hugging Face MarianMT"};
    char *dir = NULL;
    int layout = 0;
    tj_error err;
    if (tj_models_import(src, data_dir, name, o->force, &dir, &layout, &err)) {
        cli_error("models import: %s", err.message);
        return 1;
    }
    if (!o->quiet)
        printf("imported %s as %s (%s) into %s\n", src, name,
               layout >= 0 && layout < 3 ? layouts[layout] : "?", dir);
    free(dir);
    return 0;
}

int cmd_models(int argc, char **argv)
{
    opts o = {.mirror = getenv("TARJAMA_MIRROR")};
    const char *sub = NULL;
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) {
        cli_error("out of memory");
        return 1;
    }
    o.args = args;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            free(args);
            return 0;
        } else if (!strcmp(a, "--mirror") || !strncmp(a, "--mirror=", 9)) {
            if (a[8] == '=') {
                o.mirror = a + 9;
            } else if (i + 1 < argc) {
                o.mirror = argv[++i];
            } else {
                cli_error("--mirror needs a URL");
                free(args);
                return 2;
            }
        } else if (!strcmp(a, "--name") || !strncmp(a, "--name=", 7)) {
            if (a[6] == '=') {
                o.name = a + 7;
            } else if (i + 1 < argc) {
                o.name = argv[++i];
            } else {
                cli_error("--name needs a model name");
                free(args);
                return 2;
            }
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            cli_error("models: unknown option '%s' (see 'tarjama models --help')", a);
            free(args);
            return 2;
        } else if (!sub) {
            sub = a;
        } else {
            args[o.n_args++] = argv[i];
        }
    }
    if (!sub) {
        fputs(usage, stderr);
        free(args);
        return 2;
    }
    if (o.mirror && !*o.mirror) o.mirror = NULL;
    if (o.mirror) {
        char probe[2048];
        snprintf(probe, sizeof probe, "%s/x", o.mirror);
        if (!tj_url_allowed(probe)) {
            cli_error("bad mirror '%s': use an https:// URL (plain http only for 127.0.0.1, ::1 "
                      "or localhost)",
                      o.mirror);
            free(args);
            return 2;
        }
    }

    tj_registry *reg = NULL;
    char *data_dir = NULL;
    tj_error err;
    int rc;
    if (tj_registry_load(&reg, &err) != TJ_OK || tj_models_data_dir(&data_dir, &err) != TJ_OK) {
        cli_error("%s", err.message);
        rc = 1;
    } else if (!strcmp(sub, "list")) {
        rc = o.n_args ? (cli_error("models list takes no arguments"), 2) : do_list(reg, data_dir);
    } else if (!strcmp(sub, "fetch")) {
        rc = do_fetch(reg, &o);
    } else if (!strcmp(sub, "verify")) {
        rc = do_verify(reg, data_dir, &o);
    } else if (!strcmp(sub, "path")) {
        rc = do_path(&o);
    } else if (!strcmp(sub, "remove")) {
        rc = do_remove(reg, data_dir, &o);
    } else if (!strcmp(sub, "import")) {
        rc = do_import(data_dir, &o);
    } else {
        cli_error("models: unknown command '%s' (see 'tarjama models --help')", sub);
        rc = 2;
    }
    tj_registry_free(reg);
    free(data_dir);
    free(args);
    return rc;
}
