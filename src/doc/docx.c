/* SPDX-License-Identifier: MIT */
/* DOCX documents (Office Open XML WordprocessingML): the ZIP package is read with libzip and its
 * text parts (word/document.xml, footnotes, endnotes, comments, headers, footers) with libxml2.
 * Each w:p is a paragraph of plain text; runs whose formatting (w:rPr) differs from the most
 * common one of their container become spans (adjacent runs with the same formatting are merged
 * first, so that a span is a piece of formatting, not an accident of editing history), as do
 * hyperlinks, simple fields, smart tags and tracked insertions; they are placed on the
 * translation through the alignments as inline markup is in HTML (doc/inline.c). Tabs and line
 * breaks go where their position maps; drawings, footnote references, bookmarks, comment anchors,
 * content controls and the instruction part of complex fields are kept whole. Every other entry
 * of the package is copied by libzip as it was (its compressed bytes), in the same order; a part
 * with nothing to translate is not rewritten. docs/documents.md has the details. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "doc/doc.h"
#include "text/passthrough.h"
#include "util/error.h"
#include "util/utf8.h"

/* The uncompressed bytes of XML parts read, all together; their DOM takes a few times as much. */
#define DOCX_MAX_XML ((zip_uint64_t)256 << 20)
/* Inline elements of one paragraph (placing them is quadratic in their number) and in all. */
#define DOCX_MAX_SPANS 4096
#define DOCX_MAX_SPANS_TOTAL ((size_t)1 << 21)

static const char *const w_ns[] = {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                   "http://purl.oclc.org/ooxml/wordprocessingml/main", NULL};

static int is_w(xmlNodePtr n, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href) return 0;
    if (strcmp((const char *)n->name, name)) return 0;
    for (int i = 0; w_ns[i]; i++)
        if (!strcmp((const char *)n->ns->href, w_ns[i])) return 1;
    return 0;
}

static int is_w_any(xmlNodePtr n, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (is_w(n, names[i])) return 1;
    return 0;
}

/* Elements that hold runs and whose text is translated (copied shallow around their content). */
static const char *const box_names[] = {"hyperlink", "smartTag", "fldSimple", "ins", "moveTo",
                                        "customXml", "dir",      "bdo",       NULL};
/* Markers without content: they stay inside a run of formatting, which goes on around them. */
static const char *const mark_names[] = {
    "bookmarkStart",    "bookmarkEnd",      "proofErr",       "commentRangeStart",
    "commentRangeEnd",  "permStart",        "permEnd",        "moveFromRangeStart",
    "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd", NULL};
/* Run content that reads as a space between words. */
static const char *const space_names[] = {"tab", "br", "cr", "ptab", NULL};
/* Run content that goes into whichever run is current (no formatting of its own to keep). */
static const char *const mark_run_names[] = {"noBreakHyphen", "softHyphen", "lastRenderedPageBreak",
                                             NULL};

