/* SPDX-License-Identifier: MIT */
/* The model registry: which files make up each downloadable model, where Mozilla publishes them
 * and their pinned sizes and SHA-256 digests; where installed models live; and fetching,
 * verifying and removing them. See docs/models.md for the user-facing side. */
#ifndef TJ_REGISTRY_REGISTRY_H
#define TJ_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "tarjama.h"

/* One published file of a model. */
typedef struct tj_reg_file {
    const char *name;       /* published name, e.g. "vocab.aren.spm.gz" (.gz/.zst = compressed) */
    const char *url;        /* absolute URL, or a path relative to the mirror base */
    uint64_t size;          /* published (downloaded) size in bytes */
    const char *sha256;     /* of the published bytes: 64 lowercase hex digits */
    uint64_t raw_size;      /* after decompression; 0 = not pinned */
    const char *raw_sha256; /* after decompression; NULL = not pinned */
} tj_reg_file;

/* One downloadable model: a translation direction in one size variant. */
typedef struct tj_reg_model {
    const char *pair;    /* "ar-en" */
    const char *variant; /* "base-memory" */
    const char *dir;     /* installed folder name: the pair for its default variant, else
                            "pair.variant" (e.g. "ar-en.base") */
    int is_default;      /* the variant that "ar-en" alone means */
    const char *note;    /* one line for `tarjama models list` */
    const tj_reg_file *files;
    size_t n_files;
} tj_reg_model;

typedef struct tj_registry {
    const tj_reg_model *models;
    size_t n_models;
    const char *base_url; /* base for relative file URLs when no mirror is given */
    const char *source;   /* "built-in" or the path of the TSV it was read from */
    void *owned_models, *owned_files, *owned_text, *owned_source; /* NULL for the built-in */
} tj_registry;

/* The base URL of the built-in registry: Mozilla's firefox-translations-models repository at a
 * pinned commit, served through GitHub's LFS media host. */
extern const char tj_registry_default_base[];

/* Loads the registry: the TSV named by $TARJAMA_REGISTRY when set, else the built-in table.
 * Release with tj_registry_free. */
tj_status tj_registry_load(tj_registry **out, tj_error *err);

/* The built-in table of Mozilla's ar<->en models (never fails except out of memory). */
tj_status tj_registry_builtin(tj_registry **out, tj_error *err);

/* Reads a registry from a TSV file: one line per file,
 *   PAIR[:VARIANT] <TAB> FILE <TAB> URL <TAB> SIZE <TAB> SHA256 [<TAB> RAW_SIZE <TAB> RAW_SHA256]
 * '#' starts a comment line; "-" leaves RAW_SIZE / RAW_SHA256 unpinned. The first variant listed
 * for a pair is its default. */
tj_status tj_registry_load_tsv(const char *path, tj_registry **out, tj_error *err);

void tj_registry_free(tj_registry *reg);

/* Resolves "ar-en" (the default variant) or "ar-en:base". */
tj_status tj_registry_find(const tj_registry *reg, const char *spec, const tj_reg_model **out,
                           tj_error *err);

/* The name a published file is installed under: FILE less its .gz / .zst suffix. Writes at most
 * cap bytes; returns TJ_ERR_ARG when it does not fit. */
tj_status tj_reg_file_installed_name(const tj_reg_file *file, char *out, size_t cap, tj_error *err);

/* Total published and (pinned) uncompressed bytes of a model; *raw is 0 unless every file pins
 * its uncompressed size. */
void tj_reg_model_sizes(const tj_reg_model *model, uint64_t *published, uint64_t *raw);

/* ---------------------------------------------------------------- locations */

/* $XDG_DATA_HOME/tarjama/models, or ~/.local/share/tarjama/models (malloc'd; may not exist). */
tj_status tj_models_data_dir(char **out, tj_error *err);

/* Finds an installed model for `translate`: "ar-en" or "ar-en:base" (or any folder name without a
 * ':'), searched in order in $TARJAMA_MODELS/<dir>, the data folder above, and the models
 * bundled with tarjama (TJ_BUNDLED_MODELS_DIR when compiled in, else models/ in the parent of the
 * executable's folder, else share/tarjama/models/ there: the build tree, then an installed copy).
 * On success *dir_out is a malloc'd path (release with tj_free). */
tj_status tj_models_find(const char *pair, char **dir_out, tj_error *err);

/* The folder of the starter models bundled with tarjama (the last place tj_models_find looks),
 * malloc'd, or NULL when there is none. They have no pinned digests: `models verify` and `models
 * remove` leave them alone. */
char *tj_models_bundled_dir(void);

/* Checks that spec is a safe model name: 1..64 of [A-Za-z0-9._:-], not starting with '.'. */
tj_status tj_models_check_spec(const char *spec, tj_error *err);

/* Folder name a spec installs to: the registry's when it knows the model, else spec itself
 * (which must then have no ':'). Writes into out (cap bytes). */
