/* SPDX-License-Identifier: MIT */
/* tj_translate: texts -> lines -> sentences -> pieces -> search -> text, rejoined with the
 * source's own spacing (bergamot's paragraph mode, spec §9) or line by line (marian-decoder). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/batch.h"
#include "decode/model.h"
#include "decode/options.h"
#include "decode/search.h"
#include "text/passthrough.h"
#include "tok/ssplit.h"
#include "tok/spm.h"
#include "util/error.h"
#include "util/utf8.h"

/* Bergamot cuts sentences into chunks of at most 127 pieces (max-length-break 128 minus EOS);
 * in line mode (marian-decoder) lines are kept whole up to Marian's max-length of 1000. */
#define TJ_PARAGRAPH_CHUNK 127
#define TJ_LINE_CHUNK 1000
/* Greedy jobs are decoded TJ_BATCH at a time (decode/batch.h): the decoder's products then run on
 * one row per sentence together, which reads each weight matrix once per step for the batch and
 * lets the int8 kernel use its 4-row blocks. A larger batch holds more sentences' encoder keys
 * and values at once (peak RSS) while the kernel gains nothing past a few rows;
 * docs/benchmarks.md. */
#define TJ_BATCH 16
/* ... and at most this many bytes of encoder keys and values (2 x decoder layers x dim-emb floats
 * per source token) in one batch: 16 long sentences of a base-size model held 14 MB at once per
 * thread, the largest part of the peak RSS, while a batch of a few long sentences still fills the
 * kernel's row blocks (basemem, 200 FLORES lines: the same CPU time with 4 MB as with none;
 * docs/benchmarks.md, "Load and memory"). The tiny shape (256 x 2 layers) never reaches it. */
#define TJ_BATCH_CTX_BYTES ((size_t)4 << 20)

/* One unit of decoding work: a chunk of a sentence. */
typedef struct job {
    size_t text;       /* which input text */
    size_t begin, end; /* byte range of the source it replaces (paragraph mode) */
    int *src;          /* piece ids + EOS */
    int len;
    char *out; /* detokenised translation */
} job;

typedef struct job_list {
    job *v;
    size_t n, cap;
} job_list;

static tj_status push_job(job_list *jl, job j, tj_error *err)
{
    if (jl->n == jl->cap) {
        size_t cap = jl->cap ? jl->cap * 2 : 64;
        job *nv = realloc(jl->v, cap * sizeof *nv);
        if (!nv) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        jl->v = nv;
        jl->cap = cap;
    }
    jl->v[jl->n++] = j;
    return TJ_OK;
}

