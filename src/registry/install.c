/* SPDX-License-Identifier: MIT */
/* Fetching a whole model: download every file into a staging folder, verify it against its
 * pinned digests, decompress (verifying again where the registry pins the result), write the
 * SHA256SUMS manifest, then move the finished folder into place with one rename.
 *
 * Layout under the data folder while a fetch of ar-en is in progress or interrupted:
 *   .ar-en.partial/NAME.gz.part   bytes received so far (resumed with a Range request)
 *   .ar-en.partial/NAME.gz        a complete download that matched its pinned sha256
 *   .ar-en.partial/out/           the decompressed files, renamed to ar-en/ at the end */
#include "registry/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/download.h"
#include "registry/fsops.h"
#include "registry/unpack.h"
#include "util/error.h"

/* Without a pinned size, refuse to inflate a file beyond this (a decompression bomb guard). */
#define MAX_UNPACKED ((uint64_t)4 << 30)

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

static void emit(const tj_fetch_options *opt, tj_fetch_stage stage, const tj_reg_file *f,
                 size_t index, size_t count)
{
    if (!opt->progress) return;
    tj_fetch_event ev = {.stage = stage,
                         .file = f->name,
                         .index = index,
                         .count = count,
                         .done = f->size,
                         .total = f->size};
    opt->progress(opt->progress_ctx, &ev);
}

static char *resolve_url(const char *url, const char *base)
{
    if (strstr(url, "://")) return strdup(url);
    size_t lb = strlen(base);
    while (lb > 0 && base[lb - 1] == '/') lb--;
    while (*url == '/') url++;
    size_t lu = strlen(url);
    char *s = malloc(lb + lu + 2);
    if (!s) return NULL;
    memcpy(s, base, lb);
    s[lb] = '/';
    memcpy(s + lb + 1, url, lu + 1);
    return s;
}

/* Checks a downloaded (or cached) published file against its pins. */
static tj_status check_published(const char *path, const tj_reg_file *f, tj_error *err)
{
    uint64_t size;
    char hex[TJ_SHA256_HEX_SIZE];
    tj_status st = tj_fs_hash_file(path, &size, hex, err);
    if (st != TJ_OK) return st;
    if (size != f->size)
        return tj_fail(err, TJ_ERR_CHECKSUM, "%s: size %llu differs from the pinned %llu bytes",
                       f->name, ull(size), ull(f->size));
    if (strcmp(hex, f->sha256) != 0)
        return tj_fail(err, TJ_ERR_CHECKSUM, "%s: sha256 %s differs from the pinned %s", f->name,
                       hex, f->sha256);
    return TJ_OK;
}

/* Everything a fetch needs, so that cleanup is in one place. */
typedef struct job {
    const tj_registry *reg;
    const tj_reg_model *model;
    const tj_fetch_options *opt;
    char *stage, *out, *final;
    char *manifest;
    size_t manifest_len, manifest_cap;
} job;

static tj_status manifest_add(job *j, const char *hex, const char *name, tj_error *err)
{
    size_t need = strlen(hex) + strlen(name) + 4;
    if (j->manifest_len + need > j->manifest_cap) {
        size_t cap = (j->manifest_cap + need) * 2;
        char *m = realloc(j->manifest, cap);
        if (!m) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        j->manifest = m;
        j->manifest_cap = cap;
    }
    j->manifest_len += (size_t)sprintf(j->manifest + j->manifest_len, "%s  %s\n", hex, name);
    return TJ_OK;
}

