/* SPDX-License-Identifier: MIT */
/* Error reporting helpers shared by every layer of the library. */
#ifndef TJ_UTIL_ERROR_H
#define TJ_UTIL_ERROR_H

#include "tarjama.h"

/* Records code and a printf-style one-line message in err (if non-NULL); returns code so that
 * callers can write `return tj_fail(err, TJ_ERR_FORMAT, "...", ...);`. */
tj_status tj_fail(tj_error *err, tj_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to TJ_OK with an empty message. */
void tj_error_clear(tj_error *err);

/* Prefixes err->message with "prefix: " (used to add a file name to a lower layer's message). */
void tj_error_prefix(tj_error *err, const char *prefix);

#endif
