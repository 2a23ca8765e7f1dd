/* SPDX-License-Identifier: MIT */
/* Sentence splitting after ssplit-cpp's paragraph mode (spec §9.1).
 *
 * ssplit walks a paragraph with one anchored PCRE2 pattern,
 *
 *   \s* ([^.?!]*) ([.?!]++) (T* footnote? T*) (\s*) (?= INIPUNCT* \s* NEXT)
 *
 * and decides at each match whether it is a sentence end. The pattern never needs to backtrack
 * (every part after the marker run can match empty, so its greedy first try succeeds), so the
 * same structure is scanned here by hand in one left-to-right pass, which keeps the cost linear
 * whatever the input.
 *
 * Two details of ssplit that TJ_SSPLIT_BERGAMOT reproduces on purpose:
 *  - The chunker is compiled with PCRE2_UTF but without PCRE2_UCP, so its \s is ASCII white
 *    space only (TAB, LF, VT, FF, CR, SPACE); U+00A0 and friends are punctuation-like.
 *  - The "lowercase" / "uppercase" / "digit" tests on NEXT are compiled without PCRE2_UTF, so
 *    they classify the first BYTE of NEXT as a Latin-1 character: U+0080..U+05BF and
 *    U+0600..U+07BF (lead bytes C2..DE other than D7) look uppercase, U+07C0 and up (lead bytes
 *    DF..F4: CJK, Devanagari, Arabic presentation forms, ...) look lowercase. So ". été" splits
 *    and ". 中文" does not.
 * ssplit also tests the byte just past the paragraph against '.', which in bergamot is always a
 * line end; that test is left out because this API cannot see past len.
 *
 * TJ_SSPLIT_DEFAULT keeps the structure but classifies NEXT by real Unicode categories, takes
 * Unicode white space, adds Arabic and CJK sentence marks, and knows English non-breaking
 * prefixes (Dr., e.g., No. 5, U.S. ...). */
#include "tok/ssplit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/unicode.h"
#include "util/utf8.h"

typedef struct scan {
    const char *s;
    size_t len;
    int bergamot; /* TJ_SSPLIT_BERGAMOT rules */
} scan;

/* Decodes the character at i (< len); bad bytes come back as U+FFFD, one byte wide, which is a
 * symbol (So) like any other. */
static uint32_t char_at(const scan *sc, size_t i, size_t *width)
{
    int w;
    uint32_t cp = tj_utf8_decode(sc->s + i, sc->len - i, &w);
    *width = (size_t)w;
    return cp;
}

static int is_ascii_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 9 && cp <= 13);
}

static int is_space(const scan *sc, uint32_t cp)
{
    return sc->bergamot ? is_ascii_space(cp) : tj_unicode_is_space(cp);
}

static int is_marker(const scan *sc, uint32_t cp)
{
    if (cp == '.' || cp == '?' || cp == '!') return 1;
    if (sc->bergamot) return 0;
    switch (cp) {
    case 0x061F: /* ؟ Arabic question mark */
    case 0x06D4: /* ۔ Arabic full stop (Urdu) */
    case 0x2026: /* … */
    case 0x203C: /* ‼ */
    case 0x2047: /* ⁇ */
    case 0x2048: /* ⁈ */
    case 0x2049: /* ⁉ */
    case 0x3002: /* 。 ideographic full stop */
    case 0xFF01: /* ！ */
    case 0xFF0E: /* ． */
    case 0xFF1F: /* ？ */
    case 0xFF61: /* ｡ halfwidth ideographic full stop */
        return 1;
    default:
        return 0;
    }
}

/* Closing matter kept with a sentence after its marker: ssplit's ['")\]’”\p{Pf}]. The default
 * mode also keeps every closing bracket (「…。」, （…。）) and format characters, because
 * Arabic text often carries a bidi mark (U+200F) between the full stop and the space. */
static int is_closing(const scan *sc, uint32_t cp)
{
    if (cp == '\'' || cp == '"' || cp == ')' || cp == ']') return 1;
    tj_ucat c = tj_unicode_category(cp);
    if (c == TJ_UCAT_PF) return 1;
    return !sc->bergamot && (c == TJ_UCAT_PE || c == TJ_UCAT_CF);
}

