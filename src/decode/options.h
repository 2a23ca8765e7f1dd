/* SPDX-License-Identifier: MIT */
/* tj_options: the defaults, and the one range check every entry point that takes options makes
 * (tj_translate, tj_translate_document, tj_translate_scored), so that they refuse the same values
 * with the same words. */
#ifndef TJ_DECODE_OPTIONS_H
#define TJ_DECODE_OPTIONS_H
#include "tarjama.h"

#define TJ_MAX_THREADS 64
#define TJ_MAX_BEAM 64

/* *out = *opt, or the defaults when opt is NULL; then TJ_ERR_ARG naming the first value out of
 * range. */
tj_status tj_options_take(const tj_options *opt, tj_options *out, tj_error *err);

#endif
