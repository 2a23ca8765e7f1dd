/* SPDX-License-Identifier: MIT */
/* Hugging Face MarianMT checkpoints; see hf.h.
 *
 * safetensors: 8 bytes little-endian header length N, N bytes of JSON (an object of name ->
 * {dtype, shape, data_offsets [begin, end)} plus an optional __metadata__), then the tensors'
 * bytes, offsets relative to the end of the header.
 *
 * The mapping is the inverse of Hugging Face's convert_marian_to_pytorch.py: a Linear's weight
 * is [out, in] where Marian's is [in, out], so it is transposed back; biases and layer norms are
 * copied; the converter appended one all-zero row to the embeddings and one zero to the output
 * bias for <pad> (the last id, also the decoder's start token). That row is dropped, which leaves
 * the output layer over Marian's vocabulary, and a non-zero row (a model fine-tuned in PyTorch)
 * is kept as the decoder's start embedding (Marian starts from zeros). Hugging Face computes its
 * sinusoidal positions with another frequency spacing (10000^(-2i/d) against Marian's
 * 10000^(-i/(d/2-1))); tarjama uses Marian's, those of the model the checkpoint came from. */
#include "model/hf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/blob.h"
#include "util/error.h"
#include "util/json.h"

#define MAX_HEADER ((uint64_t)100 << 20)
#define ARENA_ALIGN 64

enum { DT_F32, DT_F16, DT_BF16 };

typedef struct st_tensor {
    const char *name;
    int dtype, ndim;
    long long shape[4];
    size_t n;
    const unsigned char *data;
} st_tensor;

typedef struct st_file {
    tj_json *hdr;
    st_tensor *t;
    size_t n;
} st_file;

static void st_free(st_file *sf)
{
    tj_json_free(sf->hdr);
    free(sf->t);
    memset(sf, 0, sizeof *sf);
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static tj_status st_parse(const unsigned char *data, size_t size, st_file *sf, tj_error *err)
{
    memset(sf, 0, sizeof *sf);
    if (size < 8)
        return tj_fail(err, TJ_ERR_FORMAT, "truncated safetensors file (%zu bytes)", size);
    uint64_t hl = rd64(data);
    if (hl > size - 8 || hl > MAX_HEADER)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "safetensors header length %llu is larger than the file (%zu bytes)%s",
                       (unsigned long long)hl, size,
                       hl > MAX_HEADER ? " or the 100 MiB limit" : "");
    tj_status st = tj_json_parse((const char *)data + 8, (size_t)hl, &sf->hdr, err);
    if (st) {
        tj_error_prefix(err, "safetensors header");
        return st;
    }
    if (sf->hdr->type != TJ_JSON_OBJ) {
        st_free(sf);
        return tj_fail(err, TJ_ERR_FORMAT, "safetensors header is not a JSON object");
    }
    const unsigned char *base = data + 8 + hl;
    uint64_t avail = size - 8 - hl;
    sf->t = calloc(sf->hdr->n ? sf->hdr->n : 1, sizeof *sf->t);
    if (!sf->t) {
        st_free(sf);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (const tj_json *c = sf->hdr->child; c && !st; c = c->next) {
        if (!strcmp(c->key, "__metadata__")) continue;
        st_tensor *t = &sf->t[sf->n];
        t->name = c->key;
        const tj_json *dt = tj_json_get(c, "dtype"), *sh = tj_json_get(c, "shape"),
                      *off = tj_json_get(c, "data_offsets");
        if (!dt || dt->type != TJ_JSON_STR || !sh || sh->type != TJ_JSON_ARR || !off ||
            off->type != TJ_JSON_ARR || off->n != 2) {
            st =
                tj_fail(err, TJ_ERR_FORMAT,
                        "safetensors tensor '%s': needs dtype, shape and data_offsets [begin, end]",
                        c->key);
            break;
        }
        size_t es;
        if (!strcmp(dt->str, "F32"))
            t->dtype = DT_F32, es = 4;
        else if (!strcmp(dt->str, "F16"))
            t->dtype = DT_F16, es = 2;
        else if (!strcmp(dt->str, "BF16"))
            t->dtype = DT_BF16, es = 2;
        else {
            st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                         "safetensors tensor '%s' has dtype '%s' (supported: F32, F16, BF16)",
                         c->key, dt->str);
            break;
        }
        if (sh->n > 4) {
            st = tj_fail(err, TJ_ERR_UNSUPPORTED, "safetensors tensor '%s' has %zu dimensions",
                         c->key, sh->n);
            break;
        }
        uint64_t n = 1;
        int k = 0;
        for (const tj_json *d = sh->child; d; d = d->next, k++) {
            long long v;
            if (!tj_json_int(d, 0, INT32_MAX, &v)) {
                st = tj_fail(err, TJ_ERR_FORMAT, "safetensors tensor '%s': bad shape", c->key);
                break;
            }
            t->shape[k] = v;
            n *= (uint64_t)v;
            if (n > ((uint64_t)1 << 40)) {
                st =
                    tj_fail(err, TJ_ERR_FORMAT, "safetensors tensor '%s': shape too large", c->key);
                break;
            }
        }
        if (st) break;
        t->ndim = (int)sh->n;
        long long b, e;
        if (!tj_json_int(off->child, 0, INT64_MAX / 2, &b) ||
            !tj_json_int(off->child->next, 0, INT64_MAX / 2, &e) || e < b) {
            st = tj_fail(err, TJ_ERR_FORMAT, "safetensors tensor '%s': bad data_offsets", c->key);
            break;
        }
        if ((uint64_t)e > avail) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "safetensors tensor '%s': data_offsets [%lld, %lld] run past the end of "
                         "the data (%llu bytes; truncated file?)",
                         c->key, b, e, (unsigned long long)avail);
            break;
        }
        if ((uint64_t)(e - b) != n * es) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "safetensors tensor '%s': %lld bytes of data, its dtype and shape need "
                         "%llu",
                         c->key, e - b, (unsigned long long)(n * es));
            break;
        }
        t->n = (size_t)n;
        t->data = base + b;
        sf->n++;
    }
    if (st) st_free(sf);
    return st;
}