/* Skips closing matter from i. */
static size_t skip_closing(const scan *sc, size_t i)
{
    while (i < sc->len) {
        size_t w;
        if (!is_closing(sc, char_at(sc, i, &w))) break;
        i += w;
    }
    return i;
}

/* A footnote reference \[\p{Nd}+[\p{Nd},\s]*\p{Nd}\] at i ('[' already seen there): the text
 * between the brackets is made only of digits, commas and spaces, and starts and ends with a
 * digit (so "[12]" and "[1, 2]" qualify and "[1]" does not). Returns the end, or i if none. */
static size_t skip_footnote(const scan *sc, size_t i)
{
    size_t j = i + 1, w = 0;
    int first_digit = 0, last_digit = 0, chars = 0;
    while (j < sc->len) {
        uint32_t cp = char_at(sc, j, &w);
        int digit = tj_unicode_category(cp) == TJ_UCAT_ND;
        if (!digit && cp != ',' && !is_space(sc, cp)) break;
        if (chars == 0) first_digit = digit;
        last_digit = digit;
        chars++;
        j += w;
    }
    if (j < sc->len && sc->s[j] == ']' && chars >= 2 && first_digit && last_digit) return j + 1;
    return i;
}

/* ------------------------------------------------------------------ non-breaking prefixes */

enum { PREFIX_NONE = 0, PREFIX_ALWAYS = 1, PREFIX_NUMERIC = 2 };

/* English words that a full stop does not end when a name or number follows; after the usual
 * Moses/ssplit English list (single capitals are handled in code). Sorted for bsearch. */
