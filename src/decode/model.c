/* SPDX-License-Identifier: MIT */
/* tj_model_open: recognise the files, validate the architecture, prepare weights. */
#include "decode/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/hf.h"
#include "model/yaml.h"
#include "util/bigmem.h"
#include "util/blob.h"
#include "nn/gemm_i8.h"
#include "util/error.h"

static const tj_item *find_item(const tj_model *m, const char *name, tj_error *err)
{
    const tj_item *it = tj_marian_find(&m->bin, name);
    if (!it) tj_fail(err, TJ_ERR_FORMAT, "%s: missing parameter '%s'", m->files.model, name);
    return it;
}

/* A float parameter of exactly n elements. */
static const float *float_param(const tj_model *m, const char *name, size_t n, tj_error *err)
{
    const tj_item *it = find_item(m, name, err);
    if (!it) return NULL;
    if (it->type != TJ_TYPE_FLOAT32 || it->elements != n) {
        tj_fail(err, TJ_ERR_FORMAT, "%s: parameter '%s' should be float32 with %zu elements",
                m->files.model, name, n);
        return NULL;
    }
    return (const float *)it->data;
}

/* A scalar that may be stored as float32 or, for names containing "Wemb", as intgemm8 (one int8
 * plus its multiplier; Marian de-quantises such items at load, spec §2.7). */
static int scalar_param(const tj_model *m, const char *name, float *out, tj_error *err)
{
    const tj_item *it = find_item(m, name, err);
    if (!it) return -1;
    if (it->elements != 1) goto bad;
    /* Read with tj_blob_read: each matrix has such a scalar, alone on a page of the file that
     * nothing else at load touches (its fault cost more than the rest of the load of it). */
    if (it->type == TJ_TYPE_FLOAT32) {
        tj_blob_read(&m->bin.blob, it->data, sizeof *out, out);
    } else if (it->type == TJ_TYPE_INTGEMM8) {
        float q = tj_item_quant_mult(it);
        float inv = 1.0f / q;
        int8_t v;
        tj_blob_read(&m->bin.blob, it->data, 1, &v);
        *out = (float)v * inv;
    } else {
        goto bad;
    }
    if (!(*out > 0.0f) || !isfinite(*out)) goto bad;
    return 0;
bad:
    tj_fail(err, TJ_ERR_FORMAT, "%s: parameter '%s' is not a valid positive scalar", m->files.model,
            name);
    return -1;
}

/* intgemm's PrepareBias from the matrix's column sums (owned by the caller). With from, the
 * bias (in from's data) is read with tj_blob_read, not through the mapping: the page it is on
 * is then not faulted in for a read that happens once. */
static tj_status prepare_bias_sums(const int32_t *sums, int out, float alpha, float beta,
                                   const float *bias, const tj_blob *from, float **pb_out,
                                   tj_error *err)
{
    float *pb = malloc((size_t)out * sizeof *pb);
    if (!pb) return tj_fail(err, TJ_ERR_NOMEM, "out of memory preparing weights");
    if (bias && from) {
        tj_blob_read(from, bias, (size_t)out * sizeof *pb, pb);
        bias = pb; /* each pb[j] below reads its own bias[j] first */
    }
    /* v = (-1 * (127/alpha) * (127/beta)) / 127, each step in float. */
    float qa = 127.0f / alpha, qb = 127.0f / beta;
    float prod = qa * qb;
    float neg = -1.0f * prod;
    float v = neg / 127.0f;
    for (int j = 0; j < out; j++)
        pb[j] = bias ? fmaf((float)sums[j], v, bias[j]) : (float)sums[j] * v;
    *pb_out = pb;
    return TJ_OK;
}

static tj_status prepare_bias(const int8_t *w, int in, int out, float alpha, float beta,
                              const float *bias, const tj_blob *from, float **pb_out, tj_error *err)
{
    int32_t *sums = malloc((size_t)out * sizeof *sums);
    if (!sums) return tj_fail(err, TJ_ERR_NOMEM, "out of memory preparing weights");
    tj_i8_colsums(w, (size_t)out, (size_t)in, sums);
    tj_status st = prepare_bias_sums(sums, out, alpha, beta, bias, from, pb_out, err);
    free(sums);
    return st;
}

static tj_status load_linear(tj_model *m, const char *wname, const char *bname, int in, int out,
                             tj_linear *lin, tj_error *err)
{
    const tj_item *it = find_item(m, wname, err);
    if (!it) return err ? err->code : TJ_ERR_FORMAT;
    if (m->is_float) {
        if (it->type != TJ_TYPE_FLOAT32 || it->ndim != 2 || it->shape[0] != in ||
            it->shape[1] != out)
            return tj_fail(err, TJ_ERR_FORMAT, "%s: parameter '%s' should be float32 [%d, %d]",
                           m->files.model, wname, in, out);
        lin->wf = (const float *)it->data;
        lin->in = in;
        lin->out = out;
        if (bname && !(lin->bf = float_param(m, bname, (size_t)out, err)))
            return err ? err->code : TJ_ERR_FORMAT;
        m->n_params += (size_t)in * out + (bname ? (size_t)out : 0);
        return TJ_OK;
    }
    if (it->type != TJ_TYPE_INTGEMM8)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: parameter '%s' is not intgemm8 (type 0x%x); only int8 models are "
                       "supported",
                       m->files.model, wname, it->type);
    if (it->ndim != 2 || it->shape[0] != in || it->shape[1] != out)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s: parameter '%s' has shape [%d, %d], expected [%d, %d]", m->files.model,
                       wname, it->shape[0], it->ndim > 1 ? it->shape[1] : 0, in, out);
    if (in % 32 != 0)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: inner dimension %d of '%s' is not a multiple of 32", m->files.model, in,
                       wname);
    lin->w = (const int8_t *)it->data;
    lin->in = in;
    lin->out = out;
    lin->beta = tj_item_quant_mult(it);
    if (!(lin->beta > 0.0f) || !isfinite(lin->beta))
        return tj_fail(err, TJ_ERR_FORMAT, "%s: parameter '%s' has an invalid multiplier",
                       m->files.model, wname);
    char aname[256];
    if ((size_t)snprintf(aname, sizeof aname, "%s_QuantMultA", wname) >= sizeof aname)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: parameter name '%s' is too long", m->files.model,
                       wname);
    if (scalar_param(m, aname, &lin->alpha, err)) return err ? err->code : TJ_ERR_FORMAT;
    const float *bias = NULL;
    if (bname) {
        bias = float_param(m, bname, (size_t)out, err);
        if (!bias) return err ? err->code : TJ_ERR_FORMAT;
    }
    float ab = lin->alpha * lin->beta;
    lin->unq = 1.0f / ab;
    m->n_params += (size_t)in * out + (bias ? (size_t)out : 0);
    /* The bias is prepared with the matrix's column sums in prepare_weights, one matrix at a
     * time with its packing, so the matrix is read from memory once for both. */
    lin->bias_file = bias;
    return TJ_OK;
}

