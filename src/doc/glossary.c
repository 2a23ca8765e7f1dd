/* SPDX-License-Identifier: MIT */
/* Glossaries: source terms found in each sentence (Arabic: with the clitics و ف ب ل ك and ال
 * before them, hamza/alef variants, alef maqsura, taa marbuta and diacritics ignored; English:
 * case-insensitive, whole words) are placed on the translation through the alignments, like
 * inline markup (doc/inline.c), and the words there are replaced by the target term. A term whose
 * words found no place in the translation is inserted where its source position maps to.
 * Placement by alignment was chosen over constrained decoding because it leaves the search, and
 * with it every translation without glossary terms, bit for bit as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/error.h"
#include "util/utf8.h"

typedef struct term {
    char *src, *trg; /* src normalised */
    size_t src_len;
} term;

struct tj_glossary {
    term *t;
    size_t n;
};

/* Decodes one UTF-8 character (valid input) at s; returns its length. */
static size_t cp_at(const char *s, unsigned *cp)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) return *cp = c, 1;
    if (c < 0xE0) return *cp = ((c & 31u) << 6) | (s[1] & 63u), 2;
    if (c < 0xF0) return *cp = ((c & 15u) << 12) | ((s[1] & 63u) << 6) | (s[2] & 63u), 3;
    *cp = ((c & 7u) << 18) | ((s[1] & 63u) << 12) | ((s[2] & 63u) << 6) | (s[3] & 63u);
    return 4;
}

/* The character matching compares: 0 for one that is skipped (diacritics, tatweel). */
static unsigned fold(unsigned c)
{
    if ((c >= 0x064B && c <= 0x0652) || c == 0x0640 || c == 0x0670) return 0;
    if (c == 0x0623 || c == 0x0625 || c == 0x0622 || c == 0x0671) return 0x0627; /* alef forms */
    if (c == 0x0649) return 0x064A;                                              /* ى -> ي */
    if (c == 0x0629) return 0x0647;                                              /* ة -> ه */
    if (c == 0x0624 || c == 0x0626) return 0x0621;                               /* ؤ ئ -> ء */
    if (c >= 'A' && c <= 'Z') return c + 32;
    return c;
}

static int is_letter(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 0x0621 && c <= 0x064A) ||
           (c >= 0x0660 && c <= 0x0669) || (c >= 0x00C0 && c <= 0x024F);
}

/* Folded code points of s[0..n) with each one's byte offset (off has n + 1 entries). */
static size_t fold_text(const char *s, size_t n, unsigned *out, size_t *off)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned c;
        size_t l = cp_at(s + i, &c);
        unsigned f = fold(c);
        if (f) out[k] = f, off[k++] = i;
        i += l;
    }
    off[k] = n;
    return k;
}

void tj_glossary_free(tj_glossary *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) free(g->t[i].src), free(g->t[i].trg);
    free(g->t);
    free(g);
}

tj_status tj_glossary_parse(const char *data, size_t len, tj_glossary **out, tj_error *err)
{
    *out = NULL;
    size_t bad = tj_utf8_check(data, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "glossary: invalid UTF-8 at byte %zu", bad);
    tj_glossary *g = calloc(1, sizeof *g);
    size_t cap = 0, line = 0;
    if (!g) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t p = 0; p < len;) {
        const char *nl = memchr(data + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - data) : len, b = p;
        p = nl ? e + 1 : len;
        line++;
        if (e > b && data[e - 1] == '\r') e--;
        if (e == b || data[b] == '#') continue; /* blank lines and comments */
        const char *tab = memchr(data + b, '\t', e - b);
        if (!tab || tab == data + b || tab + 1 == data + e) {
            tj_glossary_free(g);
            return tj_fail(err, TJ_ERR_FORMAT,
                           "glossary line %zu: expected 'source term<TAB>target term'", line);
        }
        size_t sl = (size_t)(tab - data) - b;
        const char *t2 = tab + 1, *tab2 = memchr(t2, '\t', (size_t)(data + e - t2));
        size_t tl = (size_t)((tab2 ? tab2 : data + e) - t2); /* a third column (flags) is ignored */
        if (g->n == cap) {
            cap = cap ? cap * 2 : 16;
            term *nt = realloc(g->t, cap * sizeof *nt);
            if (!nt) {
                tj_glossary_free(g);
                return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            }
            g->t = nt;
        }
        term *t = &g->t[g->n];
        t->src = malloc(sl + 1), t->trg = malloc(tl + 1);
        if (!t->src || !t->trg) {
            free(t->src), free(t->trg);
            tj_glossary_free(g);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
        memcpy(t->src, data + b, sl), t->src[sl] = '\0', t->src_len = sl;
        memcpy(t->trg, t2, tl), t->trg[tl] = '\0';
        g->n++;
    }
    *out = g;
    return TJ_OK;
}

