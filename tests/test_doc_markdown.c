/* SPDX-License-Identifier: MIT */
/* Markdown documents (src/doc/markdown.c) with the bundled starter models: the output, parsed
 * again by cmark-gfm, has the same blocks in the same order (headings with their levels, lists with
 * their type, quotes, code and HTML blocks, breaks, tables with their rows and cells; a cell's text
 * is the plain translation of the same text), byte-identical code blocks, HTML blocks,
 * inline code, link destinations and titles, and images; emphasis is kept (adjacent spans may
 * merge); a heading's text is the plain-text translation of the same text. Bad input: invalid
 * UTF-8 is a one-line error. */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tarjama.h"

#include "check.h"

typedef struct facts {
    char blocks[4096];  /* block types in document order */
    char literal[8192]; /* code blocks, HTML blocks, inline code, link and image targets */
    int emph, strong, links;
} facts;

static void cat(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s|", s ? s : "");
}

static void walk(cmark_node *n, facts *f)
{
    for (; n; n = cmark_node_next(n)) {
        cmark_node_type t = cmark_node_get_type(n);
        char tag[64];
        switch (t) {
        case CMARK_NODE_HEADING:
            snprintf(tag, sizeof tag, "h%d", cmark_node_get_heading_level(n));
            cat(f->blocks, sizeof f->blocks, tag);
            break;
        case CMARK_NODE_LIST:
            cat(f->blocks, sizeof f->blocks,
                cmark_node_get_list_type(n) == CMARK_ORDERED_LIST ? "ol" : "ul");
            break;
        case CMARK_NODE_PARAGRAPH:
        case CMARK_NODE_BLOCK_QUOTE:
        case CMARK_NODE_ITEM:
        case CMARK_NODE_THEMATIC_BREAK:
            cat(f->blocks, sizeof f->blocks, cmark_node_get_type_string(n));
            break;
        case CMARK_NODE_HTML_BLOCK:
            /* cmark's renderer writes this between two lists in a row */
            if (!strcmp(cmark_node_get_literal(n), "<!-- end list -->\n")) break;
            /* fall through */
        case CMARK_NODE_CODE_BLOCK:
            cat(f->blocks, sizeof f->blocks, cmark_node_get_type_string(n));
            cat(f->literal, sizeof f->literal, cmark_node_get_literal(n));
            break;
        case CMARK_NODE_CODE:
            cat(f->literal, sizeof f->literal, cmark_node_get_literal(n));
            break;
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
            cat(f->literal, sizeof f->literal, cmark_node_get_url(n));
            cat(f->literal, sizeof f->literal, cmark_node_get_title(n));
            f->links++;
            break;
        case CMARK_NODE_EMPH:
            f->emph++;
            break;
        case CMARK_NODE_STRONG:
            f->strong++;
            break;
        default: /* the table extension's nodes, by name */
            if (strstr(cmark_node_get_type_string(n), "table"))
                cat(f->blocks, sizeof f->blocks, cmark_node_get_type_string(n));
            break;
        }
        walk(cmark_node_first_child(n), f);
    }
}

static void facts_of(const char *md, facts *f)
{
    memset(f, 0, sizeof *f);
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("table"));
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *d = cmark_parser_finish(p);
    cmark_parser_free(p);
    walk(cmark_node_first_child(d), f);
    cmark_node_free(d);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *b = malloc(1 << 20);
    size_t n = fread(b, 1, (1 << 20) - 1, fp);
    b[n] = '\0';
    fclose(fp);
    return b;
}