/* PREFIX_ln_scale SUFFIX and PREFIX_ln_bias SUFFIX (Marian's layerNorm parameters). */
static tj_status load_norm_sfx(tj_model *m, const char *prefix, const char *sfx, tj_norm *n,
                               tj_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "%s_ln_scale%s", prefix, sfx);
    n->gamma = float_param(m, name, (size_t)m->d, err);
    if (!n->gamma) return err ? err->code : TJ_ERR_FORMAT;
    snprintf(name, sizeof name, "%s_ln_bias%s", prefix, sfx);
    n->beta = float_param(m, name, (size_t)m->d, err);
    if (!n->beta) return err ? err->code : TJ_ERR_FORMAT;
    m->n_params += 2 * (size_t)m->d;
    return TJ_OK;
}

/* The block's layer norms: "_pre" for a preprocess n, the plain one for a postprocess n (Marian
 * names both after the block, PREFIX_Wo or PREFIX_ffn). */
static tj_status load_norm(tj_model *m, const char *prefix, tj_norm *n, tj_error *err)
{
    return strchr(m->post_ops, 'n') ? load_norm_sfx(m, prefix, "", n, err) : TJ_OK;
}

static tj_status load_pre_norm(tj_model *m, const char *prefix, tj_norm *n, tj_error *err)
{
    return strchr(m->pre_ops, 'n') ? load_norm_sfx(m, prefix, "_pre", n, err) : TJ_OK;
}

static tj_status load_attention(tj_model *m, const char *prefix, tj_attention *a, tj_error *err)
{
    char w[256], b[256];
    const char *names[4][2] = {{"Wq", "bq"}, {"Wk", "bk"}, {"Wv", "bv"}, {"Wo", "bo"}};
    tj_linear *lins[4] = {&a->q, &a->k, &a->v, &a->o};
    for (int i = 0; i < 4; i++) {
        snprintf(w, sizeof w, "%s_%s", prefix, names[i][0]);
        snprintf(b, sizeof b, "%s_%s", prefix, names[i][1]);
        tj_status st = load_linear(m, w, b, m->d, m->d, lins[i], err);
        if (st) return st;
    }
    snprintf(w, sizeof w, "%s_Wo", prefix);
    tj_status st = load_pre_norm(m, w, &a->pre, err);
    return st ? st : load_norm(m, w, &a->norm, err);
}

/* PREFIX_W1/_b1 .. PREFIX_Wdepth/_bdepth: d -> dim_ffn (-> dim_ffn ...) -> d. */
static tj_status load_ffn(tj_model *m, const char *prefix, int depth, int dim_ffn, tj_ffn *f,
                          tj_error *err)
{
    char w[256], b[256];
    f->depth = depth;
    for (int i = 0; i < depth; i++) {
        snprintf(w, sizeof w, "%s_W%d", prefix, i + 1);
        snprintf(b, sizeof b, "%s_b%d", prefix, i + 1);
        tj_status st =
            load_linear(m, w, b, i ? dim_ffn : m->d, i + 1 < depth ? dim_ffn : m->d, &f->w[i], err);
        if (st) return st;
    }
    snprintf(w, sizeof w, "%s_ffn", prefix);
    tj_status st = load_pre_norm(m, w, &f->pre, err);
    return st ? st : load_norm(m, w, &f->norm, err);
}