tj_status tj_glossary_load(const char *path, tj_glossary **out, tj_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tj_fail(err, TJ_ERR_IO, "%s: cannot open", path);
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        if (cap >= (size_t)64 << 20) {
            free(b), fclose(f);
            return tj_fail(err, TJ_ERR_INPUT, "%s: glossary larger than 64 MiB", path);
        }
        char *t = realloc(b, cap *= 2);
        if (!t) free(b);
        b = t;
    }
    fclose(f);
    if (!b) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_status st = tj_glossary_parse(b, n, out, err);
    free(b);
    if (st) tj_error_prefix(err, path);
    return st;
}

static const char *const prefixes[] = {"",   "و",  "ف",  "ب",  "ل",  "ك",
                                       "وب", "ول", "وك", "فب", "فل", NULL};

/* Length in folded characters of a match of term t (folded: tf[0..tn)) at word start w of the
 * folded text f[0..fn): the clitic prefix length goes to *pre. 0 when there is none. */
static size_t match_at(const unsigned *f, size_t fn, size_t w, const unsigned *tf, size_t tn,
                       size_t *pre)
{
    int al = tn >= 2 && tf[0] == 0x0627 && tf[1] == 0x0644; /* the term starts with ال */
    for (int k = 0; prefixes[k]; k++) {
        unsigned pc[4];
        size_t pn = 0;
        for (const char *p = prefixes[k]; *p;) {
            unsigned c;
            p += cp_at(p, &c);
            pc[pn++] = c;
        }
        for (int lam = 0; lam <= al; lam++) {
            /* lam: "لل" for ل + ال (للأمم = ل + الأمم) */
            if (lam && (pn == 0 || pc[pn - 1] != 0x0644)) continue;
            size_t i = w, j = 0;
            int okp = 1;
            for (size_t q = 0; q < pn && okp; q++, i++) okp = i < fn && f[i] == pc[q];
            if (!okp) continue;
            size_t start = i;
            j = lam ? 1 : 0; /* ل + ال: the ا is dropped */
            while (j < tn && i < fn && f[i] == tf[j]) i++, j++;
            if (j == tn && (i == fn || !is_letter(f[i]))) {
                *pre = start - w;
                return i - start;
            }
        }
    }
    return 0;
}

