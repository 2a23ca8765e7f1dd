/* SPDX-License-Identifier: MIT */
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG ((size_t)256 << 10) /* smaller blocks: calloc, whose few faults cost little */
#define HUGE ((size_t)2 << 20)  /* one transparent huge page */

#ifdef MAP_POPULATE
#define POPULATE MAP_POPULATE
#else
#define POPULATE 0
#endif

#if defined(MADV_HUGEPAGE) && defined(MADV_POPULATE_WRITE)
/* len bytes (a multiple of HUGE) at a HUGE boundary, in huge pages where the system gives them
 * (THP "madvise" or "always"), resident; NULL when refused. The kernel only aligns a mapping
 * whose length is a multiple of HUGE, and not every version does, so one HUGE more is mapped
 * and the ends trimmed. */
static void *huge_map(size_t len)
{
    char *a = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) return NULL;
    size_t head = (HUGE - (uintptr_t)a % HUGE) % HUGE;
    if (head) munmap(a, head);
    munmap(a + head + len, HUGE - head);
    a += head;
    if (madvise(a, len, MADV_HUGEPAGE) == 0 && madvise(a, len, MADV_POPULATE_WRITE) == 0) return a;
    munmap(a, len);
    return NULL;
}
#endif

void *tj_bigmem_zalloc(size_t n, size_t *mapped)
{
    *mapped = 0;
    if (n >= BIG && n <= SIZE_MAX - 2 * HUGE) {
#if defined(MADV_HUGEPAGE) && defined(MADV_POPULATE_WRITE)
        size_t len = (n + HUGE - 1) / HUGE * HUGE;
        void *h = huge_map(len);
        if (h) {
            *mapped = len;
            return h;
        }
#endif
        void *a =
            mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | POPULATE, -1, 0);
        if (a != MAP_FAILED) {
            *mapped = n;
            return a;
        }
    }
    return calloc(n ? n : 1, 1);
}

void tj_bigmem_free(void *p, size_t mapped)
{
    if (mapped)
        munmap(p, mapped);
    else
        free(p);
}

void tj_bigmem_trim(void *p, size_t mapped, size_t keep)
{
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t lo = ((uintptr_t)p + keep + page - 1) & ~(page - 1), hi = (uintptr_t)p + mapped;
    if (mapped && keep < mapped && hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