/* Checks that the embedded config describes the architecture this runtime implements. */
static tj_status check_config(tj_model *m, tj_error *err)
{
    const char *y = m->bin.yaml;
    const char *path = m->files.model;
    if (!y)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: no embedded configuration (special:model.yml)",
                       path);
    char buf[128];
    if (!tj_yaml_get(y, "type", buf, sizeof buf) || strcmp(buf, "transformer") != 0)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: model type '%s' is not supported (need transformer)", path,
                       tj_yaml_get(y, "type", buf, sizeof buf) ? buf : "?");
    if (!tj_yaml_get(y, "transformer-decoder-autoreg", buf, sizeof buf))
        strcpy(buf, "self-attention");
    m->dec_self_att = strcmp(buf, "self-attention") == 0;
    if (!m->dec_self_att && strcmp(buf, "rnn") != 0)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: decoder '%s' is not supported (need rnn with ssru, or self-attention)",
                       path, buf);
    if (!m->dec_self_att &&
        (!tj_yaml_get(y, "dec-cell", buf, sizeof buf) || strcmp(buf, "ssru") != 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: decoder cell '%s' is not supported (need ssru)", path, buf);
    /* Untied embeddings (separate encoder and decoder tables) are read for float self-attention
     * models (load_untied); the students always tie all three. */
    m->untied = !tj_yaml_get_bool(y, "tied-embeddings-all", 0);
    m->out_tied = tj_yaml_get_bool(y, "tied-embeddings", 0);
    if (m->untied && !m->dec_self_att)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: only models with tied-embeddings-all are supported", path);
    /* Marian's block operations (transformer.h preProcess/postProcess): 'd' dropout (nothing at
     * inference), 'n' layer norm, 'a' skip connection (postprocess only), 'r' RMS norm and 'h'
     * highway (not implemented here). Marian aborts on any other letter. */
    static const struct {
        const char *key, *def, *allowed, *marian;
        size_t off;
    } ops[] = {
        {"transformer-preprocess", "", "n", "dnr", offsetof(tj_model, pre_ops)},
        {"transformer-postprocess", "dan", "an", "danhr", offsetof(tj_model, post_ops)},
        {"transformer-postprocess-emb", "d", "n", "dnr", offsetof(tj_model, emb_ops)},
        {"transformer-postprocess-top", "", "an", "danhr", offsetof(tj_model, top_ops)},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!tj_yaml_get(y, ops[i].key, buf, sizeof buf)) strcpy(buf, ops[i].def);
        char *out = (char *)m + ops[i].off;
        size_t n = 0;
        for (const char *c = buf; *c; c++) {
            if (!strchr(ops[i].marian, *c))
                return tj_fail(err, TJ_ERR_FORMAT,
                               "%s: %s '%s': Marian has no operation '%c' there (it allows %s)",
                               path, ops[i].key, buf, *c, ops[i].marian);
            if (*c == 'd') continue;
            if (!strchr(ops[i].allowed, *c) || n + 1 >= sizeof m->pre_ops)
                return tj_fail(err, TJ_ERR_UNSUPPORTED,
                               "%s: %s '%s' is not supported (operations d, %s%s only)", path,
                               ops[i].key, buf, ops[i].allowed[1] ? "a, " : "", "n");
            out[n++] = *c;
        }
        out[n] = 0;
    }
    if (!m->dec_self_att &&
        (m->pre_ops[0] || strcmp(m->post_ops, "an") != 0 || m->emb_ops[0] || m->top_ops[0]))
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: SSRU decoders are supported with the default post-norm blocks only "
                       "(transformer-postprocess dan, no preprocess)",
                       path);
    if (tj_yaml_get_bool(y, "transformer-no-projection", 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: transformer-no-projection is not supported",
                       path);
    if (tj_yaml_get_bool(y, "transformer-train-positions", 0) ||
        tj_yaml_get_bool(y, "transformer-train-position-embeddings", 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: transformer-train-positions (learned positions) is not supported",
                       path);
    if (tj_yaml_get(y, "transformer-tied-layers", buf, sizeof buf) && buf[0] &&
        strcmp(buf, "[]") != 0)
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: transformer-tied-layers is not supported",
                       path);
    if (tj_yaml_get_bool(y, "transformer-pool", 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: transformer-pool is not supported", path);
    if (!tj_yaml_get(y, "transformer-ffn-activation", buf, sizeof buf)) strcpy(buf, "swish");
    static const char *acts[] = {"swish", "relu", "gelu", "sigmoid", ""};
    m->ffn_act = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(buf, acts[i])) m->ffn_act = i;
    if (m->ffn_act < 0)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s: transformer-ffn-activation '%s' is not one of Marian's (relu, swish, "
                       "gelu, sigmoid or empty)",
                       path, buf);
    m->enc_ffn_depth = (int)tj_yaml_get_int(y, "transformer-ffn-depth", 2);
    m->dec_ffn_depth = (int)tj_yaml_get_int(y, "transformer-decoder-ffn-depth", 0);
    if (m->dec_ffn_depth == 0) m->dec_ffn_depth = m->enc_ffn_depth;
    if (m->enc_ffn_depth < 1 || m->dec_ffn_depth < 1)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: feed-forward depth %d/%d is smaller than 1", path,
                       m->enc_ffn_depth, m->dec_ffn_depth);
    if (m->enc_ffn_depth > TJ_FFN_MAX_DEPTH || m->dec_ffn_depth > TJ_FFN_MAX_DEPTH)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: feed-forward depth %d/%d is not supported (at most %d)", path,
                       m->enc_ffn_depth, m->dec_ffn_depth, TJ_FFN_MAX_DEPTH);
    if (!m->dec_self_att &&
        (m->enc_ffn_depth != 2 || m->dec_ffn_depth != 2 || m->ffn_act > TJ_ACT_RELU))
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: SSRU decoders are supported with 2-layer relu or swish feed-forward "
                       "blocks only",
                       path);
    if (tj_yaml_get_bool(y, "layer-normalization", 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: layer-normalization inside the SSRU is not supported", path);
    if (tj_yaml_get_bool(y, "output-omit-bias", 0))
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: output-omit-bias is not supported", path);
    m->d = (int)tj_yaml_get_int(y, "dim-emb", 0);
    m->d_ffn = (int)tj_yaml_get_int(y, "transformer-dim-ffn", 0);
    m->dec_d_ffn = (int)tj_yaml_get_int(y, "transformer-decoder-dim-ffn", 0);
    if (m->dec_d_ffn == 0) m->dec_d_ffn = m->d_ffn;
    /* With one feed-forward layer (d -> d) the FFN width is unused. */
    if (m->enc_ffn_depth == 1) m->d_ffn = m->d;
    if (m->dec_ffn_depth == 1) m->dec_d_ffn = m->d;
    m->heads = (int)tj_yaml_get_int(y, "transformer-heads", 0);
    m->enc_depth = (int)tj_yaml_get_int(y, "enc-depth", 0);
    m->dec_depth = (int)tj_yaml_get_int(y, "dec-depth", 0);
    if (m->d <= 0 || m->d > 8192 || m->d % 32 || m->d_ffn <= 0 || m->d_ffn > 65536 ||
        m->d_ffn % 32 || m->dec_d_ffn <= 0 || m->dec_d_ffn > 65536 || m->dec_d_ffn % 32 ||
        m->heads <= 0 || m->d % m->heads || m->enc_depth <= 0 || m->enc_depth > 64 ||
        m->dec_depth <= 0 || m->dec_depth > 64)
        return tj_fail(
            err, TJ_ERR_FORMAT,
            "%s: invalid dimensions in the embedded config (dim-emb %d, ffn %d, heads %d, "
            "depth %d/%d)",
            path, m->d, m->d_ffn, m->heads, m->enc_depth, m->dec_depth);
    m->d_ffn_max = m->d_ffn > m->dec_d_ffn ? m->d_ffn : m->dec_d_ffn;
    return TJ_OK;
}

/* A float [rows, d] table copied out of the file (rows from the item when *rows is 0). */
static tj_status float_table(tj_model *m, const char *name, int *rows, float **out, tj_error *err)
{
    const tj_item *it = find_item(m, name, err);
    if (!it) return err ? err->code : TJ_ERR_FORMAT;
    if (it->type != TJ_TYPE_FLOAT32 || it->ndim != 2 || it->shape[1] != m->d || it->shape[0] <= 0 ||
        (*rows && it->shape[0] != *rows))
        return tj_fail(err, TJ_ERR_FORMAT, "%s: %s must be a float32 [vocab, %d] matrix",
                       m->files.model, name, m->d);
    *rows = it->shape[0];
    size_t n = (size_t)*rows * m->d;
    if (!(*out = malloc(n * sizeof **out))) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    memcpy(*out, it->data, n * sizeof **out);
    m->n_params += n;
    return TJ_OK;
}

/* encoder_Wemb, decoder_Wemb and the output layer: decoder_Wemb transposed (tied-embeddings) or
 * decoder_ff_logit_out_W [d, vocab]. */
static tj_status load_untied(tj_model *m, tj_error *err)
{
    const tj_item *it = find_item(m, "decoder_Wemb", err);
    if (!it) return err ? err->code : TJ_ERR_FORMAT;
    m->is_float = it->type == TJ_TYPE_FLOAT32;
    if (!m->is_float)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: untied embeddings are supported in float32 models only",
                       m->files.model);
    tj_status st;
    m->src_rows = 0;
    if ((st = float_table(m, "encoder_Wemb", &m->src_rows, &m->src_emb, err))) return st;
    m->vocab = 0;
    if ((st = float_table(m, "decoder_Wemb", &m->vocab, &m->emb, err))) return st;
    size_t n = (size_t)m->vocab * m->d;
    if (!(m->emb_t = malloc(n * sizeof *m->emb_t)))
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (m->out_tied) {
        for (size_t v = 0; v < (size_t)m->vocab; v++)
            for (size_t i = 0; i < (size_t)m->d; i++)
                m->emb_t[i * (size_t)m->vocab + v] = m->emb[v * (size_t)m->d + i];
    } else {
        const tj_item *w = find_item(m, "decoder_ff_logit_out_W", err);
        if (!w) return err ? err->code : TJ_ERR_FORMAT;
        if (w->type != TJ_TYPE_FLOAT32 || w->ndim != 2 || w->shape[0] != m->d ||
            w->shape[1] != m->vocab)
            return tj_fail(err, TJ_ERR_FORMAT,
                           "%s: decoder_ff_logit_out_W must be a float32 [%d, %d] matrix",
                           m->files.model, m->d, m->vocab);
        memcpy(m->emb_t, w->data, n * sizeof *m->emb_t);
        m->n_params += n;
    }
    m->out_bias = float_param(m, "decoder_ff_logit_out_b", (size_t)m->vocab, err);
    if (!m->out_bias) return err ? err->code : TJ_ERR_FORMAT;
    m->n_params += (size_t)m->vocab;
    return TJ_OK;
}

