/* SPDX-License-Identifier: MIT */
/* Glossaries: source terms found in each sentence (Arabic: with the clitics و ف ب ل ك and ال
 * before them, hamza/alef variants, alef maqsura, taa marbuta and diacritics ignored; English:
 * case-insensitive, whole words; the flags "case" and "part" make a term exact or let it match
 * inside words) are enforced in the translation in one of two ways (docs/documents.md measures
 * both): placed on the translation through the alignments, like inline markup (doc/inline.c),
 * with the words there replaced by the target term (TJ_GLOSSARY_ALIGN; a term whose words found
 * no place is inserted where its source position maps to), or forced into the output by the
 * constrained search (TJ_GLOSSARY_CONSTRAIN, decode/search.c; doc/para.c builds the
 * constraints). Either way a sentence without a term is translated exactly as without a
 * glossary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/error.h"
#include "util/utf8.h"

typedef struct term {
    char *src, *trg;
    unsigned *f; /* the source term's characters as matching compares them */
    size_t fn;
    int flags; /* TJ_TERM_* */
} term;

struct tj_glossary {
    term *t;
    size_t n, cap;
    int any_part; /* some term has TJ_TERM_PART */
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

/* Characters matching skips whatever the flags: diacritics and tatweel. */
static int skipped(unsigned c)
{
    return (c >= 0x064B && c <= 0x0652) || c == 0x0640 || c == 0x0670;
}

/* The character matching compares (without the "case" flag). */
static unsigned fold(unsigned c)
{
    if (c == 0x0623 || c == 0x0625 || c == 0x0622 || c == 0x0671) return 0x0627; /* alef forms */
    if (c == 0x0649) return 0x064A;                                              /* ى -> ي */
    if (c == 0x0629) return 0x0647;                                              /* ة -> ه */
    if (c == 0x0624 || c == 0x0626) return 0x0621;                               /* ؤ ئ -> ء */
    if (c >= 'A' && c <= 'Z') return c + 32;
    return c;
}

static int is_letter(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c >= 0x0621 && c <= 0x064A) || (c >= 0x0660 && c <= 0x0669) ||
           (c >= 0x00C0 && c <= 0x024F);
}

/* The characters of s[0..n) that matching sees, folded (f) and exact (x, may be NULL), with
 * each one's byte offset (off, may be NULL, gets k + 1 entries). Returns their count k. */
static size_t fold_text(const char *s, size_t n, unsigned *f, unsigned *x, size_t *off)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned c;
        size_t l = cp_at(s + i, &c);
        if (!skipped(c)) {
            f[k] = fold(c);
            if (x) x[k] = c;
            if (off) off[k] = i;
            k++;
        }
        i += l;
    }
    if (off) off[k] = n;
    return k;
}

void tj_glossary_free(tj_glossary *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) free(g->t[i].src), free(g->t[i].trg), free(g->t[i].f);
    free(g->t);
    free(g);
}

tj_status tj_glossary_new(tj_glossary **out, tj_error *err)
{
    if (!out) return tj_fail(err, TJ_ERR_ARG, "tj_glossary_new: NULL argument");
    *out = calloc(1, sizeof **out);
    return *out ? TJ_OK : tj_fail(err, TJ_ERR_NOMEM, "out of memory");
}

size_t tj_glossary_size(const tj_glossary *g)
{
    return g ? g->n : 0;
}

const char *tj_glossary_target(const tj_glossary *g, int t)
{
    return g->t[t].trg;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n), d[n] = '\0';
    return d;
}

/* Checks one side of a term; 0 or a message. */
static const char *term_problem(const char *s, size_t n)
{
    if (!n) return "is empty";
    if (n > TJ_GLOSSARY_MAX_TERM) return "is longer than 512 bytes";
    if (tj_utf8_check(s, n) != n) return "is not valid UTF-8";
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\0')
            return "holds a tab, line break or NUL";
    return NULL;
}