/* Encodes text[begin..end) and appends chunk jobs; ranges are absolute offsets in the text. */
static tj_status add_sentence(const tj_model *m, size_t ti, const char *text, size_t begin,
                              size_t end, int chunk, job_list *jl, tj_error *err)
{
    if (!tj_text_translatable(text + begin, end - begin)) {
        /* Nothing to translate (digits, punctuation, emoji, URLs...): copied as it is. */
        job j = {ti, begin, end, NULL, 0, malloc(end - begin + 1)};
        if (!j.out) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        memcpy(j.out, text + begin, end - begin);
        j.out[end - begin] = '\0';
        tj_status st = push_job(jl, j, err);
        if (st) free(j.out);
        return st;
    }
    tj_piece *p = NULL;
    size_t n = 0;
    tj_status st = tj_model_encode(m, text + begin, end - begin, &p, &n, err);
    if (st) return st;
    /* A multi-target OPUS-MT model reads its target language from a first >>xxx<< token. */
    size_t pre = m->lang_tok >= 0 ? 1 : 0;
    for (size_t i = 0; i < n; i += (size_t)chunk) {
        size_t k = n - i < (size_t)chunk ? n - i : (size_t)chunk;
        job j = {ti, begin + p[i].begin, begin + p[i + k - 1].end, NULL, (int)(k + pre) + 1, NULL};
        j.src = malloc((k + pre + 1) * sizeof *j.src);
        if (!j.src) {
            free(p);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
        if (pre) j.src[0] = m->lang_tok;
        for (size_t q = 0; q < k; q++) j.src[pre + q] = p[i + q].id;
        j.src[k + pre] = m->eos_id;
        if ((st = push_job(jl, j, err))) {
            free(j.src);
            free(p);
            return st;
        }
    }
    free(p);
    return TJ_OK;
}

static tj_status plan_text(const tj_model *m, const tj_options *o, size_t ti, const char *text,
                           job_list *jl, tj_error *err)
{
    size_t len = strlen(text);
    size_t bad = tj_utf8_check(text, len);
    if (bad != len)
        return tj_fail(err, TJ_ERR_INPUT, "text %zu: invalid UTF-8 at byte offset %zu", ti + 1,
                       bad);
    tj_status st = TJ_OK;
    size_t ls = 0;
    while (ls <= len && st == TJ_OK) {
        const char *nl = memchr(text + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - text) : len;
        if (o->split == TJ_SPLIT_LINE) {
            if (le > ls) st = add_sentence(m, ti, text, ls, le, TJ_LINE_CHUNK, jl, err);
        } else if (le > ls) {
            tj_span *sp = NULL;
            size_t ns = 0;
            st = tj_ssplit(text + ls, le - ls, TJ_SSPLIT_DEFAULT, &sp, &ns, err);
            for (size_t s = 0; s < ns && st == TJ_OK; s++)
                st = add_sentence(m, ti, text, ls + sp[s].begin, ls + sp[s].end, TJ_PARAGRAPH_CHUNK,
                                  jl, err);
            free(sp);
        }
        if (!nl) break;
        ls = le + 1;
    }
    return st;
}

typedef struct worker_ctx {
    const tj_model *m;
    tj_search_opts so;
    job_list *jl;
    size_t *order;  /* greedy: the jobs to decode, shortest first; NULL: one job at a time */
    size_t n_order; /* entries in order */
    size_t *starts; /* greedy: batch i is order[starts[i] .. starts[i + 1]) */
    size_t n_batches;
    atomic_size_t next;
    pthread_mutex_t lock;
    tj_status status;
    tj_error err;
} worker_ctx;

static void record_failure(worker_ctx *w, tj_status st, const tj_error *err)
{
    pthread_mutex_lock(&w->lock);
    if (!w->status) {
        w->status = st;
        w->err = *err;
    }
    pthread_mutex_unlock(&w->lock);
}

/* Greedy: the batches w->starts cuts from w->order (jobs of similar length). Each sentence's
 * ids are what tj_search gives it alone (decode/batch.h), so the output does not depend on the
 * batch size, the thread count or which thread takes which batch. */
static void batch_worker(worker_ctx *w)
{
    const int *src[TJ_BATCH];
    int len[TJ_BATCH], *ids[TJ_BATCH], n_ids[TJ_BATCH];
    for (;;) {
        size_t bi = atomic_fetch_add(&w->next, 1);
        if (bi >= w->n_batches) break;
        size_t b = w->starts[bi], n = w->starts[bi + 1] - b;
        for (size_t k = 0; k < n; k++) {
            const job *j = &w->jl->v[w->order[b + k]];
            src[k] = j->src;
            len[k] = j->len;
        }
        tj_error err;
        tj_error_clear(&err);
        tj_status st = tj_search_batch(w->m, &w->so, src, len, n, ids, n_ids, &err);
        for (size_t k = 0; k < n; k++) {
            if (!st)
                st = tj_model_decode(w->m, ids[k], (size_t)n_ids[k], &w->jl->v[w->order[b + k]].out,
                                     &err);
            free(ids[k]);
        }
        if (st) {
            record_failure(w, st, &err);
            atomic_store(&w->next, w->n_batches); /* stop the others early */
            break;
        }
    }
}

static void *worker(void *arg)
{
    worker_ctx *w = arg;
    if (w->order) {
        batch_worker(w);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->jl->n) break;
        job *j = &w->jl->v[i];
        if (!j->src) continue; /* passed through */
        tj_error err;
        tj_error_clear(&err);
        int *ids = NULL, n = 0;
        tj_status st = tj_search(w->m, &w->so, j->src, j->len, &ids, &n, &err);
        if (!st) st = tj_model_decode(w->m, ids, (size_t)n, &j->out, &err);
        free(ids);
        if (st) {
            record_failure(w, st, &err);
            atomic_store(&w->next, w->jl->n); /* stop the others early */
            break;
        }
    }
    return NULL;
}

static int thread_count(const tj_options *o, size_t jobs)
{
    long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > TJ_MAX_THREADS) n = TJ_MAX_THREADS;
    if ((size_t)n > jobs) n = (long)(jobs ? jobs : 1);
    return (int)n;
}

typedef struct by_len {
    int len;
    size_t job;
} by_len;

/* Longest first (so the last batches taken are the short ones and threads finish together),
 * then input position: a total order, so the batches do not depend on qsort. */
static int cmp_len(const void *a, const void *b)
{
    const by_len *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->job < y->job ? -1 : x->job > y->job;
}