tj_status tj_translate_glossary(const tj_model *m, const tj_options *opt, const tj_glossary *g,
                                const char *text, size_t len, char **out, size_t *applied,
                                size_t *inserted, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    *out = NULL, *applied = 0, *inserted = 0;
    size_t bad = tj_utf8_check(text, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (memchr(text, '\0', len)) return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the text");
    tj_options o;
    if (opt)
        o = *opt;
    else
        tj_options_default(&o);
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += text[i] == '\n';
    const char **lines = malloc(nl * sizeof *lines);
    size_t *lens = malloc(nl * sizeof *lens);
    tj_doc_para *paras = calloc(nl, sizeof *paras);
    unsigned *f = malloc((len + 1) * sizeof *f);
    size_t *off = malloc((len + 2) * sizeof *off);
    tj_doc_span *sp = malloc((len + 1) * sizeof *sp);
    int *which = malloc((len + 1) * sizeof *which);
    /* folded terms */
    size_t tot = 0;
    for (size_t k = 0; k < g->n; k++) tot += g->t[k].src_len + 1;
    unsigned *tf = malloc((tot + 1) * sizeof *tf);
    size_t *toff = malloc((tot + 2) * sizeof *toff), *tpos = malloc((g->n + 1) * sizeof *tpos),
           *tlen = malloc((g->n + 1) * sizeof *tlen);
    tj_status st = TJ_OK;
    if (!lines || !lens || !paras || !f || !off || !sp || !which || !tf || !toff || !tpos || !tlen)
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t k = 0, at = 0; !st && k < g->n; k++) {
        tpos[k] = at;
        tlen[k] = fold_text(g->t[k].src, g->t[k].src_len, tf + at, toff);
        at += tlen[k];
    }
    size_t k = 0;
    for (size_t p = 0; !st && k < nl; k++) {
        const char *q = memchr(text + p, '\n', len - p);
        size_t e = q ? (size_t)(q - text) : len;
        lines[k] = text + p;
        lens[k] = e - p - (e > p && text[e - 1] == '\r');
        p = e + 1;
        if (!q) {
            k++;
            break;
        }
    }
    if (!st) st = tj_doc_translate_paras(m, &o, lines, lens, k, TJ_DOC_ALIGN, paras, err);
    size_t cap = len + 1;
    for (size_t i = 0; !st && i < k; i++) cap += paras[i].out_len + 1;
    char *res = st ? NULL : malloc(cap);
    size_t rn = 0;
    if (!st && !res) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < k; i++) {
        /* terms in this line: longest first at each word start, never overlapping */
        size_t fn = fold_text(lines[i], lens[i], f, off), ns = 0;
        for (size_t w = 0; w < fn; w++) {
            if (w && is_letter(f[w - 1])) continue;
            size_t best = 0, bpre = 0;
            int bt = -1;
            for (size_t t = 0; t < g->n; t++) {
                size_t pre = 0, l = tlen[t] ? match_at(f, fn, w, tf + tpos[t], tlen[t], &pre) : 0;
                if (l > best) best = l, bpre = pre, bt = (int)t;
            }
            if (bt < 0) continue;
            sp[ns] = (tj_doc_span){off[w + bpre], off[w + bpre + best], -1, 0, 0, 0};
            which[ns++] = bt;
            w += bpre + best - 1;
        }
        tj_doc_project_spans(&paras[i], lines[i], lens[i], sp, ns);
        /* write the translation with each span's words replaced by its target term */
        size_t extra = 0;
        for (size_t s = 0; s < ns; s++) extra += strlen(g->t[which[s]].trg) + 2;
        if (rn + paras[i].out_len + extra + 2 > cap) {
            char *t2 = realloc(res, cap = rn + paras[i].out_len + extra + 2 + cap);
            if (!t2) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            res = t2;
        }
        size_t pos = 0;
        const char *po = paras[i].out;
        for (size_t s = 0; s < ns; s++) {
            /* spans are disjoint and in target order after projection only by out_begin */
            size_t best = s;
            for (size_t r = s + 1; r < ns; r++)
                if (sp[r].out_begin < sp[best].out_begin) best = r;
            tj_doc_span tmp = sp[s];
            sp[s] = sp[best], sp[best] = tmp;
            int tw = which[s];
            which[s] = which[best], which[best] = tw;
            size_t b = sp[s].out_begin, e = sp[s].out_end;
            if (b < pos) b = pos;
            if (e < b) e = b;
            memcpy(res + rn, po + pos, b - pos);
            rn += b - pos;
            const char *tt = g->t[which[s]].trg;
            int empty = e == b;
            if (empty && rn && res[rn - 1] != ' ') res[rn++] = ' ';
            memcpy(res + rn, tt, strlen(tt));
            rn += strlen(tt);
            if (empty && e < paras[i].out_len && po[e] != ' ') res[rn++] = ' ';
            pos = e;
            if (empty)
                (*inserted)++;
            else
                (*applied)++;
        }
        memcpy(res + rn, po + pos, paras[i].out_len - pos);
        rn += paras[i].out_len - pos;
        if (i + 1 < k) res[rn++] = '\n';
    }
    for (size_t i = 0; paras && i < k; i++) tj_doc_para_free(&paras[i]);
    free(paras), free(lines), free(lens), free(f), free(off), free(sp), free(which), free(tf),
        free(toff), free(tpos), free(tlen);
    if (st) {
        free(res);
        return st;
    }
    res[rn] = '\0';
    *out = res;
    return TJ_OK;
}
