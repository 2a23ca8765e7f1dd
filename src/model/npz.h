/* SPDX-License-Identifier: MIT */
/* Float Marian models in NumPy's .npz format (a ZIP of .npy arrays). */
#ifndef TJ_MODEL_NPZ_H
#define TJ_MODEL_NPZ_H

#include "model/marian_bin.h"

/* Parses the .npz already loaded in f->blob into f->items (float32 and int8 arrays copied into
 * f->arena, names without ".npy"), sets f->yaml, and frees the blob. Messages carry no file name.
 */
tj_status tj_npz_parse(tj_marian_file *f, tj_error *err);

/* Calls fn for every file entry of a ZIP archive in memory (folders skipped), with its name and
 * its uncompressed, CRC-checked bytes; stops at the first error. Used by `models import`. */
typedef tj_status (*tj_zip_entry_fn)(void *ctx, const char *name, const unsigned char *data,
                                     size_t len, tj_error *err);
tj_status tj_zip_each(const unsigned char *data, size_t size, tj_zip_entry_fn fn, void *ctx,
                      tj_error *err);

#endif
