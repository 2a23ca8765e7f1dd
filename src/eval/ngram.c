/* SPDX-License-Identifier: MIT */
#include "eval/ngram.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static uint32_t hash_key(int order, const char *key, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)order; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

void tj_ngram_map_init(tj_ngram_map *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->size = 0;
}

void tj_ngram_map_free(tj_ngram_map *m)
{
    free(m->slots);
    tj_ngram_map_init(m);
}

void tj_ngram_map_clear(tj_ngram_map *m)
{
    if (m->slots) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->size = 0;
}

static size_t probe(const tj_ngram *slots, size_t cap, uint32_t hash, int order, const char *key,
                    size_t len)
{
    size_t mask = cap - 1, i = hash & mask;
    for (;;) {
        const tj_ngram *e = &slots[i];
        if (!e->key) return i;
        if (e->hash == hash && e->order == order && e->len == len && !memcmp(e->key, key, len))
            return i;
        i = (i + 1) & mask;
    }
}

const tj_ngram *tj_ngram_find(const tj_ngram_map *m, int order, const char *key, size_t len)
{
    if (m->cap == 0) return NULL;
    size_t i = probe(m->slots, m->cap, hash_key(order, key, len), order, key, len);
    return m->slots[i].key ? &m->slots[i] : NULL;
}

static tj_status grow(tj_ngram_map *m, tj_error *err)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    tj_ngram *slots = calloc(cap, sizeof *slots);
    if (!slots) return tj_fail(err, TJ_ERR_NOMEM, "out of memory counting n-grams");
    for (size_t i = 0; i < m->cap; i++) {
        const tj_ngram *e = &m->slots[i];
        if (e->key) slots[probe(slots, cap, e->hash, e->order, e->key, e->len)] = *e;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return TJ_OK;
}

tj_status tj_ngram_add(tj_ngram_map *m, int order, const char *key, size_t len, int32_t delta,
                       tj_ngram **entry, tj_error *err)
{
    if (len > UINT32_MAX) return tj_fail(err, TJ_ERR_INPUT, "n-gram longer than 4 GiB");
    /* Keep the load factor at most 1/2 so that probe sequences stay short. */
    if ((m->size + 1) * 2 > m->cap) {
        tj_status st = grow(m, err);
        if (st != TJ_OK) return st;
    }
    uint32_t hash = hash_key(order, key, len);
    tj_ngram *e = &m->slots[probe(m->slots, m->cap, hash, order, key, len)];
    if (!e->key) {
        e->key = key;
        e->len = (uint32_t)len;
        e->hash = hash;
        e->order = order;
        e->count = 0;
        m->size++;
    }
    e->count += delta;
    if (entry) *entry = e;
    return TJ_OK;
}