static const struct prefix {
    const char *word;
    int cls;
} prefixes[] = {
    {"Adj", PREFIX_ALWAYS},   {"Adm", PREFIX_ALWAYS},    {"Adv", PREFIX_ALWAYS},
    {"Apr", PREFIX_ALWAYS},   {"Art", PREFIX_NUMERIC},   {"Asst", PREFIX_ALWAYS},
    {"Aug", PREFIX_ALWAYS},   {"Bart", PREFIX_ALWAYS},   {"Bldg", PREFIX_ALWAYS},
    {"Brig", PREFIX_ALWAYS},  {"Bros", PREFIX_ALWAYS},   {"Capt", PREFIX_ALWAYS},
    {"Cf", PREFIX_ALWAYS},    {"Cmdr", PREFIX_ALWAYS},   {"Col", PREFIX_ALWAYS},
    {"Comdr", PREFIX_ALWAYS}, {"Con", PREFIX_ALWAYS},    {"Corp", PREFIX_ALWAYS},
    {"Cpl", PREFIX_ALWAYS},   {"DR", PREFIX_ALWAYS},     {"Dec", PREFIX_ALWAYS},
    {"Dr", PREFIX_ALWAYS},    {"Drs", PREFIX_ALWAYS},    {"Ens", PREFIX_ALWAYS},
    {"Feb", PREFIX_ALWAYS},   {"Fig", PREFIX_NUMERIC},   {"Gen", PREFIX_ALWAYS},
    {"Gov", PREFIX_ALWAYS},   {"Hon", PREFIX_ALWAYS},    {"Hosp", PREFIX_ALWAYS},
    {"Hr", PREFIX_ALWAYS},    {"Insp", PREFIX_ALWAYS},   {"Jan", PREFIX_ALWAYS},
    {"Jr", PREFIX_ALWAYS},    {"Jul", PREFIX_ALWAYS},    {"Jun", PREFIX_ALWAYS},
    {"Lt", PREFIX_ALWAYS},    {"MM", PREFIX_ALWAYS},     {"MR", PREFIX_ALWAYS},
    {"MRS", PREFIX_ALWAYS},   {"MS", PREFIX_ALWAYS},     {"Maj", PREFIX_ALWAYS},
    {"Mar", PREFIX_ALWAYS},   {"Messrs", PREFIX_ALWAYS}, {"Mlle", PREFIX_ALWAYS},
    {"Mme", PREFIX_ALWAYS},   {"Mr", PREFIX_ALWAYS},     {"Mrs", PREFIX_ALWAYS},
    {"Ms", PREFIX_ALWAYS},    {"Msgr", PREFIX_ALWAYS},   {"Mt", PREFIX_ALWAYS},
    {"No", PREFIX_NUMERIC},   {"Nos", PREFIX_ALWAYS},    {"Nov", PREFIX_ALWAYS},
    {"Nr", PREFIX_ALWAYS},    {"Oct", PREFIX_ALWAYS},    {"Op", PREFIX_ALWAYS},
    {"Ord", PREFIX_ALWAYS},   {"Pfc", PREFIX_ALWAYS},    {"Ph", PREFIX_ALWAYS},
    {"Prof", PREFIX_ALWAYS},  {"Pvt", PREFIX_ALWAYS},    {"Rep", PREFIX_ALWAYS},
    {"Reps", PREFIX_ALWAYS},  {"Res", PREFIX_ALWAYS},    {"Rev", PREFIX_ALWAYS},
    {"Rt", PREFIX_ALWAYS},    {"Sen", PREFIX_ALWAYS},    {"Sens", PREFIX_ALWAYS},
    {"Sep", PREFIX_ALWAYS},   {"Sept", PREFIX_ALWAYS},   {"Sfc", PREFIX_ALWAYS},
    {"Sgt", PREFIX_ALWAYS},   {"Sr", PREFIX_ALWAYS},     {"St", PREFIX_ALWAYS},
    {"Supt", PREFIX_ALWAYS},  {"Surg", PREFIX_ALWAYS},   {"U.K", PREFIX_ALWAYS},
    {"U.N", PREFIX_ALWAYS},   {"U.S", PREFIX_ALWAYS},    {"U.S.A", PREFIX_ALWAYS},
    {"Vol", PREFIX_NUMERIC},  {"approx", PREFIX_ALWAYS}, {"ca", PREFIX_ALWAYS},
    {"cf", PREFIX_ALWAYS},    {"e.g", PREFIX_ALWAYS},    {"fig", PREFIX_NUMERIC},
    {"i.e", PREFIX_ALWAYS},   {"no", PREFIX_NUMERIC},    {"p", PREFIX_NUMERIC},
    {"pp", PREFIX_NUMERIC},   {"rev", PREFIX_ALWAYS},    {"v", PREFIX_ALWAYS},
    {"vol", PREFIX_NUMERIC},  {"vs", PREFIX_ALWAYS},
};

/* Longest word worth looking up: no abbreviation is longer, and the cap bounds the backward scan
 * for the word however long the unbroken text before a full stop is. */
enum { PREFIX_MAX = 16 };

static int prefix_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct prefix *)elem)->word);
}

/* Start of the word (letters, marks, digits and inner dots) that ends at `end`, or `end` if it
 * is longer than PREFIX_MAX bytes. Steps back over UTF-8 continuation bytes to find
 * characters. */
static size_t word_start(const scan *sc, size_t floor, size_t end)
{
    size_t i = end;
    while (i > floor && end - i <= PREFIX_MAX) {
        size_t b = i - 1;
        while (b > floor && i - b < 4 && ((unsigned char)sc->s[b] & 0xC0) == 0x80) b--;
        size_t w;
        uint32_t cp = char_at(sc, b, &w);
        if (b + w != i) break; /* not a whole character: a stray byte ends the word */
        if (cp != '.' && !tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_L | TJ_UCAT_M | TJ_UCAT_N))
            break;
        i = b;
    }
    while (i < end && sc->s[i] == '.') i++; /* "...Dr" is the word "Dr" */
    return end - i > PREFIX_MAX ? end : i;
}

/* Class of the word [b, e): a listed prefix, a single capital letter (an initial), or an
 * acronym like "U.S.A" / "Ph.D" whose last part is capitals. */
