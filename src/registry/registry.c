/* SPDX-License-Identifier: MIT */
/* Registry loading (built-in or TSV override) and model lookup. */
#include "registry/registry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/sha256.h"

tj_status tj_registry_load(tj_registry **out, tj_error *err)
{
    const char *path = getenv("TARJAMA_REGISTRY");
    if (path && *path) {
        tj_status st = tj_registry_load_tsv(path, out, err);
        if (st != TJ_OK) tj_error_prefix(err, "TARJAMA_REGISTRY");
        return st;
    }
    return tj_registry_builtin(out, err);
}

void tj_registry_free(tj_registry *reg)
{
    if (!reg) return;
    free(reg->owned_models);
    free(reg->owned_files);
    free(reg->owned_text);
    free(reg->owned_source);
    free(reg);
}

/* ---------------------------------------------------------------- TSV */

static int name_char(int c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '-';
}

static int valid_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128) return 0;
    for (; *s; s++)
        if (!name_char((unsigned char)*s)) return 0;
    return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!isdigit((unsigned char)*s)) return 0;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return 0;
    *out = v;
    return 1;
}

static tj_status read_text(const char *path, char **out, tj_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tj_fail(err, TJ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - n < 2) {
            char *nb = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                fclose(f);
                return tj_fail(err, TJ_ERR_FORMAT, "%s: too large for a registry", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return buf ? tj_fail(err, TJ_ERR_IO, "%s: read error", path)
                   : tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    buf[n] = '\0';
    *out = buf;
    return TJ_OK;
}

typedef struct tsv_line {
    size_t model; /* index into the models being built */
    tj_reg_file file;
} tsv_line;

/* Splits a line in place at runs of blanks; returns the field count (at most max). */
static int split_fields(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r') *p++ = '\0';
        if (!*p) return n;
        if (n == max) return max + 1;
        field[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
    }
}

static void lowercase(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

/* Parses the fields of one line; models/n_models grows as new PAIR:VARIANT keys appear. */
static tj_status parse_line(const char *path, size_t lineno, char **f, int nf, tj_reg_model *models,
                            size_t *n_models, tsv_line *out, tj_error *err)
{
    if (nf != 5 && nf != 7)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s:%zu: expected 5 or 7 fields (PAIR FILE URL SIZE SHA256 "
                       "[RAW_SIZE RAW_SHA256]), got %d",
                       path, lineno, nf > 7 ? 8 : nf);
    char *pair = f[0], *variant = strchr(f[0], ':');
    if (variant) *variant++ = '\0';
    if (!valid_name(pair) || (variant && !valid_name(variant)))
        return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad model name '%s'", path, lineno, f[0]);
    if (!variant) variant = "default";
    if (!valid_name(f[1]))
        return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad file name '%s'", path, lineno, f[1]);
    tj_reg_file *file = &out->file;
    file->name = f[1];
    file->url = f[2];
    if (!parse_u64(f[3], &file->size))
        return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad size '%s'", path, lineno, f[3]);
    if (!tj_sha256_is_hex(f[4]))
        return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad sha256 '%s' (want 64 hex digits)", path,
                       lineno, f[4]);
    lowercase(f[4]);
    file->sha256 = f[4];
    file->raw_size = 0;
    file->raw_sha256 = NULL;
    if (nf == 7) {
        if (strcmp(f[5], "-") != 0 && !parse_u64(f[5], &file->raw_size))
            return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad raw size '%s'", path, lineno, f[5]);
        if (strcmp(f[6], "-") != 0) {
            if (!tj_sha256_is_hex(f[6]))
                return tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: bad raw sha256 '%s'", path, lineno,
                               f[6]);
            lowercase(f[6]);
            file->raw_sha256 = f[6];
        }
    }

    size_t m = 0;
    while (m < *n_models &&
           !(strcmp(models[m].pair, pair) == 0 && strcmp(models[m].variant, variant) == 0))
        m++;
    if (m == *n_models) {
        int first = 1;
        for (size_t i = 0; i < *n_models; i++) first &= strcmp(models[i].pair, pair) != 0;
        models[m] = (tj_reg_model){.pair = pair, .variant = variant, .is_default = first};
        (*n_models)++;
    }
    out->model = m;
    return TJ_OK;
}

tj_status tj_registry_load_tsv(const char *path, tj_registry **out, tj_error *err)
{
    *out = NULL;
    char *text = NULL;
    tj_status st = read_text(path, &text, err);
    if (st != TJ_OK) return st;

    size_t max_lines = 1;
    for (const char *p = text; *p; p++) max_lines += *p == '\n';
    tsv_line *lines = calloc(max_lines, sizeof *lines);
    tj_reg_model *models = calloc(max_lines, sizeof *models);
    tj_reg_file *files = calloc(max_lines, sizeof *files);
    tj_registry *reg = calloc(1, sizeof *reg);
    if (!lines || !models || !files || !reg) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto fail;
    }

    size_t n_lines = 0, n_models = 0, lineno = 0;
    for (char *line = text; line;) {
        char *next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *field[8];
        int nf = split_fields(line, field, 7);
        if (nf > 0 && field[0][0] != '#') {
            st = parse_line(path, lineno, field, nf, models, &n_models, &lines[n_lines], err);
            if (st != TJ_OK) goto fail;
            n_lines++;
        }
        line = next;
    }
    if (n_models == 0) {
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: no models listed", path);
        goto fail;
    }

    /* Group each model's files together, keeping their order, and reject duplicates. */
    size_t k = 0;
    for (size_t m = 0; m < n_models; m++) {
        models[m].files = files + k;
        for (size_t i = 0; i < n_lines; i++) {
            if (lines[i].model != m) continue;
            for (size_t j = models[m].files - files; j < k; j++)
                if (strcmp(files[j].name, lines[i].file.name) == 0) {
                    st = tj_fail(err, TJ_ERR_FORMAT, "%s: %s:%s lists '%s' twice", path,
                                 models[m].pair, models[m].variant, files[j].name);
                    goto fail;
                }
            files[k++] = lines[i].file;
        }
        models[m].n_files = (size_t)(files + k - models[m].files);
    }
    /* Every model gets its own folder, the default variant the bare pair name. The folder names
     * share one allocation with the source path. */
    size_t path_len = strlen(path) + 1, dirs_len = 0;
    for (size_t m = 0; m < n_models; m++)
        dirs_len += strlen(models[m].pair) + strlen(models[m].variant) + 2;
    char *strings = malloc(path_len + dirs_len);
    if (!strings) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(strings, path, path_len);
    char *d = strings + path_len;
    for (size_t m = 0; m < n_models; m++) {
        models[m].dir = d;
        models[m].note = "";
        if (models[m].is_default)
            d += sprintf(d, "%s", models[m].pair) + 1;
        else
            d += sprintf(d, "%s.%s", models[m].pair, models[m].variant) + 1;
    }
    free(lines);

    reg->models = models;
    reg->n_models = n_models;
    reg->base_url = tj_registry_default_base;
    reg->source = strings;
    reg->owned_models = models;
    reg->owned_files = files;
    reg->owned_text = text;
    reg->owned_source = strings;
    *out = reg;
    return TJ_OK;

fail:
    free(lines);
    free(models);
    free(files);
    free(reg);
    free(text);
    return st;
}