tj_status tj_safetensors_check(const unsigned char *data, size_t size, size_t *n_tensors,
                               tj_error *err)
{
    st_file sf;
    tj_status st = st_parse(data, size, &sf, err);
    if (!st && n_tensors) *n_tensors = sf.n;
    if (!st) st_free(&sf);
    return st;
}

static const st_tensor *st_find(const st_file *sf, const char *name)
{
    for (size_t i = 0; i < sf->n; i++)
        if (!strcmp(sf->t[i].name, name)) return &sf->t[i];
    return NULL;
}

static float half_to_float(uint16_t h)
{
    uint32_t s = (uint32_t)(h >> 15) << 31, e = h >> 10 & 0x1f, m = h & 0x3ff;
    uint32_t bits;
    if (e == 0) {
        if (m == 0) {
            bits = s;
        } else { /* subnormal: normalise */
            e = 127 - 15 + 1;
            while (!(m & 0x400)) m <<= 1, e--;
            bits = s | e << 23 | (m & 0x3ff) << 13;
        }
    } else if (e == 31) {
        bits = s | 0x7f800000u | m << 13;
    } else {
        bits = s | (e + 127 - 15) << 23 | m << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static float elem(const st_tensor *t, size_t i)
{
    const unsigned char *p = t->data;
    if (t->dtype == DT_F32) {
        uint32_t b = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
        float f;
        memcpy(&f, &b, 4);
        return f;
    }
    uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    if (t->dtype == DT_F16) return half_to_float(h);
    uint32_t b = (uint32_t)h << 16;
    float f;
    memcpy(&f, &b, 4);
    return f;
}

/* One Marian item to produce: the first rows*cols elements of src (copy), or src [cols][rows]
 * transposed to [rows][cols]. */
typedef struct plan {
    char name[64];
    const st_tensor *src;
    int transpose;
    int rows, cols;
} plan;

typedef struct builder {
    plan *p;
    size_t n, cap;
    const st_file *sf;
    const char *path;
    tj_error *err;
} builder;

/* Adds the Marian item `name` from HF tensor `hf` of shape [a] (b == 0) or [a, b]. */
static tj_status add(builder *B, const char *name, const char *hf, long long a, long long b,
                     int transpose)
{
    const st_tensor *t = st_find(B->sf, hf);
    if (!t) return tj_fail(B->err, TJ_ERR_FORMAT, "%s: missing tensor '%s'", B->path, hf);
    int ok = b == 0 ? (t->ndim == 1 && t->shape[0] == a) ||
                          (t->ndim == 2 && t->shape[0] == 1 && t->shape[1] == a)
                    : t->ndim == 2 && t->shape[0] == a && t->shape[1] == b;
    if (!ok) {
        if (b == 0)
            return tj_fail(B->err, TJ_ERR_FORMAT, "%s: tensor '%s' should have %lld elements",
                           B->path, hf, a);
        return tj_fail(B->err, TJ_ERR_FORMAT, "%s: tensor '%s' should be [%lld, %lld]", B->path, hf,
                       a, b);
    }
    if (B->n == B->cap) {
        size_t c = B->cap ? B->cap * 2 : 64;
        plan *np = realloc(B->p, c * sizeof *np);
        if (!np) return tj_fail(B->err, TJ_ERR_NOMEM, "out of memory");
        B->p = np;
        B->cap = c;
    }
    plan *p = &B->p[B->n++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->src = t;
    p->transpose = transpose;
    /* Marian's [in, out] from HF's [out, in]; 1-D items become [1, n] as Marian stores them. */
    p->rows = b == 0 ? 1 : (int)(transpose ? b : a);
    p->cols = b == 0 ? (int)a : (int)(transpose ? a : b);
    return TJ_OK;
}

/* Config fields. */
typedef struct hf_cfg {
    long long d, enc, dec, eheads, dheads, effn, dffn, vocab, dvocab, pad, start;
    int scale, share, tie;
    char act[32];
} hf_cfg;

static tj_status cfg_int(const tj_json *c, const char *path, const char *key, long long lo,
                         long long hi, long long *out, tj_error *err)
{
    const tj_json *j = tj_json_get(c, key);
    if (!j) return tj_fail(err, TJ_ERR_FORMAT, "%s: missing '%s'", path, key);
    if (!tj_json_int(j, lo, hi, out))
        return tj_fail(err, TJ_ERR_FORMAT, "%s: '%s' must be an integer in %lld..%lld", path, key,
                       lo, hi);
    return TJ_OK;
}

static int cfg_bool(const tj_json *c, const char *key, int def)
{
    const tj_json *j = tj_json_get(c, key);
    return j && j->type == TJ_JSON_BOOL ? j->boolean : def;
}

static tj_status read_config(const char *path, hf_cfg *h, tj_error *err)
{
    tj_blob b;
    tj_status st = tj_blob_load_max(path, (size_t)16 << 20, &b, err);
    if (st) return st;
    tj_json *c = NULL;
    st = tj_json_parse((const char *)b.data, b.size, &c, err);
    tj_blob_free(&b);
    if (st) {
        tj_error_prefix(err, path);
        return st;
    }
    memset(h, 0, sizeof *h);
    const tj_json *mt = tj_json_get(c, "model_type"), *act = tj_json_get(c, "activation_function");
    if (c->type != TJ_JSON_OBJ)
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: not a JSON object", path);
    else if (mt && (mt->type != TJ_JSON_STR || strcmp(mt->str, "marian") != 0))
        st = tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: model_type '%s' is not supported (need marian)",
                     path, mt->type == TJ_JSON_STR ? mt->str : "?");
    if (!st) st = cfg_int(c, path, "d_model", 1, 8192, &h->d, err);
    if (!st) st = cfg_int(c, path, "encoder_layers", 1, 64, &h->enc, err);
    if (!st) st = cfg_int(c, path, "decoder_layers", 1, 64, &h->dec, err);
    if (!st) st = cfg_int(c, path, "encoder_attention_heads", 1, 1024, &h->eheads, err);
    if (!st) st = cfg_int(c, path, "decoder_attention_heads", 1, 1024, &h->dheads, err);
    if (!st) st = cfg_int(c, path, "encoder_ffn_dim", 1, 65536, &h->effn, err);
    if (!st) st = cfg_int(c, path, "decoder_ffn_dim", 1, 65536, &h->dffn, err);
    if (!st) st = cfg_int(c, path, "vocab_size", 2, 1 << 24, &h->vocab, err);
    if (!st) st = cfg_int(c, path, "pad_token_id", 0, 1 << 24, &h->pad, err);
    if (!st && tj_json_get(c, "decoder_vocab_size") &&
        !tj_json_int(tj_json_get(c, "decoder_vocab_size"), 2, 1 << 24, &h->dvocab))
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: 'decoder_vocab_size' must be an integer", path);
    if (!st && !h->dvocab) h->dvocab = h->vocab;
    h->start = h->pad;
    if (!st && tj_json_get(c, "decoder_start_token_id") &&
        !tj_json_int(tj_json_get(c, "decoder_start_token_id"), 0, 1 << 24, &h->start))
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: 'decoder_start_token_id' must be an integer", path);
    if (!st && (!act || act->type != TJ_JSON_STR))
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: missing 'activation_function'", path);
    if (!st) snprintf(h->act, sizeof h->act, "%s", act->str);
    h->scale = cfg_bool(c, "scale_embedding", 0);
    h->share = cfg_bool(c, "share_encoder_decoder_embeddings", 1);
    h->tie = cfg_bool(c, "tie_word_embeddings", 1);
    if (st) {
    } else if (h->eheads != h->dheads)
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: encoder and decoder differ in heads (%lld/%lld); tarjama needs them "
                     "equal, as Marian has them",
                     path, h->eheads, h->dheads);
    else if (!h->scale)
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: scale_embedding is not true (Marian scales embeddings by sqrt(d_model))",
                     path);
    else if (cfg_bool(c, "normalize_before", 0) || cfg_bool(c, "normalize_embedding", 0) ||
             cfg_bool(c, "add_final_layer_norm", 0))
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: normalize_before / normalize_embedding / add_final_layer_norm are not "
                     "supported (Marian's OPUS-MT models are post-norm)",
                     path);
    else if (!cfg_bool(c, "static_position_embeddings", 1))
        st = tj_fail(err, TJ_ERR_UNSUPPORTED, "%s: learned position embeddings are not supported",
                     path);
    else if (!h->share || !h->tie || h->dvocab != h->vocab)
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: untied embeddings (share_encoder_decoder_embeddings or "
                     "tie_word_embeddings false) are not supported yet",
                     path);
    else if (h->pad != h->vocab - 1 || h->start != h->pad)
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: pad_token_id %lld and decoder_start_token_id %lld must both be the last "
                     "id (%lld), as the Marian converter makes them",
                     path, h->pad, h->start, h->vocab - 1);
    tj_json_free(c);
    return st;
}

