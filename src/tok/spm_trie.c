/* SPDX-License-Identifier: MIT */
#include "tok/spm_trie.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

tj_status spm_trie_init(spm_trie *t, size_t total_bytes, tj_error *err)
{
    memset(t, 0, sizeof *t);
    if (total_bytes > (size_t)UINT32_MAX / 4)
        return tj_fail(err, TJ_ERR_FORMAT, "vocabulary too large (%zu bytes of pieces)",
                       total_bytes);
    /* Each key byte adds at most one node and one edge; a load factor <= 1/2 keeps probes short. */
    size_t slots = 16;
    while (slots < 2 * total_bytes) slots *= 2;
    t->cap_nodes = (uint32_t)total_bytes + 1;
    t->value = malloc(t->cap_nodes * sizeof *t->value);
    t->slot_key = calloc(slots, sizeof *t->slot_key);
    t->slot_child = malloc(slots * sizeof *t->slot_child);
    if (!t->value || !t->slot_key || !t->slot_child) {
        spm_trie_free(t);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    }
    t->mask = slots - 1;
    t->n_nodes = 1;
    t->value[0] = -1;
    return TJ_OK;
}

void spm_trie_free(spm_trie *t)
{
    free(t->value);
    free(t->slot_key);
    free(t->slot_child);
    memset(t, 0, sizeof *t);
}

int32_t spm_trie_insert(spm_trie *t, const char *key, size_t len, int32_t value)
{
    uint32_t node = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t k = ((uint64_t)node << 8 | (unsigned char)key[i]) + 1;
        size_t h = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
        while (t->slot_key[h] != 0 && t->slot_key[h] != k) h = (h + 1) & t->mask;
        if (t->slot_key[h] == 0) {
            /* spm_trie_init sized the node array for the total key length: never full here. */
            uint32_t child = t->n_nodes++;
            t->value[child] = -1;
            t->slot_key[h] = k;
            t->slot_child[h] = child;
        }
        node = t->slot_child[h];
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
