/* SPDX-License-Identifier: MIT */
/* The formats of tarjama-doc.so, loaded when a document of one of them is first translated
 * (util/module.h says why). In the static library the real functions take these names. */
#include "doc/formats_module.h"

/* NULL with err set (TJ_ERR_UNSUPPORTED) when the module cannot be loaded. */
static const tj_doc_module *doc_module(tj_error *err)
{
    return tj_module_load("tarjama-doc", sizeof(tj_doc_module), err);
}

tj_status tj_doc_html(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err)
{
    const tj_doc_module *m = doc_module(err);
    return m ? m->html(c, data, len, out, out_len, err) : TJ_ERR_UNSUPPORTED;
}

tj_status tj_doc_markdown(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err)
{
    const tj_doc_module *m = doc_module(err);
    return m ? m->markdown(c, data, len, out, out_len, err) : TJ_ERR_UNSUPPORTED;
}

tj_status tj_doc_docx(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err)
{
    const tj_doc_module *m = doc_module(err);
    return m ? m->docx(c, data, len, out, out_len, err) : TJ_ERR_UNSUPPORTED;
}

tj_status tj_doc_docx_with(tj_doc_xlate_fn fn, void *ctx, const char *target_lang, const char *data,
                           size_t len, char **out, size_t *out_len, tj_error *err)
{
    const tj_doc_module *m = doc_module(err);
    return m ? m->docx_with(fn, ctx, target_lang, data, len, out, out_len, err)
             : TJ_ERR_UNSUPPORTED;
}
