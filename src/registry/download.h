/* SPDX-License-Identifier: MIT */
/* One resumable HTTP(S) download into a .part file, with libcurl. */
#ifndef TJ_REGISTRY_DOWNLOAD_H
#define TJ_REGISTRY_DOWNLOAD_H

#include <stdint.h>

#include "registry/registry.h"

typedef struct tj_download {
    const char *url;
    const char *part_path;  /* appended to; its current length is the resume offset */
    uint64_t expected_size; /* the pinned size: more is an error, less is a truncation */
    long connect_timeout_s, stall_timeout_s;
    tj_fetch_progress_fn progress; /* events carry file/index/count below */
    void *progress_ctx;
    const char *file;
    size_t index, count;
} tj_download;

/* Brings part_path to exactly expected_size bytes, resuming with a Range request when it already
 * holds a prefix. The bytes are not verified here. On a network error or a short response the
 * .part file is kept for the next attempt; when the server sends more than expected_size bytes
 * it is removed. */
tj_status tj_download_run(const tj_download *d, tj_error *err);

#endif