tj_status tj_models_dir_name(const tj_registry *reg, const char *spec, char *out, size_t cap,
                             tj_error *err);

/* Names of the installed models (sub-folders of data_dir not starting with '.'), sorted.
 * Release with tj_models_names_free. A missing data_dir gives zero names. */
tj_status tj_models_installed(const char *data_dir, char ***names, size_t *n, tj_error *err);
void tj_models_names_free(char **names, size_t n);

/* ---------------------------------------------------------------- fetch */

typedef enum tj_fetch_stage {
    TJ_FETCH_START,    /* a download begins (resumed_from > 0 when resuming a .part file) */
    TJ_FETCH_PROGRESS, /* bytes arrived: done of total */
    TJ_FETCH_CACHED,   /* an earlier, already verified download is reused */
    TJ_FETCH_VERIFIED, /* the published file matched its pinned size and sha256 */
    TJ_FETCH_UNPACKED, /* decompressed (and checked against the pinned digest when there is one) */
} tj_fetch_stage;

typedef struct tj_fetch_event {
    tj_fetch_stage stage;
    const char *file;      /* published name */
    size_t index, count;   /* which file of the model */
    uint64_t done, total;  /* bytes of this file; done includes a resumed prefix */
    uint64_t resumed_from; /* START: bytes kept from an earlier attempt */
} tj_fetch_event;

typedef void (*tj_fetch_progress_fn)(void *ctx, const tj_fetch_event *ev);

typedef struct tj_fetch_options {
    const char *mirror;            /* base URL for relative file URLs; NULL = the registry's */
    const char *data_dir;          /* install root; NULL = tj_models_data_dir() */
    int force;                     /* download again even when an installed copy verifies */
    long connect_timeout_s;        /* 0 = 30 */
    long stall_timeout_s;          /* abort when no byte arrives for this long; 0 = 60 */
    tj_fetch_progress_fn progress; /* may be NULL; the library itself never prints */
    void *progress_ctx;
} tj_fetch_options;

/* Downloads, verifies, decompresses and atomically installs a model under data_dir/<model dir>.
 * Partial downloads are kept as *.part files in data_dir/.<dir>.partial/ and resumed with HTTP
 * Range requests on the next call. Nothing is moved into place before every file has matched its
 * pinned digests. *already (may be NULL) is set when an installed copy verified and nothing was
 * downloaded. On success *dir_out (may be NULL) gets the malloc'd install folder. */
tj_status tj_models_fetch(const tj_registry *reg, const tj_reg_model *model,
                          const tj_fetch_options *opt, char **dir_out, int *already, tj_error *err);

/* 1 when url may be fetched: https, or plain http to a loopback host (127.0.0.0/8, ::1,
 * localhost). */
int tj_url_allowed(const char *url);
/* 1 when url's host is a loopback one (downloads from it bypass any proxy). */
int tj_url_is_loopback(const char *url);

/* ---------------------------------------------------------------- verify and remove */

/* Called once per checked file: status TJ_OK, TJ_ERR_CHECKSUM (size or digest differs),
 * TJ_ERR_NOTFOUND (missing) or TJ_ERR_IO; message is a one-line explanation. */
typedef void (*tj_verify_fn)(void *ctx, const char *file, tj_status status, const char *message);

/* Re-checks the size and sha256 of every file of an installed model in dir: against the
 * registry's pinned uncompressed digests where model (may be NULL) has them, and against the
 * SHA256SUMS manifest written at install time. TJ_OK only when every file matches. */
tj_status tj_models_verify(const tj_reg_model *model, const char *dir, tj_verify_fn report,
                           void *ctx, tj_error *err);

/* Removes data_dir/<dir_name> and any partial download of it. *removed (may be NULL) tells what
 * existed and was removed: TJ_MODELS_REMOVED_MODEL and/or TJ_MODELS_REMOVED_PARTIAL, 0 = nothing.
 */
#define TJ_MODELS_REMOVED_MODEL 1
#define TJ_MODELS_REMOVED_PARTIAL 2
tj_status tj_models_remove(const char *data_dir, const char *dir_name, int *removed, tj_error *err);

/* Imports a model folder or .zip (Firefox/Bergamot, OPUS-MT release, Hugging Face MarianMT;
 * docs/opus-mt.md) as data_dir/<name>: its top-level files are copied (a .zip's entries by their
 * file names), the model must load (tj_model_open), and a SHA256SUMS manifest is written for
 * `models verify`. An installed <name> is replaced only with force. *layout (may be NULL) gets
 * the tj_layout found; *dir_out (may be NULL) the malloc'd install folder. */
tj_status tj_models_import(const char *src, const char *data_dir, const char *name, int force,
                           char **dir_out, int *layout, tj_error *err);

/* Name of the manifest written into every installed model folder (sha256sum -c format). */
#define TJ_MODELS_MANIFEST "SHA256SUMS"

#endif
