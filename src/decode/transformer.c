/* SPDX-License-Identifier: MIT */
#include "decode/transformer.h"

#include "decode/out_union.h"
#include "decode/sa_decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_i8.h"
#include "nn/ops.h"
#include "nn/gemm_f32.h"
#include "nn/sgemm_order.h"
#include "util/error.h"

/* y[M][out] = x[M][in] · W + b through the shifted int8 product. */
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

/* The reference's OpenBLAS split products of more than 262144 multiply-adds (encoder attention
 * of sentences past 90 tokens) between its threads, and the split changes the summation order.
 * The fixtures match two threads (a two-core machine): over the 12 greedy fixture cases, 66 lines
 * differ with 2, 72 with 1, 72-74 with 3, 4, 6, 8 or 16 (docs/parity.md). */
#define REF_BLAS_THREADS 2

/* Multi-head attention core, float32 (Marian's bdot): queries q[Tq][d] against keys kt, stored
 * transposed ([d][Tk], so each head's block is a contiguous [dh][Tk] matrix), and values v[Tk][d]
 * -> out[Tq][d]. scores needs Tq*Tk floats (heads*Tk with per_row). The products are summed in the
 * order of the reference's BLAS (nn/sgemm_order.h), which depends on the shape of each product: the
 * encoder multiplies all Tq queries of a head at once, the decoder each hypothesis' query on its
 * own (Marian batches beam hypotheses as separate matrices), so per_row is set there. The scale is
 * sgemm's alpha. */
static void attention(const tj_model *m, const float *q, int Tq, const float *kt, const float *v,
                      int Tk, float *scores, float *out, int per_row)
{
    size_t d = (size_t)m->d, dh = d / (size_t)m->heads;
    float scale = 1.0f / sqrtf((float)dh);
    if (per_row) {
        /* One query row against every head at once: the heads' products interleaved and their
         * softmax rows side by side (scores holds heads x Tk), each head's numbers those of the
         * one-row calls below. */
        size_t H = (size_t)m->heads;
        for (size_t r = 0; r < (size_t)Tq; r++) {
            tj_sgemm_ordered_rows(q + r * d, dh, dh, kt, dh * Tk, (size_t)Tk, (size_t)Tk, scale,
                                  scores, (size_t)Tk, H, REF_BLAS_THREADS);
            tj_softmax_rows(scores, H, (size_t)Tk);
            tj_sgemm_ordered_rows(scores, (size_t)Tk, (size_t)Tk, v, dh, d, dh, 1.0f, out + r * d,
                                  dh, H, REF_BLAS_THREADS);
        }
        return;
    }
    size_t step = (size_t)Tq, h0 = 0;
    /* Heads two at a time through the same blocks (their sums interleaved), scores side by side:
     * each head's numbers are those of the loop below. */
    for (; h0 + 2 <= (size_t)m->heads; h0 += 2) {
        size_t h = h0, sz = (size_t)Tq * Tk;
        tj_sgemm_ordered2(q + h * dh, q + (h + 1) * dh, d, step, dh, kt + h * dh * Tk,
                          kt + (h + 1) * dh * Tk, (size_t)Tk, (size_t)Tk, scale, scores,
                          scores + sz, (size_t)Tk, REF_BLAS_THREADS);
        tj_softmax_rows(scores, 2 * step, (size_t)Tk);
        tj_sgemm_ordered2(scores, scores + sz, (size_t)Tk, step, (size_t)Tk, v + h * dh,
                          v + (h + 1) * dh, d, dh, 1.0f, out + h * dh, out + (h + 1) * dh, d,
                          REF_BLAS_THREADS);
    }
    for (size_t h = h0; h < (size_t)m->heads; h++)
        for (size_t r = 0; r < (size_t)Tq; r += step) {
            float *s = scores + r * Tk;
            tj_sgemm_ordered(q + r * d + h * dh, d, step, dh, kt + h * dh * Tk, (size_t)Tk,
                             (size_t)Tk, scale, s, (size_t)Tk, REF_BLAS_THREADS);
            tj_softmax_rows(s, step, (size_t)Tk);
            tj_sgemm_ordered(s, (size_t)Tk, step, (size_t)Tk, v + h * dh, d, dh, 1.0f,
                             out + r * d + h * dh, d, REF_BLAS_THREADS);
        }
}