static size_t align_up(size_t v)
{
    return (v + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
}

tj_status tj_hf_open(const char *path, const char *config, tj_marian_file *f, tj_error *err)
{
    memset(f, 0, sizeof *f);
    hf_cfg h;
    tj_status st = read_config(config, &h, err);
    if (st) return st;
    /* Hugging Face's names (ACT2FN) for the activations Marian has: its "quick_gelu",
     * x·sigmoid(1.702x), is Marian's gelu; its "gelu" is the exact erf form, which Marian's
     * gelu only approximates, so it is refused rather than run with different numbers. */
    static const char *acts[][2] = {{"silu", "swish"},      {"swish", "swish"},
                                    {"relu", "relu"},       {"quick_gelu", "gelu"},
                                    {"sigmoid", "sigmoid"}, {"linear", "\"\""}};
    const char *act = NULL;
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
        if (!strcmp(h.act, acts[i][0])) act = acts[i][1];
    if (!act)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: activation_function '%s' is not supported (need swish, silu, relu, "
                       "quick_gelu, sigmoid or linear; Hugging Face's erf 'gelu' is not Marian's)",
                       config, h.act);
    if ((st = tj_blob_load(path, &f->blob, err))) return st;
    f->file_bytes = f->blob.size;
    st_file sf;
    if ((st = st_parse(f->blob.data, f->blob.size, &sf, err))) {
        tj_error_prefix(err, path);
        tj_marian_close(f);
        return st;
    }
    builder B = {NULL, 0, 0, &sf, path, err};
    long long d = h.d, V = h.vocab, F;
    /* The embeddings are saved once under whichever name the tied group kept. */
    const char *emb = NULL;
    const char *cand[] = {"model.shared.weight", "model.encoder.embed_tokens.weight",
                          "model.decoder.embed_tokens.weight", "lm_head.weight"};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0] && !emb; i++)
        if (st_find(&sf, cand[i])) emb = cand[i];
    if (!emb) st = tj_fail(err, TJ_ERR_FORMAT, "%s: missing tensor 'model.shared.weight'", path);
    const st_tensor *et = emb ? st_find(&sf, emb) : NULL;
    if (!st && (et->ndim != 2 || et->shape[0] != V || et->shape[1] != d))
        st = tj_fail(err, TJ_ERR_FORMAT,
                     "%s: tensor '%s' should be [%lld, %lld] (vocab_size, "
                     "d_model)",
                     path, emb, V, d);
    int nonzero_pad = 0;
    if (!st) {
        for (long long i = 0; i < d && !nonzero_pad; i++)
            nonzero_pad = elem(et, (size_t)((V - 1) * d + i)) != 0.0f;
        /* Wemb without the <pad> row (a prefix of the matrix), and the bias without its entry. */
        st = add(&B, "Wemb", emb, V, d, 0);
        if (!st) B.p[B.n - 1].rows = (int)(V - 1);
    }
    if (!st) st = add(&B, "decoder_ff_logit_out_b", "final_logits_bias", V, 0, 0);
    if (!st) B.p[B.n - 1].cols = (int)(V - 1);
    if (!st && nonzero_pad) {
        st = add(&B, "tarjama:decoder_start", emb, V, d, 0);
        /* Marks the row; filled from the last row below. */
        if (!st) B.p[B.n - 1].rows = -1;
    }
    static const char *const att[4][2] = {
        {"q", "q_proj"}, {"k", "k_proj"}, {"v", "v_proj"}, {"o", "out_proj"}};
    char mn[64], hn[128];
    for (int side = 0; side < 2 && !st; side++) {
        long long layers = side ? h.dec : h.enc;
        const char *mside = side ? "decoder" : "encoder";
        F = side ? h.dffn : h.effn; /* decoder_ffn_dim: Marian's transformer-decoder-dim-ffn */
        for (long long l = 0; l < layers && !st; l++) {
            for (int blk = 0; blk < (side ? 2 : 1) && !st; blk++) {
                const char *mb = blk ? "context" : "self";
                const char *hb = blk ? "encoder_attn" : "self_attn";
                for (int i = 0; i < 4 && !st; i++) {
                    snprintf(mn, sizeof mn, "%s_l%lld_%s_W%s", mside, l + 1, mb, att[i][0]);
                    snprintf(hn, sizeof hn, "model.%s.layers.%lld.%s.%s.weight", mside, l, hb,
                             att[i][1]);
                    st = add(&B, mn, hn, d, d, 1);
                    snprintf(mn, sizeof mn, "%s_l%lld_%s_b%s", mside, l + 1, mb, att[i][0]);
                    snprintf(hn, sizeof hn, "model.%s.layers.%lld.%s.%s.bias", mside, l, hb,
                             att[i][1]);
                    if (!st) st = add(&B, mn, hn, d, 0, 0);
                }
                for (int i = 0; i < 2 && !st; i++) {
                    snprintf(mn, sizeof mn, "%s_l%lld_%s_Wo_ln_%s", mside, l + 1, mb,
                             i ? "bias" : "scale");
                    snprintf(hn, sizeof hn, "model.%s.layers.%lld.%s_layer_norm.%s", mside, l, hb,
                             i ? "bias" : "weight");
                    st = add(&B, mn, hn, d, 0, 0);
                }
            }
            for (int i = 0; i < 2 && !st; i++) {
                snprintf(mn, sizeof mn, "%s_l%lld_ffn_W%d", mside, l + 1, i + 1);
                snprintf(hn, sizeof hn, "model.%s.layers.%lld.fc%d.weight", mside, l, i + 1);
                st = add(&B, mn, hn, i ? d : F, i ? F : d, 1);
                snprintf(mn, sizeof mn, "%s_l%lld_ffn_b%d", mside, l + 1, i + 1);
                snprintf(hn, sizeof hn, "model.%s.layers.%lld.fc%d.bias", mside, l, i + 1);
                if (!st) st = add(&B, mn, hn, i ? d : F, 0, 0);
                snprintf(mn, sizeof mn, "%s_l%lld_ffn_ffn_ln_%s", mside, l + 1,
                         i ? "bias" : "scale");
                snprintf(hn, sizeof hn, "model.%s.layers.%lld.final_layer_norm.%s", mside, l,
                         i ? "bias" : "weight");
                if (!st) st = add(&B, mn, hn, d, 0, 0);
            }
        }
    }
    char yaml[1024];
    int yl = snprintf(yaml, sizeof yaml,
                      "type: transformer\n"
                      "dim-emb: %lld\n"
                      "enc-depth: %lld\n"
                      "dec-depth: %lld\n"
                      "transformer-heads: %lld\n"
                      "transformer-dim-ffn: %lld\n"
                      "transformer-decoder-dim-ffn: %lld\n"
                      "transformer-ffn-activation: %s\n"
                      "transformer-decoder-autoreg: self-attention\n"
                      "tied-embeddings-all: true\n"
                      "transformer-postprocess: dan\n"
                      "transformer-postprocess-emb: d\n"
                      "transformer-preprocess: \"\"\n"
                      "dim-vocabs:\n  - %lld\n  - %lld\n",
                      d, h.enc, h.dec, h.eheads, h.effn, h.dffn, act, V - 1, V - 1);
    /* Arena: names and payloads, each slot aligned. */
    size_t need = align_up(sizeof "special:model.yml") + align_up((size_t)yl + 1);
    for (size_t i = 0; i < B.n && !st; i++) {
        size_t n = B.p[i].rows < 0 ? (size_t)d : (size_t)B.p[i].rows * (size_t)B.p[i].cols;
        need += align_up(strlen(B.p[i].name) + 1) + align_up(n * sizeof(float));
    }
    unsigned char *arena = NULL;
    if (!st && !(arena = aligned_alloc(ARENA_ALIGN, align_up(need))))
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory reading %s", path);
    if (!st && !(f->items = calloc(B.n + 1, sizeof *f->items)))
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    f->arena = arena;
    size_t at = 0;
    for (size_t i = 0; i < B.n && !st; i++) {
        const plan *p = &B.p[i];
        tj_item *it = &f->items[f->n_items++];
        char *name = (char *)arena + at;
        strcpy(name, p->name);
        at += align_up(strlen(name) + 1);
        float *o = (float *)(arena + at);
        it->name = name;
        it->type = TJ_TYPE_FLOAT32;
        it->ndim = 2;
        if (p->rows < 0) { /* the <pad> row: the decoder's start embedding */
            for (long long k = 0; k < d; k++) o[k] = elem(p->src, (size_t)((V - 1) * d + k));
            it->shape[0] = 1, it->shape[1] = (int)d;
        } else {
            size_t R = (size_t)p->rows, C = (size_t)p->cols;
            if (p->transpose) /* src is [C][R] */
                for (size_t j = 0; j < C; j++)
                    for (size_t r = 0; r < R; r++) o[r * C + j] = elem(p->src, j * R + r);
            else
                for (size_t k = 0; k < R * C; k++) o[k] = elem(p->src, k);
            it->shape[0] = (int)R, it->shape[1] = (int)C;
        }
        it->elements = (size_t)it->shape[0] * (size_t)it->shape[1];
        it->bytes = it->elements * sizeof(float);
        it->data = (const unsigned char *)o;
        at += align_up(it->bytes);
    }
    if (!st) {
        tj_item *it = &f->items[f->n_items++];
        char *name = (char *)arena + at;
        strcpy(name, "special:model.yml");
        at += align_up(sizeof "special:model.yml");
        char *y = (char *)arena + at;
        memcpy(y, yaml, (size_t)yl + 1);
        it->name = name;
        it->type = TJ_TYPE_INT8;
        it->ndim = 1;
        it->shape[0] = yl;
        it->elements = (size_t)yl;
        it->bytes = (size_t)yl;
        it->data = (const unsigned char *)y;
        f->yaml = y;
    }
    free(B.p);
    st_free(&sf);
    /* Everything was converted into the arena; the file itself is no longer needed. */
    tj_blob_free(&f->blob);
    if (st) tj_marian_close(f);
    return st;
}
