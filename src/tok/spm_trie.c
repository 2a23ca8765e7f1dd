/* SPDX-License-Identifier: MIT */
#include "tok/spm_trie.h"

#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
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
    if (total_bytes >= SPM_TRIE_MAX_BYTES)
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

/* Bytes d .. d + 6 of key k (which has at least d) as a number that orders keys like their
 * bytes from d on: big-endian in the top seven bytes, zero past the key's end, and in the low
 * byte how many of the seven the key has, so that a key ending in the window sorts before its
 * extensions and equal numbers below 7 mean equal keys. */
static inline uint64_t key_chunk(const spm_trie_key *k, uint32_t d)
{
    const unsigned char *s = (const unsigned char *)k->s + d;
    uint32_t rem = k->len - d;
    uint64_t v = 0;
    if (rem >= 8) {
        for (int j = 0; j < 7; j++) v = v << 8 | s[j];
        return v << 8 | 7;
    }
    uint32_t w = rem < 7 ? rem : 7;
    for (uint32_t j = 0; j < 7; j++) v = v << 8 | (j < w ? s[j] : 0);
    return v << 8 | w;
}

static void swap_keys(spm_trie_key *a, spm_trie_key *b)
{
    spm_trie_key x = *a;
    *a = *b;
    *b = x;
}

/* a < b for two keys that agree in their first d bytes. */
static int key_less(const spm_trie_key *a, const spm_trie_key *b, uint32_t d)
{
    uint32_t la = a->len - d, lb = b->len - d;
    int c = memcmp(a->s + d, b->s + d, la < lb ? la : lb);
    return c < 0 || (c == 0 && la < lb);
}

/* A run of keys that agree in their first d bytes, still to be sorted from byte d on; their
 * chunk holds key_chunk(d) unless fresh. */
typedef struct sort_task {
    size_t lo, n;
    uint32_t d;
    int fresh;
} sort_task;

/* Multikey quicksort (Bentley and Sedgewick) on seven bytes at a time: a three-way split on
 * key_chunk, so each byte of a shared prefix is compared once per split rather than once per
 * comparison as in qsort with memcmp; the chunk is computed once per key and depth and kept in
 * the key, so the splits at one depth read the keys array only. Runs on the stack are disjoint
 * and hold at least two keys, so it needs n / 2 + 3 entries. The pivot is drawn at random so
 * that no input order makes it quadratic. */
static void sort_run(spm_trie_key *keys, size_t n, uint32_t d, sort_task *stack)
{
    size_t top = 0;
    uint32_t seed = 0x9E3779B9u;
    if (n > 1) stack[top++] = (sort_task){0, n, d, 1};
    while (top) {
        sort_task tk = stack[--top];
        spm_trie_key *a = keys + tk.lo;
        size_t m = tk.n;
        if (m < 12) {
            for (size_t i = 1; i < m; i++) {
                spm_trie_key x = a[i];
                size_t j = i;
                for (; j > 0 && key_less(&x, &a[j - 1], tk.d); j--) a[j] = a[j - 1];
                a[j] = x;
            }
            continue;
        }
        if (tk.fresh)
            for (size_t i = 0; i < m; i++) a[i].chunk = key_chunk(&a[i], tk.d);
        seed = seed * 1664525u + 1013904223u;
        swap_keys(&a[0], &a[(seed >> 8) % m]);
        uint64_t v = a[0].chunk;
        /* a[0, lt) < v, a[lt, i) == v, a[gt, m) > v */
        size_t lt = 0, i = 0, gt = m;
        while (i < gt) {
            uint64_t c = a[i].chunk;
            if (c < v)
                swap_keys(&a[lt++], &a[i++]);
            else if (c > v)
                swap_keys(&a[i], &a[--gt]);
            else
                i++;
        }
        if (lt > 1) stack[top++] = (sort_task){tk.lo, lt, tk.d, 0};
        if (m - gt > 1) stack[top++] = (sort_task){tk.lo + gt, m - gt, tk.d, 0};
        /* (v & 0xFF) < 7: keys that all end in the window are equal; their order does not
         * matter */
        if (gt - lt > 1 && (v & 0xFF) == 7)
            stack[top++] = (sort_task){tk.lo + lt, gt - lt, tk.d + 7, 1};
    }
}

/* Sorts keys[0..n) by their bytes: a least-significant-digit radix sort of their first seven
 * bytes (key_chunk(0), eight passes of one byte over the keys in sequence, a pass skipped where
 * all keys share the byte), then sort_run on each run of keys that share those seven bytes and go
 * on. tmp: room for n keys. */
static void sort_keys(spm_trie_key *keys, spm_trie_key *tmp, size_t n, sort_task *stack)
{
    for (size_t i = 0; i < n; i++) keys[i].chunk = key_chunk(&keys[i], 0);
    spm_trie_key *src = keys, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[src[i].chunk >> shift & 0xFF]++;
        if (n && count[src[0].chunk >> shift & 0xFF] == n) continue;
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[src[i].chunk >> shift & 0xFF]++] = src[i];
        spm_trie_key *x = src;
        src = dst;
        dst = x;
    }
    if (src != keys) memcpy(keys, src, n * sizeof *keys);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && keys[j].chunk == keys[i].chunk) j++;
        if (j - i > 1 && (keys[i].chunk & 0xFF) == 7) sort_run(keys + i, j - i, 7, stack);
        i = j;
    }
}

