/* SPDX-License-Identifier: MIT */
#include "registry/fsops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

char *tj_fs_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/') la--;
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

int tj_fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int tj_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

tj_status tj_fs_mkdir_p(const char *path, tj_error *err)
{
    if (!*path) return tj_fail(err, TJ_ERR_ARG, "empty folder name");
    char *p = strdup(path);
    if (!p) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    /* Create each prefix in turn; EEXIST on a prefix that is a directory is expected. */
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            tj_status st =
                tj_fail(err, TJ_ERR_IO, "cannot create folder %s: %s", p, strerror(errno));
            free(p);
            return st;
        }
        *s = c;
        if (c == '\0') break;
    }
    int ok = tj_fs_is_dir(path);
    free(p);
    if (!ok) return tj_fail(err, TJ_ERR_IO, "%s exists and is not a folder", path);
    return TJ_OK;
}

tj_status tj_fs_rm_rf(const char *path, tj_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return TJ_OK;
        return tj_fail(err, TJ_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return tj_fail(err, TJ_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        struct dirent *e;
        tj_status status = TJ_OK;
        while (status == TJ_OK && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *child = tj_fs_join(path, e->d_name);
            status = child ? tj_fs_rm_rf(child, err) : tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            free(child);
        }
        closedir(d);
        if (status != TJ_OK) return status;
        if (rmdir(path) != 0)
            return tj_fail(err, TJ_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        return TJ_OK;
    }
    if (unlink(path) != 0)
        return tj_fail(err, TJ_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return TJ_OK;
}

tj_status tj_fs_hash_file(const char *path, uint64_t *size, char hex[TJ_SHA256_HEX_SIZE],
                          tj_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return tj_fail(err, TJ_ERR_NOTFOUND, "%s: missing", path);
        return tj_fail(err, TJ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        close(fd);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    tj_sha256 ctx;
    tj_sha256_init(&ctx);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            tj_status st = tj_fail(err, TJ_ERR_IO, "%s: read error: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return st;
        }
        if (n == 0) break;
        tj_sha256_update(&ctx, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    close(fd);
    unsigned char digest[TJ_SHA256_SIZE];
    tj_sha256_final(&ctx, digest);
    tj_sha256_hex(digest, hex);
    *size = total;
    return TJ_OK;
}

tj_status tj_fs_lock_dir(const char *dir, int *fd_out, tj_error *err)
{
    *fd_out = -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tj_fail(err, TJ_ERR_IO, "%s: cannot open: %s", dir, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return tj_fail(err, TJ_ERR_IO, "another tarjama is fetching or removing models in %s",
                           dir);
        return tj_fail(err, TJ_ERR_IO, "%s: cannot lock: %s", dir, strerror(e));
    }
    *fd_out = fd;
    return TJ_OK;
}