static tj_status load_embeddings(tj_model *m, tj_error *err)
{
    if (m->untied) return load_untied(m, err);
    const tj_item *it = find_item(m, "Wemb", err);
    if (!it) return err ? err->code : TJ_ERR_FORMAT;
    m->is_float = it->type == TJ_TYPE_FLOAT32;
    if (m->is_float) {
        if (it->ndim != 2 || it->shape[1] != m->d || it->shape[0] <= 0)
            return tj_fail(err, TJ_ERR_FORMAT, "%s: Wemb must be a [vocab, %d] matrix",
                           m->files.model, m->d);
        m->vocab = it->shape[0];
        size_t n = (size_t)m->vocab * m->d;
        if (!(m->emb = malloc(n * sizeof *m->emb)))
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        memcpy(m->emb, it->data, n * sizeof *m->emb);
        /* The output layer reads Wemb by columns; transposed once, its products run along
         * contiguous rows. */
        if (!(m->emb_t = malloc(n * sizeof *m->emb_t)))
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        for (size_t v = 0; v < (size_t)m->vocab; v++)
            for (size_t i = 0; i < (size_t)m->d; i++)
                m->emb_t[i * (size_t)m->vocab + v] = m->emb[v * (size_t)m->d + i];
        m->out_bias = float_param(m, "decoder_ff_logit_out_b", (size_t)m->vocab, err);
        if (!m->out_bias) return err ? err->code : TJ_ERR_FORMAT;
        m->n_params += n + (size_t)m->vocab;
        return TJ_OK;
    }
    if (it->type != TJ_TYPE_INTGEMM8 || it->ndim != 2 || it->shape[1] != m->d || it->shape[0] <= 0)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: Wemb must be an intgemm8 [vocab, %d] matrix",
                       m->files.model, m->d);
    m->vocab = it->shape[0];
    const int8_t *q8 = (const int8_t *)it->data;
    float qe = tj_item_quant_mult(it);
    if (!(qe > 0.0f) || !isfinite(qe))
        return tj_fail(err, TJ_ERR_FORMAT, "%s: Wemb has an invalid multiplier", m->files.model);
    /* Marian de-quantises Wemb to float at load (spec §2.6) and re-quantises it for the output
     * layer with a multiplier computed from the float matrix (§5.9). Every float of it is
     * fl(q * (1/qe)) for one of 255 int8 values q, so both steps go through tables of those
     * values instead of a float copy of the matrix (vocab x d floats that would be written, and
     * paged in, at every load): the embedding lookup de-quantises its row on the fly (the same
     * product, so the same bits) and the output matrix is a table lookup per weight
     * (prepare_out, with the other weights). */
    m->emb_q8 = q8;
    m->emb_inv = 1.0f / qe;
    if (scalar_param(m, "Wemb_QuantMultA", &m->out_alpha, err))
        return err ? err->code : TJ_ERR_FORMAT;
    m->out_bias = float_param(m, "decoder_ff_logit_out_b", (size_t)m->vocab, err);
    if (!m->out_bias) return err ? err->code : TJ_ERR_FORMAT;
    m->n_params += (size_t)m->vocab * m->d + (size_t)m->vocab;
    return TJ_OK;
}

static tj_status load_layers(tj_model *m, tj_error *err)
{
    m->enc = calloc((size_t)m->enc_depth, sizeof *m->enc);
    m->dec = calloc((size_t)m->dec_depth, sizeof *m->dec);
    if (!m->enc || !m->dec) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    char p[128], w[160];
    tj_status st;
    for (int l = 0; l < m->enc_depth; l++) {
        snprintf(p, sizeof p, "encoder_l%d_self", l + 1);
        if ((st = load_attention(m, p, &m->enc[l].self, err))) return st;
        snprintf(p, sizeof p, "encoder_l%d_ffn", l + 1);
        if ((st = load_ffn(m, p, m->enc_ffn_depth, m->d_ffn, &m->enc[l].ffn, err))) return st;
    }
    for (int l = 0; l < m->dec_depth; l++) {
        tj_dec_layer *L = &m->dec[l];
        if (m->dec_self_att) {
            snprintf(p, sizeof p, "decoder_l%d_self", l + 1);
            if ((st = load_attention(m, p, &L->self, err))) return st;
            goto context;
        }
        snprintf(p, sizeof p, "decoder_l%d_rnn", l + 1);
        snprintf(w, sizeof w, "%s_W", p);
        if ((st = load_linear(m, w, NULL, m->d, m->d, &L->rnn_w, err))) return st;
        snprintf(w, sizeof w, "%s_Wf", p);
        char b[160];
        snprintf(b, sizeof b, "%s_bf", p);
        if ((st = load_linear(m, w, b, m->d, m->d, &L->rnn_wf, err))) return st;
        snprintf(w, sizeof w, "%s_ffn", p);
        if ((st = load_norm_sfx(m, w, "", &L->rnn_norm, err))) return st;
    context:
        snprintf(p, sizeof p, "decoder_l%d_context", l + 1);
        if ((st = load_attention(m, p, &L->ctx, err))) return st;
        snprintf(p, sizeof p, "decoder_l%d_ffn", l + 1);
        if ((st = load_ffn(m, p, m->dec_ffn_depth, m->dec_d_ffn, &L->ffn, err))) return st;
    }
    /* postprocess-emb (a preProcess, hence "_pre") and postprocess-top layer norms. */
    if (strchr(m->emb_ops, 'n') &&
        ((st = load_norm_sfx(m, "encoder_emb", "_pre", &m->enc_emb_norm, err)) ||
         (st = load_norm_sfx(m, "decoder_emb", "_pre", &m->dec_emb_norm, err))))
        return st;
    if (strchr(m->top_ops, 'n') &&
        ((st = load_norm_sfx(m, "encoder_top", "", &m->enc_top_norm, err)) ||
         (st = load_norm_sfx(m, "decoder_top", "", &m->dec_top_norm, err))))
        return st;
    return TJ_OK;
}

/* Calls fn on every linear map of the layers (those a model does not use are zeroed). */
static void each_linear(tj_model *m, void (*fn)(tj_linear *, void *), void *ctx)
{
    if (m->enc)
        for (int l = 0; l < m->enc_depth; l++) {
            tj_attention *a = &m->enc[l].self;
            fn(&a->q, ctx), fn(&a->k, ctx), fn(&a->v, ctx), fn(&a->o, ctx);
            for (int i = 0; i < m->enc[l].ffn.depth; i++) fn(&m->enc[l].ffn.w[i], ctx);
        }
    if (m->dec)
        for (int l = 0; l < m->dec_depth; l++) {
            tj_dec_layer *L = &m->dec[l];
            fn(&L->rnn_w, ctx), fn(&L->rnn_wf, ctx);
            fn(&L->self.q, ctx), fn(&L->self.k, ctx), fn(&L->self.v, ctx), fn(&L->self.o, ctx);
            fn(&L->ctx.q, ctx), fn(&L->ctx.k, ctx), fn(&L->ctx.v, ctx), fn(&L->ctx.o, ctx);
            for (int i = 0; i < L->ffn.depth; i++) fn(&L->ffn.w[i], ctx);
        }
}