tj_status tj_glossary_add(tj_glossary *g, const char *src, size_t sl, const char *trg, size_t tl,
                          int flags, tj_error *err)
{
    if (!g || (!src && sl) || (!trg && tl))
        return tj_fail(err, TJ_ERR_ARG, "tj_glossary_add: NULL argument");
    if (flags & ~(TJ_TERM_CASE | TJ_TERM_PART))
        return tj_fail(err, TJ_ERR_ARG, "glossary: unknown term flags %d", flags);
    const char *why = term_problem(src, sl);
    if (why) return tj_fail(err, TJ_ERR_INPUT, "glossary: source term %s", why);
    if ((why = term_problem(trg, tl)))
        return tj_fail(err, TJ_ERR_INPUT, "glossary: target term %s", why);
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        term *nt = realloc(g->t, cap * sizeof *nt);
        if (!nt) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        g->t = nt, g->cap = cap;
    }
    term t = {dup_n(src, sl), dup_n(trg, tl), malloc((sl + 1) * sizeof(unsigned)), 0, flags};
    unsigned *x = malloc((sl + 1) * sizeof *x);
    if (!t.src || !t.trg || !t.f || !x) {
        free(t.src), free(t.trg), free(t.f), free(x);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    t.fn = fold_text(src, sl, t.f, x, NULL);
    if (flags & TJ_TERM_CASE) memcpy(t.f, x, t.fn * sizeof *x);
    free(x);
    if (!t.fn) {
        free(t.src), free(t.trg), free(t.f);
        return tj_fail(err, TJ_ERR_INPUT, "glossary: source term '%.*s' has nothing to match",
                       (int)sl, src);
    }
    g->t[g->n++] = t;
    if (flags & TJ_TERM_PART) g->any_part = 1;
    return TJ_OK;
}

/* The flags column: words separated by commas or spaces. -1 for an unknown word. */
static int parse_flags(const char *s, size_t n, const char **bad, size_t *bad_len)
{
    int f = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ',' || s[i] == ' ')) i++;
        size_t b = i;
        while (i < n && s[i] != ',' && s[i] != ' ') i++;
        size_t l = i - b;
        if (!l) continue;
        if (l == 4 && !memcmp(s + b, "case", 4))
            f |= TJ_TERM_CASE;
        else if ((l == 4 && !memcmp(s + b, "part", 4)) || (l == 7 && !memcmp(s + b, "nobound", 7)))
            f |= TJ_TERM_PART;
        else {
            *bad = s + b, *bad_len = l;
            return -1;
        }
    }
    return f;
}

int tj_glossary_flags(const char *s, size_t n)
{
    const char *b;
    size_t bl;
    return parse_flags(s, n, &b, &bl);
}

