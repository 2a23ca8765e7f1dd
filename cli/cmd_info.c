/* SPDX-License-Identifier: MIT */
/* tarjama info: what a model directory holds, and whether all of it loads. The full model is
 * opened first (tj_model_open runs every check the translator relies on); the extra details
 * (raw config keys, shortlist sizes) are then read from the same files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "decode/model.h"
#include "model/marian_bin.h"
#include "model/modeldir.h"
#include "model/shortlist.h"
#include "model/yaml.h"

static const char help[] =
    "usage: tarjama info [-m] MODEL_DIR\n"
    "\n"
    "Describes a model directory (files, architecture, vocabulary, precision, shortlist) and\n"
    "checks that the whole model loads; prints 'checks: ok' when it does. Firefox/Bergamot\n"
    "folders, OPUS-MT releases and Hugging Face MarianMT folders (docs/opus-mt.md).\n"
    "\n"
    "options:\n"
    "  -m, --model DIR   model directory (model.*.bin[.gz|.zst], lex.*.s2t.bin, vocab.*.spm)\n"
    "  -h, --help        this text\n";

static const char *or_none(const char *s)
{
    return s ? s : "(none)";
}

/* A config value for display: "?" when the key is absent. */
static const char *cfg(const char *yaml, const char *key, char *buf, size_t n)
{
    if (!tj_yaml_get(yaml, key, buf, n))
        snprintf(buf, n, "?");
    else if (!buf[0])
        snprintf(buf, n, "\"\"");
    return buf;
}

/* The details beyond tj_model_info; everything here was already validated by tj_model_open. */
static int print_details(const tj_model *m, const tj_model_info *in)
{
    tj_error err;
    char b1[64], b2[64], b3[64], b4[64], b5[64];
    /* The configuration as loaded: the model's own, or the one written from config.json. */
    const char *y = m->bin.yaml;
    printf("architecture:   %s\n", in->architecture);
    const char *autoreg = cfg(y, "transformer-decoder-autoreg", b2, sizeof b2);
    printf("  type %s, encoder %d layers, decoder %d layers (%s", cfg(y, "type", b1, sizeof b1),
           in->enc_depth, in->dec_depth, autoreg);
    /* dec-cell is only read by the rnn (SSRU) decoder; self-attention models carry a stale gru. */
    if (strcmp(autoreg, "rnn") == 0) printf(", cell %s", cfg(y, "dec-cell", b3, sizeof b3));
    printf(")\n");
    printf("  dim-emb %d, ffn dim %d (%s), heads %d, postprocess %s\n", in->dim_emb, in->dim_ffn,
           cfg(y, "transformer-ffn-activation", b4, sizeof b4), in->heads,
           cfg(y, "transformer-postprocess", b5, sizeof b5));
    if (tj_yaml_get(y, "version", b1, sizeof b1)) printf("  trained with Marian %s\n", b1);
    printf("precision:      %s\n", in->precision);
    printf("parameters:     %zu in %zu items (%zu bytes)\n", in->n_params, in->n_items,
           in->file_bytes);

    if (in->shared_vocab)
        printf("vocabulary:     shared by source and target, %d pieces\n", in->src_vocab_size);
    else
        printf("vocabulary:     separate: source %d pieces, target %d pieces\n", in->src_vocab_size,
               in->trg_vocab_size);
    printf("  special ids:  eos %d, unk %d (target vocabulary)\n", in->eos_id, in->unk_id);
    if (m->src_map) {
        printf("  model ids:    Marian's own (%s), not the SentencePiece ids; %d entries\n",
               m->files.layout == TJ_LAYOUT_HF ? "vocab.json" : "vocab.yml", m->src_voc.n);
        printf("  target-language tokens: %d (>>xxx<<)%s\n", m->n_lang_toks,
               m->needs_lang_tok ? "; the README requires one (--target-token)" : "");
    }
    if (m->has_dec_opts)
        printf("decoder.yml:    beam-size %d, normalize %g, max-length-factor %g (translate's "
               "defaults)\n",
               m->dec_beam, (double)m->dec_normalize, (double)m->dec_mlf);

    if (in->has_shortlist) {
        tj_shortlist sl;
        if (tj_shortlist_open(in->shortlist_path, (size_t)in->src_vocab_size,
                              (size_t)in->trg_vocab_size, &sl, &err)) {
            cli_error("%s", err.message);
            return 1;
        }
        printf("shortlist:      first %zu, best %zu; %llu source lists, %llu entries\n",
               in->shortlist_first, in->shortlist_best, (unsigned long long)sl.n_src,
               (unsigned long long)sl.n_lists);
        tj_shortlist_close(&sl);
    } else {
        printf("shortlist:      none (every step scores the whole vocabulary)\n");
    }
    return 0;
}

int cmd_info(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            if (i + 1 >= argc) {
                cli_error("info: %s needs a directory", a);
                return 2;
            }
            dir = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("info: unknown option '%s' (see 'tarjama info --help')", a);
            return 2;
        } else if (!dir) {
            dir = a; /* `tarjama info DIR` is accepted too */
        } else {
            cli_error("info: unexpected argument '%s' (see 'tarjama info --help')", a);
            return 2;
        }
    }
    if (!dir) {
        cli_error("info: no model given: use -m MODEL_DIR (see 'tarjama info --help')");
        return 2;
    }

    tj_error err;
    tj_model *model = NULL;
    if (tj_model_open(dir, &model, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    tj_model_info in;
    tj_model_get_info(model, &in);
    tj_modeldir md;
    /* tj_model_info has no metadata path; the scan is cheap and already succeeded once. */
    if (tj_modeldir_scan(dir, &md, &err)) {
        tj_model_close(model);
        cli_error("%s", err.message);
        return 1;
    }

    printf("model directory: %s\n", dir);
    static const char *const layouts[] = {
        "Firefox/Bergamot (SentencePiece ids are the model's)",
        "OPUS-MT release (Marian .npz, vocab.yml, decoder.yml)",
        ("Hugging Face MarianMT (config.json, model.safetensors, vocab.json)")};
    printf("layout:          %s\n", layouts[md.layout]);
    printf("files:\n");
    printf("  model:        %s\n", in.model_path);
    printf("  shortlist:    %s\n", or_none(in.shortlist_path));
    if (in.shared_vocab) {
        printf("  vocabulary:   %s\n", in.src_vocab_path);
    } else {
        printf("  source vocab: %s\n", in.src_vocab_path);
        printf("  target vocab: %s\n", in.trg_vocab_path);
    }
    printf("  metadata:     %s\n", or_none(md.metadata));
    if (md.src_ids) {
        if (!strcmp(md.src_ids, md.trg_ids))
            printf("  Marian vocab: %s\n", md.src_ids);
        else
            printf("  Marian vocab: source %s, target %s\n", md.src_ids, md.trg_ids);
    }
    if (md.decoder) printf("  decoder.yml:  %s\n", md.decoder);
    if (md.config) printf("  config.json:  %s\n", md.config);
    if (md.readme) printf("  README:       %s\n", md.readme);
    int rc = print_details(model, &in);
    tj_modeldir_free(&md);
    tj_model_close(model);
    if (rc == 0) printf("checks: ok\n");
    fflush(stdout);
    if (ferror(stdout)) {
        cli_error("error writing to stdout");
        return 1;
    }
    return rc;
}