typedef struct buf {
    char *s;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t, b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* What a span stands for. */
enum {
    K_FMT,     /* runs of one formatting: rpr */
    K_BOX,     /* an element around runs (hyperlink, ...): el; rpr = its content's usual one */
    K_FIELD,   /* a complex field: head nodes (begin .. separate) and tail (end); rpr as K_BOX */
    K_NODES,   /* nodes kept whole (markers, content controls, ...) */
    K_INRUN,   /* run content put into the current run (tab, break, ...): el */
    K_RUNCHILD /* run content kept in a run of its own formatting (drawing, ...): el, rpr */
};

typedef struct dinfo {
    int kind;
    xmlNodePtr rpr, el;
    size_t first, count;           /* K_NODES, K_FIELD's head: nodes[first .. first + count) */
    size_t tail_first, tail_count; /* K_FIELD's end */
    int made;                      /* K_FMT: a run was written for it */
} dinfo;

typedef struct dpara {
    xmlNodePtr p;
    xmlNodePtr base; /* the paragraph's usual rPr (NULL: none) */
    buf text;
    tj_doc_span *spans;
    dinfo *info;
    size_t nspans, cap;
    xmlNodePtr *nodes;
    size_t nnodes, cap_nodes;
    int err; /* 1 out of memory, 2 too many inline elements */
} dpara;

static int add_span(dpara *r, int kind, int parent)
{
    if (r->nspans >= DOCX_MAX_SPANS) {
        r->err = 2;
        return -1;
    }
    if (r->nspans == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        tj_doc_span *s = realloc(r->spans, cap * sizeof *s);
        if (s) r->spans = s;
        dinfo *d = s ? realloc(r->info, cap * sizeof *d) : NULL;
        if (!d) {
            r->err = 1;
            return -1;
        }
        r->info = d, r->cap = cap;
    }
    memset(&r->spans[r->nspans], 0, sizeof r->spans[0]);
    memset(&r->info[r->nspans], 0, sizeof r->info[0]);
    r->spans[r->nspans].begin = r->spans[r->nspans].end = r->text.len;
    r->spans[r->nspans].parent = parent;
    r->info[r->nspans].kind = kind;
    return (int)r->nspans++;
}

static int add_node(dpara *r, xmlNodePtr n)
{
    if (r->nnodes == r->cap_nodes) {
        size_t cap = r->cap_nodes ? r->cap_nodes * 2 : 16;
        xmlNodePtr *v = realloc(r->nodes, cap * sizeof *v);
        if (!v) {
            r->err = 1;
            return -1;
        }
        r->nodes = v, r->cap_nodes = cap;
    }
    r->nodes[r->nnodes++] = n;
    return 0;
}

/* A span keeping nodes [a .. b] (siblings) whole. */
static int add_nodes(dpara *r, xmlNodePtr a, xmlNodePtr b, int parent)
{
    int i = add_span(r, K_NODES, parent);
    if (i < 0) return -1;
    r->info[i].first = r->nnodes;
    for (xmlNodePtr n = a; n; n = n->next) {
        if (add_node(r, n)) return -1;
        if (n == b) break;
    }
    r->info[i].count = r->nnodes - r->info[i].first;
    r->spans[i].atomic = 1;
    return i;
}

static xmlNodePtr rpr_of(xmlNodePtr run)
{
    for (xmlNodePtr c = run->children; c; c = c->next)
        if (is_w(c, "rPr")) return c;
    return NULL;
}

/* The formatting of a run as a string to compare ("" without rPr); NULL when out of memory. */
static char *rpr_key(xmlNodePtr run)
{
    xmlNodePtr rpr = rpr_of(run);
    if (!rpr) return strdup("");
    xmlBufferPtr b = xmlBufferCreate();
    if (!b) return NULL;
    char *s = NULL;
    if (xmlNodeDump(b, run->doc, rpr, 0, 0) >= 0) s = strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

/* The visible text under n (w:t only: not deleted text, not field instructions). */
static void text_of(buf *b, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (is_w(n, "t")) {
            for (xmlNodePtr c = n->children; c; c = c->next)
                if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
                    put(b, (const char *)c->content, strlen((const char *)c->content));
        } else if (n->type == XML_ELEMENT_NODE) {
            text_of(b, n->children);
        }
    }
}

static size_t text_len(xmlNodePtr run)
{
    buf b = {0};
    text_of(&b, run->children);
    free(b.s);
    return b.oom ? 0 : b.len;
}

/* Whether run holds the beginning of a complex field. */
static int fld_begins(xmlNodePtr run)
{
    for (xmlNodePtr c = run->children; c; c = c->next)
        if (is_w(c, "fldChar")) {
            xmlChar *t = xmlGetNsProp(c, (const xmlChar *)"fldCharType", c->ns->href);
            int b = t && !xmlStrcmp(t, (const xmlChar *)"begin");
            xmlFree(t);
            if (b) return 1;
        }
    return 0;
}

/* Finds the end of the complex field beginning at run among its siblings before stop: *sep gets
 * the run with its separator (NULL if none), returns the run with its end or NULL. */
static xmlNodePtr field_end(xmlNodePtr run, xmlNodePtr stop, xmlNodePtr *sep)
{
    int depth = 0;
    *sep = NULL;
    for (xmlNodePtr n = run; n && n != stop; n = n->next) {
        if (!is_w(n, "r")) continue;
        for (xmlNodePtr c = n->children; c; c = c->next) {
            if (!is_w(c, "fldChar")) continue;
            xmlChar *t = xmlGetNsProp(c, (const xmlChar *)"fldCharType", c->ns->href);
            if (t && !xmlStrcmp(t, (const xmlChar *)"begin")) {
                depth++;
            } else if (t && !xmlStrcmp(t, (const xmlChar *)"separate")) {
                if (depth == 1 && !*sep) *sep = n;
            } else if (t && !xmlStrcmp(t, (const xmlChar *)"end")) {
                if (--depth == 0) {
                    xmlFree(t);
                    return n;
                }
            }
            xmlFree(t);
        }
    }
    return NULL;
}

typedef struct fmtw {
    char *key;
    size_t weight, order;
    xmlNodePtr rpr;
} fmtw;

static int cmp_fmtw(const void *a, const void *b)
{
    const fmtw *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The usual formatting of the runs among [first, stop): the one with the most text (sorted by
 * formatting, so that a paragraph of many runs costs n log n). *key: NULL when out of memory. */
static xmlNodePtr base_of(xmlNodePtr first, xmlNodePtr stop, char **key)
{
    size_t n = 0, cap = 0;
    fmtw *v = NULL;
    xmlNodePtr rpr = NULL;
    *key = NULL;
    for (xmlNodePtr m = first; m && m != stop; m = m->next) {
        if (!is_w(m, "r")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            fmtw *t = realloc(v, cap * sizeof *t);
            if (!t) goto done;
            v = t;
        }
        if (!(v[n].key = rpr_key(m))) goto done;
        v[n].weight = text_len(m), v[n].order = n, v[n].rpr = rpr_of(m);
        n++;
    }
    if (n) qsort(v, n, sizeof *v, cmp_fmtw);
    size_t best = 0, best_w = 0, best_order = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, w = 0;
        while (j < n && !strcmp(v[j].key, v[i].key)) w += v[j++].weight;
        /* ties: the formatting that comes first */
        if (i == 0 || w > best_w || (w == best_w && v[i].order < best_order))
            best = i, best_w = w, best_order = v[i].order;
        i = j;
    }
    if (n) {
        *key = strdup(v[best].key);
        rpr = v[best].rpr;
    } else {
        *key = strdup("");
    }
done:
    for (size_t i = 0; i < n; i++) free(v[i].key);
    free(v);
    return *key ? rpr : NULL;
}

/* The content of one run: text, spaces (tabs, breaks) and what is kept whole. */
static int run_content(dpara *r, xmlNodePtr run, int parent)
{
    for (xmlNodePtr c = run->children; c && !r->err; c = c->next) {
        if (is_w(c, "rPr")) continue;
        if (is_w(c, "t")) {
            for (xmlNodePtr k = c->children; k; k = k->next)
                if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
                    put(&r->text, (const char *)k->content, strlen((const char *)k->content));
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) continue; /* white space between elements */
        int space = is_w_any(c, space_names);
        int k = add_span(r, space || is_w_any(c, mark_run_names) ? K_INRUN : K_RUNCHILD, parent);
        if (k < 0) return -1;
        r->spans[k].atomic = 1;
        r->info[k].el = c;
        r->info[k].rpr = rpr_of(run);
        /* a tab or break separates words for the model; the point goes before the space */
        if (space) put(&r->text, " ", 1);
    }
    return r->text.oom ? (r->err = 1, -1) : (r->err ? -1 : 0);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return 0;
    return 1;
}

/* Ends the open span of formatting fmt; one holding only white space and nothing else gives
 * its text to its parent (its place in a translation would be arbitrary). */
static void close_fmt(dpara *r, int *fmt, char **fkey)
{
    if (*fmt < 0) return;
    tj_doc_span *s = &r->spans[*fmt];
    s->end = r->text.len;
    /* an empty span: the text may not exist yet (NULL), and NULL + 0 is undefined */
    if ((size_t)*fmt == r->nspans - 1 &&
        (s->end == s->begin || blank(r->text.s + s->begin, s->end - s->begin)))
        r->nspans--;
    *fmt = -1;
    free(*fkey);
    *fkey = NULL;
}

static int flatten_seq(dpara *r, xmlNodePtr first, xmlNodePtr stop, int parent, int depth);

/* The paragraph content among siblings [first, stop), inside span parent (-1: the paragraph). */
static int flatten_seq(dpara *r, xmlNodePtr first, xmlNodePtr stop, int parent, int depth)
{
    char *bkey = NULL, *fkey = NULL;
    xmlNodePtr base = base_of(first, stop, &bkey);
    if (!bkey) return r->err = 1, -1;
    if (parent < 0)
        r->base = base;
    else
        r->info[parent].rpr = base;
    int fmt = -1;
    xmlNodePtr next;
    for (xmlNodePtr n = first; n && n != stop && !r->err; n = next) {
        next = n->next;
        if (is_w(n, "pPr")) continue;
        if (n->type == XML_TEXT_NODE && n->content &&
            blank((const char *)n->content, strlen((const char *)n->content)))
            continue; /* indentation between elements */
        if (is_w(n, "r") && fld_begins(n)) {
            close_fmt(r, &fmt, &fkey);
            xmlNodePtr sep, end = field_end(n, stop, &sep);
            /* (separate and end must be runs of their own after the beginning for the result
             * between them to be a sequence of runs) */
            if (!end || !sep || sep == end || end == n || depth > 64) {
                /* no result: the field kept whole; not closed here (it ends in a later
                 * paragraph): its instruction part kept whole, its result translated */
                xmlNodePtr last = end ? end : sep ? sep : n;
                add_nodes(r, n, last, parent);
                next = last->next;
                continue;
            }
            int i = add_span(r, K_FIELD, parent);
            if (i < 0) break;
            r->info[i].first = r->nnodes;
            for (xmlNodePtr m = n;; m = m->next) {
                if (add_node(r, m)) break;
                if (m == sep) break;
            }
            r->info[i].count = r->nnodes - r->info[i].first;
            r->info[i].tail_first = r->nnodes;
            if (add_node(r, end)) break;
            r->info[i].tail_count = 1;
            if (flatten_seq(r, sep->next, end, i, depth + 1)) break;
            r->spans[i].end = r->text.len;
            next = end->next;
            continue;
        }
        if (is_w(n, "r")) {
            char *key = rpr_key(n);
            if (!key) {
                r->err = 1;
                break;
            }
            int in = parent;
            if (!strcmp(key, bkey)) {
                close_fmt(r, &fmt, &fkey);
                free(key);
            } else {
                if (fmt < 0 || strcmp(key, fkey)) {
                    close_fmt(r, &fmt, &fkey);
                    fmt = add_span(r, K_FMT, parent);
                    if (fmt < 0) {
                        free(key);
                        break;
                    }
                    r->info[fmt].rpr = rpr_of(n);
                    fkey = key;
                } else {
                    free(key);
                }
                in = fmt;
            }
            if (run_content(r, n, in)) break;
            continue;
        }
        if (is_w_any(n, mark_names)) {
            add_nodes(r, n, n, fmt >= 0 ? fmt : parent);
            continue;
        }
        close_fmt(r, &fmt, &fkey);
        if (is_w_any(n, box_names) && depth < 64) {
            int i = add_span(r, K_BOX, parent);
            if (i < 0) break;
            r->info[i].el = n;
            if (flatten_seq(r, n->children, NULL, i, depth + 1)) break;
            r->spans[i].end = r->text.len;
            continue;
        }
        /* anything else (content controls, deleted text, math, unknown elements) kept whole;
         * its visible words still inform the model */
        int i = add_nodes(r, n, n, parent);
        if (i < 0) break;
        text_of(&r->text, n->children);
        r->spans[i].end = r->text.len;
    }
    close_fmt(r, &fmt, &fkey);
    free(bkey);
    if (r->text.oom) r->err = 1;
    return r->err ? -1 : 0;
}

static void dpara_free(dpara *r)
{
    free(r->text.s);
    free(r->spans);
    free(r->info);
    free(r->nodes);
}

/* ---------------------------------------------------------------- writing back */

/* A copy of element n (attributes, namespace declarations; children when deep) appended to
 * parent. Built in place so that namespaces resolve against the tree (no redundant xmlns). */
static xmlNodePtr copy_el(xmlNodePtr parent, xmlNodePtr n, int deep)
{
    xmlNodePtr e = xmlNewDocNode(parent->doc, NULL, n->name, NULL);
    if (!e) return NULL;
    if (n->nsDef) {
        e->nsDef = xmlCopyNamespaceList(n->nsDef);
        if (!e->nsDef) {
            xmlFreeNode(e);
            return NULL;
        }
    }
    e->ns = n->ns;
    for (xmlNsPtr d = e->nsDef; d && n->ns; d = d->next)
        if (xmlStrEqual(d->prefix, n->ns->prefix) && xmlStrEqual(d->href, n->ns->href)) e->ns = d;
    if (!xmlAddChild(parent, e)) {
        xmlFreeNode(e);
        return NULL;
    }
    if (n->properties && !(e->properties = xmlCopyPropList(e, n->properties))) return NULL;
    if (!deep) return e;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (!copy_el(e, c, 1)) return NULL;
        } else {
            xmlNodePtr k = xmlDocCopyNode(c, parent->doc, 1);
            if (!k || !xmlAddChild(e, k)) {
                xmlFreeNode(k);
                return NULL;
            }
        }
    }
    return e;
}