static tj_status write_manifest(job *j, tj_error *err)
{
    char *path = tj_fs_join(j->out, TJ_MODELS_MANIFEST);
    if (!path) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st = TJ_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = tj_fail(err, TJ_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    } else {
        size_t done = 0;
        while (st == TJ_OK && done < j->manifest_len) {
            ssize_t w = write(fd, j->manifest + done, j->manifest_len - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
                st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", path, strerror(errno));
            else
                done += (size_t)w;
        }
        if (st == TJ_OK && fsync(fd) != 0)
            st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", path, strerror(errno));
        if (close(fd) != 0 && st == TJ_OK)
            st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", path, strerror(errno));
    }
    free(path);
    return st;
}

/* Gets one published file into the staging folder, verified, and unpacks it into out/. */
static tj_status fetch_file(job *j, size_t index, tj_error *err)
{
    const tj_reg_file *f = &j->model->files[index];
    size_t count = j->model->n_files;
    char installed[256];
    tj_status st = tj_reg_file_installed_name(f, installed, sizeof installed, err);
    if (st != TJ_OK) return st;

    char part_name[300];
    snprintf(part_name, sizeof part_name, "%s.part", f->name);
    const char *base = j->opt->mirror && *j->opt->mirror ? j->opt->mirror : j->reg->base_url;
    char *url = resolve_url(f->url, base);
    char *comp = tj_fs_join(j->stage, f->name);
    char *part = tj_fs_join(j->stage, part_name);
    char *dst = tj_fs_join(j->out, installed);
    if (!url || !comp || !part || !dst) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto done;
    }

    int cached = 0;
    if (tj_fs_exists(comp)) {
        cached = check_published(comp, f, NULL) == TJ_OK;
        if (!cached) unlink(comp);
    }
    if (cached) {
        emit(j->opt, TJ_FETCH_CACHED, f, index, count);
    } else {
        tj_download d = {
            .url = url,
            .part_path = part,
            .expected_size = f->size,
            .connect_timeout_s = j->opt->connect_timeout_s > 0 ? j->opt->connect_timeout_s : 30,
            .stall_timeout_s = j->opt->stall_timeout_s > 0 ? j->opt->stall_timeout_s : 60,
            .progress = j->opt->progress,
            .progress_ctx = j->opt->progress_ctx,
            .file = f->name,
            .index = index,
            .count = count};
        st = tj_download_run(&d, err);
        if (st != TJ_OK) {
            tj_error_prefix(err, f->name);
            goto done;
        }
        st = check_published(part, f, err);
        if (st != TJ_OK) {
            /* A corrupt download must not be resumed from: start from nothing next time. */
            unlink(part);
            if (st == TJ_ERR_CHECKSUM && err) {
                size_t n = strlen(err->message);
                snprintf(err->message + n, sizeof err->message - n,
                         "; the download was discarded and nothing was installed");
            }
            goto done;
        }
        if (rename(part, comp) != 0) {
            st = tj_fail(err, TJ_ERR_IO, "cannot rename %s: %s", part, strerror(errno));
            goto done;
        }
        emit(j->opt, TJ_FETCH_VERIFIED, f, index, count);
    }

    uint64_t size;
    char hex[TJ_SHA256_HEX_SIZE];
    st = tj_unpack(comp, tj_codec_from_name(f->name), dst, f->raw_size ? f->raw_size : MAX_UNPACKED,
                   &size, hex, err);
    if (st == TJ_OK && f->raw_size && size != f->raw_size)
        st = tj_fail(
            err, TJ_ERR_CHECKSUM,
            "%s: uncompressed size %llu differs from the pinned %llu bytes; nothing was installed",
            installed, ull(size), ull(f->raw_size));
    if (st == TJ_OK && f->raw_sha256 && strcmp(hex, f->raw_sha256) != 0)
        st = tj_fail(err, TJ_ERR_CHECKSUM,
                     "%s: uncompressed sha256 %s differs from the pinned %s; nothing was installed",
                     installed, hex, f->raw_sha256);
    if (st != TJ_OK) {
        /* The download matched its own pin but does not unpack to the pinned result: keep
         * nothing of it, so a corrected registry starts afresh. */
        unlink(dst);
        unlink(comp);
        goto done;
    }
    st = manifest_add(j, hex, installed, err);
    if (st == TJ_OK) emit(j->opt, TJ_FETCH_UNPACKED, f, index, count);

done:
    free(url);
    free(comp);
    free(part);
    free(dst);
    return st;
}

/* After a failed fetch: empty .part files (nothing arrived, e.g. offline) are no use to a resume,
 * so they go, and with them a staging folder left empty; one that still holds bytes stays for
 * the next fetch to resume from, and the error says where it is, so nothing is left silently. */
static void keep_or_drop_stage(const job *j, tj_error *err)
{
    DIR *d = opendir(j->stage);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_size == 0)
            (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    if (rmdir(j->stage) == 0 || !err) return;
    size_t n = strlen(err->message);
    if (j->model->is_default)
        snprintf(err->message + n, sizeof err->message - n,
                 "; the partial download is kept in %s for the next fetch to resume ('tarjama "
                 "models remove %s' deletes it)",
                 j->stage, j->model->pair);
    else
        snprintf(err->message + n, sizeof err->message - n,
                 "; the partial download is kept in %s for the next fetch to resume ('tarjama "
                 "models remove %s:%s' deletes it)",
                 j->stage, j->model->pair, j->model->variant);
}