static tj_status run_jobs(const tj_model *m, const tj_options *o, job_list *jl, tj_error *err)
{
    worker_ctx w;
    w.m = m;
    w.so = (tj_search_opts){o->beam_size,     o->normalize, o->max_length_factor,
                            o->use_shortlist, NULL,         0};
    w.jl = jl;
    w.order = NULL;
    w.n_order = 0;
    w.starts = NULL;
    w.n_batches = 0;
    atomic_init(&w.next, 0);
    int nt = thread_count(o, jl->n);
    if (o->beam_size == 1 && jl->n > 1) {
        /* Greedy: the jobs to decode, by length, so that the sentences of a batch finish at
         * about the same step and the batch stays full. */
        by_len *bl = malloc(jl->n * sizeof *bl);
        int *lens = malloc(jl->n * sizeof *lens);
        w.order = malloc(jl->n * sizeof *w.order);
        w.starts = malloc((jl->n + 1) * sizeof *w.starts);
        if (!bl || !lens || !w.order || !w.starts) {
            free(bl), free(lens), free(w.order), free(w.starts);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < jl->n; i++)
            if (jl->v[i].src) bl[w.n_order++] = (by_len){jl->v[i].len, i};
        qsort(bl, w.n_order, sizeof *bl, cmp_len);
        for (size_t i = 0; i < w.n_order; i++) w.order[i] = bl[i].job, lens[i] = bl[i].len;
        free(bl);
        /* Batches no larger than a thread's share, so that every thread gets work. */
        size_t share = (w.n_order + (size_t)nt - 1) / (size_t)nt;
        size_t batch = share < TJ_BATCH ? (share ? share : 1) : TJ_BATCH;
        size_t per_token = 2 * (size_t)m->dec_depth * (size_t)m->d * sizeof(float);
        w.n_batches =
            tj_batch_cut(lens, w.n_order, batch, TJ_BATCH_CTX_BYTES / per_token, w.starts);
        free(lens);
    }
    pthread_mutex_init(&w.lock, NULL);
    w.status = TJ_OK;
    tj_error_clear(&w.err);
    pthread_t th[TJ_MAX_THREADS];
    int started = 0;
    for (int i = 1; i < nt; i++) {
        if (pthread_create(&th[started], NULL, worker, &w) != 0) break;
        started++;
    }
    worker(&w);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&w.lock);
    free(w.order);
    free(w.starts);
    if (w.status) {
        if (err) *err = w.err;
        return w.status;
    }
    return TJ_OK;
}

/* Builds text i's translation from its jobs (which are contiguous and in order). */
static tj_status assemble(const tj_options *o, const char *text, const job *jobs, size_t nj,
                          char **out, tj_error *err)
{
    size_t len = strlen(text);
    size_t cap = len + 1;
    for (size_t k = 0; k < nj; k++) cap += strlen(jobs[k].out);
    char *buf = malloc(cap + 1);
    if (!buf) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t n = 0, pos = 0, k = 0;
    if (o->split == TJ_SPLIT_LINE) {
        /* One output line per input line; the chunks of a line are concatenated. */
        size_t ls = 0;
        for (;;) {
            const char *nl = memchr(text + ls, '\n', len - ls);
            size_t le = nl ? (size_t)(nl - text) : len;
            while (k < nj && jobs[k].begin < le + (nl ? 1 : 0) && jobs[k].begin >= ls) {
                size_t l = strlen(jobs[k].out);
                memcpy(buf + n, jobs[k].out, l);
                n += l;
                k++;
            }
            if (!nl) break;
            buf[n++] = '\n';
            ls = le + 1;
        }
    } else {
        for (k = 0; k < nj; k++) {
            memcpy(buf + n, text + pos, jobs[k].begin - pos);
            n += jobs[k].begin - pos;
            size_t l = strlen(jobs[k].out);
            memcpy(buf + n, jobs[k].out, l);
            n += l;
            pos = jobs[k].end;
        }
        memcpy(buf + n, text + pos, len - pos);
        n += len - pos;
    }
    buf[n] = '\0';
    *out = buf;
    return TJ_OK;
}

tj_status tj_translate(const tj_model *m, const tj_options *opt, const char *const *texts, size_t n,
                       char **out, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!m || (n && (!texts || !out)))
        return tj_fail(err, TJ_ERR_ARG, "tj_translate: NULL argument");
    tj_options o;
    tj_status st = tj_options_take(opt, &o, err);
    if (st) return st;
    for (size_t i = 0; i < n; i++) out[i] = NULL;
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return tj_fail(err, TJ_ERR_ARG, "text %zu is NULL", i + 1);

    job_list jl = {0};
    for (size_t i = 0; i < n && !st; i++) st = plan_text(m, &o, i, texts[i], &jl, err);
    if (!st) st = run_jobs(m, &o, &jl, err);
    size_t k = 0;
    for (size_t i = 0; i < n && !st; i++) {
        size_t k0 = k;
        while (k < jl.n && jl.v[k].text == i) k++;
        st = assemble(&o, texts[i], jl.v + k0, k - k0, &out[i], err);
    }
    for (size_t j = 0; j < jl.n; j++) {
        free(jl.v[j].src);
        free(jl.v[j].out);
    }
    free(jl.v);
    if (st)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
        }
    return st;
}
