/* SPDX-License-Identifier: MIT */
/* The in-memory model: weights prepared for the int8 kernels, plus vocabularies and shortlist.
 * Built once by tj_model_open and read-only afterwards, so translations may share it. */
#ifndef TJ_DECODE_MODEL_H
#define TJ_DECODE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"
#include "model/marian_bin.h"
#include "nn/gemm_i8.h"
#include "model/modeldir.h"
#include "model/shortlist.h"
#include "model/vocab.h"
#include "tok/spm.h"

/* An affine map y = x·W + b: int8 with Marian's shifted quantisation (spec §5.11), or float32
 * for float models. */
typedef struct tj_linear {
    const float *wf; /* float models: W as stored, [in][out]; NULL for int8 */
    const float *bf; /* float models: bias (NULL for none) */
    const int8_t *w; /* [out][in] */
    tj_packed pk;    /* w packed for the AVX-512BW kernel (in the model's packed arena) */
    int in, out;
    float alpha;            /* activation multiplier (_QuantMultA) */
    float beta;             /* weight multiplier */
    float unq;              /* fl(1 / fl(alpha * beta)) */
    float *pbias;           /* prepared bias, `out` floats (owned) */
    const float *bias_file; /* the bias as stored (NULL for none), until pbias is prepared */
    /* int8 at load (decode/quant.c): w quantised from wf with a per-tensor beta; the activations
     * get their multiplier per product from their own maximum, as Marian's intgemm does without
     * precomputed alphas. */
    int dyn;
    int8_t *wq;    /* owned copy behind w */
    int32_t *csum; /* column sums of w, for the shifted arithmetic's bias correction */
} tj_linear;

/* y[M][out] = x·W + b for a linear quantised at load (lin->dyn). */
void tj_linear_dyn(const tj_linear *lin, const float *x, int M, float *y, uint8_t *qbuf);

typedef struct tj_norm {
    const float *gamma, *beta;
} tj_norm;

typedef struct tj_attention {
    tj_linear q, k, v, o;
    const float *bq_raw; /* unused after preparation; kept for info */
    tj_norm norm;        /* transformer-postprocess n (PREFIX_Wo_ln_*) */
    tj_norm pre;         /* transformer-preprocess n (PREFIX_Wo_ln_*_pre) */
} tj_attention;

/* Marian allows any transformer-ffn-depth >= 1; deeper than this is refused at load. */
#define TJ_FFN_MAX_DEPTH 8

typedef struct tj_ffn {
    tj_linear w[TJ_FFN_MAX_DEPTH]; /* W1..Wdepth: d -> ffn -> ... -> ffn -> d */
    int depth;
    tj_norm norm, pre;
} tj_ffn;

/* transformer-ffn-activation (Marian's activationByName; gelu is its x·sigmoid(1.702x)). */
enum { TJ_ACT_SWISH, TJ_ACT_RELU, TJ_ACT_GELU, TJ_ACT_SIGMOID, TJ_ACT_LINEAR };

typedef struct tj_enc_layer {
    tj_attention self;
    tj_ffn ffn;
} tj_enc_layer;

typedef struct tj_dec_layer {
    tj_linear rnn_w;  /* SSRU candidate, no bias */
    tj_linear rnn_wf; /* SSRU forget gate */
    tj_norm rnn_norm;
    tj_attention self; /* self-attention decoders (OPUS-MT) instead of the SSRU */
    tj_attention ctx;
    tj_ffn ffn;
} tj_dec_layer;

struct tj_model {
    tj_modeldir files;
    tj_marian_file bin;
    tj_shortlist shortlist;
    int has_shortlist;
    tj_spm *src_spm, *trg_spm; /* trg_spm == src_spm when shared */
    int shared_vocab;
    int eos_id, unk_id;