static xmlNodePtr child_w(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_w(c, name)) return c;
    return NULL;
}

/* Removes every w:name child of pr; with on, adds one (no attributes) before the first child
 * that the schema orders after it (Word refuses elements out of order). Returns 0 or -1. */
static int set_flag(xmlNodePtr pr, xmlNsPtr ns, const char *name, const char *const *after, int on)
{
    xmlNodePtr c, next;
    for (c = pr->children; c; c = next) {
        next = c->next;
        if (is_w(c, name)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    if (!on) return 0;
    xmlNodePtr f = xmlNewDocNode(pr->doc, ns, (const xmlChar *)name, NULL);
    if (!f) return -1;
    for (c = pr->children; c; c = c->next)
        if (is_w_any(c, after)) break;
    if (c ? !xmlAddPrevSibling(c, f) : !xmlAddChild(pr, f)) {
        xmlFreeNode(f);
        return -1;
    }
    return 0;
}

static const char *const ppr_after_bidi[] = {
    "adjustRightInd",   "snapToGrid",      "spacing", "ind",           "contextualSpacing",
    "mirrorIndents",    "suppressOverlap", "jc",      "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl",      "divId",   "cnfStyle",      "rPr",
    "sectPr",           "pPrChange",       NULL};
static const char *const tblpr_after_bidi[] = {"tblStyleRowBandSize",
                                               "tblStyleColBandSize",
                                               "tblW",
                                               "jc",
                                               "tblCellSpacing",
                                               "tblInd",
                                               "tblBorders",
                                               "shd",
                                               "tblLayout",
                                               "tblCellMar",
                                               "tblLook",
                                               "tblCaption",
                                               "tblDescription",
                                               "tblPrChange",
                                               NULL};
static const char *const sectpr_after_bidi[] = {"rtlGutter", "docGrid", "printerSettings",
                                                "sectPrChange", NULL};
static const char *const rpr_after_rtl[] = {"cs",         "em",    "lang",      "eastAsianLayout",
                                            "specVanish", "oMath", "rPrChange", NULL};

/* Word formats Arabic letters with the complex-script properties (w:bCs, w:iCs, w:szCs) and
 * Latin ones with the others: text changing script keeps its look only if the run has both.
 * Adds the missing partner of each pair (a copy, attributes included), next to it as the schema
 * orders them. */
static int mirror_cs(xmlNodePtr rpr)
{
    static const char *const pairs[][2] = {{"b", "bCs"}, {"i", "iCs"}, {"sz", "szCs"}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        xmlNodePtr a = child_w(rpr, pairs[k][0]), b = child_w(rpr, pairs[k][1]);
        if ((a && b) || (!a && !b)) continue;
        xmlNodePtr from = a ? a : b, c = copy_el(rpr, from, 0);
        if (!c) return -1;
        xmlUnlinkNode(c);
        xmlNodeSetName(c, (const xmlChar *)pairs[k][a ? 1 : 0]);
        if (!(a ? xmlAddNextSibling(a, c) : xmlAddPrevSibling(b, c))) {
            xmlFreeNode(c);
            return -1;
        }
    }
    return 0;
}

typedef struct emitter {
    xmlDocPtr doc;
    xmlNsPtr ns;    /* the paragraph's w: namespace */
    int rtl;        /* 1 Arabic target, 0 other, -1 unknown (direction left as it was) */
    xmlNodePtr cur; /* the run text goes into, or NULL */
    xmlNodePtr cur_tmpl;
} emitter;

/* A new run with a copy of formatting tmpl (NULL: none) at the end of parent. */
static xmlNodePtr new_run(emitter *e, xmlNodePtr parent, xmlNodePtr tmpl)
{
    xmlNodePtr r = xmlNewDocNode(e->doc, e->ns, (const xmlChar *)"r", NULL);
    if (!r) return NULL;
    if (!xmlAddChild(parent, r)) {
        xmlFreeNode(r);
        return NULL;
    }
    xmlNodePtr rpr = tmpl ? copy_el(r, tmpl, 1) : NULL;
    if (tmpl && !rpr) return NULL;
    if (e->rtl == 1 && !rpr) {
        rpr = xmlNewDocNode(e->doc, e->ns, (const xmlChar *)"rPr", NULL);
        if (!rpr || !xmlAddChild(r, rpr)) {
            xmlFreeNode(rpr);
            return NULL;
        }
    }
    if (rpr && e->rtl >= 0 && set_flag(rpr, e->ns, "rtl", rpr_after_rtl, e->rtl)) return NULL;
    if (rpr && e->rtl >= 0 && mirror_cs(rpr)) return NULL;
    if (rpr && !rpr->children) { /* it held only w:rtl */
        xmlUnlinkNode(rpr);
        xmlFreeNode(rpr);
    }
    return r;
}

static int move_to(xmlNodePtr parent, xmlNodePtr n)
{
    xmlUnlinkNode(n);
    return xmlAddChild(parent, n) ? 0 : -1;
}

/* Writes the paragraph's translation with its spans into the paragraph. */
static int rewrite(dpara *r, const tj_doc_para *p, emitter *e)
{
    size_t n = r->nspans;
    tj_doc_event *ev = malloc((4 * n + 1) * sizeof *ev);
    int *stack = malloc((n + 1) * sizeof *stack);
    xmlNodePtr *xstack = malloc((n + 1) * sizeof *xstack);
    xmlNodePtr hold = xmlNewDocNode(e->doc, NULL, (const xmlChar *)"tj-new", NULL);
    long ne = ev && stack && xstack && hold ? tj_doc_events(p, r->spans, n, ev) : -1;
    int rc = ne < 0 ? -1 : 0;
    int top = 0; /* stack[1 .. top]: open spans; xstack[top]: where nodes go */
    int after_space = 0;
    /* The new content is built inside the paragraph (so that namespaces resolve against the
     * document, not a detached holder), in hold, its last child until the end. */
    if (hold && !xmlAddChild(r->p, hold)) {
        xmlFreeNode(hold);
        hold = NULL;
        rc = -1;
    }
    if (hold) xstack[0] = hold;
    e->cur = NULL, e->cur_tmpl = NULL;
    for (long k = 0; k < ne && !rc; k++) {
        tj_doc_event *v = &ev[k];
        /* the formatting of text here: the innermost span that says */
        xmlNodePtr tmpl = r->base;
        int fmt = -1;
        for (int t = top; t >= 1; t--)
            if (r->info[stack[t]].kind == K_FMT || r->info[stack[t]].kind == K_BOX ||
                r->info[stack[t]].kind == K_FIELD) {
                tmpl = r->info[stack[t]].rpr;
                if (r->info[stack[t]].kind == K_FMT) fmt = stack[t];
                break;
            }
        xmlNodePtr parent = xstack[top];
        dinfo *d = v->span >= 0 ? &r->info[v->span] : NULL;
        int need_run = v->kind == TJ_EV_TEXT || (v->kind == TJ_EV_ATOMIC && d->kind == K_INRUN);
        int was_space = after_space;
        after_space = v->kind == TJ_EV_ATOMIC && d->kind == K_INRUN && is_w_any(d->el, space_names);
        if (v->kind == TJ_EV_TEXT) after_space = was_space;
        if (need_run && (!e->cur || e->cur_tmpl != tmpl || e->cur->parent != parent ||
                         parent->last != e->cur)) {
            if (!(e->cur = new_run(e, parent, tmpl))) {
                rc = -1;
                break;
            }
            e->cur_tmpl = tmpl;
        }
        if (fmt >= 0 && (need_run || (v->kind == TJ_EV_ATOMIC && d->kind == K_RUNCHILD)))
            r->info[fmt].made = 1;
        switch (v->kind) {
        case TJ_EV_TEXT: {
            size_t b = v->begin;
            after_space = 0;
            /* the space that stood for a tab or break is the tab or break */
            if (was_space)
                while (b < v->end && p->out[b] == ' ') b++;
            xmlNodePtr t = xmlNewDocNode(e->doc, e->ns, (const xmlChar *)"t", NULL);
            xmlNodePtr x =
                t ? xmlNewDocTextLen(e->doc, (const xmlChar *)p->out + b, (int)(v->end - b)) : NULL;
            if (!t || !x) {
                if (x) xmlFreeNode(x);
                if (t) xmlFreeNode(t);
                rc = -1;
                break;
            }
            xmlAddChild(t, x);
            xmlAddChild(e->cur, t);
            xmlNodeSetSpacePreserve(t, 1);
            break;
        }
        case TJ_EV_OPEN:
            stack[++top] = v->span;
            xstack[top] = parent;
            if (d->kind == K_BOX) {
                if (!(xstack[top] = copy_el(parent, d->el, 0))) rc = -1;
                e->cur = NULL;
            } else if (d->kind == K_FIELD) {
                for (size_t i = 0; i < d->count && !rc; i++)
                    rc = move_to(parent, r->nodes[d->first + i]);
                e->cur = NULL;
            }
            break;
        case TJ_EV_CLOSE:
            if (d->kind == K_FIELD) {
                for (size_t i = 0; i < d->tail_count && !rc; i++)
                    rc = move_to(xstack[top - 1], r->nodes[d->tail_first + i]);
                e->cur = NULL;
            } else if (d->kind == K_BOX) {
                /* its words found no place: an empty run keeps their formatting */
                if (!xstack[top]->children && d->rpr && !new_run(e, xstack[top], d->rpr)) rc = -1;
                e->cur = NULL;
            } else if (d->kind == K_FMT && !d->made) {
                /* its words found no place: an empty run keeps the formatting */
                if (!new_run(e, parent, d->rpr)) rc = -1;
                e->cur = NULL;
            }
            top--;
            break;
        case TJ_EV_ATOMIC:
            if (d->kind == K_INRUN) {
                rc = move_to(e->cur, d->el);
            } else if (d->kind == K_RUNCHILD) {
                xmlNodePtr run = new_run(e, parent, d->rpr);
                rc = run ? move_to(run, d->el) : -1;
                e->cur = NULL;
            } else {
                for (size_t i = 0; i < d->count && !rc; i++)
                    rc = move_to(parent, r->nodes[d->first + i]);
                e->cur = NULL;
            }
            break;
        }
    }
    if (!rc) {
        /* the old content (what was not moved) goes; the new takes its place after w:pPr */
        xmlNodePtr c, next;
        for (c = r->p->children; c; c = next) {
            next = c->next;
            if (is_w(c, "pPr") || c == hold) continue;
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        while (hold->children) {
            c = hold->children;
            xmlUnlinkNode(c);
            if (!xmlAddPrevSibling(hold, c)) {
                xmlFreeNode(c);
                rc = -1;
                break;
            }
        }
    }
    if (hold) {
        xmlUnlinkNode(hold);
        xmlFreeNode(hold);
        hold = NULL;
    }
    if (!rc && e->rtl >= 0) {
        xmlNodePtr ppr = child_w(r->p, "pPr");
        if (!ppr && e->rtl == 1) {
            ppr = xmlNewDocNode(e->doc, e->ns, (const xmlChar *)"pPr", NULL);
            if (!ppr) {
                rc = -1;
            } else if (r->p->children ? !xmlAddPrevSibling(r->p->children, ppr)
                                      : !xmlAddChild(r->p, ppr)) {
                xmlFreeNode(ppr);
                rc = -1;
                ppr = NULL;
            }
        }
        if (ppr && set_flag(ppr, e->ns, "bidi", ppr_after_bidi, e->rtl)) rc = -1;
        if (ppr && !ppr->children) {
            xmlUnlinkNode(ppr);
            xmlFreeNode(ppr);
        }
        /* the tables around it read right to left too (columns from the right) */
        for (xmlNodePtr a = r->p->parent; a && !rc; a = a->parent) {
            xmlNodePtr tpr = is_w(a, "tbl") ? child_w(a, "tblPr") : NULL;
            if (tpr && set_flag(tpr, e->ns, "bidiVisual", tblpr_after_bidi, e->rtl)) rc = -1;
        }
    }
    free(ev), free(stack), free(xstack);
    return rc;
}

/* Sections (page layout: page numbers, columns) take the direction of the translation. */
static int set_sections(xmlNodePtr n, int rtl)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (is_w(n, "sectPr") && set_flag(n, n->ns, "bidi", sectpr_after_bidi, rtl)) return -1;
        if (set_sections(n->children, rtl)) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the package */

typedef struct part {
    zip_uint64_t index;
    const char *name;
    xmlDocPtr doc;
    int changed;
    zip_uint16_t method;
    time_t mtime;
    xmlChar *out;
    int out_len;
} part;

typedef struct docx {
    part *parts;
    size_t nparts;
    dpara *paras;
    size_t np, cap;
    size_t *para_part;
    size_t total_spans;
} docx;

/* The parts with text: the main document, notes, comments, headers and footers. */
static int is_text_part(const char *name)
{
    static const char *const fixed[] = {"word/document.xml", "word/footnotes.xml",
                                        "word/endnotes.xml", "word/comments.xml", NULL};
    for (int i = 0; fixed[i]; i++)
        if (!strcmp(name, fixed[i])) return 1;
    const char *rest = !strncmp(name, "word/header", 11)   ? name + 11
                       : !strncmp(name, "word/footer", 11) ? name + 11
                                                           : NULL;
    if (!rest) return 0;
    while (*rest >= '0' && *rest <= '9') rest++;
    return !strcmp(rest, ".xml");
}

static void collect_one(docx *x, size_t pi, xmlNodePtr n, tj_error *err, tj_status *st);

static void collect(docx *x, size_t pi, xmlNodePtr n, tj_error *err, tj_status *st)
{
    for (; n && !*st; n = n->next) collect_one(x, pi, n, err, st);
}

/* The paragraphs in n (n itself or inside it), in the order rewrite() will visit them. */
static void collect_one(docx *x, size_t pi, xmlNodePtr n, tj_error *err, tj_status *st)
{
    if (n->type != XML_ELEMENT_NODE) return;
    if (!is_w(n, "p")) {
        /* paragraphs inside tables, cells, content controls */
        collect(x, pi, n->children, err, st);
        return;
    }
    size_t idx = (size_t)-1;
    dpara r;
    memset(&r, 0, sizeof r);
    r.p = n;
    flatten_seq(&r, n->children, NULL, -1, 0);
    if (r.err == 2) {
        *st = tj_fail(err, TJ_ERR_INPUT,
                      "DOCX entry %s line %ld: a paragraph with more than %d inline elements",
                      x->parts[pi].name, (long)xmlGetLineNo(n), DOCX_MAX_SPANS);
    } else if (r.err) {
        *st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    } else if (r.text.s && tj_text_translatable(r.text.s, r.text.len)) {
        x->total_spans += r.nspans;
        if (x->total_spans > DOCX_MAX_SPANS_TOTAL) {
            *st = tj_fail(err, TJ_ERR_INPUT,
                          "DOCX document too complex (more than %zu inline elements)",
                          DOCX_MAX_SPANS_TOTAL);
        } else if (x->np == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 64;
            dpara *v = realloc(x->paras, cap * sizeof *v);
            size_t *w = v ? realloc(x->para_part, cap * sizeof *w) : NULL;
            if (v) x->paras = v;
            if (w) x->para_part = w, x->cap = cap;
            if (!w) *st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
        if (!*st) {
            idx = x->np;
            x->para_part[x->np] = pi;
            x->paras[x->np++] = r;
            r.text.s = NULL, r.spans = NULL, r.info = NULL, r.nodes = NULL;
        }
    }
    dpara_free(&r);
    if (*st) return;
    if (idx == (size_t)-1) {
        /* not translated, so left as it is: paragraphs inside it (text boxes) are its own */
        collect(x, pi, n->children, err, st);
        return;
    }
    /* Translated: rewrite() builds its runs, text and boxes anew and frees the old ones, so only
     * the paragraphs in what it moves whole (its properties, elements kept whole, fields' runs,
     * drawings and text boxes inside runs) survive it; one anywhere else (a w:p inside a w:t,
     * found by fuzz_docx) would be freed before its own turn came. x->paras moves as it grows,
     * hence the index. */
    for (xmlNodePtr c = n->children; c && !*st; c = c->next)
        if (is_w(c, "pPr")) collect(x, pi, c->children, err, st);
    for (size_t k = 0; k < x->paras[idx].nnodes && !*st; k++)
        collect_one(x, pi, x->paras[idx].nodes[k], err, st);
    for (size_t k = 0; k < x->paras[idx].nspans && !*st; k++) {
        const dinfo *d = &x->paras[idx].info[k];
        if ((d->kind == K_INRUN || d->kind == K_RUNCHILD) && d->el)
            collect_one(x, pi, d->el, err, st);
    }
}

/* Reads entry i whole (at most *budget bytes, counted on the bytes inflated, not on what the
 * header says). */
static tj_status read_entry(zip_t *za, zip_uint64_t i, const char *name, zip_uint64_t *budget,
                            char **data, size_t *len, tj_error *err)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, i, 0, &st) < 0)
        return tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s: %s", name, zip_strerror(za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "DOCX entry %s is encrypted", name);
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > *budget)
        return tj_fail(err, TJ_ERR_INPUT,
                       "DOCX entry %s is too large (%llu bytes uncompressed; the XML parts "
                       "read may hold at most 256 MiB together)",
                       name, (unsigned long long)st.size);
    zip_file_t *zf = zip_fopen_index(za, i, 0);
    if (!zf) return tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s: %s", name, zip_strerror(za));
    size_t cap = (size_t)st.size + 1;
    char *b = malloc(cap + 1);
    if (!b) {
        zip_fclose(zf);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory reading DOCX entry %s", name);
    }
    size_t n = 0;
    for (;;) {
        zip_int64_t r = zip_fread(zf, b + n, cap - n);
        if (r < 0) {
            tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s is corrupt (%s)", name,
                    zip_file_strerror(zf));
            free(b);
            zip_fclose(zf);
            return TJ_ERR_FORMAT;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > st.size) {
            /* more than the header said: a bomb or a forged header, not read any further */
            free(b);
            zip_fclose(zf);
            return tj_fail(err, TJ_ERR_FORMAT,
                           "DOCX entry %s is corrupt (more data than its header declares)", name);
        }
    }
    zip_fclose(zf);
    if (n != st.size) {
        free(b);
        return tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s is corrupt (truncated)", name);
    }
    b[n] = '\0';
    *budget -= n;
    *data = b, *len = n;
    return TJ_OK;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void)
{
    xmlInitParser();
}