static void round_trip(const tj_model *m, const char *name, const char *src)
{
    tj_doc_options d;
    memset(&d, 0, sizeof d);
    d.format = TJ_FORMAT_MARKDOWN;
    char *out = NULL;
    size_t n = 0;
    tj_error err;
    if (tj_translate_document(m, NULL, &d, src, strlen(src), &out, &n, &err)) {
        CHECK(0, "%s: %s", name, err.message);
        return;
    }
    CHECK(strlen(out) == n, "%s: length %zu vs %zu", name, strlen(out), n);
    facts a, b;
    facts_of(src, &a);
    facts_of(out, &b);
    CHECK(!strcmp(a.blocks, b.blocks), "%s: blocks differ:\n  %s\n  %s", name, a.blocks, b.blocks);
    CHECK(!strcmp(a.literal, b.literal), "%s: code/links differ:\n  %s\n  %s", name, a.literal,
          b.literal);
    CHECK(a.links == b.links, "%s: %d links and images, now %d", name, a.links, b.links);
    CHECK(b.emph <= a.emph && (b.emph > 0) == (a.emph > 0), "%s: %d emphasis, now %d", name, a.emph,
          b.emph);
    CHECK(b.strong <= a.strong && (b.strong > 0) == (a.strong > 0), "%s: %d strong, now %d", name,
          a.strong, b.strong);
    tj_free(out);
}

int main(void)
{
    tj_model *en = NULL, *ar = NULL;
    tj_error err;
    if (tj_model_open("models/en-ar", &en, &err) || tj_model_open("models/ar-en", &ar, &err)) {
        printf("skipped: bundled models: %s\n", err.message);
        return 77;
    }
    char *src = slurp("tests/data/docs/news-en.md");
    CHECK(src != NULL, "tests/data/docs/news-en.md");
    if (src) round_trip(en, "news-en.md", src);
    round_trip(ar, "arabic",
               "# سد النهضة\n\nالتقى **وزراء الخارجية** في [القاهرة](https://example.org/c) "
               "يوم الاثنين.\n\n* تحصل مصر على *معظم* مياهها من النيل.\n* اكتب `tarjama "
               "--help`.\n\n```\nلا تترجم هذا\n```\n");

    /* a heading's text is the plain translation of the same text */
    const char *h = "What is at stake";
    char *plain = NULL, *doc = NULL;
    size_t n = 0;
    tj_doc_options d;
    memset(&d, 0, sizeof d);
    d.format = TJ_FORMAT_MARKDOWN;
    EXPECT(tj_translate(en, NULL, &h, 1, &plain, &err) == TJ_OK);
    EXPECT(tj_translate_document(en, NULL, &d, "## What is at stake\n", 20, &doc, &n, &err) ==
           TJ_OK);
    if (plain && doc) {
        char want[512];
        snprintf(want, sizeof want, "## %s\n", plain);
        CHECK(!strcmp(doc, want), "heading: '%s' vs '%s'", doc, want);
    }
    tj_free(plain), tj_free(doc);

    /* a table: translated cell by cell, each cell the plain translation of its text */
    const char *cells[] = {"Country", "Water", "Egypt", "Most of it"};
    char *tr[4] = {NULL};
    EXPECT(tj_translate(en, NULL, cells, 4, tr, &err) == TJ_OK);
    doc = NULL;
    const char *table = "| Country | Water |\n|---|--:|\n| Egypt | Most of it |\n";
    EXPECT(tj_translate_document(en, NULL, &d, table, strlen(table), &doc, &n, &err) == TJ_OK);
    if (doc && tr[3]) {
        char want[1024];
        snprintf(want, sizeof want, "| %s | %s |\n| --- | --: |\n| %s | %s |\n", tr[0], tr[1],
                 tr[2], tr[3]);
        CHECK(!strcmp(doc, want), "table:\n%s\nwant\n%s", doc, want);
    }
    for (int i = 0; i < 4; i++) tj_free(tr[i]);
    tj_free(doc);

    /* bad input */
    doc = NULL;
    CHECK(tj_translate_document(en, NULL, &d, "a\xff b", 4, &doc, &n, &err) == TJ_ERR_INPUT &&
              strstr(err.message, "invalid UTF-8 at byte offset 1") && !doc,
          "invalid UTF-8: %s", err.message);
    CHECK(tj_translate_document(en, NULL, &d, "", 0, &doc, &n, &err) == TJ_OK && n == 0,
          "empty document: %s", err.message);
    tj_free(doc);

    free(src);
    tj_model_close(en);
    tj_model_close(ar);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
