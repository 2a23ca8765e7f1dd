/* SPDX-License-Identifier: MIT */
/* Byte trie over the vocabulary's piece strings, for the Viterbi encoder's prefix walk and for
 * piece -> id look-ups. Children are found through one open-addressing hash table keyed by
 * (node, byte), so every step of a walk is O(1) whatever the fan-out. The table starts small and
 * doubles as nodes are added: sized for the worst case (one node per key byte) it was 6 MB for a
 * 32k vocabulary of 40k nodes, and its page faults were a fifth of a model's load time. */
#ifndef TJ_TOK_SPM_TRIE_H
#define TJ_TOK_SPM_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"

/* One hash slot: an edge (parent node, byte) -> child node. Key and child side by side, so a
 * step of a walk touches one cache line. */
typedef struct spm_trie_slot {
    uint32_t key; /* (parent << 8 | byte) + 1; 0 = empty slot */
    uint32_t child;
} spm_trie_slot;

typedef struct spm_trie {
    int32_t *value; /* per node: payload set by spm_trie_insert, or -1 */
    uint32_t n_nodes, cap_nodes;
    spm_trie_slot *slot;
    size_t mask;   /* table size - 1 (a power of two) */
    int built;     /* by spm_trie_build: value follows slot in one tj_bigmem block */
    size_t mapped; /* its tj_bigmem length */
} spm_trie;

/* Keys of a trie total fewer bytes than this: node numbers fit in 24 bits. */
#define SPM_TRIE_MAX_BYTES (((size_t)1 << 24) - 1)

/* Prepares an empty trie able to hold keys totalling at most total_bytes bytes (less than
 * 16 MiB: node numbers fit in 24 bits). */
tj_status spm_trie_init(spm_trie *t, size_t total_bytes, tj_error *err);
void spm_trie_free(spm_trie *t);

/* A key for spm_trie_build: s[0..len) with a non-negative payload. chunk and lcp are the
 * build's scratch. */
typedef struct spm_trie_key {
    const char *s;
    uint64_t chunk;
    uint32_t len;
    int32_t value;
    uint32_t lcp;
} spm_trie_key;

/* Builds the trie of keys[0..n), which total less than SPM_TRIE_MAX_BYTES, at once (t need not be
 * initialised; on failure it is left empty). Inserting one key at a time walks every byte of every
 * key through the edge table, a chain of dependent cache misses; in sorted order a key's common
 * prefix with the one before it is already on a stack of nodes, only its new edges are hashed, and
 * the node count is known before the table is sized, so it never grows. keys is reordered. A
 * repeated key keeps the smallest payload, as spm_trie_insert in payload order would; *dup gets the
 * smallest payload that repeats a key with a smaller one and *dup_of that smaller one, or both -1.
 * extra: bytes for the caller's arrays that live as long as the trie, in the same block (zeroed,
 * 8-aligned, at *extra_mem, freed by spm_trie_free), one set of huge pages for both. */
tj_status spm_trie_build(spm_trie *t, spm_trie_key *keys, size_t n, size_t extra, void **extra_mem,
                         int32_t *dup, int32_t *dup_of, tj_error *err);

/* Inserts key with a non-negative payload. Returns the payload already stored for key
 * (>= 0) without changing it, -1 after storing value, or SPM_TRIE_NOMEM when the table could
 * not grow. */
#define SPM_TRIE_NOMEM (-2)
int32_t spm_trie_insert(spm_trie *t, const char *key, size_t len, int32_t value);

/* The table slot where an edge key's probe starts (Fibonacci hashing: the multiply spreads the
 * node bits into the high half, which the mask then samples). */
static inline size_t spm_trie_slot_of(const spm_trie *t, uint32_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
}

/* The child of node along byte c, or 0 (the root, never a child) when absent. */
static inline uint32_t spm_trie_child(const spm_trie *t, uint32_t node, unsigned char c)
{
    uint32_t key = (node << 8 | c) + 1;
    size_t h = spm_trie_slot_of(t, key);
    for (;;) {
        uint32_t k = t->slot[h].key;
        if (k == key) return t->slot[h].child;
        if (k == 0) return 0;
        h = (h + 1) & t->mask;
    }
}

/* Payload stored for exactly key[0..len), or -1. */
int32_t spm_trie_find(const spm_trie *t, const char *key, size_t len);

#endif
