/* SPDX-License-Identifier: MIT */
/* Allocation-failure harness (SQLite's approach): makes the Nth allocation fail, for every N from
 * 1 to the number of allocations the operation makes, and checks that the library returns
 * TJ_ERR_NOMEM (or copes and succeeds), releases everything, and does not crash. Operations:
 * tj_model_open on the starter model models/ar-en, and tj_translate of a short sentence with it.
 *
 * The library's malloc, calloc, realloc, aligned_alloc and strdup calls are redirected here at
 * link time (-Wl,--wrap=..., tests/fuzz/CMakeLists.txt), so the library itself is unchanged.
 * Allocations inside libc, zlib and zstd are not counted. Leaks: the wrapped calls (and free)
 * keep a count of live blocks, which must return to where it was after each run (the library
 * frees nothing it did not get from these calls); under ASan, LeakSanitizer checks at exit too.
 *   oom [open|translate]...   (default: both); $TJ_OOM_STRIDE=K tries every Kth N only. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tarjama.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);

static atomic_long calls;   /* allocations counted since arming */
static atomic_long fail_at; /* 0 = never fail, else fail call number fail_at */
static atomic_int failed;   /* the injected failure happened */
static atomic_long live;    /* blocks from the wrapped calls not yet freed */

static int inject(void)
{
    long at = atomic_load(&fail_at);
    if (at == 0) {
        atomic_fetch_add(&calls, 1);
        return 0;
    }
    if (atomic_fetch_add(&calls, 1) + 1 == at) {
        atomic_store(&failed, 1);
        return 1;
    }
    return 0;
}

static void *counted(void *p)
{
    if (p) atomic_fetch_add(&live, 1);
    return p;
}

void *__wrap_malloc(size_t n)
{
    return inject() ? NULL : counted(__real_malloc(n));
}

void *__wrap_calloc(size_t k, size_t n)
{
    return inject() ? NULL : counted(__real_calloc(k, n));
}

void *__wrap_realloc(void *p, size_t n)
{
    if (inject()) return NULL;
    void *q = __real_realloc(p, n);
    return p ? q : counted(q); /* resizing keeps the count; realloc(NULL, n) is a malloc */
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    return inject() ? NULL : counted(__real_aligned_alloc(a, n));
}

char *__wrap_strdup(const char *s)
{
    return inject() ? NULL : counted(__real_strdup(s));
}

void __wrap_free(void *p)
{
    if (p) atomic_fetch_sub(&live, 1);
    __real_free(p);
}

static long current_n;
static const char *current_op = "";

static void on_crash(int sig)
{
    char msg[128];
    int len =
        snprintf(msg, sizeof msg, "oom: CRASH (signal %d) in %s with allocation %ld failing\n", sig,
                 current_op, current_n);
    if (len > 0) (void)!write(2, msg, (size_t)len);
    signal(sig, SIG_DFL);
    raise(sig);
}

static const char *model_dir(void)
{
    const char *d = getenv("TJ_OOM_MODEL");
    return d && *d ? d : TJ_SOURCE_DIR "/models/ar-en";
}

/* One run of the operation; returns its status. The model for `translate` is opened outside the
 * counted window. */
static tj_status op_open(const tj_model *unused, tj_error *err)
{
    (void)unused;
    tj_model *m = NULL;
    tj_status st = tj_model_open(model_dir(), &m, err);
    if (st == TJ_OK)
        tj_model_close(m);
    else if (m) {
        fprintf(stderr, "oom: tj_model_open failed but left a model\n");
        return (tj_status)-1;
    }
    return st;
}

static tj_status translate_with(const tj_model *m, const tj_options *o, tj_error *err)
{
    static const char *const texts[] = {"وصل الرئيس إلى القاهرة صباح اليوم. وقال إنه سعيد.",
                                        "شكرا"};
    char *out[2] = {(char *)1, (char *)1};
    tj_status st = tj_translate(m, o, texts, 2, out, err);
    if (st == TJ_OK) {
        tj_free(out[0]);
        tj_free(out[1]);
    } else if (out[0] != NULL || out[1] != NULL) {
        fprintf(stderr, "oom: tj_translate failed but left an output\n");
        return (tj_status)-1;
    }
    return st;
}

