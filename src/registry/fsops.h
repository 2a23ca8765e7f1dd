/* SPDX-License-Identifier: MIT */
/* Small filesystem helpers for the model store: paths, mkdir -p, rm -r, hashing a file. */
#ifndef TJ_REGISTRY_FSOPS_H
#define TJ_REGISTRY_FSOPS_H

#include <stdint.h>

#include "tarjama.h"
#include "util/sha256.h"

/* "a/b" as a malloc'd string (NULL when out of memory). */
char *tj_fs_join(const char *a, const char *b);

/* 1 when path exists (without following a final symlink) / is a directory (following it). */
int tj_fs_exists(const char *path);
int tj_fs_is_dir(const char *path);

/* Creates path and its missing parents (mode 0755). */
tj_status tj_fs_mkdir_p(const char *path, tj_error *err);

/* Removes path recursively without following symlinks; a missing path is not an error. */
tj_status tj_fs_rm_rf(const char *path, tj_error *err);

/* Size and lowercase hex sha256 of a file's contents. */
tj_status tj_fs_hash_file(const char *path, uint64_t *size, char hex[TJ_SHA256_HEX_SIZE],
                          tj_error *err);

/* Takes an exclusive, non-blocking flock on a folder, so that one fetch or removal at a time
 * works in the models folder (a second one would fight over the .part files). Close *fd_out to
 * release. */
tj_status tj_fs_lock_dir(const char *dir, int *fd_out, tj_error *err);

#endif
