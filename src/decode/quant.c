/* SPDX-License-Identifier: MIT */
/* int8 at load for float models (OPUS-MT, Hugging Face): every weight matrix is quantised once
 * with one multiplier per tensor, beta = 64 / max|W|, and runs through the int8 kernels of the
 * Firefox models. Activations are quantised per product with alpha = 127 / max|A| over the whole
 * product's input, as Marian's intgemm does when a model has no precomputed alphas. Embedding
 * lookups, attention, layer norms and softmax stay float32.
 *
 * Why 64 and not 127: the shifted product multiplies unsigned activations (0..254) by signed
 * weights and sums adjacent pairs in int16 with saturation (vpmaddubsw, nn/gemm_i8.h). With
 * weights up to 127 a pair reaches 2 * 254 * 127 = 64516 and saturates often on a float model's
 * evenly spread weights (the fixture's first-step logits: cosine 0.90 against float); weights up
 * to 64 keep every pair at most 32512, never saturated (cosine 0.9998), at the cost of one bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/model.h"
#include "nn/gemm_i8.h"
#include "util/error.h"

#define TJ_Q_WMAX 64.0f

/* W [in][out] float -> q [out][in] int8 with beta = 127 / max|W|; column sums for the bias. */
static int quantize_matrix(const float *w, int in, int out, int8_t **q_out, int32_t **cs_out,
                           float *beta)
{
    size_t n = (size_t)in * (size_t)out;
    float mx = 0.0f;
    for (size_t i = 0; i < n; i++)
        if (fabsf(w[i]) > mx) mx = fabsf(w[i]);
    *beta = mx > 0.0f ? TJ_Q_WMAX / mx : 1.0f;
    int8_t *q = malloc(n);
    int32_t *cs = calloc((size_t)out, sizeof *cs);
    if (!q || !cs) {
        free(q);
        free(cs);
        return -1;
    }
    for (size_t i = 0; i < (size_t)in; i++)
        for (size_t j = 0; j < (size_t)out; j++) {
            long v = lrintf(w[i * (size_t)out + j] * *beta);
            if (v > (long)TJ_Q_WMAX) v = (long)TJ_Q_WMAX;
            if (v < -(long)TJ_Q_WMAX) v = -(long)TJ_Q_WMAX;
            q[j * (size_t)in + i] = (int8_t)v;
            cs[j] += (int32_t)v;
        }
    *q_out = q;
    *cs_out = cs;
    return 0;
}

static int quantize_linear(tj_linear *l)
{
    if (!l->wf || l->dyn) return 0;
    if (quantize_matrix(l->wf, l->in, l->out, &l->wq, &l->csum, &l->beta)) return -1;
    l->w = l->wq;
    l->dyn = 1;
    return 0;
}

static float max_abs(const float *x, size_t n)
{
    float mx = 0.0f;
    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) > mx) mx = fabsf(x[i]);
    return mx;
}

/* The shifted product adds 127 * column sum to every integer result; its float value,
 * 127 * csum * unq, is taken off after the product (intgemm folds it into the bias instead). */
static void unshift(float *y, int M, int N, const int32_t *csum, const int *cols, float unq)
{
    float v = -127.0f * unq;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) y[(size_t)i * N + j] += (float)csum[cols ? cols[j] : j] * v;
}

void tj_linear_dyn(const tj_linear *lin, const float *x, int M, float *y, uint8_t *qbuf)
{
    size_t n = (size_t)M * lin->in;
    float mx = max_abs(x, n);
    float alpha = mx > 0.0f ? 127.0f / mx : 1.0f;
    float unq = 1.0f / (alpha * lin->beta);
    tj_quantize_shifted(x, n, alpha, qbuf);
    if (lin->bf) {
        tj_gemm_i8(qbuf, (size_t)M, (size_t)lin->in, lin->w, NULL, (size_t)lin->out, unq, lin->bf,
                   y, (size_t)lin->out);
    } else {
        /* No bias: the product into y with zeros, one row of them at a time. */
        float *zb = calloc((size_t)lin->out, sizeof *zb);
        if (!zb) {
            memset(y, 0, (size_t)M * lin->out * sizeof *y);
            return;
        }
        tj_gemm_i8(qbuf, (size_t)M, (size_t)lin->in, lin->w, NULL, (size_t)lin->out, unq, zb, y,
                   (size_t)lin->out);
        free(zb);
    }
    unshift(y, M, lin->out, lin->csum, NULL, unq);
}