typedef struct pack_ctx {
    tj_model *m;
    tj_error *err;
    tj_status st;             /* the first failure; the remaining matrices are skipped */
    int pack;                 /* copy the matrices into the packed layout (AVX-512BW) */
    int vnni;                 /* the CPU has AVX-512 VNNI: order columns for it */
    int amx;                  /* and AMX: each matrix gets its bound (tj_gemm_i8_amx_bound) */
    size_t total;             /* pass 1: bytes the packed copies need */
    unsigned char *next;      /* pass 2: where the next copy goes in the arena */
    const unsigned char *map; /* the mapped model file, or NULL when it is not mapped */
    size_t map_size;
    const unsigned char *lo, *hi; /* pass 2: file bytes packed and not yet given back */
    size_t largest;               /* pass 1: bytes of the largest matrix */
    int8_t *stage; /* pass 2: the matrix being prepared, read from the file (NULL: in place) */
} pack_ctx;

static size_t up64(size_t n)
{
    return (n + 63) / 64 * 64;
}

/* Bytes of a matrix's packed form: the weights, and with VNNI its column order and bias. */
static size_t pack_bytes(const pack_ctx *c, const tj_linear *l)
{
    size_t K = (size_t)l->in, N = (size_t)l->out;
    return tj_gemm_i8_packed_size(K, N) + (c->vnni ? 2 * up64(N * 4) + up64(N / 8 + 2) : 0) +
           (c->amx ? up64(2 * K) : 0);
}

static void pack_size(tj_linear *l, void *ctx)
{
    pack_ctx *c = ctx;
    if (!l->w || l->dyn) return;
    c->total += pack_bytes(c, l);
    size_t n = (size_t)l->in * (size_t)l->out;
    if (n > c->largest) c->largest = n;
}

/* Gives the file's pages under [c->lo, c->hi) back: every product now reads the packed copies.
 * The mapping is private and read-only, so a page read again later (a layer norm between two
 * matrices, the alignment query's weights) comes back from the file. Only whole pages. */
static void drop_packed(pack_ctx *c)
{
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096,
              lo = ((uintptr_t)c->lo + page - 1) & ~(page - 1), hi = (uintptr_t)c->hi & ~(page - 1);
    if (c->lo && hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
    c->lo = c->hi = NULL;
}

/* Given back in spans of at most this many bytes: while the copies are made, the file's pages
 * and their copies are both resident for no more than this (giving back all at the end made
 * the load's peak the whole model twice), and one call per span, not per matrix (one call per
 * matrix cost 10 % of the load). */
#define TJ_DROP_SPAN ((size_t)4 << 20)

/* w: l->w's bytes (the file's, or a copy of them). */
static void pack_one(tj_linear *l, const int8_t *w, pack_ctx *c)
{
    size_t K = (size_t)l->in, N = (size_t)l->out;
    int8_t *P = (int8_t *)c->next;
    int32_t *perm = NULL;
    float *pb = NULL;
    uint16_t *emask = NULL;
    size_t n_exact = 0;
    if (c->vnni) {
        perm = (int32_t *)(c->next + tj_gemm_i8_packed_size(K, N));
        pb = (float *)((unsigned char *)perm + up64(N * 4));
        emask = (uint16_t *)((unsigned char *)pb + up64(N * 4)); /* zeroed: a fresh mapping */
        n_exact = tj_gemm_i8_exact_order(w, K, NULL, N, perm);
        if (n_exact == N) {
            perm = NULL; /* all exact: the file's order */
        } else if (n_exact < 64) {
            perm = NULL; /* no whole panel for VNNI: not worth the scattered stores */
            n_exact = 0;
        } else {
            for (size_t j = 0; j < N; j++) pb[j] = l->pbias[perm[j]];
            for (size_t j = 0; j < n_exact; j++)
                emask[perm[j] / 16] |= (uint16_t)(1u << (perm[j] % 16));
        }
    }
    uint8_t *bound = c->amx ? c->next + pack_bytes(c, l) - up64(2 * K) : NULL;
    c->next += pack_bytes(c, l);
    tj_gemm_i8_pack(w, K, N, perm, P);
    /* With AMX, the columns after the exact panels run through it too, split by this bound. */
    size_t jv = tj_gemm_i8_exact_end(n_exact, N);
    if (bound && jv < N && tj_gemm_i8_amx_fits(K))
        tj_gemm_i8_amx_bound(P, K, N, jv, bound);
    else
        bound = NULL;
    /* The exact-first order is put back by expands (no scattered stores) where a row fits. */
    l->pk = (tj_packed){
        P, perm, perm ? pb : NULL, n_exact, perm && N <= TJ_SPLIT_MAX_N ? emask : NULL, bound};
    const unsigned char *b = (const unsigned char *)l->w, *e = b + K * N;
    if (!c->map || b < c->map || e > c->map + c->map_size) return;
    if (c->lo) {
        const unsigned char *lo = b < c->lo ? b : c->lo, *hi = e > c->hi ? e : c->hi;
        if ((size_t)(hi - lo) > TJ_DROP_SPAN) drop_packed(c);
    }
    if (!c->lo || b < c->lo) c->lo = b;
    if (e > c->hi) c->hi = e;
}

/* Every int8 matrix of the layers: its prepared bias (from its column sums) and, with
 * AVX-512BW, its packed copy, one matrix after the other so that it is read from memory once
 * and the file's pages under it can be given back as soon as it is copied. With a stage, the
 * matrix is first read from the file into it (tj_blob_read): the passes over it (column sums,
 * exactness, packing) then read memory that is resident and in cache, and the file's pages
 * under it are never mapped into the process (their faults cost more than the passes). */
static void prepare_one(tj_linear *l, void *ctx)
{
    pack_ctx *c = ctx;
    if (c->st || !l->w || l->dyn) return;
    const int8_t *w = l->w;
    size_t n = (size_t)l->in * (size_t)l->out;
    const unsigned char *b = (const unsigned char *)w;
    if (c->stage && c->map && b >= c->map && b + n <= c->map + c->map_size) {
        tj_blob_read(&c->m->bin.blob, b, n, c->stage);
        w = c->stage;
    }
    c->st = prepare_bias(w, l->in, l->out, l->alpha, l->beta, l->bias_file,
                         w == c->stage ? &c->m->bin.blob : NULL, &l->pbias, c->err);
    if (!c->st && c->pack) pack_one(l, w, c);
}

/* The output layer of an int8 model from Wemb (m->emb_q8, the file's bytes): its re-quantised
 * matrix and its prepared bias. With copy (vocab x d bytes of resident memory), Wemb is first
 * read into it, the embeddings and the output layer then read the copy; each block is read from
 * the file (tj_blob_read: no page faults on the file's pages) and its column sums and range
 * computed while it is in cache, so Wemb is read from memory once. */
static tj_status prepare_out(tj_model *m, int8_t *copy, tj_error *err)
{
    size_t d = (size_t)m->d, rows = (size_t)m->vocab, n = rows * d;
    int32_t *sums = malloc(rows * sizeof *sums);
    if (!sums) return tj_fail(err, TJ_ERR_NOMEM, "out of memory preparing the output layer");
    int8_t qmin = 0, qmax = 0;
    if (copy) {
        size_t step = ((size_t)256 << 10) / d + 1; /* rows of a block: 256 kB, in L2 */
        for (size_t r = 0; r < rows; r += step) {
            size_t nr = rows - r < step ? rows - r : step;
            tj_blob_read(&m->bin.blob, m->emb_q8 + r * d, nr * d, copy + r * d);
            tj_i8_colsums_range(copy + r * d, nr, d, sums + r, &qmin, &qmax);
        }
        m->emb_q8 = copy;
    } else {
        tj_i8_colsums_range(m->emb_q8, rows, d, sums, &qmin, &qmax);
    }
    const int8_t *q8 = m->emb_q8;
    float inv = m->emb_inv;
    /* The largest |q * (1/qe)| over the matrix: |q| * (1/qe) grows with |q| (a product rounded
     * to float is monotonic), so it is that of the smallest or the largest q. */
    float maxabs = fmaxf(fabsf((float)qmin * inv), fabsf((float)qmax * inv));
    tj_status st = TJ_OK;
    if (!(maxabs > 0.0f)) {
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: Wemb is all zeros", m->files.model);
        goto done;
    }
    m->out_beta = 127.0f / maxabs;
    int8_t requant[256];
    for (int v = -128; v < 128; v++) {
        long r = lrintf(((float)v * inv) * m->out_beta);
        requant[(uint8_t)v] = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
    }
    /* A Wemb quantised to the full range (max |q| = 127, as Marian's converter writes it) gives
     * out_beta == qe and every value it holds maps to itself: the output layer then reads
     * emb_q8 itself, instead of a vocab x d copy that is the same bytes (12 MB of resident
     * memory and a pass over it at every load for the base models). */
    int same = 1;
    for (int v = qmin; v <= qmax; v++) same &= requant[(uint8_t)v] == v;
    if (same) {
        m->out_w = q8;
    } else {
        size_t mapped;
        int8_t *w = tj_bigmem_zalloc(n, &mapped);
        if (w && mapped) {
            m->out_w_mapped = mapped;
        } else if (w) {
            m->out_w_owned = w;
        } else {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory preparing the output layer");
            goto done;
        }
        m->out_w = w;
        tj_i8_map(q8, n, requant, w);
        tj_i8_colsums(w, rows, d, sums);
    }
    if (m->dec_self_att) {
        /* The self-attention decoder (sa_decoder.c) reads its embeddings from the float copy. */
        if (!(m->emb = malloc(n * sizeof *m->emb))) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory preparing the embeddings");
            goto done;
        }
        for (size_t i = 0; i < n; i++) m->emb[i] = (float)q8[i] * inv;
    }
    float ab = m->out_alpha * m->out_beta;
    m->out_unq = 1.0f / ab;
    st = prepare_bias_sums(sums, m->vocab, m->out_alpha, m->out_beta, m->out_bias,
                           copy ? &m->bin.blob : NULL, &m->out_pbias, err);
done:
    free(sums);
    return st;
}

