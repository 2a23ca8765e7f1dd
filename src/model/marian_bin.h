/* SPDX-License-Identifier: MIT */
/* Marian binary model files (model.*.bin): see shared spec §2. Every offset and size is checked
 * against the file length before use; the items point into the tj_blob. */
#ifndef TJ_MODEL_MARIAN_BIN_H
#define TJ_MODEL_MARIAN_BIN_H

#include <stddef.h>
#include <stdint.h>
#include "util/blob.h"

enum {
    TJ_TYPE_INT8 = 0x101, /* raw int8 (the embedded YAML) */
    TJ_TYPE_FLOAT32 = 0x404,
    TJ_TYPE_INTGEMM8 = 0x4101, /* int8 [out][in] (or [rows][cols] for Wemb) + float multiplier */
};

typedef struct tj_item {
    const char *name; /* NUL-terminated, points into the blob */
    uint32_t type;
    int ndim;
    int shape[4];
    size_t elements;           /* product of shape */
    const unsigned char *data; /* payload start (256-aligned in the file) */
    size_t bytes;              /* dataLength from the header (includes padding) */
    float quant;               /* TJ_TYPE_INTGEMM8: the multiplier after the elements, else 0 */
} tj_item;

typedef struct tj_marian_file {
    tj_blob blob;
    size_t n_items;
    tj_item *items;
    const char *yaml;  /* text of special:model.yml (NUL-terminated), or NULL */
    void *arena;       /* .npz models: names and payloads live here (the blob is freed) */
    size_t file_bytes; /* size of the (decompressed) file */
} tj_marian_file;

/* Opens and validates a Marian model: a .bin (plain, .gz or .zst) or a float .npz (model/npz.c,
 * recognised by its ZIP magic). Unknown item types are an TJ_ERR_UNSUPPORTED error naming the
 * item; anything else (random bytes, text) is TJ_ERR_FORMAT with a clear message. A plain file
 * stays open (blob.has_fd) for tj_blob_read until tj_blob_close_fd or tj_marian_close. */
tj_status tj_marian_open(const char *path, tj_marian_file *f, tj_error *err);
void tj_marian_close(tj_marian_file *f);

/* Finds an item by exact name; NULL if absent. */
const tj_item *tj_marian_find(const tj_marian_file *f, const char *name);

/* For TJ_TYPE_INTGEMM8 items: the quantisation multiplier stored after the elements (0 for
 * other items, or when the payload has no room for it). */
float tj_item_quant_mult(const tj_item *it);

#endif
