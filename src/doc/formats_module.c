/* SPDX-License-Identifier: MIT */
/* The table tarjama-doc.so exports (built into the module only, with html.c, markdown.c and
 * docx.c). */
#include "doc/formats_module.h"

const tj_doc_module tj_module = {
    TJ_MODULE_HEAD(tj_doc_module), tj_doc_html, tj_doc_markdown, tj_doc_docx, tj_doc_docx_with,
};
