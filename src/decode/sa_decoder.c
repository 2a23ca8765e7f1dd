/* SPDX-License-Identifier: MIT */
#include "decode/sa_decoder.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_f32.h"
#include "nn/gemm_i8.h"
#include "nn/ops.h"
#include "nn/sgemm_order.h"
#include "util/error.h"

/* The reference's BLAS thread count (decode/transformer.c); the decoder's one-row products are
 * far below the size OpenBLAS splits, so it only has to be passed on. */
#define REF_BLAS_THREADS 2

struct tj_sa_cache {
    int slots, cap, depth, d;
    int failed;
    float *kv;  /* [slot][layer] { keys transposed [d][cap], values [cap][d] } */
    float *sc;  /* attention scores over up to cap steps */
    int *slot;  /* this step: the slot of each row */
    char *used; /* this step: slots referenced by some row */
};

static size_t block(const tj_sa_cache *s)
{
    return 2 * (size_t)s->cap * (size_t)s->d;
}

static float *keys_t(const tj_sa_cache *s, int slot, int l)
{
    return s->kv + ((size_t)slot * s->depth + (size_t)l) * block(s);
}

static float *vals(const tj_sa_cache *s, int slot, int l)
{
    return keys_t(s, slot, l) + (size_t)s->cap * s->d;
}