/* Every int8 matrix's prepared bias and, with AVX-512BW, a copy in the layout the packed kernel
 * streams (nn/gemm_i8.h), 1.1-1.6x faster than the file's layout; and the output layer
 * (prepare_out). With the model file kept open (a plain file), Wemb is copied and the matrices
 * are read through a stage (prepare_one), so that no page of the file's weights is mapped: in
 * a virtual machine with shadow page tables each 4 KB page costs several microseconds at its
 * first touch, more than the work on it. The packed copies, Wemb's copy and the stage share one
 * block (tj_bigmem_zalloc: huge pages, resident up front); the stage and the block's rounding
 * to huge pages are given back at the end. */
static tj_status prepare_weights(tj_model *m, tj_error *err)
{
    pack_ctx c = {0};
    c.m = m;
    c.err = err;
    c.pack = !m->is_float && tj_cpu_has_avx512bw();
    c.vnni = c.pack && tj_cpu_has_avx512vnni();
    c.amx = c.vnni && tj_cpu_has_amx();
    if (c.pack) each_linear(m, pack_size, &c);
    if (!c.total) c.pack = 0;
    int int8_emb = !m->is_float && m->emb_q8, fd = m->bin.blob.has_fd;
    size_t emb = int8_emb && fd ? up64((size_t)m->vocab * (size_t)m->d) : 0;
    size_t stage = c.pack && fd ? c.largest : 0, all = c.total + emb + stage;
    size_t mapped = 0;
    unsigned char *a = all ? tj_bigmem_zalloc(all, &mapped) : NULL;
    if (all && !a) {
        if (c.total)
            return tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory packing the weights (%zu bytes)",
                           m->files.model, all);
        emb = stage = all = 0; /* Wemb read in place */
    }
    m->packed = a;
    m->packed_size = mapped;
    c.next = a;
    c.map = m->bin.blob.map;
    c.map_size = m->bin.blob.map_size;
    c.stage = stage ? (int8_t *)a + c.total + emb : NULL;
    tj_status st = int8_emb ? prepare_out(m, emb ? (int8_t *)a + c.total : NULL, err) : TJ_OK;
    if (st) return st;
    each_linear(m, prepare_one, &c);
    drop_packed(&c);
    tj_bigmem_trim(a, mapped, c.total + emb);
    return c.st;
}

static void free_linear(tj_linear *l, void *ctx)
{
    (void)ctx;
    free(l->pbias);
}

void tj_model_close(tj_model *m)
{
    if (!m) return;
    tj_model_free_quant(m);
    each_linear(m, free_linear, NULL);
    if (m->packed) tj_bigmem_free(m->packed, m->packed_size);
    free(m->enc);
    free(m->dec);
    free(m->emb);
    free(m->emb_t);
    if (m->out_w_mapped) tj_bigmem_free((void *)m->out_w, m->out_w_mapped);
    free(m->out_w_owned);
    free(m->out_pbias);
    free(m->start_emb);
    free(m->src_emb);
    free(m->src_map);
    free(m->trg_map);
    tj_vocab_free(&m->src_voc);
    tj_vocab_free(&m->trg_voc);
    if (m->trg_spm && m->trg_spm != m->src_spm) tj_spm_free(m->trg_spm);
    tj_spm_free(m->src_spm);
    if (m->has_shortlist) tj_shortlist_close(&m->shortlist);
    tj_marian_close(&m->bin);
    tj_modeldir_free(&m->files);
    free(m);
}

/* A Marian vocabulary whose size matches the model: n == vocab, or (Hugging Face) n == vocab + 1
 * with <pad> as the last id, the row the loader dropped (model/hf.c). */
