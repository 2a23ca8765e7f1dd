/* SPDX-License-Identifier: MIT */
/* The document module (tarjama-doc.so, util/module.h): the formats that need libxml2, libzip and
 * cmark-gfm. formats_module.c fills the table inside the module; formats_lazy.c forwards the
 * library's calls to it. */
#ifndef TJ_DOC_FORMATS_MODULE_H
#define TJ_DOC_FORMATS_MODULE_H

#include "doc/doc.h"
#include "util/module.h"

typedef struct tj_doc_module {
    tj_module_head head;
    tj_status (*html)(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err);
    tj_status (*markdown)(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err);
    tj_status (*docx)(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err);
    tj_status (*docx_with)(tj_doc_xlate_fn fn, void *ctx, const char *target_lang, const char *data,
                           size_t len, char **out, size_t *out_len, tj_error *err);
} tj_doc_module;

#endif
