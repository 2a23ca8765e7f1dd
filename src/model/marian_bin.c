/* SPDX-License-Identifier: MIT */
/* Marian binary model reader (spec §2.1-2.5). The file is untrusted: every count, length and
 * offset is checked against the file size before it is used, with overflow-safe arithmetic, so a
 * truncated or corrupt file is an error and never an out-of-bounds read. */
#include "model/marian_bin.h"

#include <stdlib.h>
#include <string.h>

#include "model/npz.h"
#include "util/error.h"

#define HEADER_BYTES 32
#define MAX_ITEMS 100000 /* real models have a few hundred */
#define MAX_NAME 4096
#define MAX_DIMS 4

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int32_t rd32s(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)v;
}

static const char *type_name(uint64_t t)
{
    switch (t) {
    case 0x101:
        return "int8";
    case 0x102:
        return "int16";
    case 0x104:
        return "int32";
    case 0x108:
        return "int64";
    case 0x201:
        return "uint8";
    case 0x202:
        return "uint16";
    case 0x204:
        return "uint32";
    case 0x208:
        return "uint64";
    case 0x402:
        return "float16";
    case 0x404:
        return "float32";
    case 0x408:
        return "float64";
    case 0x802:
        return "packed16";
    case 0x1801:
        return "packed8avx2";
    case 0x2801:
        return "packed8avx512";
    case 0x4101:
        return "intgemm8";
    case 0x4102:
        return "intgemm16";
    case 0x4801:
        return "intgemm8 (SSSE3-prepared)";
    case 0x5101:
        return "intgemm8 (AVX2-prepared)";
    case 0x6101:
        return "intgemm8 (AVX512-prepared)";
    }
    return "unknown";
}

/* Bytes an item of this type and element count needs, or 0 on overflow. */
static size_t need_bytes(uint32_t type, size_t elements)
{
    switch (type) {
    case TJ_TYPE_INT8:
        return elements;
    case TJ_TYPE_FLOAT32:
        return elements > SIZE_MAX / 4 ? 0 : elements * 4;
    case TJ_TYPE_INTGEMM8:
        return elements > SIZE_MAX - 4 ? 0 : elements + 4;
    }
    return 0;
}

static int looks_like_text(const unsigned char *p, size_t n)
{
    size_t k = n < 64 ? n : 64;
    for (size_t i = 0; i < k; i++)
        if (p[i] < 0x09 || (p[i] > 0x0d && p[i] < 0x20) || p[i] == 0x7f) return 0;
    return k > 0;
}

static int cmp_name(const void *a, const void *b)
{
    const tj_item *x = *(const tj_item *const *)a, *y = *(const tj_item *const *)b;
    return strcmp(x->name, y->name);
}

/* Fails on the first duplicate name: a later duplicate would silently shadow a parameter. */
static tj_status check_unique(const tj_marian_file *f, tj_error *err)
{
    if (f->n_items < 2) return TJ_OK;
    const tj_item **v = malloc(f->n_items * sizeof *v);
    if (!v) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < f->n_items; i++) v[i] = &f->items[i];
    qsort(v, f->n_items, sizeof *v, cmp_name);
    tj_status st = TJ_OK;
    for (size_t i = 1; i < f->n_items; i++)
        if (strcmp(v[i - 1]->name, v[i]->name) == 0) {
            st = tj_fail(err, TJ_ERR_FORMAT, "item '%s' appears twice", v[i]->name);
            break;
        }
    free(v);
    return st;
}