void tj_output_dyn(const tj_model *m, const float *y, int M, const int *cols, int n_cols,
                   const float *col_bias, float *logits, uint8_t *qbuf)
{
    size_t n = (size_t)M * m->d;
    float mx = max_abs(y, n);
    float alpha = mx > 0.0f ? 127.0f / mx : 1.0f;
    float unq = 1.0f / (alpha * m->out_beta);
    tj_quantize_shifted(y, n, alpha, qbuf);
    tj_gemm_i8(qbuf, (size_t)M, (size_t)m->d, m->out_w, cols, (size_t)n_cols, unq, col_bias, logits,
               (size_t)n_cols);
    unshift(logits, M, n_cols, m->out_csum, cols, unq);
}

static void free_dyn(tj_linear *l)
{
    free(l->wq);
    free(l->csum);
    l->wq = NULL;
    l->csum = NULL;
}

void tj_model_free_quant(tj_model *m)
{
    if (m->enc)
        for (int l = 0; l < m->enc_depth; l++) {
            tj_attention *a = &m->enc[l].self;
            free_dyn(&a->q), free_dyn(&a->k), free_dyn(&a->v), free_dyn(&a->o);
            for (int i = 0; i < m->enc[l].ffn.depth; i++) free_dyn(&m->enc[l].ffn.w[i]);
        }
    if (m->dec)
        for (int l = 0; l < m->dec_depth; l++) {
            tj_dec_layer *L = &m->dec[l];
            tj_linear *ls[] = {&L->self.q, &L->self.k, &L->self.v, &L->self.o,
                               &L->ctx.q,  &L->ctx.k,  &L->ctx.v,  &L->ctx.o};
            for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) free_dyn(ls[i]);
            for (int i = 0; i < L->ffn.depth; i++) free_dyn(&L->ffn.w[i]);
        }
    free(m->out_csum);
    m->out_csum = NULL;
}

tj_status tj_model_quantize(tj_model *m, tj_error *err)
{
    if (!m) return tj_fail(err, TJ_ERR_ARG, "tj_model_quantize: model is NULL");
    if (!m->is_float || m->int8_at_load) return TJ_OK;
    if (!m->dec_self_att)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "int8 at load is implemented for self-attention (OPUS-MT) models only; "
                       "this float model has an SSRU decoder");
    int bad = 0;
    for (int l = 0; l < m->enc_depth && !bad; l++) {
        tj_attention *a = &m->enc[l].self;
        bad = quantize_linear(&a->q) || quantize_linear(&a->k) || quantize_linear(&a->v) ||
              quantize_linear(&a->o);
        for (int i = 0; i < m->enc[l].ffn.depth && !bad; i++)
            bad = quantize_linear(&m->enc[l].ffn.w[i]);
    }
    for (int l = 0; l < m->dec_depth && !bad; l++) {
        tj_dec_layer *L = &m->dec[l];
        tj_linear *ls[] = {&L->self.q, &L->self.k, &L->self.v, &L->self.o,
                           &L->ctx.q,  &L->ctx.k,  &L->ctx.v,  &L->ctx.o};
        for (size_t i = 0; i < sizeof ls / sizeof ls[0] && !bad; i++) bad = quantize_linear(ls[i]);
        for (int i = 0; i < L->ffn.depth && !bad; i++) bad = quantize_linear(&L->ffn.w[i]);
    }
    /* The output layer: the tied embeddings as [vocab][d] rows, one beta for the matrix. */
    if (!bad) {
        float beta;
        int8_t *q;
        int32_t *cs;
        /* emb_t is Wemb transposed, [d][vocab], i.e. an [in][out] matrix. */
        if (quantize_matrix(m->emb_t, m->d, m->vocab, &q, &cs, &beta)) {
            bad = 1;
        } else {
            m->out_w = m->out_w_owned = q;
            m->out_csum = cs;
            m->out_beta = beta;
        }
    }
    if (bad) {
        tj_model_free_quant(m);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory quantising the model");
    }
    m->int8_at_load = 1;
    snprintf(m->arch + strlen(m->arch), sizeof m->arch - strlen(m->arch), ", int8 at load");
    return TJ_OK;
}