const float *tj_block_pre(const tj_model *m, const tj_norm *n, const float *x, int M, float *buf)
{
    const float *in = x;
    for (const char *op = m->pre_ops; *op; op++) { /* only 'n' survives check_config */
        tj_layernorm(in, buf, (size_t)M, (size_t)m->d, n->gamma, n->beta, 1e-6f);
        in = buf;
    }
    return in;
}

void tj_block_ops(const tj_model *m, const char *ops, const tj_norm *n, float *out,
                  const float *skip, int M)
{
    size_t nd = (size_t)M * m->d;
    for (; *ops; ops++)
        if (*ops == 'a')
            tj_add(out, skip, nd);
        else
            tj_layernorm(out, out, (size_t)M, (size_t)m->d, n->gamma, n->beta, 1e-6f);
}

void tj_block_post(const tj_model *m, const tj_norm *n, float *out, float *x, int M)
{
    size_t nd = (size_t)M * m->d;
    if (!strcmp(m->post_ops, "an")) { /* post-norm, the usual case: no copy */
        tj_add(out, x, nd);
        tj_layernorm(out, x, (size_t)M, (size_t)m->d, n->gamma, n->beta, 1e-6f);
        return;
    }
    tj_block_ops(m, m->post_ops, n, out, x, M);
    memcpy(x, out, nd * sizeof *x);
}

size_t tj_ffn_scratch(const tj_model *m, int rows)
{
    int deep = m->enc_ffn_depth > 2 || m->dec_ffn_depth > 2;
    return (size_t)rows * (size_t)m->d_ffn_max * (deep ? 2 : 1);
}

void tj_ffn_block(const tj_model *m, const tj_ffn *f, float *x, int M, float *hid, float *tmp,
                  float *prebuf, uint8_t *qbuf)
{
    const float *in = tj_block_pre(m, &f->pre, x, M, prebuf);
    /* Hidden layers alternate between the two halves of hid (LayerFFN's denseInline stack). */
    float *half[2] = {hid, hid + (size_t)M * m->d_ffn_max};
    int relu_in = 0; /* in still needs its ReLU (fused into the next quantisation) */
    for (int i = 0; i < f->depth; i++) {
        float *o = i + 1 == f->depth ? tmp : half[i % 2];
        const tj_linear *w = &f->w[i];
        if (relu_in) {
            tj_quantize_shifted_relu(in, (size_t)M * w->in, w->alpha, qbuf);
            tj_gemm_i8_w(qbuf, (size_t)M, (size_t)w->in, w->w, &w->pk, (size_t)w->out, w->unq,
                         w->pbias, o, (size_t)w->out);
        } else {
            affine(w, in, M, o, qbuf);
        }
        relu_in = 0;
        if (i + 1 < f->depth) {
            const tj_linear *next = &f->w[i + 1];
            /* A plain int8 next layer only quantises o: the ReLU goes into that pass. */
            if (m->ffn_act == TJ_ACT_RELU && !next->dyn && !next->wf)
                relu_in = 1;
            else
                tj_activation_rows(m->ffn_act, o, (size_t)M, (size_t)w->out);
        }
        in = o;
    }
    tj_block_post(m, &f->norm, tmp, x, M);
}

/* out = token tok's embedding scaled by sqrt(d), plus the position signal sig (which may be out
 * itself). */
static void embed(const tj_model *m, int tok, const float *sig, float *out)
{
    int d = m->d;
    float sq = sqrtf((float)d);
    if (tok < 0) { /* decoder step 0: zero embedding + position */
        if (out != sig) memcpy(out, sig, (size_t)d * sizeof *out);
        return;
    }
    if (m->emb) {
        const float *e = m->emb + (size_t)tok * d;
        for (int i = 0; i < d; i++) out[i] = sq * e[i] + sig[i];
        return;
    }
    /* int8 models: the row de-quantised as the model load of Marian does it, fl(q * (1/qe)). */
    const int8_t *q = m->emb_q8 + (size_t)tok * d;
    float inv = m->emb_inv;
    for (int i = 0; i < d; i++) out[i] = sq * ((float)q[i] * inv) + sig[i];
}

void tj_sentence_drop_scratch(tj_sentence_ctx *c)
{
    free(c->x), free(c->y1), free(c->tmp), free(c->att), free(c->scores), free(c->ffn);
    free(c->qbuf), free(c->pre);
    c->x = c->y1 = c->tmp = c->att = c->scores = c->ffn = c->pre = NULL;
    c->qbuf = NULL;
}