/* Parses the already loaded f->blob; messages here carry no file name (the caller adds it). */
static tj_status parse(tj_marian_file *f, tj_error *err)
{
    const unsigned char *d = f->blob.data;
    size_t size = f->blob.size;

    if (size >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4) {
        tj_status st = tj_npz_parse(f, err);
        return st ? st : check_unique(f, err);
    }
    if (size < 16) {
        if (size > 0 && looks_like_text(d, size))
            return tj_fail(err, TJ_ERR_FORMAT, "not a Marian binary model (looks like text)");
        return tj_fail(err, TJ_ERR_FORMAT, "not a Marian binary model (%zu bytes, too short)",
                       size);
    }
    uint64_t version = rd64(d);
    if (version != 1) {
        if (looks_like_text(d, size))
            return tj_fail(err, TJ_ERR_FORMAT, "not a Marian binary model (looks like text)");
        return tj_fail(err, TJ_ERR_FORMAT,
                       "not a Marian binary model (version field is %llu, expected 1)",
                       (unsigned long long)version);
    }
    uint64_t n = rd64(d + 8);
    if (n == 0) return tj_fail(err, TJ_ERR_FORMAT, "model file has no items");
    if (n > MAX_ITEMS || n > (size - 16) / HEADER_BYTES)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "item count %llu is impossible for a %zu-byte file (truncated or corrupt)",
                       (unsigned long long)n, size);
    f->items = calloc((size_t)n, sizeof *f->items);
    if (!f->items) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    f->n_items = (size_t)n;

    /* Pass 1: header table, bounded to sane ranges so that the sums below cannot overflow. */
    size_t pos = 16 + (size_t)n * HEADER_BYTES;
    size_t names_len = 0, shapes_len = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *h = d + 16 + i * HEADER_BYTES;
        uint64_t name_len = rd64(h), type = rd64(h + 8), ndim = rd64(h + 16);
        if (name_len < 2 || name_len > MAX_NAME)
            return tj_fail(err, TJ_ERR_FORMAT, "item %zu: bad name length %llu", i,
                           (unsigned long long)name_len);
        if (ndim < 1 || ndim > MAX_DIMS)
            return tj_fail(err, TJ_ERR_FORMAT, "item %zu: bad number of dimensions %llu", i,
                           (unsigned long long)ndim);
        names_len += (size_t)name_len;
        shapes_len += (size_t)ndim * 4;
        f->items[i].type = (uint32_t)(type > UINT32_MAX ? UINT32_MAX : type);
        f->items[i].ndim = (int)ndim;
    }
    if (names_len > size - pos || shapes_len > size - pos - names_len)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "item names and shapes run past the end of the file "
                       "(truncated or corrupt)");

    /* Pass 2: names, which must be NUL-terminated exactly where the header says. */
    for (size_t i = 0; i < n; i++) {
        size_t name_len = (size_t)rd64(d + 16 + i * HEADER_BYTES);
        const char *name = (const char *)d + pos;
        if (name[name_len - 1] != '\0' || memchr(name, '\0', name_len - 1))
            return tj_fail(err, TJ_ERR_FORMAT,
                           "item %zu: name is not NUL-terminated at its "
                           "declared length (corrupt header)",
                           i);
        f->items[i].name = name;
        pos += name_len;
    }

    /* Pass 3: shapes. */
    for (size_t i = 0; i < n; i++) {
        tj_item *it = &f->items[i];
        size_t elements = 1;
        for (int k = 0; k < it->ndim; k++) {
            int32_t dim = rd32s(d + pos);
            pos += 4;
            if (dim <= 0)
                return tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad dimension %d", it->name,
                               (int)dim);
            if (elements > SIZE_MAX / (size_t)dim)
                return tj_fail(err, TJ_ERR_FORMAT, "item '%s': shape too large", it->name);
            it->shape[k] = dim;
            elements *= (size_t)dim;
        }
        it->elements = elements;
    }

    /* Padding that aligns the data section. */
    if (size - pos < 8)
        return tj_fail(err, TJ_ERR_FORMAT, "file ends inside the header (truncated)");
    uint64_t pad = rd64(d + pos);
    pos += 8;
    if (pad > size - pos)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "padding length %llu runs past the end of the file "
                       "(truncated or corrupt)",
                       (unsigned long long)pad);
    pos += (size_t)pad;

    /* Payloads, in header order. */
    for (size_t i = 0; i < n; i++) {
        tj_item *it = &f->items[i];
        uint64_t len = rd64(d + 16 + i * HEADER_BYTES + 24);
        uint64_t type = rd64(d + 16 + i * HEADER_BYTES + 8);
        if (type != TJ_TYPE_INT8 && type != TJ_TYPE_FLOAT32 && type != TJ_TYPE_INTGEMM8)
            return tj_fail(err, TJ_ERR_UNSUPPORTED, "item '%s' has unsupported type 0x%llx (%s)",
                           it->name, (unsigned long long)type, type_name(type));
        size_t need = need_bytes(it->type, it->elements);
        if (need == 0 || len < need)
            return tj_fail(err, TJ_ERR_FORMAT,
                           "item '%s': payload of %llu bytes is smaller than the %zu its %s shape "
                           "needs",
                           it->name, (unsigned long long)len, need, type_name(type));
        if (len > size - pos)
            return tj_fail(err, TJ_ERR_FORMAT,
                           "item '%s': payload runs past the end of the file (truncated)",
                           it->name);
        /* Float kernels read these in place; Marian's writer aligns every tensor to 256. */
        if (it->type == TJ_TYPE_FLOAT32 && pos % 4 != 0)
            return tj_fail(err, TJ_ERR_FORMAT, "item '%s': float32 payload is misaligned",
                           it->name);
        it->data = d + pos;
        it->bytes = (size_t)len;
        pos += (size_t)len;
        if (it->type == TJ_TYPE_INTGEMM8 && it->bytes >= it->elements + 4) {
            /* Little-endian float after the int8 values, read from the file when it is kept
             * open (a 4-byte read costs less than the page fault of touching the mapping:
             * nothing else of the matrix's pages is read through it at load). */
            unsigned char p[4];
            tj_blob_read(&f->blob, it->data + it->elements, 4, p);
            uint32_t u =
                (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            memcpy(&it->quant, &u, sizeof it->quant);
        }
        if (it->type == TJ_TYPE_INTGEMM8) {
            float q = tj_item_quant_mult(it);
            if (!(q > 0.0f)) /* also catches NaN */
                return tj_fail(err, TJ_ERR_FORMAT,
                               "item '%s': bad quantisation multiplier %g (corrupt)", it->name,
                               (double)q);
        }
    }
    if (pos != size)
        return tj_fail(err, TJ_ERR_FORMAT, "%zu unexpected bytes after the last item (corrupt)",
                       size - pos);

    tj_status st = check_unique(f, err);
    if (st != TJ_OK) return st;

    const tj_item *y = tj_marian_find(f, "special:model.yml");
    if (y) {
        if (y->type != TJ_TYPE_INT8)
            return tj_fail(err, TJ_ERR_FORMAT, "special:model.yml has type %s, expected int8",
                           type_name(y->type));
        if (!memchr(y->data, '\0', y->bytes))
            return tj_fail(err, TJ_ERR_FORMAT, "special:model.yml is not NUL-terminated");
        f->yaml = (const char *)y->data;
    }
    return TJ_OK;
}

tj_status tj_marian_open(const char *path, tj_marian_file *f, tj_error *err)
{
    memset(f, 0, sizeof *f);
    tj_status st = tj_blob_load_keep_fd(path, &f->blob, err);
    if (st != TJ_OK) return st;
    f->file_bytes = f->blob.size;
    st = parse(f, err);
    if (st != TJ_OK) {
        tj_error_prefix(err, path);
        tj_marian_close(f);
    }
    return st;
}

void tj_marian_close(tj_marian_file *f)
{
    if (!f) return;
    free(f->items);
    free(f->arena);
    tj_blob_free(&f->blob);
    memset(f, 0, sizeof *f);
}

const tj_item *tj_marian_find(const tj_marian_file *f, const char *name)
{
    for (size_t i = 0; i < f->n_items; i++)
        if (strcmp(f->items[i].name, name) == 0) return &f->items[i];
    return NULL;
}

float tj_item_quant_mult(const tj_item *it)
{
    return it->quant;
}