    int d, d_ffn, heads, enc_depth, dec_depth, vocab;
    int is_float; /* float32 weights (no quantisation anywhere) */
    void
        *packed; /* the packed weight copies and Wemb's (decode/model.c prepare_weights), or NULL */
    size_t packed_size;
    int dec_self_att; /* decoder layers are self-attention (decode/sa_decoder.h), not SSRU */
    int ffn_act;      /* TJ_ACT_*: the feed-forward activation */
    /* Marian's transformer-preprocess / -postprocess / -postprocess-emb / -postprocess-top,
     * dropout ('d') removed: the operations that change inference ("n" layer norm, "a" skip
     * connection; emb and pre allow only "n"). Default post-norm is pre "", post "an". */
    char pre_ops[8], post_ops[8], emb_ops[8], top_ops[8];
    tj_norm enc_emb_norm, dec_emb_norm;          /* encoder_emb_ln_*_pre, decoder_emb_ln_*_pre */
    tj_norm enc_top_norm, dec_top_norm;          /* encoder_top_ln_*, decoder_top_ln_* */
    int enc_ffn_depth, dec_ffn_depth, dec_d_ffn; /* d_ffn: the encoder's (and max) */
    int d_ffn_max;                               /* the widest feed-forward layer */
    float *emb;           /* Wemb [vocab][d] as float (owned): float models and self-attention
                           * decoders; NULL for int8 SSRU models, which read emb_q8 */
    const int8_t *emb_q8; /* int8 models: Wemb as stored [vocab][d] (the file's bytes, or a copy
                           * in the packed block); a value is q * emb_inv */
    float emb_inv;
    float *emb_t;          /* float models: Wemb transposed [d][vocab], the output layer (owned) */
    const float *out_bias; /* output bias as stored (int8 models: until out_pbias is made) */
    const int8_t *out_w;   /* output matrix re-quantised [vocab][d]: emb_q8 itself when the
                            * re-quantisation maps every value to itself */
    size_t out_w_mapped;   /* its size when it is an anonymous mapping of ours, else 0 */
    int8_t *out_w_owned;   /* out_w when malloc'd here (decode/quant.c, or no mapping) */
    float out_alpha, out_beta, out_unq;
    float *out_pbias; /* prepared output bias over the full vocabulary (owned) */
    tj_enc_layer *enc;
    tj_dec_layer *dec;
    size_t n_params;
    char arch[96];

    /* OPUS-MT / Hugging Face folders (docs/opus-mt.md): the model's ids are those of Marian's
     * vocab.yml / vocab.json, not the SentencePiece ids. NULL maps: the ids are the same. */
    tj_vocab src_voc, trg_voc;
    int *src_map;       /* [source spm size]: SentencePiece id -> model id (<unk> when absent) */
    int *trg_map;       /* [vocab]: model id -> target SentencePiece id (its unk when absent) */
    int lang_tok;       /* model id prepended to every source (>>xxx<<), or -1 */
    int needs_lang_tok; /* the README says a target-language token is required */
    int n_lang_toks;    /* >>xxx<< pieces in the source vocabulary */
    float *start_emb;   /* HF: a non-zero <pad> row, the decoder's start embedding (owned) */
    /* Untied embeddings (tied-embeddings-all false): the encoder's own table (owned) of
     * src_rows rows; emb is then decoder_Wemb and emb_t the output layer (decoder_Wemb
     * transposed with tied-embeddings, else decoder_ff_logit_out_W). NULL when tied. */
    float *src_emb;
    int src_rows;         /* the encoder's vocabulary size (vocab when tied) */
    int untied, out_tied; /* tied-embeddings-all false; tied-embeddings (decoder and output) */
    /* decoder.yml's settings (has_dec_opts 0: none) */
    int has_dec_opts, dec_beam;
    float dec_normalize, dec_mlf;
    int int8_at_load;  /* float weights quantised at load (tj_model_quantize) */
    int32_t *out_csum; /* its output layer: column sums of out_w */
};

/* The output layer of a model quantised at load, over n_cols columns (cols NULL: all). */
void tj_output_dyn(const tj_model *m, const float *y, int M, const int *cols, int n_cols,
                   const float *col_bias, float *logits, uint8_t *qbuf);
/* Frees what tj_model_quantize allocated (tj_model_close calls it). */
void tj_model_free_quant(tj_model *m);

/* Source text -> model ids: SentencePiece pieces, through the id map when there is one. */
tj_status tj_model_encode(const tj_model *m, const char *text, size_t len, tj_piece **pieces,
                          size_t *n, tj_error *err);
/* Model ids -> target text. */
tj_status tj_model_decode(const tj_model *m, const int *ids, size_t n, char **text, tj_error *err);
/* Target text -> model ids (glossary constraints): target SentencePiece pieces, looked up by
 * string in the model's own vocabulary when it has one (a piece it lacks becomes <unk>). */
tj_status tj_model_encode_target(const tj_model *m, const char *text, size_t len, tj_piece **pieces,
                                 size_t *n, tj_error *err);
/* The target piece of model id id (NULL when it has none). */
const char *tj_model_piece(const tj_model *m, int id);

#endif