void tj_sentence_end(tj_sentence_ctx *c)
{
    tj_sa_end(c);
    free(c->ctx_k);
    free(c->ctx_v);
    free(c->col_pbias);
    free(c->col_wt);
    free(c->x);
    free(c->y1);
    free(c->tmp);
    free(c->att);
    free(c->scores);
    free(c->ffn);
    free(c->qbuf);
    free(c->pre);
    memset(c, 0, sizeof *c);
}

tj_status tj_sentence_begin(tj_sentence_ctx *c, const tj_model *m, const int *src, int L,
                            const int *cols, int n_cols, int max_rows, tj_error *err)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->src_len = L;
    c->cols = cols;
    c->n_cols = cols ? n_cols : m->vocab;
    int d = m->d;
    int rows = L > max_rows ? L : max_rows;
    c->max_rows = max_rows;
    size_t rd = (size_t)rows * d;
    size_t ld = (size_t)L * d;
    c->ctx_k = malloc((size_t)m->dec_depth * ld * sizeof(float));
    c->ctx_v = malloc((size_t)m->dec_depth * ld * sizeof(float));
    c->col_pbias = malloc((size_t)c->n_cols * sizeof(float));
    c->x = malloc(rd * sizeof(float));
    c->y1 = malloc(rd * sizeof(float));
    c->tmp = malloc(rd * sizeof(float));
    c->att = malloc(rd * sizeof(float));
    /* Attention scores: a head's Tq x Tk, or all heads' rows of one decoder query. */
    size_t sc = (size_t)(rows > m->heads ? rows : m->heads) * L * 2; /* two heads of encoder */
    size_t lg = (size_t)max_rows * c->n_cols;
    c->scores = malloc((sc > lg ? sc : lg) * sizeof(float));
    c->ffn = malloc(tj_ffn_scratch(m, rows) * sizeof(float));
    c->qbuf = malloc((size_t)rows * (m->d_ffn_max > d ? m->d_ffn_max : d));
    c->pre = malloc(2 * rd * sizeof(float));
    if (!c->ctx_k || !c->ctx_v || !c->col_pbias || !c->x || !c->y1 || !c->tmp || !c->att ||
        !c->scores || !c->ffn || !c->qbuf || !c->pre) {
        tj_sentence_end(c);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory (sentence of %d tokens)", L);
    }
    if (!m->is_float)
        for (int j = 0; j < c->n_cols; j++) c->col_pbias[j] = m->out_pbias[cols ? cols[j] : j];
    else
        for (int j = 0; j < c->n_cols; j++) c->col_pbias[j] = m->out_bias[cols ? cols[j] : j];
    if (m->is_float && cols) {
        /* The shortlist's columns, gathered once per sentence so every step's output product
         * runs over contiguous rows. */
        c->col_wt = malloc((size_t)d * c->n_cols * sizeof(float));
        if (!c->col_wt) {
            tj_sentence_end(c);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory (sentence of %d tokens)", L);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < c->n_cols; j++)
                c->col_wt[(size_t)i * c->n_cols + j] =
                    m->emb_t[(size_t)i * m->vocab + (size_t)cols[j]];
    }

    /* Encoder (spec §5.7). q/k/v share buffers: x (layer input), att/y1/tmp as scratch. */
    float *x = c->x, *q = c->y1, *k = c->tmp, *v = c->att;
    float *o = malloc(ld * sizeof(float)), *kt = malloc(ld * sizeof(float));
    if (!o || !kt) {
        free(o), free(kt);
        tj_sentence_end(c);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory (sentence of %d tokens)", L);
    }
    for (int i = 0; i < L; i++) {
        float *xi = x + (size_t)i * d;
        if (!m->src_emb) {
            tj_position_signal(i, d, xi);
            embed(m, src[i], xi, xi);
            continue;
        }
        /* Untied embeddings: the encoder's own table, the same arithmetic as embed(). */
        float sq = sqrtf((float)d);
        const float *e = m->src_emb + (size_t)src[i] * d;
        tj_position_signal(i, d, xi);
        for (int j = 0; j < d; j++) xi[j] = sq * e[j] + xi[j];
    }
    /* postprocess-emb, and the embeddings kept for a postprocess-top skip connection. */
    if (strchr(m->top_ops, 'a')) memcpy(c->pre + rd, x, ld * sizeof(float));
    if (m->emb_ops[0]) tj_block_ops(m, m->emb_ops, &m->enc_emb_norm, x, NULL, L);
    for (int l = 0; l < m->enc_depth; l++) {
        const tj_attention *a = &m->enc[l].self;
        /* A preprocess layer norm (pre-norm) applies to the queries; keys and values come from
         * the plain input, as in the reference marian-decoder 1.9 (docs/opus-mt.md). o holds the
         * normalised input until the attention writes there. */
        const float *in = tj_block_pre(m, &a->pre, x, L, o);
        affine(&a->q, in, L, q, c->qbuf);
        affine(&a->k, x, L, k, c->qbuf);
        affine(&a->v, x, L, v, c->qbuf);
        tj_transpose(k, (size_t)L, (size_t)d, kt); /* keys transposed for attention */
        attention(m, q, L, kt, v, L, c->scores, o, 0);
        affine(&a->o, o, L, q, c->qbuf);
        tj_block_post(m, &a->norm, q, x, L);
        tj_ffn_block(m, &m->enc[l].ffn, x, L, c->ffn, k, o, c->qbuf);
    }
    if (m->top_ops[0]) tj_block_ops(m, m->top_ops, &m->enc_top_norm, x, c->pre + rd, L);
    /* Context keys/values for every decoder layer, computed once per sentence. */
    for (int l = 0; l < m->dec_depth; l++) {
        affine(&m->dec[l].ctx.k, x, L, k, c->qbuf);
        tj_transpose(k, (size_t)L, (size_t)d, c->ctx_k + (size_t)l * ld);
        affine(&m->dec[l].ctx.v, x, L, c->ctx_v + (size_t)l * ld, c->qbuf);
    }
    free(o), free(kt);
    /* Self-attention decoders: room for the default length limit (2 x source); grown if more. */
    tj_status st = tj_sa_begin(c, 2 * L + 2, err);
    if (st) tj_sentence_end(c);
    return st;
}