/* Swallows this context's errors: libxml2 still records the last one in the context, where
 * parse_part reads it. */
#if LIBXML_VERSION >= 21200
static void xml_quiet(void *user, const xmlError *e)
#else
static void xml_quiet(void *user, xmlErrorPtr e)
#endif
{
    (void)user, (void)e;
}

static tj_status parse_part(const char *name, const char *data, size_t len, xmlDocPtr *doc,
                            tj_error *err)
{
    /* No DTDs: WordprocessingML has none, and without them no entity can expand. */
    if (memmem(data, len, "<!DOCTYPE", 9) || memmem(data, len, "<!ENTITY", 8))
        return tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s: a DOCTYPE is not allowed", name);
    /* UTF-8 only (what Word writes; OPC also allows UTF-16): libxml2 reports failed encoding
     * conversions on stderr, which a library must not write to, so it never converts. */
    size_t bom = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    size_t bad = tj_utf8_check(data + bom, len - bom);
    if (bad != len - bom)
        return tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s is not UTF-8 (invalid at byte %zu)", name,
                       bad + bom);
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    /* XML_PARSE_NOERROR silences the parser's errors but not the validity ones its SAX2 handler
     * raises (an xml:id that is not an NCName), which libxml2 prints on stderr through the
     * validation context; a structured handler of the context's own takes every error instead. */
    ctx->sax->serror = xml_quiet;
    *doc = xmlCtxtReadMemory(ctx, data + bom, (int)(len - bom), name, "UTF-8",
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    tj_status st = TJ_OK;
    if (!*doc || !ctx->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctx);
        char msg[200] = "not well-formed";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            for (char *q = msg; *q; q++)
                if (*q == '\n' || *q == '\r') *q = ' ';
            size_t l = strlen(msg);
            while (l && msg[l - 1] == ' ') msg[--l] = '\0';
        }
        st = tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s line %d: invalid XML: %s", name,
                     e ? e->line : 0, msg);
    } else if ((*doc)->intSubset || (*doc)->extSubset) {
        st = tj_fail(err, TJ_ERR_FORMAT, "DOCX entry %s: a DOCTYPE is not allowed", name);
    }
    if (st && *doc) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    xmlFreeParserCtxt(ctx);
    return st;
}

