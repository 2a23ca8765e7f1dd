/* SPDX-License-Identifier: MIT */
#include "util/module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

#ifndef TJ_BIN_TO_MODULES
#define TJ_BIN_TO_MODULES "../lib/tarjama"
#endif

/* The directory part of path, in place ("/a/b" -> "/a"); 0 when there is none. */
static int dir_of(char *path)
{
    char *slash = strrchr(path, '/');
    if (!slash || path[0] != '/') return 0;
    *slash = '\0';
    return 1;
}

/* Tries the candidate files of one directory. dlopen's error for a file that exists but does not
 * load (wrong architecture, a missing library) is kept in why: it says more than "not found". */
static void *open_in(const char *dir, const char *name, char *why, size_t why_size)
{
    static const char *const sub[] = {"", "/tarjama", ("/" TJ_BIN_TO_MODULES)};
    for (size_t i = 0; i < sizeof sub / sizeof *sub; i++) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s%s/%s.so", dir, sub[i], name);
        if (n < 0 || (size_t)n >= sizeof path || access(path, F_OK) != 0) continue;
        /* NODELETE: the table's functions stay valid after the handle is closed below */
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (h) return h;
        const char *e = dlerror();
        snprintf(why, why_size, "%.200s", e ? e : path);
    }
    return NULL;
}

const void *tj_module_load(const char *name, size_t size, tj_error *err)
{
    /* where this code is: libtarjama.so, a module, or the program that linked it statically */
    char dirs[2][PATH_MAX];
    int n_dirs = 0;
    Dl_info info;
    /* Only an absolute name: for a program linking this statically it is argv[0], which a
     * relative realpath would resolve against the current directory (and load its files). */
    if (dladdr((void *)tj_module_load, &info) && info.dli_fname && info.dli_fname[0] == '/' &&
        realpath(info.dli_fname, dirs[n_dirs]) && dir_of(dirs[n_dirs]))
        n_dirs++;
    ssize_t len = readlink("/proc/self/exe", dirs[n_dirs], PATH_MAX - 1);
    if (len > 0) {
        dirs[n_dirs][len] = '\0';
        if (dir_of(dirs[n_dirs]) && (n_dirs == 0 || strcmp(dirs[0], dirs[n_dirs]) != 0)) n_dirs++;
    }
    char why[256] = "";
    void *h = NULL;
    for (int i = 0; i < n_dirs && !h; i++) h = open_in(dirs[i], name, why, sizeof why);
    if (!h) {
        tj_fail(err, TJ_ERR_UNSUPPORTED, "%s.so: %s", name,
                why[0] ? why : "not installed next to tarjama (reinstall the package)");
        return NULL;
    }
    const tj_module_head *t = dlsym(h, "tj_module");
    dlclose(h);
    if (!t || t->abi != TJ_MODULE_ABI || t->size != size || strcmp(t->version, TJ_VERSION) != 0) {
        tj_fail(err, TJ_ERR_UNSUPPORTED, "%s.so is not from tarjama %s (reinstall the package)",
                name, TJ_VERSION);
        return NULL;
    }
    return t;
}
