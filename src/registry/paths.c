/* SPDX-License-Identifier: MIT */
/* Where models live: the data folder, lookup for `translate`, listing and removal. */
#include "registry/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/fsops.h"
#include "util/error.h"

tj_status tj_models_data_dir(char **out, tj_error *err)
{
    *out = NULL;
    /* The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored. */
    const char *xdg = getenv("XDG_DATA_HOME");
    char *base = NULL;
    if (xdg && xdg[0] == '/') {
        base = strdup(xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
            return tj_fail(err, TJ_ERR_NOTFOUND,
                           "cannot locate the data folder: neither XDG_DATA_HOME nor HOME is set "
                           "to an absolute path");
        base = tj_fs_join(home, ".local/share");
    }
    char *dir = base ? tj_fs_join(base, "tarjama/models") : NULL;
    free(base);
    if (!dir) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    *out = dir;
    return TJ_OK;
}

tj_status tj_models_check_spec(const char *spec, tj_error *err)
{
    size_t n = strlen(spec);
    int ok = n > 0 && n <= 64 && spec[0] != '.';
    for (size_t i = 0; ok && i < n; i++) {
        int c = (unsigned char)spec[i];
        ok = isalnum(c) || c == '.' || c == '_' || c == '-' || c == ':';
    }
    if (!ok)
        return tj_fail(err, TJ_ERR_ARG,
                       "bad model name '%.80s' (expected e.g. ar-en or ar-en:base)", spec);
    return TJ_OK;
}

tj_status tj_models_dir_name(const tj_registry *reg, const char *spec, char *out, size_t cap,
                             tj_error *err)
{
    tj_status st = tj_models_check_spec(spec, err);
    if (st != TJ_OK) return st;
    const tj_reg_model *m = NULL;
    const char *name = spec;
    if (reg && tj_registry_find(reg, spec, &m, NULL) == TJ_OK) {
        name = m->dir;
    } else if (strchr(spec, ':')) {
        /* A variant only means something to the registry: report why it was not found. */
        if (reg) return tj_registry_find(reg, spec, &m, err);
        return tj_fail(err, TJ_ERR_NOTFOUND, "unknown model '%s'", spec);
    }
    if (strlen(name) + 1 > cap) return tj_fail(err, TJ_ERR_ARG, "model name too long");
    strcpy(out, name);
    return TJ_OK;
}

/* The starter models shipped with tarjama: $TARJAMA_BUNDLED_MODELS when set (empty: none), else
 * TJ_BUNDLED_MODELS_DIR when compiled in, else found from the executable's folder: models/ beside
 * it in a build tree (build/tarjama -> models/), or share/tarjama/models/ where `cmake --install`
 * puts them (PREFIX/bin/tarjama -> PREFIX/share/tarjama/models). */
char *tj_models_bundled_dir(void)
{
    const char *env = getenv("TARJAMA_BUNDLED_MODELS");
    if (env) return *env ? strdup(env) : NULL;
#ifdef TJ_BUNDLED_MODELS_DIR
    return strdup(TJ_BUNDLED_MODELS_DIR);
#else
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return NULL;
        *slash = '\0';
    }
    const char *prefix = exe[0] ? exe : "/";
    char *dir = tj_fs_join(prefix, "models");
    if (dir && tj_fs_is_dir(dir)) return dir;
    free(dir);
    return tj_fs_join(prefix, "share/tarjama/models");
#endif
}

