/* SPDX-License-Identifier: MIT */
/* Hugging Face MarianMT checkpoints (config.json + model.safetensors), read into the same items a
 * Marian .npz gives (names, [in, out] float32 weights, a special:model.yml written from
 * config.json), so that decode/model.c loads them like any Marian model. docs/opus-mt.md. */
#ifndef TJ_MODEL_HF_H
#define TJ_MODEL_HF_H

#include "model/marian_bin.h"

/* Opens safetensors with the configuration config_json. Every offset and size of the file is
 * checked; F32, F16 and BF16 tensors are read (as float32). Errors name the file. */
tj_status tj_hf_open(const char *safetensors, const char *config_json, tj_marian_file *f,
                     tj_error *err);

/* Parses a safetensors file already in memory: validates the header and every tensor's dtype,
 * shape and data_offsets. Used by tj_hf_open and the tests; n_tensors may be NULL. */
tj_status tj_safetensors_check(const unsigned char *data, size_t size, size_t *n_tensors,
                               tj_error *err);

#endif