void tj_decoder_step(tj_sentence_ctx *c, const int *prev, int t, int rows, float *state,
                     float *logits)
{
    tj_step_ws ws = {.cap_rows = c->max_rows,
                     .x = c->x,
                     .y1 = c->y1,
                     .tmp = c->tmp,
                     .att = c->att,
                     .scores = c->scores,
                     .ffn = c->ffn,
                     .qbuf = c->qbuf};
    tj_decoder_step_groups(&c, &rows, 1, prev, t, state, &logits, &ws);
}

tj_status tj_step_ws_init(tj_step_ws *ws, const tj_model *m, int rows, int max_src_len,
                          tj_error *err)
{
    memset(ws, 0, sizeof *ws);
    size_t rd = (size_t)rows * m->d;
    ws->cap_rows = rows;
    ws->x = malloc(rd * sizeof(float));
    ws->y1 = malloc(rd * sizeof(float));
    ws->tmp = malloc(rd * sizeof(float));
    ws->att = malloc(rd * sizeof(float));
    ws->scores =
        malloc((size_t)(rows > m->heads ? rows : m->heads) * (size_t)max_src_len * sizeof(float));
    ws->ffn = malloc(tj_ffn_scratch(m, rows) * sizeof(float));
    ws->qbuf = malloc((size_t)rows * (m->d_ffn_max > m->d ? m->d_ffn_max : m->d));
    if (!ws->x || !ws->y1 || !ws->tmp || !ws->att || !ws->scores || !ws->ffn || !ws->qbuf) {
        tj_step_ws_free(ws);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory (decoder batch of %d rows)", rows);
    }
    return TJ_OK;
}

void tj_step_ws_free(tj_step_ws *ws)
{
    free(ws->x);
    free(ws->y1);
    free(ws->tmp);
    free(ws->att);
    free(ws->scores);
    free(ws->ffn);
    free(ws->qbuf);
    memset(ws, 0, sizeof *ws);
}

/* The rows of all groups go through every dense product together (one int8 product per weight
 * matrix, so each weight is streamed once per step for the whole batch); everything a row's
 * numbers depend on is computed per row (quantisation, products, layer norm, SSRU) or per group
 * (attention over its own sentence, the output layer over its own columns), so each row is
 * bit for bit what it would be alone. */