static tj_status load_ids(tj_model *m, const char *path, int rows, tj_vocab *v, tj_error *err)
{
    tj_status st = tj_vocab_load(path, v, err);
    if (st) return st;
    int pad_last =
        m->files.layout == TJ_LAYOUT_HF && v->n == rows + 1 && !strcmp(v->piece[v->n - 1], "<pad>");
    if (v->n != rows && !pad_last)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s has %d entries but the model's vocabulary has %d rows (%s)", path, v->n,
                       rows, m->files.model);
    if (pad_last) v->n--; /* ids past the model's rows are never looked up again */
    if (m->files.layout == TJ_LAYOUT_OPUS && tj_vocab_find(v, "<unk>") < 0)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: no unknown-word piece '<unk>'", path);
    return TJ_OK;
}

static tj_status load_id_maps(tj_model *m, tj_error *err)
{
    tj_status st;
    if ((st = load_ids(m, m->files.src_ids, m->src_rows, &m->src_voc, err))) return st;
    if (!strcmp(m->files.src_ids, m->files.trg_ids)) {
        /* One joint file: read it once more rather than share ownership. */
        if ((st = load_ids(m, m->files.trg_ids, m->vocab, &m->trg_voc, err))) return st;
    } else if ((st = load_ids(m, m->files.trg_ids, m->vocab, &m->trg_voc, err))) {
        return st;
    }
    m->eos_id = tj_vocab_find(&m->trg_voc, "</s>");
    m->unk_id = tj_vocab_find(&m->trg_voc, "<unk>");
    if (m->eos_id < 0 || m->eos_id >= m->vocab)
        return tj_fail(err, TJ_ERR_FORMAT, "%s: no end-of-sentence piece '</s>'", m->files.trg_ids);
    int src_unk = tj_vocab_find(&m->src_voc, "<unk>");
    int ns = tj_spm_size(m->src_spm);
    m->src_map = malloc((size_t)ns * sizeof *m->src_map);
    m->trg_map = malloc((size_t)m->vocab * sizeof *m->trg_map);
    if (!m->src_map || !m->trg_map) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    /* Marian reads the pieces as words and looks each up in its vocabulary: a piece it does not
     * know is <unk>, as is the SentencePiece model's own unknown. */
    for (int i = 0; i < ns; i++) {
        int id = tj_vocab_find(&m->src_voc, tj_spm_piece_str(m->src_spm, i));
        m->src_map[i] = id >= 0 && id < m->src_rows ? id : src_unk;
        if (m->src_map[i] < 0)
            return tj_fail(err, TJ_ERR_FORMAT,
                           "%s: the piece '%s' of %s is missing and there is no '<unk>'",
                           m->files.src_ids, tj_spm_piece_str(m->src_spm, i), m->files.src_vocab);
    }
    /* Output ids back to target pieces; a piece the target SentencePiece model does not have (a
     * source-only piece of a joint vocabulary, a >>xxx<< token) decodes as its unknown. */
    int nt = tj_spm_size(m->trg_spm);
    const char **pieces = malloc((size_t)nt * sizeof *pieces);
    if (!pieces) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < nt; i++) pieces[i] = tj_spm_piece_str(m->trg_spm, i);
    tj_vocab tv;
    st = tj_vocab_from_pieces(pieces, nt, &tv, err);
    free(pieces);
    if (st) return st;
    int trg_unk = tj_spm_unk_id(m->trg_spm);
    for (int j = 0; j < m->vocab; j++) {
        int id = tj_vocab_find(&tv, m->trg_voc.piece[j]);
        m->trg_map[j] = id >= 0 ? id : trg_unk;
    }
    tj_vocab_free(&tv);
    for (int i = 0; i < m->src_voc.n; i++) {
        const char *p = m->src_voc.piece[i];
        size_t l = strlen(p);
        if (l > 4 && !strncmp(p, ">>", 2) && !strcmp(p + l - 2, "<<")) m->n_lang_toks++;
    }
    return TJ_OK;
}

/* decoder.yml's beam-size, normalize and max-length-factor: defaults for translation that the
 * command line may override (tj_model_default_options). */
static tj_status read_decoder_yml(tj_model *m, tj_error *err)
{
    char *y;
    tj_status st = tj_blob_load_text(m->files.decoder, (size_t)1 << 20, &y, err);
    if (st) return st;
    m->has_dec_opts = 1;
    m->dec_beam = (int)tj_yaml_get_int(y, "beam-size", 1);
    m->dec_normalize = (float)tj_yaml_get_float(y, "normalize", 0.0);
    m->dec_mlf = (float)tj_yaml_get_float(y, "max-length-factor", 3.0);
    free(y);
    if (m->dec_beam < 1 || m->dec_beam > 64 || !(m->dec_normalize >= 0.0f) ||
        m->dec_normalize > 10.0f || !(m->dec_mlf > 0.0f) || m->dec_mlf > 100.0f)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s: beam-size %d, normalize %g or max-length-factor %g out of range",
                       m->files.decoder, m->dec_beam, (double)m->dec_normalize, (double)m->dec_mlf);
    return TJ_OK;
}

/* OPUS-MT / Tatoeba-MT READMEs say "a sentence initial language token is required in the form
 * of `>>id<<`" for models with several target languages. */
static void read_readme(tj_model *m)
{
    tj_blob b;
    tj_error e;
    if (tj_blob_load_max(m->files.readme, (size_t)16 << 20, &b, &e)) return;
    static const char needle[] = "language token is required";
    for (size_t i = 0; i + sizeof needle - 1 <= b.size; i++)
        if (!memcmp(b.data + i, needle, sizeof needle - 1)) {
            m->needs_lang_tok = 1;
            break;
        }
    tj_blob_free(&b);
}

tj_status tj_model_set_target_token(tj_model *m, const char *token, tj_error *err)
{
    if (!m) return tj_fail(err, TJ_ERR_ARG, "tj_model_set_target_token: model is NULL");
    if (!token || !*token) {
        m->lang_tok = -1;
        return TJ_OK;
    }
    if (!m->src_map)
        return tj_fail(err, TJ_ERR_ARG,
                       "target token '%s': this model has no Marian vocabulary (vocab.yml or "
                       "vocab.json) with such tokens",
                       token);
    int id = tj_vocab_find(&m->src_voc, token);
    if (id < 0 || id >= m->src_rows)
        return tj_fail(err, TJ_ERR_ARG, "target token '%s' is not in %s (%d >>xxx<< tokens there)",
                       token, m->files.src_ids, m->n_lang_toks);
    m->lang_tok = id;
    return TJ_OK;
}

int tj_model_needs_target_token(const tj_model *m)
{
    return m && m->needs_lang_tok && m->lang_tok < 0;
}

void tj_model_default_options(const tj_model *m, tj_options *o)
{
    tj_options_default(o);
    if (m && m->has_dec_opts) {
        o->beam_size = m->dec_beam;
        o->normalize = m->dec_normalize;
        o->max_length_factor = m->dec_mlf;
    }
}