/* Replaces final with out in one step where the kernel allows it. */
static tj_status move_into_place(job *j, tj_error *err)
{
    if (!tj_fs_exists(j->final)) {
        if (rename(j->out, j->final) != 0)
            return tj_fail(err, TJ_ERR_IO, "cannot install %s: %s", j->final, strerror(errno));
        return TJ_OK;
    }
    if (renameat2(AT_FDCWD, j->out, AT_FDCWD, j->final, RENAME_EXCHANGE) == 0)
        return tj_fs_rm_rf(j->out, err); /* out/ now holds the old copy */
    if (errno != EINVAL && errno != ENOSYS && errno != EPERM)
        return tj_fail(err, TJ_ERR_IO, "cannot install %s: %s", j->final, strerror(errno));
    /* Filesystems without RENAME_EXCHANGE: move the old copy aside first. */
    char *old = tj_fs_join(j->stage, "old");
    if (!old) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st = tj_fs_rm_rf(old, err);
    if (st == TJ_OK && rename(j->final, old) != 0)
        st = tj_fail(err, TJ_ERR_IO, "cannot replace %s: %s", j->final, strerror(errno));
    if (st == TJ_OK && rename(j->out, j->final) != 0) {
        st = tj_fail(err, TJ_ERR_IO, "cannot install %s: %s", j->final, strerror(errno));
        (void)rename(old, j->final);
    }
    free(old);
    return st;
}

tj_status tj_models_fetch(const tj_registry *reg, const tj_reg_model *model,
                          const tj_fetch_options *opt, char **dir_out, int *already, tj_error *err)
{
    static const tj_fetch_options defaults = {0};
    if (!opt) opt = &defaults;
    if (dir_out) *dir_out = NULL;
    if (already) *already = 0;
    if (model->n_files == 0)
        return tj_fail(err, TJ_ERR_ARG, "model %s:%s lists no files", model->pair, model->variant);

    char *data_dir = NULL;
    tj_status st = opt->data_dir ? TJ_OK : tj_models_data_dir(&data_dir, err);
    if (st != TJ_OK) return st;
    if (opt->data_dir && !(data_dir = strdup(opt->data_dir)))
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");

    job j = {.reg = reg, .model = model, .opt = opt};
    int lock_fd = -1;
    char hidden[300];
    snprintf(hidden, sizeof hidden, ".%s.partial", model->dir);
    st = tj_fs_mkdir_p(data_dir, err);
    if (st == TJ_OK) st = tj_fs_lock_dir(data_dir, &lock_fd, err);
    if (st != TJ_OK) goto done;
    j.final = tj_fs_join(data_dir, model->dir);
    j.stage = tj_fs_join(data_dir, hidden);
    j.out = j.stage ? tj_fs_join(j.stage, "out") : NULL;
    if (!j.final || !j.stage || !j.out) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto done;
    }

    if (!opt->force && tj_fs_is_dir(j.final) &&
        tj_models_verify(model, j.final, NULL, NULL, NULL) == TJ_OK) {
        if (already) *already = 1;
        goto done;
    }

    st = tj_fs_mkdir_p(j.stage, err);
    if (st == TJ_OK) st = tj_fs_rm_rf(j.out, err);
    if (st == TJ_OK && mkdir(j.out, 0755) != 0)
        st = tj_fail(err, TJ_ERR_IO, "cannot create folder %s: %s", j.out, strerror(errno));
    for (size_t i = 0; st == TJ_OK && i < model->n_files; i++) st = fetch_file(&j, i, err);
    if (st == TJ_OK) st = write_manifest(&j, err);
    if (st == TJ_OK) st = move_into_place(&j, err);
    if (st == TJ_OK) {
        /* The model is in place: leftovers of the staging folder are no reason to fail. */
        tj_error ignored;
        (void)tj_fs_rm_rf(j.stage, &ignored);
        int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd); /* make the renames durable; failure here loses nothing */
            close(dfd);
        }
    } else if (j.out) {
        /* Keep the .part files and verified downloads for the next attempt, not half a model. */
        tj_error ignored;
        (void)tj_fs_rm_rf(j.out, &ignored);
        keep_or_drop_stage(&j, err);
    }

done:
    if (st == TJ_OK && dir_out) {
        *dir_out = j.final;
        j.final = NULL;
    }
    if (lock_fd >= 0) close(lock_fd);
    free(j.final);
    free(j.stage);
    free(j.out);
    free(j.manifest);
    free(data_dir);
    return st;
}