/* Firefox's settings: greedy, shortlist, paragraph splitting. */
static tj_status op_translate(const tj_model *m, tj_error *err)
{
    tj_options o;
    tj_options_default(&o);
    o.threads = 1; /* the allocation order must be the same on every run */
    return translate_with(m, &o, err);
}

/* The other search and output-layer paths: beam 4, full vocabulary, one sentence per line. */
static tj_status op_translate_beam(const tj_model *m, tj_error *err)
{
    tj_options o;
    tj_options_default(&o);
    o.threads = 1;
    o.beam_size = 4;
    o.use_shortlist = 0;
    o.split = TJ_SPLIT_LINE;
    return translate_with(m, &o, err);
}

static int run(const char *name, tj_status (*op)(const tj_model *, tj_error *), const tj_model *m)
{
    tj_error err;
    current_op = name;
    /* A first run warms one-time state (stdio, locale), a second counts the allocations. */
    if (op(m, &err) != TJ_OK) {
        fprintf(stderr, "oom: %s fails even without injected failures: %s\n", name, err.message);
        return 1;
    }
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    long base = atomic_load(&live);
    if (op(m, &err) != TJ_OK) return 1;
    if (atomic_load(&live) != base) {
        fprintf(stderr, "oom: %s leaks %ld blocks even without injected failures\n", name,
                atomic_load(&live) - base);
        return 1;
    }
    long total = atomic_load(&calls);
    long stride = getenv("TJ_OOM_STRIDE") ? atol(getenv("TJ_OOM_STRIDE")) : 1;
    if (stride < 1) stride = 1;
    int bad = 0;
    long tried = 0, nomem = 0, ok = 0, leaks = 0;
    for (long n = 1; n <= total; n += stride) {
        current_n = n;
        atomic_store(&calls, 0);
        atomic_store(&failed, 0);
        atomic_store(&fail_at, n);
        memset(&err, 0, sizeof err);
        tj_status st = op(m, &err);
        atomic_store(&fail_at, 0);
        tried++;
        if (st == TJ_ERR_NOMEM)
            nomem++;
        else if (st == TJ_OK)
            ok++;
        else {
            fprintf(stderr, "oom: %s with allocation %ld of %ld failing: status %d (%s), want %d\n",
                    name, n, total, (int)st, err.message, (int)TJ_ERR_NOMEM);
            bad++;
        }
        long lost = atomic_load(&live) - base;
        if (lost != 0) {
            fprintf(stderr, "oom: %s with allocation %ld of %ld failing leaks %ld blocks\n", name,
                    n, total, lost);
            leaks++;
            bad++;
            base = atomic_load(&live); /* report each leak once */
        }
        if (bad > 20) break;
    }
    printf("oom: %s: %ld allocations, %ld failure points tried: %ld TJ_ERR_NOMEM, %ld succeeded "
           "anyway, %ld wrong statuses, %ld leaks, 0 crashes\n",
           name, total, tried, nomem, ok, bad - leaks, leaks);
    return bad != 0;
}

int main(int argc, char **argv)
{
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    int want_open = argc < 2, want_tr = argc < 2;
    for (int i = 1; i < argc; i++) {
        want_open |= strcmp(argv[i], "open") == 0;
        want_tr |= strcmp(argv[i], "translate") == 0;
    }
    if (access(model_dir(), R_OK) != 0) {
        printf("skipped: %s not found\n", model_dir());
        return 77;
    }
    int bad = 0;
    if (want_open) bad |= run("tj_model_open", op_open, NULL);
    if (want_tr) {
        tj_model *m;
        tj_error err;
        if (tj_model_open(model_dir(), &m, &err) != TJ_OK) {
            fprintf(stderr, "oom: cannot open %s: %s\n", model_dir(), err.message);
            return 1;
        }
        bad |= run("tj_translate", op_translate, m);
        bad |= run("tj_translate (beam 4, no shortlist, line split)", op_translate_beam, m);
        tj_model_close(m);
    }
    return bad;
}
