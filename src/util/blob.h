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
    int fd;     /* with has_fd: the mapped file, kept open by tj_blob_load_keep_fd */
    int has_fd; /* a zeroed blob has none (fd 0 is not ours) */
} tj_blob;

/* Loads path; errors name the file ("model.bin: truncated gzip stream"). Empty files are fine. */
tj_status tj_blob_load(const char *path, tj_blob *out, tj_error *err);
/* The same with a size limit of max bytes (plain, read or decompressed) instead of the 4 GiB
 * one: a bomb is refused with memory bounded near max. Lets tests use a small limit. */
tj_status tj_blob_load_max(const char *path, size_t max, tj_blob *out, tj_error *err);
/* A small text file (a YAML config) as one NUL-terminated string for the line-based readers;
 * *out is the caller's to free. */
tj_status tj_blob_load_text(const char *path, size_t max, char **out, tj_error *err);
/* tj_blob_load that keeps the file open while it is mapped, for tj_blob_read. */
tj_status tj_blob_load_keep_fd(const char *path, tj_blob *out, tj_error *err);
/* Copies n bytes of the blob's data starting at src (inside b->data) to dst: with the file kept
 * open, read from the file (pread), which does not map the pages into the process (each first
 * touch of a mapped page costs a fault, several microseconds in some virtual machines, where a
 * read into memory that is already resident costs none); else, or when the read fails, a
 * memcpy from the data. */
void tj_blob_read(const tj_blob *b, const void *src, size_t n, void *dst);
/* Closes the descriptor tj_blob_load_keep_fd kept (the mapping stays). */
void tj_blob_close_fd(tj_blob *b);
void tj_blob_free(tj_blob *b);

#endif