tj_status tj_sa_begin(tj_sentence_ctx *c, int steps, tj_error *err)
{
    const tj_model *m = c->m;
    c->sa = NULL;
    if (!m->dec_self_att) return TJ_OK;
    tj_sa_cache *s = calloc(1, sizeof *s);
    if (!s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory (decoder cache)");
    s->slots = c->max_rows < 1 ? 1 : c->max_rows;
    s->cap = steps < 8 ? 8 : steps;
    s->depth = m->dec_depth;
    s->d = m->d;
    s->kv = malloc((size_t)s->slots * s->depth * block(s) * sizeof(float));
    s->slot = malloc((size_t)s->slots * sizeof *s->slot);
    s->used = malloc((size_t)s->slots);
    s->sc = malloc((size_t)s->cap * sizeof *s->sc);
    c->sa = s;
    if (!s->kv || !s->slot || !s->used || !s->sc) {
        tj_sa_end(c);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory (decoder cache of %d steps)", steps);
    }
    return TJ_OK;
}

void tj_sa_end(tj_sentence_ctx *c)
{
    if (!c->sa) return;
    free(c->sa->kv);
    free(c->sa->slot);
    free(c->sa->used);
    free(c->sa->sc);
    free(c->sa);
    c->sa = NULL;
}

int tj_sa_failed(const tj_sentence_ctx *c)
{
    return c->sa && c->sa->failed;
}

/* Doubles the step capacity, keeping the first `t` steps of every slot. */
static int grow(tj_sa_cache *s, int t)
{
    if (s->cap > (1 << 24)) return -1;
    tj_sa_cache n = *s;
    n.cap = s->cap * 2;
    n.kv = malloc((size_t)n.slots * n.depth * block(&n) * sizeof(float));
    float *sc = realloc(s->sc, (size_t)n.cap * sizeof *sc);
    if (sc) s->sc = n.sc = sc;
    if (!n.kv || !sc) {
        free(n.kv);
        return -1;
    }
    size_t d = (size_t)s->d;
    for (int sl = 0; sl < s->slots; sl++)
        for (int l = 0; l < s->depth; l++) {
            for (size_t i = 0; i < d; i++)
                memcpy(keys_t(&n, sl, l) + i * n.cap, keys_t(s, sl, l) + i * s->cap,
                       (size_t)t * sizeof(float));
            memcpy(vals(&n, sl, l), vals(s, sl, l), (size_t)t * d * sizeof(float));
        }
    free(s->kv);
    *s = n;
    return 0;
}

/* Copies the first t steps of slot `from` to slot `to`. */
static void copy_slot(tj_sa_cache *s, int from, int to, int t)
{
    size_t d = (size_t)s->d;
    for (int l = 0; l < s->depth; l++) {
        for (size_t i = 0; i < d; i++)
            memcpy(keys_t(s, to, l) + i * s->cap, keys_t(s, from, l) + i * s->cap,
                   (size_t)t * sizeof(float));
        memcpy(vals(s, to, l), vals(s, from, l), (size_t)t * d * sizeof(float));
    }
}

/* Gives every row its own slot: rows keep their parent's slot where they are its first child,
 * later children get a free slot with a copy of the parent's history. */
static void assign_slots(tj_sa_cache *s, int t, int rows, float *state, size_t sdim)
{
    memset(s->used, 0, (size_t)s->slots);
    if (t == 0) {
        for (int r = 0; r < rows; r++) s->slot[r] = r;
    } else {
        for (int r = 0; r < rows; r++) {
            float f = state[(size_t)r * sdim];
            int sl = f >= 0.0f && f < (float)s->slots ? (int)f : 0;
            s->slot[r] = sl;
            s->used[sl] = 1;
        }
        char *claimed = s->used; /* reused below: 1 referenced, 2 claimed by a row */
        for (int r = 0; r < rows; r++) {
            int sl = s->slot[r];
            if (claimed[sl] == 1) {
                claimed[sl] = 2;
                continue;
            }
            int fr = 0;
            while (claimed[fr]) fr++; /* rows <= slots, so a free slot exists */
            copy_slot(s, sl, fr, t);
            claimed[fr] = 2;
            s->slot[r] = fr;
        }
    }
    for (int r = 0; r < rows; r++) state[(size_t)r * sdim] = (float)s->slot[r];
}

/* y[M][out] = x[M][in]·W + b: float32, or int8 for weights quantised at load. */
static void affine(const tj_linear *lin, const float *x, int M, float *y, uint8_t *qbuf)
{
    if (lin->dyn) {
        tj_linear_dyn(lin, x, M, y, qbuf);
        return;
    }
    if (lin->wf) {
        tj_sgemm_bias(x, (size_t)M, (size_t)lin->in, lin->wf, (size_t)lin->out, lin->bf, y);
        return;
    }
    tj_quantize_shifted(x, (size_t)M * lin->in, lin->alpha, qbuf);
    tj_gemm_i8_w(qbuf, (size_t)M, (size_t)lin->in, lin->w, &lin->pk, (size_t)lin->out, lin->unq,
                 lin->pbias, y, (size_t)lin->out);
}

static void embed(const tj_model *m, int tok, int pos, float *out)
{
    int d = m->d;
    float sq = sqrtf((float)d);
    tj_position_signal(pos, d, out);
    if (tok < 0) {
        /* step 0: zero embedding + position (Marian's start state); a Hugging Face checkpoint
         * may have trained its start (<pad>) row, which is then added as a word would be. */
        if (m->start_emb)
            for (int i = 0; i < d; i++) out[i] = sq * m->start_emb[i] + out[i];
        return;
    }
    const float *e = m->emb + (size_t)tok * d;
    for (int i = 0; i < d; i++) out[i] = sq * e[i] + out[i];
}

static inline float sigmoid_scalar(float x)
{
    /* functional::Ops<float>::sigmoid */
    return x > 0.0f ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

void tj_swish_rows(float *x, size_t rows, size_t n)
{
    size_t all = rows * n;
    if (n % 4 == 0)
        for (size_t i = 0; i < all; i++) x[i] = x[i] * tj_sigmoid_vec(x[i]);
    else
        for (size_t i = 0; i < all; i++) x[i] = x[i] * sigmoid_scalar(x[i]);
}

/* x·sigmoid(b·x) (Marian's SwishNodeOp with b, which its gelu uses with b = 1.702), with the
 * sigmoid chosen as tj_swish_rows chooses it. */
static void swish_b_rows(float *x, size_t rows, size_t n, float b)
{
    size_t all = rows * n;
    if (n % 4 == 0)
        for (size_t i = 0; i < all; i++) x[i] = x[i] * tj_sigmoid_vec(b * x[i]);
    else
        for (size_t i = 0; i < all; i++) x[i] = x[i] * sigmoid_scalar(b * x[i]);
}

void tj_activation_rows(int act, float *x, size_t rows, size_t n)
{
    size_t all = rows * n;
    switch (act) {
    case TJ_ACT_SWISH:
        tj_swish_rows(x, rows, n);
        break;
    case TJ_ACT_RELU:
        tj_relu(x, all);
        break;
    case TJ_ACT_GELU:
        swish_b_rows(x, rows, n, 1.702f);
        break;
    case TJ_ACT_SIGMOID:
        /* Marian's SigmoidNodeOp: the same vector/scalar choice as swish */
        if (n % 4 == 0)
            for (size_t i = 0; i < all; i++) x[i] = tj_sigmoid_vec(x[i]);
        else
            for (size_t i = 0; i < all; i++) x[i] = sigmoid_scalar(x[i]);
        break;
    default:
        break; /* TJ_ACT_LINEAR */
    }
}

/* One query row against Tk keys (transposed, rows ldk apart) and values (rows d apart), per head,
 * as Marian's bdot / softmax / bdot with one query per hypothesis (decode/transformer.c). */
static void attend_row(const tj_model *m, const float *q, const float *kt, size_t ldk,
                       const float *v, int Tk, float *scores, float *out)
{
    size_t d = (size_t)m->d, dh = d / (size_t)m->heads;
    float scale = 1.0f / sqrtf((float)dh);
    for (size_t h = 0; h < (size_t)m->heads; h++) {
        tj_sgemm_ordered(q + h * dh, d, 1, dh, kt + h * dh * ldk, ldk, (size_t)Tk, scale, scores,
                         (size_t)Tk, REF_BLAS_THREADS);
        tj_softmax_rows(scores, 1, (size_t)Tk);
        tj_sgemm_ordered(scores, (size_t)Tk, 1, (size_t)Tk, v + h * dh, d, dh, 1.0f, out + h * dh,
                         d, REF_BLAS_THREADS);
    }
}

void tj_sa_decoder_step(tj_sentence_ctx *c, const int *prev, int t, int rows, float *state,
                        float *logits)
{
    const tj_model *m = c->m;
    tj_sa_cache *s = c->sa;
    int d = m->d, L = c->src_len;
    size_t ld = (size_t)L * d, sdim = (size_t)m->dec_depth * d;
    if (!s || s->failed || rows > s->slots || (t >= s->cap && grow(s, t))) {
        /* Out of memory: end every hypothesis (EOS only) and let the search report it. */
        if (s) s->failed = 1;
        int eos = m->eos_id;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < c->n_cols; j++)
                logits[(size_t)r * c->n_cols + j] =
                    (c->cols ? c->cols[j] : j) == eos ? 0.0f : -FLT_MAX;
        return;
    }
    assign_slots(s, t, rows, state, sdim);
    float *y = c->x, *y1 = c->y1, *tmp = c->tmp, *att = c->att, *pre = c->pre;
    float *emb0 = pre + (size_t)c->max_rows * d; /* the embeddings, for postprocess-top 'a' */
    for (int r = 0; r < rows; r++) embed(m, prev[r], t, y + (size_t)r * d);
    if (strchr(m->top_ops, 'a')) memcpy(emb0, y, (size_t)rows * d * sizeof(float));
    if (m->emb_ops[0]) tj_block_ops(m, m->emb_ops, &m->dec_emb_norm, y, NULL, rows);
    for (int l = 0; l < m->dec_depth; l++) {
        const tj_dec_layer *D = &m->dec[l];
        /* Self-attention over this step and the earlier ones (DecoderLayerSelfAttention): the
         * new row's key and value join the row's slot, then its query attends over t+1 steps.
         * Keys and values are projected from the layer's plain inputs; a preprocess layer norm
         * (pre-norm) applies to the query only, as in the reference marian-decoder 1.9
         * (docs/opus-mt.md: newer marian-nmt differs). */
        affine(&D->self.k, y, rows, tmp, c->qbuf);
        affine(&D->self.v, y, rows, att, c->qbuf);
        for (int r = 0; r < rows; r++) {
            float *kt = keys_t(s, s->slot[r], l), *vv = vals(s, s->slot[r], l);
            const float *kr = tmp + (size_t)r * d;
            for (int i = 0; i < d; i++) kt[(size_t)i * s->cap + t] = kr[i];
            memcpy(vv + (size_t)t * d, att + (size_t)r * d, (size_t)d * sizeof(float));
        }
        const float *in = tj_block_pre(m, &D->self.pre, y, rows, pre);
        affine(&D->self.q, in, rows, y1, c->qbuf);
        float *o = att;
        for (int r = 0; r < rows; r++)
            attend_row(m, y1 + (size_t)r * d, keys_t(s, s->slot[r], l), (size_t)s->cap,
                       vals(s, s->slot[r], l), t + 1, s->sc, o + (size_t)r * d);
        affine(&D->self.o, o, rows, y1, c->qbuf);
        tj_block_post(m, &D->self.norm, y1, y, rows);
        /* Context attention against the encoder keys/values cached per sentence. */
        in = tj_block_pre(m, &D->ctx.pre, y, rows, pre);
        affine(&D->ctx.q, in, rows, tmp, c->qbuf);
        const float *ck = c->ctx_k + (size_t)l * ld, *cv = c->ctx_v + (size_t)l * ld;
        for (int r = 0; r < rows; r++)
            attend_row(m, tmp + (size_t)r * d, ck, (size_t)L, cv, L, c->scores,
                       att + (size_t)r * d);
        affine(&D->ctx.o, att, rows, y1, c->qbuf);
        tj_block_post(m, &D->ctx.norm, y1, y, rows);
        tj_ffn_block(m, &D->ffn, y, rows, c->ffn, tmp, pre, c->qbuf);
    }
    if (m->top_ops[0]) tj_block_ops(m, m->top_ops, &m->dec_top_norm, y, emb0, rows);
    /* Output layer over the selected columns (spec §5.9). */
    if (m->int8_at_load) {
        tj_output_dyn(m, y, rows, c->cols, c->n_cols, c->col_pbias, logits, c->qbuf);
        return;
    }
    if (m->is_float) {
        tj_sgemm_bias(y, (size_t)rows, (size_t)d, c->cols ? c->col_wt : m->emb_t, (size_t)c->n_cols,
                      c->col_pbias, logits);
        return;
    }
    tj_quantize_shifted(y, (size_t)rows * d, m->out_alpha, c->qbuf);
    tj_gemm_i8(c->qbuf, (size_t)rows, (size_t)d, m->out_w, c->cols, (size_t)c->n_cols, m->out_unq,
               c->col_pbias, logits, (size_t)c->n_cols);
}
