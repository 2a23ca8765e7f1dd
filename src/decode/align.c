/* SPDX-License-Identifier: MIT */
#include "decode/align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_f32.h"
#include "nn/gemm_i8.h"
#include "nn/ops.h"
#include "util/error.h"

void tj_align_head(const tj_sentence_ctx *c, int h, float *q, uint8_t *qbuf, float *out)
{
    const tj_model *m = c->m;
    const tj_linear *lin = &m->dec[m->dec_depth - 1].ctx.q;
    int d = m->d, S = c->src_len, dh = d / m->heads;
    /* The query of the last layer's context attention, as transformer.c's affine() makes it. */
    if (lin->wf) {
        tj_sgemm_bias(c->y1, 1, (size_t)lin->in, lin->wf, (size_t)lin->out, lin->bf, q);
    } else {
        tj_quantize_shifted(c->y1, (size_t)d, lin->alpha, qbuf);
        tj_gemm_i8(qbuf, 1, (size_t)d, lin->w, NULL, (size_t)lin->out, lin->unq, lin->pbias, q,
                   (size_t)lin->out);
    }
    /* Keys of the last layer, stored transposed: [d][S]; head h owns rows h*dh .. h*dh+dh. */
    const float *kt = c->ctx_k + (size_t)(m->dec_depth - 1) * S * d + (size_t)h * dh * S;
    float scale = 1.0f / sqrtf((float)dh);
    for (int j = 0; j < S; j++) {
        float s = 0;
        for (int i = 0; i < dh; i++) s += q[h * dh + i] * kt[(size_t)i * S + j];
        out[j] = s * scale;
    }
    tj_softmax_rows(out, 1, (size_t)S);
}

tj_status tj_force_decode(const tj_model *m, const int *src, int S, const int *trg, int T,
                          float *attn, float *logprob, tj_error *err)
{
    if (S < 1 || T < 0) return tj_fail(err, TJ_ERR_ARG, "forced decode: empty source");
    tj_sentence_ctx c;
    /* The full vocabulary: the decoder's states do not depend on the output columns, and the
     * log-probability is meant over every token, not the shortlist. */
    tj_status st = tj_sentence_begin(&c, m, src, S, NULL, 0, 1, err);
    if (st) return st;
    int d = m->d;
    float *state = calloc((size_t)m->dec_depth * d, sizeof(float));
    float *logits = malloc((size_t)m->vocab * sizeof(float));
    float *q = malloc((size_t)d * sizeof(float));
    uint8_t *qbuf = malloc((size_t)d);
    if (!state || !logits || !q || !qbuf) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory (forced decode of %d tokens)", T);
        goto done;
    }
    for (int t = 0; t < T; t++) {
        int prev = t ? trg[t - 1] : -1;
        if (trg[t] < 0 || trg[t] >= m->vocab) {
            st = tj_fail(err, TJ_ERR_ARG, "forced decode: token id %d out of range", trg[t]);
            goto done;
        }
        tj_decoder_step(&c, &prev, t, 1, state, logits);
        if (attn && m->dec_self_att)
            memset(attn + (size_t)t * S, 0, (size_t)S * sizeof(float));
        else if (attn)
            tj_align_head(&c, 0, q, qbuf, attn + (size_t)t * S);
        if (logprob) {
            float mx = logits[0];
            for (int j = 1; j < m->vocab; j++) mx = logits[j] > mx ? logits[j] : mx;
            double z = 0;
            for (int j = 0; j < m->vocab; j++) z += exp((double)(logits[j] - mx));
            logprob[t] = (float)((double)(logits[trg[t]] - mx) - log(z));
        }
    }
done:
    free(state);
    free(logits);
    free(q);
    free(qbuf);
    tj_sentence_end(&c);
    return st;
}
