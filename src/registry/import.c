/* SPDX-License-Identifier: MIT */
/* `tarjama models import`: copies a model folder or .zip (Firefox/Bergamot, OPUS-MT release,
 * Hugging Face MarianMT) into the model store, after checking that it loads, with a SHA256SUMS
 * manifest so that `models verify` can re-check it. Staged in a hidden folder and renamed into
 * place, so an interrupted import leaves no half model under its name. */
#include "registry/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/model.h"
#include "model/npz.h"
#include "registry/fsops.h"
#include "util/blob.h"
#include "util/error.h"

/* Hugging Face repositories carry the same weights for other frameworks; not needed here. */
static int skipped(const char *name)
{
    static const char *const names[] = {"pytorch_model.bin", "tf_model.h5", "flax_model.msgpack",
                                        "rust_model.ot", TJ_MODELS_MANIFEST};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i])) return 1;
    return name[0] == '.';
}

static tj_status write_file(const char *path, const unsigned char *data, size_t len, tj_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return tj_fail(err, errno == EEXIST ? TJ_ERR_ARG : TJ_ERR_IO, "cannot create %s: %s", path,
                       errno == EEXIST ? "two files of that name" : strerror(errno));
    size_t done = 0;
    tj_status st = TJ_OK;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", path, strerror(errno));
            break;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0 && !st)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", path, strerror(errno));
    return st;
}

static tj_status copy_file(const char *from, const char *to, tj_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return tj_fail(err, TJ_ERR_IO, "cannot read %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return tj_fail(err, TJ_ERR_IO, "cannot create %s: %s", to, strerror(errno));
    }
    char *buf = malloc(1 << 16);
    tj_status st = buf ? TJ_OK : tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    while (!st) {
        ssize_t r = read(in, buf, 1 << 16);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            st = tj_fail(err, TJ_ERR_IO, "cannot read %s: %s", from, strerror(errno));
            break;
        }
        if (r == 0) break;
        for (ssize_t done = 0; done < r && !st;) {
            ssize_t w = write(out, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
                st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", to, strerror(errno));
            else
                done += w;
        }
        if (st) break;
    }
    free(buf);
    close(in);
    if (close(out) != 0 && !st)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", to, strerror(errno));
    return st;
}

static tj_status unzip_entry(void *ctx, const char *name, const unsigned char *data, size_t len,
                             tj_error *err)
{
    const char *stage = ctx;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (!*base || skipped(base) || strchr(base, '\\')) return TJ_OK;
    char *path = tj_fs_join(stage, base);
    if (!path) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st = write_file(path, data, len, err);
    free(path);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SHA256SUMS over every file of dir, in name order. */
static tj_status write_manifest(const char *dir, tj_error *err)
{
    DIR *dp = opendir(dir);
    if (!dp) return tj_fail(err, TJ_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    tj_status st = TJ_OK;
    struct dirent *de;
    while ((de = readdir(dp)) && !st) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(dp);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    char *text = NULL;
    size_t tl = 0;
    for (size_t i = 0; i < n && !st; i++) {
        char *p = tj_fs_join(dir, names[i]);
        uint64_t size;
        char hex[TJ_SHA256_HEX_SIZE];
        st = p ? tj_fs_hash_file(p, &size, hex, err) : tj_fail(err, TJ_ERR_NOMEM, "no memory");
        free(p);
        if (st) break;
        char *t = realloc(text, tl + strlen(hex) + strlen(names[i]) + 4);
        if (!t) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
        text = t;
        tl += (size_t)sprintf(text + tl, "%s  %s\n", hex, names[i]);
    }
    if (!st) {
        char *p = tj_fs_join(dir, TJ_MODELS_MANIFEST);
        st = p ? write_file(p, (const unsigned char *)text, tl, err)
               : tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        free(p);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(text);
    return st;
}

/* Copies src (a folder's top-level files, or a .zip's entries) into stage. */
static tj_status fill_stage(const char *src, const char *stage, tj_error *err)
{
    if (tj_fs_is_dir(src)) {
        DIR *dp = opendir(src);
        if (!dp) return tj_fail(err, TJ_ERR_IO, "cannot open %s: %s", src, strerror(errno));
        tj_status st = TJ_OK;
        struct dirent *de;
        while ((de = readdir(dp)) && !st) {
            if (skipped(de->d_name)) continue;
            char *from = tj_fs_join(src, de->d_name), *to = tj_fs_join(stage, de->d_name);
            struct stat sb;
            if (!from || !to)
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            else if (stat(from, &sb) == 0 && S_ISREG(sb.st_mode))
                st = copy_file(from, to, err);
            free(from);
            free(to);
        }
        closedir(dp);
        return st;
    }
    tj_blob b;
    tj_status st = tj_blob_load(src, &b, err);
    if (st) return st;
    if (b.size < 4 || memcmp(b.data, "PK\003\004", 4) != 0)
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: not a folder or a .zip archive", src);
    else if ((st = tj_zip_each(b.data, b.size, unzip_entry, (void *)stage, err)))
        tj_error_prefix(err, src);
    tj_blob_free(&b);
    return st;
}

tj_status tj_models_import(const char *src, const char *data_dir, const char *name, int force,
                           char **dir_out, int *layout, tj_error *err)
{
    if (dir_out) *dir_out = NULL;
    tj_status st = tj_models_check_spec(name, err);
    if (st) return st;
    if (strchr(name, ':'))
        return tj_fail(err, TJ_ERR_ARG, "model name '%s': no ':' in imported names", name);
    if ((st = tj_fs_mkdir_p(data_dir, err))) return st;
    int lock = -1;
    if ((st = tj_fs_lock_dir(data_dir, &lock, err))) return st;
    char hidden[80];
    snprintf(hidden, sizeof hidden, ".%s.import", name);
    char *stage = tj_fs_join(data_dir, hidden), *final = tj_fs_join(data_dir, name);
    tj_error ignored;
    if (!stage || !final) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (tj_fs_exists(final) && !force) {
        st = tj_fail(err, TJ_ERR_ARG, "%s is already installed (%s); --force replaces it", name,
                     final);
        goto out;
    }
    if ((st = tj_fs_rm_rf(stage, err)) || (st = tj_fs_mkdir_p(stage, err))) goto out;
    if ((st = fill_stage(src, stage, err))) goto out;
    /* Only a model that loads is installed: the layout is recognised and every shape checked. */
    tj_model *m = NULL;
    if ((st = tj_model_open(stage, &m, err))) {
        tj_error_prefix(err, src);
        goto out;
    }
    if (layout) *layout = (int)m->files.layout;
    tj_model_close(m);
    if ((st = write_manifest(stage, err))) goto out;
    if (tj_fs_exists(final) && (st = tj_fs_rm_rf(final, err))) goto out;
    if (rename(stage, final) != 0) {
        st = tj_fail(err, TJ_ERR_IO, "cannot move %s to %s: %s", stage, final, strerror(errno));
        goto out;
    }
    if (dir_out) {
        *dir_out = final;
        final = NULL;
    }
out:
    if (st && stage) (void)tj_fs_rm_rf(stage, &ignored);
    free(stage);
    free(final);
    close(lock);
    return st;
}