tj_status tj_models_find(const char *pair, char **dir_out, tj_error *err)
{
    *dir_out = NULL;
    char name[160];
    tj_registry *reg = NULL;
    tj_status st = tj_models_check_spec(pair, err);
    if (st != TJ_OK) return st;
    /* A broken TARJAMA_REGISTRY only matters when a variant has to be resolved. */
    tj_error reg_err;
    if (tj_registry_load(&reg, &reg_err) != TJ_OK) {
        tj_registry_free(reg);
        reg = NULL;
        if (strchr(pair, ':')) {
            if (err) *err = reg_err;
            return reg_err.code;
        }
    }
    st = tj_models_dir_name(reg, pair, name, sizeof name, err);
    if (st != TJ_OK) {
        tj_registry_free(reg);
        return st;
    }

    char *roots[3] = {NULL, NULL, NULL};
    const char *env = getenv("TARJAMA_MODELS");
    if (env && *env) roots[0] = strdup(env);
    if (tj_models_data_dir(&roots[1], NULL) != TJ_OK) roots[1] = NULL;
    roots[2] = tj_models_bundled_dir();

    char looked[384];
    size_t used = 0;
    looked[0] = '\0';
    st = TJ_ERR_NOTFOUND;
    for (int i = 0; i < 3; i++) {
        if (!roots[i]) continue;
        char *dir = tj_fs_join(roots[i], name);
        if (!dir) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
        if (tj_fs_is_dir(dir)) {
            *dir_out = dir;
            st = TJ_OK;
            break;
        }
        if (used < sizeof looked)
            used += (size_t)snprintf(looked + used, sizeof looked - used, "%s%s", used ? ", " : "",
                                     dir);
        free(dir);
    }
    for (int i = 0; i < 3; i++) free(roots[i]);
    /* A name the registry does not know cannot be fetched either: say so and list the known
     * ones instead of suggesting a fetch that would fail. */
    const tj_reg_model *m;
    if (st == TJ_ERR_NOTFOUND && reg && tj_registry_find(reg, pair, &m, err) != TJ_OK) {
        tj_registry_free(reg);
        return TJ_ERR_NOTFOUND;
    }
    tj_registry_free(reg);
    if (st == TJ_ERR_NOTFOUND)
        return tj_fail(err, TJ_ERR_NOTFOUND,
                       "model %s is not installed (looked in %s); run 'tarjama models fetch %s'",
                       pair, looked, pair);
    return st;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tj_models_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

tj_status tj_models_installed(const char *data_dir, char ***names, size_t *n, tj_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(data_dir);
    if (!d) {
        if (errno == ENOENT) return TJ_OK;
        return tj_fail(err, TJ_ERR_IO, "%s: cannot list: %s", data_dir, strerror(errno));
    }
    char **list = NULL;
    size_t count = 0, cap = 0;
    tj_status st = TJ_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* partial downloads and the like */
        char *full = tj_fs_join(data_dir, e->d_name);
        int is_dir = full && tj_fs_is_dir(full);
        free(full);
        if (!is_dir) continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **nl = realloc(list, ncap * sizeof *nl);
            if (!nl) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            list = nl;
            cap = ncap;
        }
        if (!(list[count] = strdup(e->d_name))) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
        count++;
    }
    closedir(d);
    if (st != TJ_OK) {
        tj_models_names_free(list, count);
        return st;
    }
    if (count) qsort(list, count, sizeof *list, cmp_names);
    *names = list;
    *n = count;
    return TJ_OK;
}

tj_status tj_models_remove(const char *data_dir, const char *dir_name, int *removed, tj_error *err)
{
    if (removed) *removed = 0;
    tj_status st = tj_models_check_spec(dir_name, err);
    if (st != TJ_OK) return st;
    if (strchr(dir_name, ':'))
        return tj_fail(err, TJ_ERR_ARG, "'%s' is a model name, not a folder name", dir_name);
    char hidden[80];
    snprintf(hidden, sizeof hidden, ".%s.partial", dir_name);
    char *dir = tj_fs_join(data_dir, dir_name), *partial = tj_fs_join(data_dir, hidden);
    if (!dir || !partial) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    } else if (tj_fs_is_dir(data_dir)) {
        int lock_fd;
        st = tj_fs_lock_dir(data_dir, &lock_fd, err);
        if (st == TJ_OK) {
            int existed = (tj_fs_exists(dir) ? TJ_MODELS_REMOVED_MODEL : 0) |
                          (tj_fs_exists(partial) ? TJ_MODELS_REMOVED_PARTIAL : 0);
            st = tj_fs_rm_rf(dir, err);
            if (st == TJ_OK) st = tj_fs_rm_rf(partial, err);
            if (st == TJ_OK && removed) *removed = existed;
            close(lock_fd);
        }
    }
    free(dir);
    free(partial);
    return st;
}