tj_status tj_glossary_parse(const char *data, size_t len, tj_glossary **out, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    if (!out || (!data && len)) return tj_fail(err, TJ_ERR_ARG, "tj_glossary_parse: NULL argument");
    *out = NULL;
    size_t bad = tj_utf8_check(data, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "glossary: invalid UTF-8 at byte %zu", bad);
    tj_glossary *g;
    tj_status st = tj_glossary_new(&g, err);
    if (st) return st;
    size_t line = 0;
    for (size_t p = 0; p < len;) {
        const char *nl = memchr(data + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - data) : len, b = p;
        p = nl ? e + 1 : len;
        line++;
        if (e > b && data[e - 1] == '\r') e--;
        if (e == b || data[b] == '#') continue; /* blank lines and comments */
        const char *tab = memchr(data + b, '\t', e - b);
        if (!tab || tab == data + b || tab + 1 == data + e || tab[1] == '\t') {
            tj_glossary_free(g);
            return tj_fail(err, TJ_ERR_FORMAT,
                           "glossary line %zu: expected 'source term<TAB>target term[<TAB>flags]'",
                           line);
        }
        size_t sl = (size_t)(tab - data) - b;
        const char *t2 = tab + 1, *tab2 = memchr(t2, '\t', (size_t)(data + e - t2));
        size_t tl = (size_t)((tab2 ? tab2 : data + e) - t2);
        int flags = 0;
        if (tab2) {
            const char *fb = tab2 + 1, *w = NULL;
            size_t fl = (size_t)(data + e - fb), wl = 0;
            if (memchr(fb, '\t', fl)) {
                tj_glossary_free(g);
                return tj_fail(err, TJ_ERR_FORMAT, "glossary line %zu: more than three columns",
                               line);
            }
            if ((flags = parse_flags(fb, fl, &w, &wl)) < 0) {
                tj_glossary_free(g);
                return tj_fail(err, TJ_ERR_FORMAT,
                               "glossary line %zu: unknown flag '%.*s' (known: case, part)", line,
                               (int)tj_utf8_clip(w, wl, 40), w);
            }
        }
        if ((st = tj_glossary_add(g, data + b, sl, t2, tl, flags, err))) {
            tj_glossary_free(g);
            char m[sizeof err->message];
            snprintf(m, sizeof m, "%s", err->message);
            /* "glossary: X" -> "glossary line N: X" */
            return tj_fail(err, st, "glossary line %zu: %s", line,
                           strncmp(m, "glossary: ", 10) ? m : m + 10);
        }
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

/* Length in characters of a match of term t at word start w of the text's characters
 * f[0..fn): the clitic prefix length goes to *pre. 0 when there is none. A "part" term matches
 * at w itself, with no clitics and no word end needed. */
static size_t match_at(const unsigned *f, size_t fn, size_t w, const term *t, size_t *pre)
{
    const unsigned *tf = t->f;
    size_t tn = t->fn;
    if (t->flags & TJ_TERM_PART) {
        size_t j = 0;
        while (j < tn && w + j < fn && f[w + j] == tf[j]) j++;
        *pre = 0;
        return j == tn ? tn : 0;
    }
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

tj_status tj_glossary_find(const tj_glossary *g, const char *text, size_t len, tj_doc_term **out,
                           size_t *n, tj_error *err)
{
    *out = NULL, *n = 0;
    if (!g || !g->n || !len) return TJ_OK;
    unsigned *f = malloc((len + 1) * sizeof *f), *x = malloc((len + 1) * sizeof *x);
    size_t *off = malloc((len + 2) * sizeof *off);
    tj_doc_term *v = NULL;
    size_t nv = 0, cap = 0;
    tj_status st = TJ_OK;
    if (!f || !x || !off) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t fn = st ? 0 : fold_text(text, len, f, x, off);
    for (size_t w = 0; w < fn && !st; w++) {
        int word_start = !w || !is_letter(x[w - 1]);
        if (!word_start && !g->any_part) continue;
        size_t best = 0, bpre = 0;
        int bt = -1;
        for (size_t k = 0; k < g->n; k++) {
            const term *t = &g->t[k];
            if (!word_start && !(t->flags & TJ_TERM_PART)) continue;
            size_t pre = 0, l = match_at(t->flags & TJ_TERM_CASE ? x : f, fn, w, t, &pre);
            if (l > best) best = l, bpre = pre, bt = (int)k;
        }
        if (bt < 0) continue;
        if (nv == cap) {
            cap = cap ? 2 * cap : 8;
            tj_doc_term *nt = realloc(v, cap * sizeof *nt);
            if (!nt) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            v = nt;
        }
        v[nv++] = (tj_doc_term){off[w + bpre], off[w + bpre + best], bt, 0};
        w += bpre + best - 1;
    }
    free(f), free(x), free(off);
    if (st) {
        free(v);
        return st;
    }
    *out = v, *n = nv;
    return TJ_OK;
}

/* Where old offset o of a rewritten text lands: regions [b, e) became [nb, ne). A token that
 * begins (end = 0) or ends (end = 1) inside a replaced region covers the whole new region; at an
 * insertion point (b == e) a beginning goes after the inserted text and an end before it. */
typedef struct region {
    size_t b, e, nb, ne;
} region;
static size_t remap(const region *r, size_t nr, size_t o, int end)
{
    for (size_t i = 0; i < nr; i++) {
        if (o < r[i].b) return r[i].nb - (r[i].b - o);
        if (o == r[i].b) return r[i].b == r[i].e && !end ? r[i].ne : r[i].nb;
        if (o < r[i].e) return end ? r[i].ne : r[i].nb;
        if (i + 1 == nr || o < r[i + 1].b) return r[i].ne + (o - r[i].e);
    }
    return o;
}

tj_status tj_glossary_apply(const tj_glossary *g, const char *src, size_t len, const tj_doc_term *t,
                            size_t nt, tj_doc_para *p, tj_glossary_counts *c, tj_error *err)
{
    if (!nt) return TJ_OK;
    tj_doc_span *sp = malloc(nt * sizeof *sp);
    int *which = malloc(nt * sizeof *which);
    region *rg = malloc(nt * sizeof *rg);
    size_t extra = 0;
    for (size_t s = 0; s < nt; s++) extra += strlen(g->t[t[s].term].trg) + 2;
    char *res = malloc(p->out_len + extra + 1);
    if (!sp || !which || !rg || !res) {
        free(sp), free(which), free(rg), free(res);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (size_t s = 0; s < nt; s++) {
        sp[s] = (tj_doc_span){t[s].begin, t[s].end, -1, 0, 0, 0};
        which[s] = t[s].term;
    }
    tj_doc_project_spans(p, src, len, sp, nt);
    /* in target order (projection keeps siblings apart, so they do not overlap) */
    for (size_t s = 0; s < nt; s++) {
        size_t best = s;
        for (size_t r = s + 1; r < nt; r++)
            if (sp[r].out_begin < sp[best].out_begin) best = r;
        tj_doc_span tmp = sp[s];
        sp[s] = sp[best], sp[best] = tmp;
        int tw = which[s];
        which[s] = which[best], which[best] = tw;
    }
    size_t pos = 0, rn = 0, nr = 0;
    const char *po = p->out;
    for (size_t s = 0; s < nt; s++) {
        size_t b = sp[s].out_begin, e = sp[s].out_end;
        if (b < pos) b = pos;
        if (e < b) e = b;
        memcpy(res + rn, po + pos, b - pos);
        rn += b - pos;
        region r = {b, e, rn, 0};
        const char *tt = g->t[which[s]].trg;
        int empty = e == b;
        if (empty && rn && res[rn - 1] != ' ') res[rn++] = ' ';
        memcpy(res + rn, tt, strlen(tt));
        rn += strlen(tt);
        if (empty && e < p->out_len && po[e] != ' ') res[rn++] = ' ';
        r.ne = rn;
        rg[nr++] = r;
        pos = e;
        if (c) {
            if (empty)
                c->inserted++;
            else
                c->placed++;
        }
    }
    memcpy(res + rn, po + pos, p->out_len - pos);
    rn += p->out_len - pos;
    res[rn] = '\0';
    for (size_t k = 0; k < p->ns; k++) {
        tj_doc_sent *x = &p->s[k];
        x->trg_begin = remap(rg, nr, x->trg_begin, 0);
        x->trg_end = remap(rg, nr, x->trg_end, 1);
        if (x->trg_tok)
            for (int q = 0; q < x->n_trg; q++) {
                x->trg_tok[2 * q] = remap(rg, nr, x->trg_tok[2 * q], 0);
                x->trg_tok[2 * q + 1] = remap(rg, nr, x->trg_tok[2 * q + 1], 1);
                if (x->trg_tok[2 * q + 1] < x->trg_tok[2 * q])
                    x->trg_tok[2 * q + 1] = x->trg_tok[2 * q];
            }
        if (x->trg_end < x->trg_begin) x->trg_end = x->trg_begin;
    }
    free(p->out);
    p->out = res, p->out_len = rn;
    free(sp), free(which), free(rg);
    return TJ_OK;
}

tj_status tj_translate_glossary(const tj_model *m, const tj_options *opt, const tj_glossary *g,
                                const char *text, size_t len, char **out, size_t *applied,
                                size_t *inserted, tj_error *err)
{
    tj_glossary_counts c = {0};
    tj_doc_options d;
    memset(&d, 0, sizeof d);
    d.format = TJ_FORMAT_TEXT, d.glossary = g, d.glossary_counts = &c;
    d.glossary_mode = TJ_GLOSSARY_ALIGN; /* what this older entry has always done */
    size_t olen = 0;
    if (applied) *applied = 0;
    if (inserted) *inserted = 0;
    tj_status st = tj_translate_document(m, opt, &d, text, len, out, &olen, err);
    if (applied) *applied = c.placed;
    if (inserted) *inserted = c.inserted;
    return st;
}
