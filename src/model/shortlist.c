/* SPDX-License-Identifier: MIT */
/* Binary lexical shortlist (spec §7.2) and the per-sentence target set (§7.4). The tables are
 * used in place from the blob (mmap'd or 64-byte aligned), after a full validation so that the
 * generator can index them without further checks. */
#include "model/shortlist.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define SHORTLIST_MAGIC 0xF11A48D5013417F5ull
#define HEADER_BYTES 48

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static tj_status validate(tj_shortlist *sl, size_t src_vocab_size, size_t trg_vocab_size,
                          tj_error *err)
{
    const unsigned char *d = sl->blob.data;
    size_t size = sl->blob.size;
    if (size < HEADER_BYTES)
        return tj_fail(err, TJ_ERR_FORMAT, "not a binary shortlist (%zu bytes, too short)", size);
    if (rd64(d) != SHORTLIST_MAGIC)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "not a binary shortlist (bad magic; text lex files must be converted with "
                       "marian-conv --shortlist)");
    if (!host_is_little_endian())
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "binary shortlists need a little-endian machine");
    sl->first_num = rd64(d + 16);
    sl->best_num = rd64(d + 24);
    uint64_t n_offsets = rd64(d + 32);
    sl->n_lists = rd64(d + 40);

    /* 48 + 8*n_offsets + 4*n_lists == size, computed without overflow. */
    uint64_t body = size - HEADER_BYTES;
    if (n_offsets == 0 || n_offsets > body / 8 || sl->n_lists > (body - n_offsets * 8) / 4 ||
        n_offsets * 8 + sl->n_lists * 4 != body)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "size %zu does not match its header (%llu offsets, %llu ids): truncated "
                       "or corrupt",
                       size, (unsigned long long)n_offsets, (unsigned long long)sl->n_lists);
    sl->n_src = n_offsets - 1;
    if (sl->n_src > src_vocab_size)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "has lists for %llu source ids but the source vocabulary has %zu",
                       (unsigned long long)sl->n_src, src_vocab_size);
    /* Both tables are aligned: blob data is, 48 is a multiple of 8 and so is 8*n_offsets. */
    sl->offsets = (const uint64_t *)(const void *)(d + HEADER_BYTES);
    sl->ids = (const uint32_t *)(const void *)(d + HEADER_BYTES + n_offsets * 8);

    if (sl->offsets[0] != 0)
        return tj_fail(err, TJ_ERR_FORMAT, "first offset is %llu, expected 0 (corrupt)",
                       (unsigned long long)sl->offsets[0]);
    for (uint64_t s = 0; s < sl->n_src; s++)
        if (sl->offsets[s + 1] < sl->offsets[s] || sl->offsets[s + 1] > sl->n_lists)
            return tj_fail(err, TJ_ERR_FORMAT, "offset of source id %llu is out of order (corrupt)",
                           (unsigned long long)(s + 1));
    if (sl->offsets[sl->n_src] != sl->n_lists)
        return tj_fail(err, TJ_ERR_FORMAT, "last offset %llu differs from the id count %llu",
                       (unsigned long long)sl->offsets[sl->n_src], (unsigned long long)sl->n_lists);
    /* The largest id first, a loop without an exit that the compiler vectorises; the first id
     * out of range is looked for only when there is one. Most of this check's cost is the first
     * touch of the file's pages, not the loop (docs/benchmarks.md, session 6). */
    uint32_t top = 0;
    for (uint64_t i = 0; i < sl->n_lists; i++) top = sl->ids[i] > top ? sl->ids[i] : top;
    if (sl->n_lists && top >= trg_vocab_size)
        for (uint64_t i = 0; i < sl->n_lists; i++)
            if (sl->ids[i] >= trg_vocab_size)
                return tj_fail(err, TJ_ERR_FORMAT,
                               "target id %u is outside the target vocabulary (size %zu)",
                               (unsigned)sl->ids[i], trg_vocab_size);
    return TJ_OK;
}

tj_status tj_shortlist_open(const char *path, size_t src_vocab_size, size_t trg_vocab_size,
                            tj_shortlist *sl, tj_error *err)
{
    memset(sl, 0, sizeof *sl);
    tj_status st = tj_blob_load(path, &sl->blob, err);
    if (st != TJ_OK) return st;
    st = validate(sl, src_vocab_size, trg_vocab_size, err);
    if (st != TJ_OK) {
        tj_error_prefix(err, path);
        tj_shortlist_close(sl);
    }
    return st;
}

void tj_shortlist_close(tj_shortlist *sl)
{
    if (!sl) return;
    tj_blob_free(&sl->blob);
    memset(sl, 0, sizeof *sl);
}

tj_status tj_shortlist_generate(const tj_shortlist *sl, const int *src, size_t n,
                                size_t trg_vocab_size, int shared_vocab, int **ids_out,
                                size_t *n_out, tj_error *err)
{
    *ids_out = NULL;
    *n_out = 0;
    if (trg_vocab_size == 0 || trg_vocab_size > (size_t)INT32_MAX)
        return tj_fail(err, TJ_ERR_ARG, "bad target vocabulary size %zu", trg_vocab_size);
    for (size_t i = 0; i < n; i++)
        if (src[i] < 0)
            return tj_fail(err, TJ_ERR_ARG, "negative source id %d at position %zu", src[i], i);

    unsigned char *sel = calloc(trg_vocab_size, 1);
    if (!sel) return tj_fail(err, TJ_ERR_NOMEM, "out of memory building the shortlist");
    size_t count = 0;
    size_t first = sl->first_num < trg_vocab_size ? (size_t)sl->first_num : trg_vocab_size;
    for (size_t i = 0; i < first; i++) sel[i] = 1;
    count = first;
    /* Repeated source ids only re-mark the same entries, so no "seen" set is needed. */
    for (size_t k = 0; k < n; k++) {
        size_t s = (size_t)src[k];
        if (shared_vocab && s < trg_vocab_size && !sel[s]) {
            sel[s] = 1;
            count++;
        }
        if (s >= sl->n_src) continue; /* no list: the shortlist covers fewer source ids */
        for (uint64_t j = sl->offsets[s]; j < sl->offsets[s + 1]; j++) {
            uint32_t t = sl->ids[j];
            if (t < trg_vocab_size && !sel[t]) {
                sel[t] = 1;
                count++;
            }
        }
    }
    /* Pad to a multiple of 8 with the lowest unselected ids from first_num up (Marian's rule). */
    for (size_t i = first; count % 8 != 0 && i < trg_vocab_size; i++)
        if (!sel[i]) {
            sel[i] = 1;
            count++;
        }

    int *ids = malloc((count ? count : 1) * sizeof *ids);
    if (!ids) {
        free(sel);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory building the shortlist");
    }
    /* Most of sel is zero: skip it eight bytes at a time. */
    size_t m = 0, i = 0;
    for (; i + 8 <= trg_vocab_size; i += 8) {
        uint64_t w;
        memcpy(&w, sel + i, sizeof w);
        if (!w) continue;
        for (size_t k = i; k < i + 8; k++)
            if (sel[k]) ids[m++] = (int)k;
    }
    for (; i < trg_vocab_size; i++)
        if (sel[i]) ids[m++] = (int)i;
    free(sel);
    *ids_out = ids;
    *n_out = m;
    return TJ_OK;
}