/* ---------------------------------------------------------------- lookup */

tj_status tj_registry_find(const tj_registry *reg, const char *spec, const tj_reg_model **out,
                           tj_error *err)
{
    *out = NULL;
    const char *colon = strchr(spec, ':');
    size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *variant = colon ? colon + 1 : NULL;
    int pair_known = 0;
    for (size_t i = 0; i < reg->n_models; i++) {
        const tj_reg_model *m = &reg->models[i];
        if (strlen(m->pair) != plen || strncmp(m->pair, spec, plen) != 0) continue;
        pair_known = 1;
        if (variant ? strcmp(m->variant, variant) == 0 : m->is_default) {
            *out = m;
            return TJ_OK;
        }
    }
    char list[256];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < reg->n_models && used < sizeof list; i++) {
        const tj_reg_model *m = &reg->models[i];
        if (pair_known) {
            if (strlen(m->pair) != plen || strncmp(m->pair, spec, plen) != 0) continue;
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                                     m->variant);
        } else if (m->is_default) {
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                                     m->pair);
        }
    }
    if (pair_known)
        return tj_fail(err, TJ_ERR_NOTFOUND, "model %.*s has no variant '%s' (variants: %s)",
                       (int)plen, spec, variant, list);
    return tj_fail(err, TJ_ERR_NOTFOUND, "unknown model '%s' (available: %s)", spec, list);
}

tj_status tj_reg_file_installed_name(const tj_reg_file *file, char *out, size_t cap, tj_error *err)
{
    size_t n = strlen(file->name);
    if (n > 3 && strcmp(file->name + n - 3, ".gz") == 0)
        n -= 3;
    else if (n > 4 && strcmp(file->name + n - 4, ".zst") == 0)
        n -= 4;
    if (n + 1 > cap) return tj_fail(err, TJ_ERR_ARG, "file name too long: %s", file->name);
    memcpy(out, file->name, n);
    out[n] = '\0';
    return TJ_OK;
}

void tj_reg_model_sizes(const tj_reg_model *model, uint64_t *published, uint64_t *raw)
{
    uint64_t pub = 0, r = 0;
    int all_raw = 1;
    for (size_t i = 0; i < model->n_files; i++) {
        pub += model->files[i].size;
        r += model->files[i].raw_size;
        all_raw &= model->files[i].raw_size > 0;
    }
    *published = pub;
    *raw = all_raw ? r : 0;
}
