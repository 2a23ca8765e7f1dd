/* SPDX-License-Identifier: MIT */
/* The DOCX reader (src/doc/docx.c) without a model: a stand-in translator reverses each
 * paragraph's words and aligns every word to its source, so spans move as they do with a real
 * model. The first byte picks the input's form: even, the rest is a whole package (libzip's
 * reading, entry checks, limits); odd, the rest is word/document.xml, which the target packs into
 * a valid ZIP itself so that mutations reach the XML reader and the writer instead of failing the
 * CRC. A package that is translated must read again (its XML well-formed, its ZIP whole), and the
 * second pass must give back a package with the same number of entries; libxml2 must print
 * nothing (its generic error handler aborts). */
#include <libxml/parser.h>
#include <stdarg.h>
#include <zip.h>

#include "doc/doc.h"
#include "fuzz.h"

static int is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Each paragraph's words in reverse order, one space between, each aligned to its source word. */
static tj_status reverse_words(void *ctx, const char *const *texts, const size_t *lens, size_t n,
                               tj_doc_para *out, tj_error *err)
{
    (void)ctx, (void)err;
    for (size_t i = 0; i < n; i++) {
        const char *s = texts[i];
        size_t len = lens[i], nw = 0;
        for (size_t k = 0; k < len; k++)
            if (!is_sp(s[k]) && (k == 0 || is_sp(s[k - 1]))) nw++;
        tj_doc_para *p = &out[i];
        memset(p, 0, sizeof *p);
        p->out = malloc(len + 1);
        if (!p->out) goto oom;
        if (nw == 0) { /* nothing to move: copied */
            memcpy(p->out, s, len);
            p->out[len] = '\0';
            p->out_len = len;
            continue;
        }
        p->s = calloc(1, sizeof *p->s);
        if (!p->s) goto oom;
        p->ns = 1;
        tj_doc_sent *t = p->s;
        t->src_tok = malloc(2 * nw * sizeof *t->src_tok);
        t->trg_tok = malloc(2 * nw * sizeof *t->trg_tok);
        t->attn = calloc(nw * (nw + 1), sizeof *t->attn);
        t->align = malloc(nw * sizeof *t->align);
        if (!t->src_tok || !t->trg_tok || !t->attn || !t->align) goto oom;
        size_t w = 0;
        for (size_t k = 0; k < len;) {
            while (k < len && is_sp(s[k])) k++;
            if (k == len) break;
            size_t b = k;
            while (k < len && !is_sp(s[k])) k++;
            t->src_tok[2 * w] = b, t->src_tok[2 * w + 1] = k;
            w++;
        }
        size_t o = 0;
        for (size_t j = 0; j < nw; j++) {
            size_t src = nw - 1 - j, b = t->src_tok[2 * src], e = t->src_tok[2 * src + 1];
            if (j) p->out[o++] = ' ';
            t->trg_tok[2 * j] = o;
            memcpy(p->out + o, s + b, e - b);
            o += e - b;
            t->trg_tok[2 * j + 1] = o;
            t->align[j] = (int)src;
            t->attn[j * (nw + 1) + src] = 1.0f;
        }
        p->out[o] = '\0';
        p->out_len = o;
        t->src_begin = 0, t->src_end = len;
        t->trg_begin = 0, t->trg_end = o;
        t->n_src = t->n_trg = (int)nw;
    }
    return TJ_OK;
oom:
    for (size_t i = 0; i < n; i++) tj_doc_para_free(&out[i]);
    return TJ_ERR_NOMEM;
}

/* A package holding doc as word/document.xml, or NULL. */
static char *pack(const uint8_t *doc, size_t len, size_t *out_len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!src) return NULL;
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    if (!za) {
        zip_source_free(src);
        return NULL;
    }
    static const char types[] = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                                "openxmlformats.org/package/2006/content-types\"/>";
    zip_source_t *a = zip_source_buffer(za, types, sizeof types - 1, 0);
    zip_source_t *b = zip_source_buffer(za, doc, len, 0);
    if (!a || zip_file_add(za, "[Content_Types].xml", a, 0) < 0) zip_source_free(a);
    if (!b || zip_file_add(za, "word/document.xml", b, 0) < 0) zip_source_free(b);
    zip_source_keep(src);
    char *res = NULL;
    if (zip_close(za) < 0) {
        zip_discard(za);
    } else {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
            res = malloc(st.size + 1);
            if (res && zip_source_read(src, res, st.size) != (zip_int64_t)st.size) {
                free(res);
                res = NULL;
            }
            *out_len = st.size;
            zip_source_close(src);
        }
    }
    zip_source_free(src);
    return res;
}

static zip_int64_t entries(const char *data, size_t len)
{
    zip_source_t *src = zip_source_buffer_create(data, len, 0, NULL);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, NULL) : NULL;
    if (!za) {
        if (src) zip_source_free(src);
        return -1;
    }
    zip_int64_t n = zip_get_num_entries(za, 0);
    zip_discard(za);
    return n;
}

/* The library never writes to stderr: a message libxml2 would print is a finding. */
static void on_libxml_print(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_docx: libxml2 printed: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, on_libxml_print);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *langs[] = {"ar", "en", NULL};
    const char *lang = langs[(data[0] >> 1) % 3];
    char *pkg = NULL;
    size_t len = size - 1;
    const char *in = (const char *)data + 1;
    if (data[0] & 1) {
        pkg = pack(data + 1, size - 1, &len);
        if (!pkg) return 0;
        in = pkg;
    }
    char *out = NULL, *again = NULL;
    size_t out_len = 0, again_len = 0;
    tj_error err;
    tj_status st = tj_doc_docx_with(reverse_words, NULL, lang, in, len, &out, &out_len, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        fuzz_touch(out, out_len);
        /* what we wrote reads again, with the same entries */
        tj_status st2 =
            tj_doc_docx_with(reverse_words, NULL, lang, out, out_len, &again, &again_len, &err);
        if (st2 != TJ_OK || entries(out, out_len) != entries(in, len)) {
            fprintf(stderr, "fuzz_docx: the output does not read again: %s\n",
                    st2 ? err.message : "entry count changed");
            abort();
        }
    }
    free(out);
    free(again);
    free(pkg);
    return 0;
}
