/* SPDX-License-Identifier: MIT */
/* Streams a verified download into its installed form: gunzip, unzstd or plain copy, hashing the
 * bytes written so that the result can be checked and recorded. */
#ifndef TJ_REGISTRY_UNPACK_H
#define TJ_REGISTRY_UNPACK_H

#include <stdint.h>

#include "tarjama.h"
#include "util/sha256.h"

typedef enum tj_codec { TJ_CODEC_NONE, TJ_CODEC_GZIP, TJ_CODEC_ZSTD } tj_codec;

/* The codec a published file name implies (.gz, .zst, anything else = none). */
tj_codec tj_codec_from_name(const char *name);

/* Writes the decoded contents of src to dst (created or truncated, fsync'd), refusing to write
 * more than max_out bytes. Reports the size and sha256 of what was written. The magic bytes must
 * match the codec. On failure dst is removed. */
tj_status tj_unpack(const char *src, tj_codec codec, const char *dst, uint64_t max_out,
                    uint64_t *out_size, char hex[TJ_SHA256_HEX_SIZE], tj_error *err);

#endif
