/* SPDX-License-Identifier: MIT */
/* The 13a tokenizer of mteval-v13a.pl as sacreBLEU implements it (tokenizer_13a.py and
 * tokenizer_re.py): a few literal replacements, then four regular-expression substitutions,
 * then whitespace splitting.
 *
 * Every character the rules look at is ASCII and UTF-8 never puts ASCII bytes inside a
 * multi-byte character, so the substitutions run on bytes and give the same result as Python's
 * code-point regexes. Each substitution matches exactly two characters, left to right without
 * overlap, which is what re.sub does with these fixed-width patterns. */
#include "eval/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "eval/pystr.h"
#include "util/error.h"

/* str.replace(from, to) in place, for len(to) <= len(from); returns the new length. */
static size_t replace_all(char *s, size_t len, const char *from, const char *to)
{
    size_t flen = strlen(from), tlen = strlen(to), r = 0, w = 0;
    while (r < len) {
        if (r + flen <= len && !memcmp(s + r, from, flen)) {
            memcpy(s + w, to, tlen);
            w += tlen;
            r += flen;
        } else {
            s[w++] = s[r++];
        }
    }
    return w;
}

/* ([\{-\~\[-\` -\&\(-\+\:-\@\/]): every ASCII symbol except ' , - . gets spaces around it. */
static int is_symbol(unsigned char c)
{
    return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
           (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static int is_period_comma(unsigned char c)
{
    return c == '.' || c == ',';
}

static size_t pass_symbols(const char *s, size_t len, char *out)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_symbol((unsigned char)s[i])) {
            out[w++] = ' ';
            out[w++] = s[i];
            out[w++] = ' ';
        } else {
            out[w++] = s[i];
        }
    }
    return w;
}

/* The three two-character rules: ([^0-9])([\.,]) -> "\1 \2 ", ([\.,])([^0-9]) -> " \1 \2",
 * ([0-9])(-) -> "\1 \2 ". */
enum rule { NONDIGIT_PUNCT, PUNCT_NONDIGIT, DIGIT_DASH };

static int rule_matches(enum rule r, unsigned char a, unsigned char b)
{
    switch (r) {
    case NONDIGIT_PUNCT:
        return !is_digit(a) && is_period_comma(b);
    case PUNCT_NONDIGIT:
        return is_period_comma(a) && !is_digit(b);
    case DIGIT_DASH:
        return is_digit(a) && b == '-';
    }
    return 0;
}

static size_t pass_pairs(enum rule r, const char *s, size_t len, char *out)
{
    size_t w = 0, i = 0;
    while (i < len) {
        if (i + 1 < len && rule_matches(r, (unsigned char)s[i], (unsigned char)s[i + 1])) {
            if (r == PUNCT_NONDIGIT) out[w++] = ' ';
            out[w++] = s[i];
            out[w++] = ' ';
            out[w++] = s[i + 1];
            if (r != PUNCT_NONDIGIT) out[w++] = ' ';
            i += 2;
        } else {
            out[w++] = s[i++];
        }
    }
    return w;
}

/* Makes *buf hold at least need bytes. */
static int reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    char *nb = realloc(*buf, need);
    if (!nb) return -1;
    *buf = nb;
    *cap = need;
    return 0;
}

tj_status tj_tok13a(const char *line, size_t len, char **out, size_t *ntok, tj_error *err)
{
    *out = NULL;
    /* Each pass at most triples (symbols) or doubles (pairs) the text: cap the input so that
     * the sizes below cannot overflow. */
    if (len > SIZE_MAX / 64) return tj_fail(err, TJ_ERR_INPUT, "line too long to score");
    char *a = NULL, *b = NULL;
    size_t acap = 0, bcap = 0;
    if (reserve(&a, &acap, len + 3)) goto oom;

    a[0] = ' ';
    memcpy(a + 1, line, len);
    size_t n = len + 1;
    /* The replacements act on the line before sacreBLEU surrounds it with spaces; none of them
     * can match across the leading space, so doing them after adding it is equivalent. */
    n = 1 + replace_all(a + 1, n - 1, "<skipped>", "");
    n = 1 + replace_all(a + 1, n - 1, "-\n", "");
    n = 1 + replace_all(a + 1, n - 1, "\n", " ");
    n = 1 + replace_all(a + 1, n - 1, "&quot;", "\"");
    n = 1 + replace_all(a + 1, n - 1, "&amp;", "&");
    n = 1 + replace_all(a + 1, n - 1, "&lt;", "<");
    n = 1 + replace_all(a + 1, n - 1, "&gt;", ">");
    a[n++] = ' ';

    if (reserve(&b, &bcap, 3 * n + 1)) goto oom;
    n = pass_symbols(a, n, b);
    if (reserve(&a, &acap, 2 * n + 1)) goto oom;
    n = pass_pairs(NONDIGIT_PUNCT, b, n, a);
    if (reserve(&b, &bcap, 2 * n + 1)) goto oom;
    n = pass_pairs(PUNCT_NONDIGIT, a, n, b);
    if (reserve(&a, &acap, 2 * n + 1)) goto oom;
    n = pass_pairs(DIGIT_DASH, b, n, a);

    size_t out_len, words = tj_py_split_join(a, n, b, &out_len);
    free(a);
    char *shrunk = realloc(b, out_len + 1);
    *out = shrunk ? shrunk : b;
    if (ntok) *ntok = words;
    return TJ_OK;
oom:
    free(a);
    free(b);
    return tj_fail(err, TJ_ERR_NOMEM, "out of memory tokenizing a line");
}