static int prefix_class(const scan *sc, size_t b, size_t e)
{
    if (b == e) return PREFIX_NONE;
    char word[PREFIX_MAX + 1];
    memcpy(word, sc->s + b, e - b);
    word[e - b] = '\0';
    const struct prefix *p = bsearch(word, prefixes, sizeof prefixes / sizeof prefixes[0],
                                     sizeof prefixes[0], prefix_cmp);
    if (p) return p->cls;

    size_t w;
    uint32_t cp = char_at(sc, b, &w);
    if (b + w == e && tj_unicode_is_upper(cp)) return PREFIX_ALWAYS;

    const char *dot = strrchr(word, '.');
    if (!dot) return PREFIX_NONE;
    size_t last = (size_t)(dot - word) + 1;
    if (b + last == e) return PREFIX_NONE;
    for (size_t i = b + last; i < e; i += w)
        if (!tj_unicode_is_upper(char_at(sc, i, &w))) return PREFIX_NONE;
    return PREFIX_ALWAYS;
}

/* ------------------------------------------------------------------ candidates */

/* One match of ssplit's chunker: [start, punct) is the text before the marker run, [punct,
 * tail) the markers, [tail, ws) closing matter and footnotes, [ws, end) the white space after. */
typedef struct candidate {
    size_t start, punct, tail, ws, end;
    size_t next; /* first byte of NEXT, the letter/mark/number run after the space and any
                    initial punctuation; == len when that run is empty */
} candidate;

/* Finds the next candidate at or after pos; 0 when no marker is left. */
static int next_candidate(const scan *sc, size_t pos, candidate *c)
{
    size_t i = pos, w;
    c->start = pos;
    for (;;) {
        if (i >= sc->len) return 0;
        if (is_marker(sc, char_at(sc, i, &w))) break;
        i += w;
    }
    c->punct = i;
    while (i < sc->len && is_marker(sc, char_at(sc, i, &w))) i += w;
    c->tail = i;
    i = skip_closing(sc, i);
    if (i < sc->len && sc->s[i] == '[') {
        size_t f = skip_footnote(sc, i);
        if (f != i) i = skip_closing(sc, f);
    }
    c->ws = i;
    while (i < sc->len && is_space(sc, char_at(sc, i, &w))) i += w;
    c->end = i;

    /* The look-ahead only matters when there is white space; skipping it otherwise also keeps
     * runs like ".,.,.,." from being rescanned by every candidate. */
    c->next = sc->len;
    if (c->end == c->ws) return 1;
    while (i < sc->len) {
        uint32_t cp = char_at(sc, i, &w);
        if (is_space(sc, cp) ||
            tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_L | TJ_UCAT_N | TJ_UCAT_M | TJ_UCAT_S))
            break;
        i += w;
    }
    while (i < sc->len && is_space(sc, char_at(sc, i, &w))) i += w;
    if (i < sc->len &&
        tj_ucat_in(tj_unicode_category(char_at(sc, i, &w)), TJ_UCAT_L | TJ_UCAT_M | TJ_UCAT_N)) {
        c->next = i;
    }
    return 1;
}

/* ssplit's "[...]" exception: an in-text ellipsis in brackets is not a sentence end. */
static int is_bracket_ellipsis(const scan *sc, const candidate *c)
{
    size_t n = c->tail - c->punct;
    const char *p = sc->s + c->punct;
    int dots = (n == 3 && memcmp(p, "...", 3) == 0) ||
               (!sc->bergamot && n == 3 && memcmp(p, "\xE2\x80\xA6", 3) == 0);
    return dots && c->punct - c->start > 1 && sc->s[c->punct - 1] == '[' && c->ws - c->tail == 1 &&
           sc->s[c->tail] == ']';
}

static int bergamot_boundary(const scan *sc, const candidate *c)
{
    if (c->next < sc->len) {
        /* The first byte, as a Latin-1 character: see the comment at the top. */
        tj_ucat cat = (tj_ucat)tj_ucat_latin1[(unsigned char)sc->s[c->next]];
        if (cat == TJ_UCAT_LL) return 0;
        /* Upper case or digit: with no prefix list nothing can veto the split. */
        if (cat == TJ_UCAT_LU || cat == TJ_UCAT_LT || cat == TJ_UCAT_ND || cat == TJ_UCAT_NL)
            return 1;
    }
    return !is_bracket_ellipsis(sc, c);
}

