/* SPDX-License-Identifier: MIT */
/* Unigram encoding: SentencePiece's Model::EncodeOptimized Viterbi over the normalised text, then
 * PopulateSentencePieceText's merging of unknowns and mapping back to the original bytes. */
#include "tok/spm_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define UNSET ((size_t)-1)

/* Best path ending at a byte position. score is float as in SentencePiece: candidates are
 * computed in double for pieces and in float for unknowns, then stored rounded, and exact ties
 * are broken by the order candidates were found, so these types matter for parity. */
typedef struct best_node {
    float score;
    int id;
    size_t start; /* UNSET until reached */
} best_node;

typedef struct seg {
    size_t begin, end; /* normalised bytes */
    int id;
} seg;

/* (float)d with IEEE round-to-nearest, also for sums beyond FLT_MAX (which a corrupt model's
 * scores can produce and where a plain C conversion would be undefined). */
static float to_float(double d)
{
    if (d > FLT_MAX) return d < (double)FLT_MAX + 0x1p103 ? FLT_MAX : INFINITY;
    if (d < -FLT_MAX) return d > -(double)FLT_MAX - 0x1p103 ? -FLT_MAX : -INFINITY;
    return (float)d;
}

/* Viterbi; returns the segments in text order in *segs (malloc'd). */
static tj_status viterbi(const tj_spm *m, const char *s, size_t n, seg **segs, size_t *nsegs,
                         tj_error *err)
{
    *segs = NULL;
    *nsegs = 0;
    if (n == 0) return TJ_OK;
    best_node *best = malloc((n + 1) * sizeof *best);
    if (!best) return tj_fail(err, TJ_ERR_NOMEM, "out of memory encoding %zu bytes", n);
    for (size_t i = 0; i <= n; i++) {
        best[i].score = 0.0f;
        best[i].id = -1;
        best[i].start = UNSET;
    }
    const float unk_score = m->min_score - 10.0f;
    const spm_trie *t = &m->matchable;

    for (size_t start = 0; start < n;) {
        const float base = best[start].score;
        size_t mblen = spm_one_char_len(s + start);
        if (mblen > n - start) mblen = n - start;
        int has_single = 0;
        uint32_t node = 0;
        for (size_t pos = start; pos < n;) {
            node = spm_trie_child(t, node, (unsigned char)s[pos]);
            if (!node) break;
            pos++;
            int id = t->value[node];
            if (id < 0 || m->type[id] == SPM_UNUSED) continue;
            size_t length = pos - start;
            double score = m->type[id] == SPM_USER_DEFINED
                               ? (double)((float)length * m->max_score) - 0.1
                               : (double)m->score[id];
            double cand = score + (double)base;
            best_node *b = &best[pos];
            if (b->start == UNSET || cand > (double)b->score) {
                b->score = to_float(cand);
                b->start = start;
                b->id = id;
            }
            if (length == mblen) has_single = 1;
        }
        if (!has_single) {
            best_node *b = &best[start + mblen];
            float cand = unk_score + base;
            if (b->start == UNSET || cand > b->score) {
                b->score = cand;
                b->start = start;
                b->id = m->unk_id;
            }
        }
        start += mblen;
    }

    size_t count = 0;
    for (size_t end = n; end > 0; end = best[end].start) count++;
    seg *out = malloc(count * sizeof *out);
    if (!out) {
        free(best);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory encoding %zu bytes", n);
    }
    size_t k = count;
    for (size_t end = n; end > 0; end = best[end].start) {
        out[--k] = (seg){best[end].start, end, best[end].id};
    }
    free(best);
    *segs = out;
    *nsegs = count;
    return TJ_OK;
}

tj_status spm_encode_full(const tj_spm *m, const char *text, size_t len, spm_encoding *out,
                          tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!text && len) return tj_fail(err, TJ_ERR_ARG, "no text to encode");
    const spm_trie *ud = m->user_defined.n_nodes ? &m->user_defined : NULL;
    tj_status st = spm_normalize(&m->norm, ud, text ? text : "", len, &out->norm, err);
    if (st) return st;

    seg *segs;
    size_t nsegs;
    if ((st = viterbi(m, out->norm.text, out->norm.len, &segs, &nsegs, err))) goto fail;
    if (nsegs == 0) return TJ_OK;

    /* Byte fallback may turn one unknown character into up to 4 tokens. */
    size_t cap = nsegs;
    if (m->byte_fallback)
        for (size_t i = 0; i < nsegs; i++)
            if (segs[i].id == m->unk_id) cap += segs[i].end - segs[i].begin - 1;
    out->tokens = malloc(cap * sizeof *out->tokens);
    if (!out->tokens) {
        free(segs);
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory encoding %zu bytes", len);
        goto fail;
    }
    const size_t *to_orig = out->norm.to_orig;
    int prev_unk = 0;
    for (size_t i = 0; i < nsegs; i++) {
        const seg *g = &segs[i];
        int is_unk = g->id == m->unk_id;
        size_t ob = to_orig[g->begin], oe = to_orig[g->end];
        if (is_unk && m->byte_fallback) {
            /* One <0xXX> per byte; only the last one carries the character's original range. */
            for (size_t j = g->begin; j < g->end; j++) {
                int last = j + 1 == g->end;
                out->tokens[out->n++] = (spm_token){m->byte_ids[(unsigned char)out->norm.text[j]],
                                                    ob, last ? oe : ob, j, j + 1};
            }
        } else if (is_unk && prev_unk) {
            spm_token *tk = &out->tokens[out->n - 1];
            tk->end = oe;
            tk->norm_end = g->end;
        } else {
            out->tokens[out->n++] = (spm_token){g->id, ob, oe, g->begin, g->end};
        }
        prev_unk = is_unk;
    }
    free(segs);
    return TJ_OK;

fail:
    spm_encoding_free(out);
    return st;
}

void spm_encoding_free(spm_encoding *enc)
{
    spm_normalized_free(&enc->norm);
    free(enc->tokens);
    enc->tokens = NULL;
    enc->n = 0;
}

tj_status tj_spm_encode(const tj_spm *spm, const char *text, size_t len, tj_piece **pieces,
                        size_t *n, tj_error *err)
{
    *pieces = NULL;
    *n = 0;
    spm_encoding enc;
    tj_status st = spm_encode_full(spm, text, len, &enc, err);
    if (st) return st;
    if (enc.n) {
        tj_piece *p = malloc(enc.n * sizeof *p);
        if (!p) {
            spm_encoding_free(&enc);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory encoding %zu bytes", len);
        }
        for (size_t i = 0; i < enc.n; i++)
            p[i] = (tj_piece){enc.tokens[i].id, enc.tokens[i].begin, enc.tokens[i].end};
        *pieces = p;
        *n = enc.n;
    }
    spm_encoding_free(&enc);
    return TJ_OK;
}
