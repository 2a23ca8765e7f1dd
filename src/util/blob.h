/* SPDX-License-Identifier: MIT */
/* Whole-file access: memory-mapped when the file is plain, decompressed into memory when it is
 * gzip (1f 8b) or zstd (28 b5 2f fd) — detected from the magic bytes, not the name. */
#ifndef TJ_UTIL_BLOB_H
#define TJ_UTIL_BLOB_H

#include <stddef.h>
#include "tarjama.h"

typedef struct tj_blob {
    const unsigned char *data; /* file contents (decompressed); 64-byte aligned when owned */
    size_t size;
    void *owned; /* malloc'd buffer to free, or NULL */
    void *map;   /* mmap'd region to unmap, or NULL */
    size_t map_size;
} tj_blob;

/* Loads path; errors name the file ("model.bin: truncated gzip stream"). Empty files are fine. */
tj_status tj_blob_load(const char *path, tj_blob *out, tj_error *err);
/* The same with a size limit of max bytes (plain, read or decompressed) instead of the 4 GiB
 * one: a bomb is refused with memory bounded near max. Lets tests use a small limit. */
tj_status tj_blob_load_max(const char *path, size_t max, tj_blob *out, tj_error *err);
/* A small text file (a YAML config) as one NUL-terminated string for the line-based readers;
 * *out is the caller's to free. */
tj_status tj_blob_load_text(const char *path, size_t max, char **out, tj_error *err);
void tj_blob_free(tj_blob *b);

#endif
