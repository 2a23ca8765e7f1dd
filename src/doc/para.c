/* SPDX-License-Identifier: MIT */
/* Paragraphs of a document translated sentence by sentence, with what tag placement and quality
 * flags need: each token's bytes on both sides, the soft alignment and the log-probabilities
 * (a forced decode of the output, decode/align.h). The sentences are cut and translated exactly
 * as tj_translate's paragraph mode does (same splitter, same 127-piece chunks, same search), so a
 * document's text translates as the same text would. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/align.h"
#include "decode/model.h"
#include "decode/search.h"
#include "doc/doc.h"
#include "text/passthrough.h"
#include "tok/spm.h"
#include "tok/ssplit.h"
#include "util/error.h"

#define CHUNK 127       /* as translate.c: bergamot's max-length-break 128 minus EOS */
#define LINE_CHUNK 1000 /* as translate.c in line mode: Marian's max-length */
#define GROUP 4         /* units a worker takes at a time */
#define MAX_THREADS 64

typedef struct unit {
    size_t para;
    size_t begin, end; /* bytes of the paragraph */
    tj_piece *pieces;  /* n pieces (NULL: copied) */
    int n;
    int *src;  /* ids + EOS */
    int *ids;  /* output ids */
    int n_ids; /* EOS included when produced */
    char *out;
    tj_doc_sent s;
    int need_align;      /* holds a glossary term: alignments whatever want says */
    tj_constraint *cons; /* constrained glossary mode: the terms inside this unit */
    int n_cons;
    int *cons_ids; /* the pieces cons[] point into */
} unit;

typedef struct units {
    unit *v;
    size_t n, cap;
} units;

static tj_status push(units *u, const unit *x, tj_error *err)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 64;
        unit *nv = realloc(u->v, cap * sizeof *nv);
        if (!nv) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        u->v = nv, u->cap = cap;
    }
    u->v[u->n++] = *x;
    return TJ_OK;
}

static void unit_free(unit *x)
{
    free(x->pieces);
    free(x->src);
    free(x->ids);
    free(x->out);
    free(x->s.src_tok);
    free(x->s.trg_tok);
    free(x->s.attn);
    free(x->s.align);
    free(x->cons);
    free(x->cons_ids);
}

static tj_status plan(const tj_model *m, tj_split split, size_t pi, const char *text, size_t len,
                      units *u, tj_error *err)
{
    /* The splitter takes one line: white space of any kind counts as a space here. */
    char *flat = malloc(len + 1);
    if (!flat) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < len; i++)
        flat[i] = (text[i] == '\n' || text[i] == '\r' || text[i] == '\t' || text[i] == '\f' ||
                   text[i] == '\v')
                      ? ' '
                      : text[i];
    flat[len] = '\0';
    tj_span *sp = NULL;
    size_t ns = 0;
    tj_status st = TJ_OK;
    size_t chunk = CHUNK;
    if (split == TJ_SPLIT_LINE) {
        /* marian-decoder's way, as translate.c: the line is one sentence, cut at 1000 pieces */
        chunk = LINE_CHUNK;
        if (len && (sp = malloc(sizeof *sp))) sp[0] = (tj_span){0, len}, ns = 1;
        if (len && !sp) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    } else {
        st = tj_ssplit(flat, len, TJ_SSPLIT_DEFAULT, &sp, &ns, err);
    }
    for (size_t k = 0; k < ns && !st; k++) {
        size_t b = sp[k].begin, e = sp[k].end;
        unit x;
        memset(&x, 0, sizeof x);
        x.para = pi;
        if (!tj_text_translatable(flat + b, e - b)) {
            x.begin = b, x.end = e;
            st = push(u, &x, err);
            continue;
        }
        tj_piece *p = NULL;
        size_t np = 0;
        if (m->lang_tok >= 0) {
            /* The piece alignment below assumes the source is the sentence's pieces alone. */
            st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                         "documents with a target-language token (>>xxx<<) are not supported yet; "
                         "translate plain text");
            break;
        }
        if ((st = tj_model_encode(m, flat + b, e - b, &p, &np, err))) break;
        for (size_t i = 0; i < np && !st; i += chunk) {
            size_t k2 = np - i < chunk ? np - i : chunk;
            memset(&x, 0, sizeof x);
            x.para = pi;
            x.begin = b + p[i].begin, x.end = b + p[i + k2 - 1].end;
            x.n = (int)k2;
            x.pieces = malloc(k2 * sizeof *x.pieces);
            x.src = malloc((k2 + 1) * sizeof *x.src);
            if (!x.pieces || !x.src) {
                free(x.pieces), free(x.src);
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t q = 0; q < k2; q++) {
                x.pieces[q] = p[i + q];
                x.pieces[q].begin += b, x.pieces[q].end += b;
                x.src[q] = p[i + q].id;
            }
            x.src[k2] = m->eos_id;
            if ((st = push(u, &x, err))) free(x.pieces), free(x.src);
        }
        free(p);
    }
    free(sp);
    free(flat);
    return st;
}