/* A new edge waits in a queue of EDGE_QUEUE with its home slot prefetched, so that the probes,
 * cache misses in a table of megabytes that do not depend on each other, overlap: the build's
 * inserts 1.35 -> 0.9 ms for the 32k basemem vocabulary. Edges go in in the order they were
 * made, so the table is the one inserting them at once would give. */
enum { EDGE_QUEUE = 16 };
typedef struct pending_edge {
    uint32_t key, child;
    size_t home;
} pending_edge;

static inline void put_edge(spm_trie *t, const pending_edge *p)
{
    size_t h = p->home;
    while (t->slot[h].key) h = (h + 1) & t->mask;
    t->slot[h].key = p->key;
    t->slot[h].child = p->child;
}

tj_status spm_trie_build(spm_trie *t, spm_trie_key *keys, size_t n, size_t extra, void **extra_mem,
                         int32_t *dup, int32_t *dup_of, tj_error *err)
{
    memset(t, 0, sizeof *t);
    *dup = *dup_of = -1;
    size_t total = 0, max_len = 0;
    for (size_t k = 0; k < n; k++) {
        total += keys[k].len;
        if (keys[k].len > max_len) max_len = keys[k].len;
    }
    if (total >= SPM_TRIE_MAX_BYTES)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "vocabulary too large (%zu bytes of pieces; at most 16 MiB)", total);
    size_t tmp_mapped;
    spm_trie_key *tmp = tj_bigmem_zalloc((n ? n : 1) * sizeof *tmp, &tmp_mapped);
    sort_task *stack = malloc((n / 2 + 3) * sizeof *stack);
    if (!tmp || !stack) {
        if (tmp) tj_bigmem_free(tmp, tmp_mapped);
        free(stack);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    }
    sort_keys(keys, tmp, n, stack);
    tj_bigmem_free(tmp, tmp_mapped);
    free(stack);

    /* One node for the root and one per byte of a key past its common prefix with the key
     * before it in sorted order. */
    size_t nodes = 1;
    for (size_t k = 0; k < n; k++) {
        uint32_t l = 0;
        if (k) {
            const char *a = keys[k - 1].s, *b = keys[k].s;
            uint32_t m = keys[k - 1].len < keys[k].len ? keys[k - 1].len : keys[k].len;
            while (l < m && a[l] == b[l]) l++;
        }
        keys[k].lcp = l;
        nodes += keys[k].len - l;
    }
    size_t slots = 16;
    while (slots < 2 * nodes) slots *= 2;
    /* the edges, the payloads and the caller's arrays in one block: a megabyte or more for a
     * real vocabulary */
    size_t extra_at = (slots * sizeof *t->slot + nodes * sizeof *t->value + 7) / 8 * 8;
    if (extra > SIZE_MAX - extra_at)
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    t->slot = tj_bigmem_zalloc(extra_at + extra, &t->mapped);
    if (t->slot) {
        t->value = (int32_t *)(t->slot + slots);
        t->built = 1;
        if (extra_mem) *extra_mem = (char *)t->slot + extra_at;
    }
    uint32_t *path = malloc((max_len + 1) * sizeof *path); /* path[d]: node of a key's d-prefix */
    if (!t->slot || !path) {
        free(path);
        spm_trie_free(t);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    }
    t->mask = slots - 1;
    t->cap_nodes = (uint32_t)nodes;
    t->n_nodes = 1;
    t->value[0] = -1;
    path[0] = 0;
    int32_t first = -1, second = -1; /* smallest payloads of a run of equal keys */
    pending_edge queue[EDGE_QUEUE];
    size_t queued = 0, head = 0;
    for (size_t k = 0; k < n; k++) {
        const spm_trie_key *key = &keys[k];
        if (k && key->lcp == key->len) {
            /* the same key as keys[k - 1]: sorted order puts a prefix before its extensions */
            int32_t v = key->value;
            if (v < first) {
                second = first;
                first = v;
            } else if (second < 0 || v < second) {
                second = v;
            }
            t->value[path[key->len]] = first;
            if (*dup < 0 || second < *dup) {
                *dup = second;
                *dup_of = first;
            }
            continue;
        }
        const unsigned char *s = (const unsigned char *)key->s;
        for (uint32_t j = key->lcp; j < key->len; j++) {
            /* a new edge: no probe for an equal key, and the child's number is known at once */
            uint32_t e = (path[j] << 8 | s[j]) + 1;
            uint32_t child = t->n_nodes++;
            t->value[child] = -1;
            path[j + 1] = child;
            if (queued == EDGE_QUEUE) {
                put_edge(t, &queue[head++ % EDGE_QUEUE]);
                queued--;
            }
            size_t h = spm_trie_slot_of(t, e);
            __builtin_prefetch(&t->slot[h], 1);
            queue[(head + queued++) % EDGE_QUEUE] = (pending_edge){e, child, h};
        }
        t->value[path[key->len]] = key->value;
        first = key->value;
        second = -1;
    }
    for (; queued; queued--) put_edge(t, &queue[head++ % EDGE_QUEUE]);
    free(path);
    return TJ_OK;
}

void spm_trie_free(spm_trie *t)
{
    if (t->built) {
        tj_bigmem_free(t->slot, t->mapped);
    } else {
        free(t->value);
        free(t->slot);
    }
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
