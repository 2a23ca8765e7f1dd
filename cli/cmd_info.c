/* SPDX-License-Identifier: MIT */
/* tarjama info: what a model directory holds, and whether all of it loads. The full model is
 * opened first (tj_model_open runs every check the translator relies on); the extra details
 * (raw config keys, shortlist sizes) are then read from the same files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model/marian_bin.h"
#include "model/modeldir.h"
#include "model/shortlist.h"
#include "model/yaml.h"

static const char help[] =
    "usage: tarjama info -m MODEL_DIR\n"
    "\n"
    "Describes a model directory (files, architecture, vocabulary, precision, shortlist) and\n"
    "checks that the whole model loads; prints 'checks: ok' when it does.\n"
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
static int print_details(const tj_model_info *in)
{
    tj_error err;
    tj_marian_file bin;
    if (tj_marian_open(in->model_path, &bin, &err)) {
        cli_error("%s", err.message);
        return 1;
    }
    char b1[64], b2[64], b3[64], b4[64], b5[64];
    const char *y = bin.yaml;
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
    tj_marian_close(&bin);

    if (in->shared_vocab)
        printf("vocabulary:     shared by source and target, %d pieces\n", in->src_vocab_size);
    else
        printf("vocabulary:     separate: source %d pieces, target %d pieces\n", in->src_vocab_size,
               in->trg_vocab_size);
    printf("  special ids:  eos %d, unk %d (target vocabulary)\n", in->eos_id, in->unk_id);

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
    int rc = print_details(&in);
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