/* Each output token's bytes in the decoded text, from the lengths of the decoded prefixes: a
 * prefix that does not decode to a prefix of the whole (a UTF-8 character cut between byte
 * pieces) gives its token no bytes, and the next token takes them. */
static tj_status token_bytes(const tj_model *m, unit *x, tj_error *err)
{
    int T = x->s.n_trg;
    size_t len = strlen(x->out), prev = 0;
    x->s.trg_tok = malloc(((size_t)T + 1) * 2 * sizeof(size_t));
    if (!x->s.trg_tok) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (int t = 0; t < T; t++) {
        char *pre = NULL;
        tj_status st = tj_model_decode(m, x->ids, (size_t)t + 1, &pre, err);
        if (st) return st;
        size_t pl = strlen(pre);
        size_t end = prev;
        if (pl >= prev && pl <= len && memcmp(pre, x->out, pl) == 0) end = pl;
        if (t == T - 1) end = len;
        free(pre);
        size_t b = prev;
        while (b < end && (x->out[b] == ' ')) b++;
        x->s.trg_tok[2 * t] = b;
        x->s.trg_tok[2 * t + 1] = end;
        prev = end;
    }
    return TJ_OK;
}

typedef struct work {
    const tj_model *m;
    tj_search_opts so;
    int want;
    units *u;
    size_t *todo; /* indices of units to translate */
    size_t ntodo;
    atomic_size_t next;
    pthread_mutex_t lock;
    tj_status status;
    tj_error err;
} work;

static tj_status finish_unit(const tj_model *m, int want, unit *x, tj_error *err)
{
    tj_status st = tj_model_decode(m, x->ids, (size_t)x->n_ids, &x->out, err);
    if (st) return st;
    int T = x->n_ids, S = x->n + 1;
    int has_eos = T > 0 && x->ids[T - 1] == m->eos_id;
    x->s.n_src = x->n;
    x->s.n_trg = has_eos ? T - 1 : T;
    if (!want && !x->need_align) return TJ_OK;
    x->s.src_tok = malloc(((size_t)x->n + 1) * 2 * sizeof(size_t));
    x->s.attn = malloc(((size_t)T + 1) * (size_t)S * sizeof(float));
    x->s.align = malloc(((size_t)T + 1) * sizeof(int));
    float *lp = malloc(((size_t)T + 1) * sizeof(float));
    if (!x->s.src_tok || !x->s.attn || !x->s.align || !lp) {
        free(lp);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < x->n; i++) {
        size_t b = x->pieces[i].begin, e = x->pieces[i].end;
        x->s.src_tok[2 * i] = b, x->s.src_tok[2 * i + 1] = e;
    }
    if ((st = tj_force_decode(m, x->src, S, x->ids, T, x->s.attn, lp, err))) {
        free(lp);
        return st;
    }
    double sum = 0;
    for (int t = 0; t < T; t++) sum += lp[t];
    x->s.logprob = T ? (float)(sum / T) : 0.0f;
    free(lp);
    if (T > 0 && x->s.attn[0] == 0 && x->s.attn[S - 1] == 0) {
        /* no attention from this model (see decode/align.h): no alignment, and markup falls
         * back to whole sentences (doc/inline.c) */
        free(x->s.align);
        x->s.align = NULL;
        return token_bytes(m, x, err);
    }
    for (int t = 0; t < x->s.n_trg; t++) {
        /* The source EOS is left out: it soaks up attention without being a word. */
        int best = 0;
        const float *a = x->s.attn + (size_t)t * S;
        for (int s = 1; s < x->n; s++)
            if (a[s] > a[best]) best = s;
        x->s.align[t] = x->n ? best : -1;
    }
    return token_bytes(m, x, err);
}