void tj_decoder_step_groups(tj_sentence_ctx *const *ctxs, const int *grows, int ng, const int *prev,
                            int t, float *state, float *const *logits, tj_step_ws *ws)
{
    const tj_model *m = ctxs[0]->m;
    if (m->dec_self_att) {
        /* Self-attention decoders step each group on its own sentence's scratch and cache. */
        size_t sdim = (size_t)m->dec_depth * m->d;
        for (int g = 0, r0 = 0; g < ng; r0 += grows[g], g++)
            tj_sa_decoder_step(ctxs[g], prev + r0, t, grows[g], state + (size_t)r0 * sdim,
                               logits[g]);
        return;
    }
    int d = m->d, rows = 0;
    for (int g = 0; g < ng; g++) rows += grows[g];
    float *y = ws->x, *y1 = ws->y1, *tmp = ws->tmp, *att = ws->att;
    /* Every row is at step t: one position signal for all (in att, free until the attention). */
    tj_position_signal(t, d, att);
    for (int r = 0; r < rows; r++) embed(m, prev[r], att, y + (size_t)r * d);
    for (int l = 0; l < m->dec_depth; l++) {
        const tj_dec_layer *D = &m->dec[l];
        /* SSRU (spec §5.8): f = sigmoid(y·Wf + bf); c = f*c + (1-f)*(y·W); y1 = LN(relu(c) + y) */
        affine(&D->rnn_wf, y, rows, tmp, ws->qbuf);
        affine(&D->rnn_w, y, rows, y1, ws->qbuf);
        for (int r = 0; r < rows; r++)
            tj_ssru_cell(tmp + (size_t)r * d, y1 + (size_t)r * d,
                         state + ((size_t)r * m->dec_depth + l) * d, y + (size_t)r * d, (size_t)d);
        tj_layernorm(y1, y1, (size_t)rows, (size_t)d, D->rnn_norm.gamma, D->rnn_norm.beta, 1e-6f);
        /* Context attention of each group against its own cached encoder keys/values. */
        affine(&D->ctx.q, y1, rows, tmp, ws->qbuf);
        for (int g = 0, r0 = 0; g < ng; r0 += grows[g], g++) {
            const tj_sentence_ctx *c = ctxs[g];
            size_t ld = (size_t)c->src_len * d;
            attention(m, tmp + (size_t)r0 * d, grows[g], c->ctx_k + (size_t)l * ld,
                      c->ctx_v + (size_t)l * ld, c->src_len, ws->scores, att + (size_t)r0 * d, 1);
        }
        affine(&D->ctx.o, att, rows, tmp, ws->qbuf);
        tj_add(tmp, y1, (size_t)rows * d);
        tj_layernorm(tmp, y, (size_t)rows, (size_t)d, D->ctx.norm.gamma, D->ctx.norm.beta, 1e-6f);
        tj_ffn_block(m, &D->ffn, y, rows, ws->ffn, tmp, att, ws->qbuf);
    }
    /* Output layer over each group's selected columns (spec §5.9). */
    if (!m->is_float) tj_quantize_shifted(y, (size_t)rows * d, m->out_alpha, ws->qbuf);
    size_t sum_cols = 0;
    for (int g = 0; g < ng; g++) sum_cols += (size_t)grows[g] * (size_t)ctxs[g]->n_cols;
    if (ws->ou && tj_out_union_pays(ws->ou, rows, sum_cols)) {
        /* One product over the union, then each group's columns picked from it. */
        tj_out_union_step(ws->ou, m, ws->qbuf, rows);
        size_t un = ws->ou->n;
        for (int g = 0, r0 = 0; g < ng; r0 += grows[g], g++) {
            const tj_sentence_ctx *c = ctxs[g];
            for (int r = 0; r < grows[g]; r++) {
                const float *src = ws->ou->logits + (size_t)(r0 + r) * un;
                float *dst = logits[g] + (size_t)r * c->n_cols;
                for (int j = 0; j < c->n_cols; j++) dst[j] = src[c->ucols[j]];
            }
        }
        return;
    }
    for (int g = 0, r0 = 0; g < ng; r0 += grows[g], g++) {
        const tj_sentence_ctx *c = ctxs[g];
        if (m->is_float)
            tj_sgemm_bias(y + (size_t)r0 * d, (size_t)grows[g], (size_t)d,
                          c->cols ? c->col_wt : m->emb_t, (size_t)c->n_cols, c->col_pbias,
                          logits[g]);
        else
            tj_gemm_i8(ws->qbuf + (size_t)r0 * d, (size_t)grows[g], (size_t)d, m->out_w, c->cols,
                       (size_t)c->n_cols, m->out_unq, c->col_pbias, logits[g], (size_t)c->n_cols);
    }
}
