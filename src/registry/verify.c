/* SPDX-License-Identifier: MIT */
/* Re-checking an installed model: every file's size and sha256 against the registry's pinned
 * uncompressed digests where there are some, and against the SHA256SUMS manifest written when it
 * was installed (which was itself derived from downloads that matched their pins). */
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/fsops.h"
#include "util/error.h"

typedef struct expect {
    char name[256];
    uint64_t size;                   /* 0 = not pinned */
    const char *pinned;              /* registry digest, or NULL */
    char listed[TJ_SHA256_HEX_SIZE]; /* manifest digest, or "" */
} expect;

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

static expect *find_expect(expect *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0) return &list[i];
    return NULL;
}

/* Reads "HEX  NAME" / "HEX *NAME" lines into list (grown as needed). A missing manifest is
 * reported through *missing, not as an error. */
static tj_status read_manifest(const char *dir, expect **list, size_t *n, size_t *cap, int *missing,
                               tj_error *err)
{
    *missing = 0;
    char *path = tj_fs_join(dir, TJ_MODELS_MANIFEST);
    if (!path) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    FILE *f = fopen(path, "r");
    free(path);
    if (!f) {
        *missing = 1;
        return TJ_OK;
    }
    char line[512];
    size_t lineno = 0;
    tj_status st = TJ_OK;
    while (st == TJ_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        char *name = line + 66;
        if (strlen(line) < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') ||
            strchr(name, '/') || name[0] == '.') {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s/%s:%zu: malformed line", dir, TJ_MODELS_MANIFEST,
                         lineno);
            break;
        }
        line[64] = '\0';
        if (!tj_sha256_is_hex(line) || strlen(name) >= sizeof(*list)->name) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s/%s:%zu: malformed line", dir, TJ_MODELS_MANIFEST,
                         lineno);
            break;
        }
        for (char *p = line; *p; p++)
            if (*p >= 'A' && *p <= 'F') *p = (char)(*p + 32);
        expect *e = find_expect(*list, *n, name);
        if (!e) {
            if (*n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 8;
                expect *nl = realloc(*list, ncap * sizeof *nl);
                if (!nl) {
                    st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                    break;
                }
                *list = nl;
                *cap = ncap;
            }
            e = &(*list)[(*n)++];
            memset(e, 0, sizeof *e);
            strcpy(e->name, name);
        }
        memcpy(e->listed, line, TJ_SHA256_HEX_SIZE);
    }
    fclose(f);
    return st;
}

/* Checks one file; returns its status and fills msg. */
static tj_status check_one(const char *dir, const expect *e, char *msg, size_t cap)
{
    char *path = tj_fs_join(dir, e->name);
    if (!path) {
        snprintf(msg, cap, "out of memory");
        return TJ_ERR_NOMEM;
    }
    uint64_t size;
    char hex[TJ_SHA256_HEX_SIZE];
    tj_error ferr;
    tj_status st = tj_fs_hash_file(path, &size, hex, &ferr);
    free(path);
    if (st == TJ_ERR_NOTFOUND) {
        snprintf(msg, cap, "missing");
        return st;
    }
    if (st != TJ_OK) {
        snprintf(msg, cap, "%s", ferr.message);
        return st;
    }
    if (e->size && size != e->size) {
        snprintf(msg, cap, "size %llu, expected %llu bytes", ull(size), ull(e->size));
        return TJ_ERR_CHECKSUM;
    }
    if (e->pinned && strcmp(hex, e->pinned) != 0) {
        snprintf(msg, cap, "sha256 %s, expected %s (pinned)", hex, e->pinned);
        return TJ_ERR_CHECKSUM;
    }
    if (e->listed[0] && strcmp(hex, e->listed) != 0) {
        snprintf(msg, cap, "sha256 %s, expected %s (%s)", hex, e->listed, TJ_MODELS_MANIFEST);
        return TJ_ERR_CHECKSUM;
    }
    if (!e->pinned && !e->listed[0]) {
        snprintf(msg, cap, "no digest to check against (not in %s)", TJ_MODELS_MANIFEST);
        return TJ_ERR_CHECKSUM;
    }
    snprintf(msg, cap, "ok (%llu bytes)", ull(size));
    return TJ_OK;
}

tj_status tj_models_verify(const tj_reg_model *model, const char *dir, tj_verify_fn report,
                           void *ctx, tj_error *err)
{
    if (!tj_fs_is_dir(dir)) return tj_fail(err, TJ_ERR_NOTFOUND, "%s: not installed", dir);
    expect *list = NULL;
    size_t n = 0, cap = 0;
    tj_status st = TJ_OK;
    if (model && model->n_files) {
        cap = model->n_files;
        list = calloc(cap, sizeof *list);
        if (!list) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == TJ_OK && i < model->n_files; i++) {
            st = tj_reg_file_installed_name(&model->files[i], list[n].name, sizeof list[n].name,
                                            err);
            list[n].size = model->files[i].raw_size;
            list[n].pinned = model->files[i].raw_sha256;
            n++;
        }
    }
    int missing_manifest = 0;
    if (st == TJ_OK) st = read_manifest(dir, &list, &n, &cap, &missing_manifest, err);
    if (st == TJ_OK && n == 0)
        st = tj_fail(err, TJ_ERR_NOTFOUND, "%s: no %s manifest, cannot verify", dir,
                     TJ_MODELS_MANIFEST);
    if (st != TJ_OK) {
        free(list);
        return st;
    }

    size_t bad = 0;
    tj_status worst = TJ_OK;
    for (size_t i = 0; i < n; i++) {
        char msg[640];
        tj_status fs = check_one(dir, &list[i], msg, sizeof msg);
        if (report) report(ctx, list[i].name, fs, msg);
        if (fs != TJ_OK) {
            bad++;
            if (worst != TJ_ERR_CHECKSUM) worst = fs;
        }
    }
    free(list);
    if (bad)
        return tj_fail(err, worst, "%s: %zu of %zu files failed verification%s", dir, bad, n,
                       missing_manifest ? " (and its SHA256SUMS manifest is missing)" : "");
    return TJ_OK;
}