static void *worker(void *arg)
{
    work *w = arg;
    for (;;) {
        size_t g = atomic_fetch_add(&w->next, GROUP);
        if (g >= w->ntodo) break;
        size_t k = w->ntodo - g < GROUP ? w->ntodo - g : GROUP;
        tj_error err;
        tj_error_clear(&err);
        tj_status st = TJ_OK;
        for (size_t i = 0; i < k && !st; i++) {
            unit *x = &w->u->v[w->todo[g + i]];
            tj_search_opts so = w->so;
            so.cons = x->cons, so.n_cons = x->n_cons;
            st = tj_search(w->m, &so, x->src, x->n + 1, &x->ids, &x->n_ids, &err);
            if (!st) st = finish_unit(w->m, w->want, x, &err);
        }
        if (st) {
            pthread_mutex_lock(&w->lock);
            if (!w->status) w->status = st, w->err = err;
            pthread_mutex_unlock(&w->lock);
            atomic_store(&w->next, w->ntodo);
            break;
        }
    }
    return NULL;
}

static tj_status run(const tj_model *m, const tj_options *o, int want, units *u, tj_error *err)
{
    work w;
    memset(&w, 0, sizeof w);
    w.m = m;
    w.so = (tj_search_opts){o->beam_size,     o->normalize, o->max_length_factor,
                            o->use_shortlist, NULL,         0};
    w.want = want;
    w.u = u;
    w.todo = malloc((u->n + 1) * sizeof *w.todo);
    if (!w.todo) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < u->n; i++)
        if (u->v[i].src) w.todo[w.ntodo++] = i;
    atomic_init(&w.next, 0);
    pthread_mutex_init(&w.lock, NULL);
    long nt = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    long groups = (long)((w.ntodo + GROUP - 1) / GROUP);
    if (nt > groups) nt = groups;
    if (nt > MAX_THREADS) nt = MAX_THREADS;
    if (nt < 1) nt = 1;
    pthread_t th[MAX_THREADS];
    int started = 0;
    for (long i = 1; i < nt; i++)
        if (pthread_create(&th[started], NULL, worker, &w) == 0) started++;
    worker(&w);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&w.lock);
    free(w.todo);
    if (w.status) {
        if (err) *err = w.err;
        return w.status;
    }
    return TJ_OK;
}

void tj_doc_para_free(tj_doc_para *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->ns; i++) {
        free(p->s[i].src_tok);
        free(p->s[i].trg_tok);
        free(p->s[i].attn);
        free(p->s[i].align);
    }
    free(p->s);
    free(p->out);
    memset(p, 0, sizeof *p);
}

