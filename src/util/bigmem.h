/* SPDX-License-Identifier: MIT */
/* Zeroed memory for a large table that a load fills at once (the piece trie's edges). Touched
 * page by page, each 4 KB page is a fault of ~10 us on a virtual machine, more than the writes
 * cost: from a megabyte on, the block is taken in transparent huge pages made resident in one
 * call (rounded up to 2 MB, a fault or two in all), or failing that populated in one call. */
#ifndef TJ_UTIL_BIGMEM_H
#define TJ_UTIL_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes, or NULL. *mapped gets the length to pass to tj_bigmem_free. */
void *tj_bigmem_zalloc(size_t n, size_t *mapped);
void tj_bigmem_free(void *p, size_t mapped);

#endif
