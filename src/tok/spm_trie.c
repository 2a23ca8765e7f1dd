/* SPDX-License-Identifier: MIT */
#include "tok/spm_trie.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* A table of `slots` entries (a power of two) holding every edge of the old one. */
static int rehash(spm_trie *t, size_t slots)
{
    spm_trie_slot *old = t->slot;
    size_t old_n = old ? t->mask + 1 : 0;
    spm_trie_slot *s = calloc(slots, sizeof *s);
    if (!s) return -1;
    t->slot = s;
    t->mask = slots - 1;
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i].key) continue;
        size_t h = spm_trie_slot_of(t, old[i].key);
        while (s[h].key) h = (h + 1) & t->mask;
        s[h] = old[i];
    }
    free(old);
    return 0;
}

tj_status spm_trie_init(spm_trie *t, size_t total_bytes, tj_error *err)
{
    memset(t, 0, sizeof *t);
    if (total_bytes >= (1u << 24) - 1)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "vocabulary too large (%zu bytes of pieces; at most 16 MiB)", total_bytes);
    /* Each key byte adds at most one node; the value array is only touched as nodes are made.
     * The edge table starts at about one slot per two key bytes (real vocabularies share
     * prefixes: 40k nodes for 230 KB of pieces) and keeps a load factor <= 1/2 by doubling. */
    t->cap_nodes = (uint32_t)total_bytes + 1;
    t->value = malloc(t->cap_nodes * sizeof *t->value);
    size_t slots = 16;
    while (slots < total_bytes / 2) slots *= 2;
    if (!t->value || rehash(t, slots)) {
        spm_trie_free(t);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    }
    t->n_nodes = 1;
    t->value[0] = -1;
    return TJ_OK;
}

void spm_trie_free(spm_trie *t)
{
    free(t->value);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

int32_t spm_trie_insert(spm_trie *t, const char *key, size_t len, int32_t value)
{
    uint32_t node = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t k = (node << 8 | (unsigned char)key[i]) + 1;
        size_t h = spm_trie_slot_of(t, k);
        while (t->slot[h].key != 0 && t->slot[h].key != k) h = (h + 1) & t->mask;
        if (t->slot[h].key == 0) {
            /* one more edge: double the table first when it would pass half full */
            if (2 * (size_t)t->n_nodes > t->mask) {
                if (rehash(t, 2 * (t->mask + 1))) return SPM_TRIE_NOMEM;
                h = spm_trie_slot_of(t, k);
                while (t->slot[h].key != 0) h = (h + 1) & t->mask;
            }
            /* spm_trie_init sized the node array for the total key length: never full here. */
            uint32_t child = t->n_nodes++;
            t->value[child] = -1;
            t->slot[h].key = k;
            t->slot[h].child = child;
        }
        node = t->slot[h].child;
    }
    if (t->value[node] >= 0) return t->value[node];
    t->value[node] = value;
    return -1;
}

int32_t spm_trie_find(const spm_trie *t, const char *key, size_t len)
{
    uint32_t node = 0;
    for (size_t i = 0; i < len; i++) {
        node = spm_trie_child(t, node, (unsigned char)key[i]);
        if (!node) return -1;
    }
    return t->value[node];
}