static int default_boundary(const scan *sc, const candidate *c, size_t sentence_start)
{
    /* Marks at the start of NEXT are skipped, as ssplit's \p{M}*\p{Ll} does. */
    size_t i = c->next, w = 0;
    uint32_t cp = 0;
    tj_ucat cat = TJ_UCAT_CN;
    while (i < sc->len) {
        cp = char_at(sc, i, &w);
        cat = tj_unicode_category(cp);
        if (!tj_ucat_in(cat, TJ_UCAT_M)) break;
        i += w;
    }
    int letter = i < sc->len && tj_ucat_in(cat, TJ_UCAT_L | TJ_UCAT_N);
    if (!letter) return !is_bracket_ellipsis(sc, c);
    if (cat == TJ_UCAT_LL) return 0;

    /* Abbreviations only count before a single ASCII full stop with nothing after it. */
    if (c->tail - c->punct != 1 || sc->s[c->punct] != '.' || c->ws != c->tail) return 1;
    size_t b = word_start(sc, sentence_start, c->punct);
    int cls = prefix_class(sc, b, c->punct);
    if (cls == PREFIX_ALWAYS) return 0;
    if (cls == PREFIX_NUMERIC && (cat == TJ_UCAT_ND || cat == TJ_UCAT_NL)) return 0;
    return 1;
}

/* Appends [b, e) to the growing span array. */
static tj_status push(tj_span **spans, size_t *n, size_t *cap, size_t b, size_t e, tj_error *err)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        tj_span *p = realloc(*spans, ncap * sizeof *p);
        if (!p) return tj_fail(err, TJ_ERR_NOMEM, "out of memory splitting sentences");
        *spans = p;
        *cap = ncap;
    }
    (*spans)[*n].begin = b;
    (*spans)[*n].end = e;
    (*n)++;
    return TJ_OK;
}

tj_status tj_ssplit(const char *text, size_t len, tj_ssplit_mode mode, tj_span **spans, size_t *n,
                    tj_error *err)
{
    if (!spans || !n) return tj_fail(err, TJ_ERR_ARG, "tj_ssplit: NULL output argument");
    *spans = NULL;
    *n = 0;
    if (!text && len) return tj_fail(err, TJ_ERR_ARG, "tj_ssplit: NULL text");
    if (mode != TJ_SSPLIT_DEFAULT && mode != TJ_SSPLIT_BERGAMOT)
        return tj_fail(err, TJ_ERR_ARG, "tj_ssplit: unknown mode %d", (int)mode);

    scan sc = {text, len, mode == TJ_SSPLIT_BERGAMOT};
    size_t cap = 0, pos = 0, w;
    tj_span *out = NULL;
    size_t count = 0;
    tj_status st = TJ_OK;

    for (;;) {
        while (pos < len && is_space(&sc, char_at(&sc, pos, &w))) pos += w;
        if (pos >= len) break;
        size_t start = pos;
        candidate c;
        int found = 0;
        while (next_candidate(&sc, pos, &c)) {
            pos = c.end;
            if (c.end == c.ws) continue; /* no white space after the marker: "3.5", "a.m" */
            if (sc.bergamot ? bergamot_boundary(&sc, &c) : default_boundary(&sc, &c, start)) {
                found = 1;
                break;
            }
        }
        if (found) {
            st = push(&out, &count, &cap, start, c.ws, err);
            if (st != TJ_OK) break;
            continue;
        }
        /* The rest of the paragraph is the last sentence, less trailing white space. */
        size_t end = start;
        for (size_t i = start; i < len; i += w)
            if (!is_space(&sc, char_at(&sc, i, &w))) end = i + w;
        st = push(&out, &count, &cap, start, end, err);
        break;
    }
    if (st != TJ_OK) {
        free(out);
        return st;
    }
    *spans = out;
    *n = count;
    return TJ_OK;
}
