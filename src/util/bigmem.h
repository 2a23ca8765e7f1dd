/* SPDX-License-Identifier: MIT */
/* Zeroed memory for the large arrays a load fills at once (the piece trie's block, the parsed
 * pieces). Touched page by page, each 4 KB page is a fault of ~10 us on our virtual machines,
 * more than the writes cost: from 256 KB on, the block is taken in transparent huge pages made
 * resident in one call (rounded up to 2 MB: a fault or two in all, at the price of up to 2 MB
 * more resident memory), or failing that populated in one call. */
#ifndef TJ_UTIL_BIGMEM_H
#define TJ_UTIL_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes, or NULL. *mapped gets the length to pass to tj_bigmem_free. */
void *tj_bigmem_zalloc(size_t n, size_t *mapped);
void tj_bigmem_free(void *p, size_t mapped);
/* Gives back the pages of the block p (mapped as from tj_bigmem_zalloc) past its first keep
 * bytes: a part used only while the block was filled, and the rounding to huge pages. They read
 * as zeros afterwards. Nothing for a calloc'd block. */
void tj_bigmem_trim(void *p, size_t mapped, size_t keep);

#endif
