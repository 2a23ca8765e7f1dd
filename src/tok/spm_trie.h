/* SPDX-License-Identifier: MIT */
/* Byte trie over the vocabulary's piece strings, for the Viterbi encoder's prefix walk and for
 * piece -> id look-ups. Children are found through one open-addressing hash table keyed by
 * (node, byte), so every step of a walk is O(1) whatever the fan-out. */
#ifndef TJ_TOK_SPM_TRIE_H
#define TJ_TOK_SPM_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"

typedef struct spm_trie {
    int32_t *value; /* per node: payload set by spm_trie_insert, or -1 */
    uint32_t n_nodes, cap_nodes;
    uint64_t *slot_key; /* (parent << 8 | byte) + 1; 0 = empty slot */
    uint32_t *slot_child;
    size_t mask; /* table size - 1 (a power of two) */
} spm_trie;

/* Prepares an empty trie able to hold keys totalling at most total_bytes bytes. */
tj_status spm_trie_init(spm_trie *t, size_t total_bytes, tj_error *err);
void spm_trie_free(spm_trie *t);

/* Inserts key with a non-negative payload. Returns the payload already stored for key
 * (>= 0) without changing it, or -1 after storing value. */
int32_t spm_trie_insert(spm_trie *t, const char *key, size_t len, int32_t value);

/* The child of node along byte c, or 0 (the root, never a child) when absent. */
static inline uint32_t spm_trie_child(const spm_trie *t, uint32_t node, unsigned char c)
{
    uint64_t key = ((uint64_t)node << 8 | c) + 1;
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
    for (;;) {
        uint64_t k = t->slot_key[h];
        if (k == key) return t->slot_child[h];
        if (k == 0) return 0;
        h = (h + 1) & t->mask;
    }
}

/* Payload stored for exactly key[0..len), or -1. */
int32_t spm_trie_find(const spm_trie *t, const char *key, size_t len);

#endif
