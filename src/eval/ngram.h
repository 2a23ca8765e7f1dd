/* SPDX-License-Identifier: MIT */
/* N-gram counts for the metrics: a hash map from (order, byte string) to a count.
 *
 * Every n-gram the metrics count is a contiguous substring of one buffer (tokens joined by single
 * spaces, or text with whitespace removed), so keys are borrowed pointers into the caller's
 * buffers, which must outlive the map. The order takes part in equality because a word unigram
 * and a character trigram can be the same bytes. */
#ifndef TJ_EVAL_NGRAM_H
#define TJ_EVAL_NGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"

typedef struct tj_ngram {
    const char *key; /* NULL marks an empty slot */
    uint32_t len;
    uint32_t hash;
    int32_t order;
    int32_t count;
} tj_ngram;

typedef struct tj_ngram_map {
    tj_ngram *slots;
    size_t cap; /* power of two, or 0 before the first insertion */
    size_t size;
} tj_ngram_map;

void tj_ngram_map_init(tj_ngram_map *m);
void tj_ngram_map_free(tj_ngram_map *m);
/* Empties the map and keeps its memory for reuse. */
void tj_ngram_map_clear(tj_ngram_map *m);

/* The entry for (order, key[0..len)), or NULL. */
const tj_ngram *tj_ngram_find(const tj_ngram_map *m, int order, const char *key, size_t len);

/* Adds delta to the count of (order, key[0..len)), inserting it with count 0 first if absent.
 * On success *entry (may be NULL) points at the entry, valid until the next insertion. */
tj_status tj_ngram_add(tj_ngram_map *m, int order, const char *key, size_t len, int32_t delta,
                       tj_ngram **entry, tj_error *err);

#endif