/* Writes the package: changed parts replaced, everything else copied by libzip. */
static tj_status write_zip(zip_t *za, zip_source_t *src, docx *x, char **out, size_t *out_len,
                           tj_error *err)
{
    for (size_t i = 0; i < x->nparts; i++) {
        part *pt = &x->parts[i];
        if (!pt->changed) continue;
        xmlDocDumpMemoryEnc(pt->doc, &pt->out, &pt->out_len, "UTF-8");
        if (!pt->out) return tj_fail(err, TJ_ERR_NOMEM, "out of memory writing %s", pt->name);
        zip_source_t *s = zip_source_buffer(za, pt->out, (zip_uint64_t)pt->out_len, 0);
        if (!s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory writing %s", pt->name);
        if (zip_file_replace(za, pt->index, s, 0) < 0) {
            zip_source_free(s);
            return tj_fail(err, TJ_ERR_NOMEM, "writing DOCX entry %s: %s", pt->name,
                           zip_strerror(za));
        }
        zip_set_file_compression(za, pt->index,
                                 pt->method == ZIP_CM_STORE ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
        zip_file_set_mtime(za, pt->index, pt->mtime, 0);
    }
    zip_source_keep(src);
    if (zip_close(za) < 0) {
        tj_fail(err, TJ_ERR_NOMEM, "writing the DOCX package: %s", zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        return err->code;
    }
    tj_status st = TJ_OK;
    zip_stat_t sst;
    zip_stat_init(&sst);
    if (zip_source_stat(src, &sst) < 0 || !(sst.valid & ZIP_STAT_SIZE) ||
        zip_source_open(src) < 0) {
        zip_source_free(src);
        return tj_fail(err, TJ_ERR_NOMEM, "reading back the DOCX package written");
    }
    char *b = malloc((size_t)sst.size + 1);
    zip_int64_t n = b ? zip_source_read(src, b, sst.size) : -1;
    if (n < 0 || (zip_uint64_t)n != sst.size) {
        free(b);
        st = tj_fail(err, TJ_ERR_NOMEM, "reading back the DOCX package written");
    } else {
        b[n] = '\0';
        *out = b, *out_len = (size_t)n;
    }
    zip_source_close(src);
    zip_source_free(src);
    return st;
}

tj_status tj_doc_docx_with(tj_doc_xlate_fn fn, void *ctx, const char *target_lang, const char *data,
                           size_t len, char **out, size_t *out_len, tj_error *err)
{
    pthread_once(&xml_once, xml_init);
    *out = NULL, *out_len = 0;
    if (len > (size_t)1 << 30)
        return tj_fail(err, TJ_ERR_INPUT, "DOCX document too large (%zu bytes, at most 1 GiB)",
                       len);
    if (len == 0) return tj_fail(err, TJ_ERR_FORMAT, "not a DOCX package: the input is empty");
    if (len >= 8 && !memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return tj_fail(err, TJ_ERR_FORMAT,
                       "not a DOCX package: an OLE compound file (a password-protected Word "
                       "document, or an old .doc)");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    zip_t *za = zip_open_from_source(src, ZIP_CHECKCONS, &ze);
    if (!za) {
        tj_fail(err, TJ_ERR_FORMAT, "not a DOCX package: the ZIP archive cannot be read (%s)",
                zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src);
        return TJ_ERR_FORMAT;
    }
    zip_error_fini(&ze);
    docx x;
    memset(&x, 0, sizeof x);
    tj_status st = TJ_OK;
    zip_int64_t ne = zip_get_num_entries(za, 0);
    int have_main = 0;
    for (zip_int64_t i = 0; i < ne && !st; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || !is_text_part(name)) continue;
        part *v = realloc(x.parts, (x.nparts + 1) * sizeof *v);
        if (!v) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
        x.parts = v;
        memset(&x.parts[x.nparts], 0, sizeof *v);
        x.parts[x.nparts].index = (zip_uint64_t)i;
        x.parts[x.nparts++].name = name;
        have_main |= !strcmp(name, "word/document.xml");
    }
    if (!st && !have_main)
        st = tj_fail(err, TJ_ERR_FORMAT, "not a DOCX package: no word/document.xml in the ZIP");
    zip_uint64_t budget = DOCX_MAX_XML;
    for (size_t i = 0; i < x.nparts && !st; i++) {
        part *pt = &x.parts[i];
        char *b = NULL;
        size_t n = 0;
        zip_stat_t zs;
        zip_stat_init(&zs);
        if (zip_stat_index(za, pt->index, 0, &zs) == 0) {
            pt->method = zs.comp_method;
            pt->mtime = zs.mtime;
        }
        st = read_entry(za, pt->index, pt->name, &budget, &b, &n, err);
        if (!st) st = parse_part(pt->name, b, n, &pt->doc, err);
        free(b);
        if (!st) {
            xmlNodePtr root = xmlDocGetRootElement(pt->doc);
            size_t before = x.np;
            collect(&x, i, root, err, &st);
            pt->changed = x.np > before;
        }
    }
    tj_doc_para *paras = NULL;
    if (!st && x.np) {
        const char **texts = malloc(x.np * sizeof *texts);
        size_t *lens = malloc(x.np * sizeof *lens);
        paras = calloc(x.np, sizeof *paras);
        if (!texts || !lens || !paras) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else {
            for (size_t i = 0; i < x.np; i++)
                texts[i] = x.paras[i].text.s, lens[i] = x.paras[i].text.len;
            st = fn(ctx, texts, lens, x.np, paras, err);
        }
        free(texts), free(lens);
    }
    int rtl = !target_lang ? -1 : !strcmp(target_lang, "ar");
    for (size_t i = 0; i < x.np && !st; i++) {
        dpara *r = &x.paras[i];
        tj_doc_project_spans(&paras[i], r->text.s, r->text.len, r->spans, r->nspans);
        emitter e = {x.parts[x.para_part[i]].doc, r->p->ns, rtl, NULL, NULL};
        if (rewrite(r, &paras[i], &e)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < x.nparts && !st && rtl >= 0; i++)
        if (x.parts[i].changed && set_sections(xmlDocGetRootElement(x.parts[i].doc), rtl))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st && x.np) {
        st = write_zip(za, src, &x, out, out_len, err);
        za = NULL; /* closed or discarded by write_zip, with src */
    } else if (!st) {
        /* nothing to translate: the package as it came */
        st = tj_doc_copy(data, len, out, out_len, err);
    }
    if (za) zip_discard(za); /* frees src too */
    for (size_t i = 0; paras && i < x.np; i++) tj_doc_para_free(&paras[i]);
    free(paras);
    for (size_t i = 0; i < x.np; i++) dpara_free(&x.paras[i]);
    free(x.paras), free(x.para_part);
    for (size_t i = 0; i < x.nparts; i++) {
        xmlFree(x.parts[i].out);
        xmlFreeDoc(x.parts[i].doc);
    }
    free(x.parts);
    if (st) {
        free(*out);
        *out = NULL, *out_len = 0;
    }
    return st;
}

static tj_status model_xlate(void *ctx, const char *const *texts, const size_t *lens, size_t n,
                             tj_doc_para *out, tj_error *err)
{
    const tj_doc_ctx *c = ctx;
    return tj_doc_ctx_paras(c, texts, lens, n, TJ_DOC_ALIGN, out, err);
}

tj_status tj_doc_docx(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err)
{
    return tj_doc_docx_with(model_xlate, (void *)c, c->d ? c->d->target_lang : NULL, data, len, out,
                            out_len, err);
}