/* Joins paragraph pi's units into its translation, with the source's bytes between them. */
static tj_status assemble(const char *text, size_t len, unit *v, size_t nv, tj_doc_para *p,
                          tj_error *err)
{
    size_t cap = len + 1;
    for (size_t k = 0; k < nv; k++) cap += v[k].out ? strlen(v[k].out) : 0;
    p->out = malloc(cap);
    p->s = calloc(nv ? nv : 1, sizeof *p->s);
    if (!p->out || !p->s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t n = 0, pos = 0;
    for (size_t k = 0; k < nv; k++) {
        unit *x = &v[k];
        memcpy(p->out + n, text + pos, x->begin - pos);
        n += x->begin - pos;
        tj_doc_sent *s = &p->s[p->ns++];
        *s = x->s;
        memset(&x->s, 0, sizeof x->s);
        s->src_begin = x->begin, s->src_end = x->end;
        s->trg_begin = n;
        if (x->out) {
            size_t l = strlen(x->out);
            memcpy(p->out + n, x->out, l);
            if (s->trg_tok)
                for (int t = 0; t < 2 * s->n_trg; t++) s->trg_tok[t] += n;
            n += l;
        } else {
            memcpy(p->out + n, text + x->begin, x->end - x->begin);
            n += x->end - x->begin;
        }
        s->trg_end = n;
        pos = x->end;
    }
    memcpy(p->out + n, text + pos, len - pos);
    n += len - pos;
    p->out[n] = '\0';
    p->out_len = n;
    return TJ_OK;
}

/* Constrained mode: the target pieces of each glossary term found in this call, encoded once. */
typedef struct term_ids {
    int *ids;
    int n;
    int seen;
} term_ids;

static void term_ids_free(term_ids *e, size_t ng)
{
    for (size_t i = 0; e && i < ng; i++) free(e[i].ids);
    free(e);
}

/* Encodes the target of every term occurrence's entry (once per entry) into enc[entry], and marks
 * the occurrences whose target the target vocabulary cannot write (a piece of it is <unk>:
 * forced, it would come out as "⁇" and the term would be lost): those are placed by alignment,
 * which pastes the term's own text. */
static tj_status encode_terms(const tj_model *m, const tj_glossary *g, tj_doc_term *const *terms,
                              const size_t *nterms, size_t n, term_ids **out, tj_error *err)
{
    size_t ng = tj_glossary_size(g);
    term_ids *enc = calloc(ng ? ng : 1, sizeof *enc);
    if (!enc) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st = TJ_OK;
    for (size_t i = 0; i < n && !st; i++)
        for (size_t j = 0; j < nterms[i] && !st; j++) {
            tj_doc_term *t = &terms[i][j];
            if (t->term < 0 || (size_t)t->term >= ng) {
                t->no_cons = 1;
                continue;
            }
            term_ids *e = &enc[t->term];
            int unwritable = 0;
            if (!e->seen) {
                const char *trg = tj_glossary_target(g, t->term);
                tj_piece *pc = NULL;
                size_t np = 0;
                if ((st = tj_model_encode_target(m, trg, strlen(trg), &pc, &np, err))) break;
                if (!(e->ids = malloc((np + 1) * sizeof *e->ids))) {
                    free(pc);
                    st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                    break;
                }
                for (size_t q = 0; q < np; q++) e->ids[q] = pc[q].id;
                e->n = (int)np, e->seen = 1;
                free(pc);
            }
            for (int q = 0; q < e->n; q++) unwritable |= e->ids[q] == m->unk_id;
            t->no_cons = unwritable;
        }
    if (st) {
        term_ids_free(enc, ng);
        return st;
    }
    *out = enc;
    return TJ_OK;
}

/* The glossary terms of each paragraph (terms[i][0..nterms[i])): their units get alignments, and
 * in constrained mode each term lying inside one unit becomes a constraint of that unit, with
 * the pieces enc holds for it. */
static tj_status plan_terms(const tj_doc_gloss *gl, const term_ids *enc, units *u,
                            tj_doc_term *const *terms, const size_t *nterms, tj_error *err)
{
    for (size_t k = 0; k < u->n; k++) {
        unit *x = &u->v[k];
        const tj_doc_term *t = terms[x->para];
        size_t nt = nterms[x->para], nin = 0, tot = 0;
        for (size_t j = 0; j < nt; j++) {
            int inside = x->src && !t[j].no_cons && t[j].begin >= x->begin && t[j].end <= x->end;
            /* alignments place terms; a constrained term needs none */
            if (t[j].begin < x->end && t[j].end > x->begin &&
                (gl->mode != TJ_GLOSSARY_CONSTRAIN || !inside))
                x->need_align = 1;
            nin += inside;
            if (inside && gl->mode == TJ_GLOSSARY_CONSTRAIN) tot += (size_t)enc[t[j].term].n;
        }
        if (gl->mode != TJ_GLOSSARY_CONSTRAIN || !nin) continue;
        x->cons = calloc(nin, sizeof *x->cons);
        x->cons_ids = malloc((tot + 1) * sizeof *x->cons_ids);
        if (!x->cons || !x->cons_ids) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        for (size_t j = 0, c = 0, at = 0; j < nt; j++) {
            if (!x->src || t[j].no_cons || !(t[j].begin >= x->begin && t[j].end <= x->end))
                continue;
            const term_ids *e = &enc[t[j].term];
            if (e->n) memcpy(x->cons_ids + at, e->ids, (size_t)e->n * sizeof *e->ids);
            int sb = -1, se = -1; /* the source pieces overlapping the term */
            for (int q = 0; q < x->n; q++)
                if (x->pieces[q].begin < t[j].end && x->pieces[q].end > t[j].begin) {
                    if (sb < 0) sb = q;
                    se = q + 1;
                }
            x->cons[c++] =
                (tj_constraint){x->cons_ids + at, e->n, sb < 0 ? 0 : sb, se < 0 ? 0 : se};
            at += (size_t)e->n;
        }
        x->n_cons = (int)nin;
    }
    return TJ_OK;
}

/* Whether ids[0..n) holds c's pieces in a row. */
static int holds(const int *ids, int n, const tj_constraint *c)
{
    for (int i = 0; i + c->n <= n; i++)
        if (!memcmp(ids + i, c->ids, (size_t)c->n * sizeof *ids)) return 1;
    return c->n == 0;
}

tj_status tj_doc_translate_paras_g(const tj_model *m, const tj_options *o, const tj_doc_gloss *gl,
                                   const char *const *texts, const size_t *lens, size_t n, int want,
                                   tj_doc_para *out, tj_error *err)
{
    tj_options def;
    if (!o) tj_options_default(&def), o = &def;
    for (size_t i = 0; i < n; i++) memset(&out[i], 0, sizeof out[i]);
    if (gl && !tj_glossary_size(gl->g)) gl = NULL;
    units u = {0};
    tj_status st = TJ_OK;
    tj_doc_term **terms = gl ? calloc(n ? n : 1, sizeof *terms) : NULL;
    size_t *nterms = gl ? calloc(n ? n : 1, sizeof *nterms) : NULL;
    if (gl && (!terms || !nterms)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) st = plan(m, o->split, i, texts[i], lens[i], &u, err);
    for (size_t i = 0; gl && i < n && !st; i++)
        st = tj_glossary_find(gl->g, texts[i], lens[i], &terms[i], &nterms[i], err);
    term_ids *enc = NULL;
    if (gl && gl->mode == TJ_GLOSSARY_CONSTRAIN && !st)
        st = encode_terms(m, gl->g, terms, nterms, n, &enc, err);
    if (gl && !st) st = plan_terms(gl, enc, &u, terms, nterms, err);
    if (enc) term_ids_free(enc, tj_glossary_size(gl->g));
    if (!st) st = run(m, o, want, &u, err);
    size_t k = 0;
    tj_doc_term *left = NULL;
    for (size_t i = 0; i < n && !st; i++) {
        size_t k0 = k;
        while (k < u.n && u.v[k].para == i) k++;
        if (gl && gl->counts) gl->counts->found += nterms[i];
        /* constrained mode: the constraints that held; a term no unit took whole (copied text,
         * a chunk boundary inside it) is placed by alignment instead */
        size_t nleft = gl ? nterms[i] : 0;
        if (gl && gl->mode == TJ_GLOSSARY_CONSTRAIN && nterms[i]) {
            left = malloc(nterms[i] * sizeof *left);
            if (!left) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            nleft = 0;
            for (size_t j = 0; j < nterms[i]; j++) {
                const tj_doc_term *t = &terms[i][j];
                int taken = 0;
                for (size_t q = k0; q < k && !taken; q++)
                    taken = !t->no_cons && u.v[q].src && t->begin >= u.v[q].begin &&
                            t->end <= u.v[q].end;
                if (!taken) left[nleft++] = *t;
            }
            for (size_t q = k0; q < k && gl->counts; q++)
                for (int c = 0; c < u.v[q].n_cons; c++) {
                    if (holds(u.v[q].ids, u.v[q].n_ids, &u.v[q].cons[c]))
                        gl->counts->forced++;
                    else
                        gl->counts->missing++;
                }
        }
        st = assemble(texts[i], lens[i], u.v + k0, k - k0, &out[i], err);
        if (!st && nleft)
            st = tj_glossary_apply(gl->g, texts[i], lens[i], left ? left : terms[i], nleft, &out[i],
                                   gl->counts, err);
        free(left);
        left = NULL;
    }
    for (size_t j = 0; j < u.n; j++) unit_free(&u.v[j]);
    free(u.v);
    for (size_t i = 0; terms && i < n; i++) free(terms[i]);
    free(terms), free(nterms);
    if (st)
        for (size_t i = 0; i < n; i++) tj_doc_para_free(&out[i]);
    return st;
}

tj_status tj_doc_translate_paras(const tj_model *m, const tj_options *o, const char *const *texts,
                                 const size_t *lens, size_t n, int want, tj_doc_para *out,
                                 tj_error *err)
{
    return tj_doc_translate_paras_g(m, o, NULL, texts, lens, n, want, out, err);
}