tj_status tj_model_encode(const tj_model *m, const char *text, size_t len, tj_piece **pieces,
                          size_t *n, tj_error *err)
{
    tj_status st = tj_spm_encode(m->src_spm, text, len, pieces, n, err);
    if (st || !m->src_map) return st;
    for (size_t i = 0; i < *n; i++) (*pieces)[i].id = m->src_map[(*pieces)[i].id];
    return TJ_OK;
}

tj_status tj_model_decode(const tj_model *m, const int *ids, size_t n, char **text, tj_error *err)
{
    if (!m->trg_map) return tj_spm_decode(m->trg_spm, ids, n, text, err);
    int *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        t[i] = ids[i] >= 0 && ids[i] < m->vocab ? m->trg_map[ids[i]] : -1;
    tj_status st = tj_spm_decode(m->trg_spm, t, n, text, err);
    free(t);
    return st;
}

tj_status tj_model_encode_target(const tj_model *m, const char *text, size_t len, tj_piece **pieces,
                                 size_t *n, tj_error *err)
{
    tj_status st = tj_spm_encode(m->trg_spm, text, len, pieces, n, err);
    if (st || !m->trg_map) return st;
    for (size_t i = 0; i < *n; i++) {
        int id = tj_vocab_find(&m->trg_voc, tj_spm_piece_str(m->trg_spm, (*pieces)[i].id));
        (*pieces)[i].id = id >= 0 ? id : m->unk_id;
    }
    return TJ_OK;
}

const char *tj_model_piece(const tj_model *m, int id)
{
    if (!m->trg_map) return tj_spm_piece_str(m->trg_spm, id);
    return id >= 0 && id < m->vocab ? tj_spm_piece_str(m->trg_spm, m->trg_map[id]) : NULL;
}

tj_status tj_model_open(const char *dir, tj_model **out, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!out) return tj_fail(err, TJ_ERR_ARG, "tj_model_open: out is NULL");
    *out = NULL;
    if (!dir || !*dir) return tj_fail(err, TJ_ERR_ARG, "no model directory given");
    tj_model *m = calloc(1, sizeof *m);
    if (!m) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st;
    if ((st = tj_modeldir_scan(dir, &m->files, err))) goto fail;
    m->lang_tok = -1;
    if (m->files.layout == TJ_LAYOUT_HF)
        st = tj_hf_open(m->files.model, m->files.config, &m->bin, err);
    else
        st = tj_marian_open(m->files.model, &m->bin, err);
    if (st) goto fail;
    if ((st = check_config(m, err))) goto fail;
    if ((st = load_embeddings(m, err))) goto fail;
    if (!m->untied) m->src_rows = m->vocab;
    if ((st = load_layers(m, err))) goto fail;
    if ((st = prepare_weights(m, err))) goto fail;
    tj_blob_close_fd(&m->bin.blob); /* read from by load_wemb and prepare_weights only */
    const tj_item *start = tj_marian_find(&m->bin, "tarjama:decoder_start");
    if (start) {
        const float *se = float_param(m, "tarjama:decoder_start", (size_t)m->d, err);
        if (!se || !(m->start_emb = malloc((size_t)m->d * sizeof *m->start_emb))) {
            st = se ? tj_fail(err, TJ_ERR_NOMEM, "out of memory") : err->code;
            goto fail;
        }
        memcpy(m->start_emb, se, (size_t)m->d * sizeof *m->start_emb);
    }
    if ((st = tj_spm_load(m->files.src_vocab, &m->src_spm, err))) goto fail;
    m->shared_vocab = !m->files.trg_vocab || strcmp(m->files.src_vocab, m->files.trg_vocab) == 0;
    if (m->shared_vocab)
        m->trg_spm = m->src_spm;
    else if ((st = tj_spm_load(m->files.trg_vocab, &m->trg_spm, err)))
        goto fail;
    if (m->files.src_ids) {
        if ((st = load_id_maps(m, err))) goto fail;
    } else {
        int src_bad = tj_spm_size(m->src_spm) != m->src_rows;
        if (tj_spm_size(m->trg_spm) != m->vocab || src_bad) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "vocabulary size %d (%s) does not match the model's %d (%s)",
                         src_bad ? tj_spm_size(m->src_spm) : tj_spm_size(m->trg_spm),
                         src_bad              ? m->files.src_vocab
                         : m->files.trg_vocab ? m->files.trg_vocab
                                              : m->files.src_vocab,
                         src_bad ? m->src_rows : m->vocab, m->files.model);
            goto fail;
        }
        m->eos_id = tj_spm_eos_id(m->trg_spm);
        m->unk_id = tj_spm_unk_id(m->trg_spm);
        if (m->eos_id < 0 || m->eos_id >= m->vocab) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: vocabulary has no valid end-of-sentence id",
                         m->files.src_vocab);
            goto fail;
        }
    }
    if (m->files.decoder && (st = read_decoder_yml(m, err))) goto fail;
    if (m->files.readme) read_readme(m);
    if (m->files.shortlist) {
        if ((st = tj_shortlist_open(m->files.shortlist, (size_t)m->vocab, (size_t)m->vocab,
                                    &m->shortlist, err)))
            goto fail;
        m->has_shortlist = 1;
    }
    static const char *act_names[] = {", swish",      "",          ", gelu", ", sigmoid",
                                      ", linear FFN", ", erf gelu"};
    snprintf(m->arch, sizeof m->arch, "transformer encoder (%d layers), %s decoder (%d layers)%s%s",
             m->enc_depth, m->dec_self_att ? "self-attention" : "SSRU", m->dec_depth,
             act_names[m->ffn_act], m->pre_ops[0] ? ", pre-norm" : "");
    *out = m;
    return TJ_OK;
fail:
    tj_model_close(m);
    return st;
}

void tj_model_get_info(const tj_model *m, tj_model_info *info)
{
    memset(info, 0, sizeof *info);
    info->model_path = m->files.model;
    info->shortlist_path = m->files.shortlist;
    info->src_vocab_path = m->files.src_vocab;
    info->trg_vocab_path = m->files.trg_vocab ? m->files.trg_vocab : m->files.src_vocab;
    info->architecture = m->arch;
    info->precision = m->int8_at_load ? "int8, quantised at load from float32 (per-tensor scales)"
                      : m->is_float   ? "float32"
                                      : "int8 (intgemm8 weights, precomputed activation alphas)";
    info->dim_emb = m->d;
    info->dim_ffn = m->d_ffn;
    info->heads = m->heads;
    info->enc_depth = m->enc_depth;
    info->dec_depth = m->dec_depth;
    info->src_vocab_size = tj_spm_size(m->src_spm);
    info->trg_vocab_size = tj_spm_size(m->trg_spm);
    info->shared_vocab = m->shared_vocab;
    info->eos_id = m->eos_id;
    info->unk_id = m->unk_id;
    info->n_params = m->n_params;
    info->n_items = m->bin.n_items;
    info->file_bytes = m->bin.file_bytes;
    info->has_shortlist = m->has_shortlist;
    if (m->has_shortlist) {
        info->shortlist_first = (size_t)m->shortlist.first_num;
        info->shortlist_best = (size_t)m->shortlist.best_num;
    }
}
