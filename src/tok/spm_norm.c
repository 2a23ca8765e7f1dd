/* SPDX-License-Identifier: MIT */
/* The normaliser follows SentencePiece's Normalizer::Normalize / NormalizePrefix step by step
 * (spec §8.3): parity with spm_encode depends on every quirk, e.g. that a malformed byte becomes
 * U+FFFD without a charsmap look-up, or that trailing "▁" removal also eats a literal U+2581. */
#include "tok/spm_norm.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define SPACE_SYMBOL "\xE2\x96\x81" /* U+2581, what ' ' becomes when escaping whitespace */

/* SentencePiece's normaliser keeps at most this many charsmap matches per position. */
enum { MAX_CHARSMAP_MATCHES = 32 };

tj_status spm_norm_init(spm_norm *n, const unsigned char *blob, size_t len, tj_error *err)
{
    n->units = NULL;
    n->n_units = 0;
    n->pool = NULL;
    n->pool_len = 0;
    if (len == 0) return TJ_OK;
    if (len <= 4) return tj_fail(err, TJ_ERR_FORMAT, "precompiled charsmap is truncated");
    size_t trie_size =
        (size_t)blob[0] | (size_t)blob[1] << 8 | (size_t)blob[2] << 16 | (size_t)blob[3] << 24;
    if (trie_size > len - 4)
        return tj_fail(err, TJ_ERR_FORMAT, "charsmap trie size %zu exceeds the blob (%zu bytes)",
                       trie_size, len - 4);
    n->n_units = trie_size / 4;
    n->pool_len = len - 4 - trie_size;
    n->units = malloc((n->n_units ? n->n_units : 1) * sizeof *n->units);
    /* One extra NUL so that a pool whose last string lacks its terminator cannot be overrun. */
    n->pool = malloc(n->pool_len + 1);
    if (!n->units || !n->pool) {
        spm_norm_free(n);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the charsmap");
    }
    const unsigned char *u = blob + 4;
    for (size_t i = 0; i < n->n_units; i++, u += 4)
        n->units[i] =
            (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    memcpy(n->pool, blob + 4 + trie_size, n->pool_len);
    n->pool[n->pool_len] = '\0';
    return TJ_OK;
}

void spm_norm_free(spm_norm *n)
{
    free(n->units);
    free(n->pool);
    n->units = NULL;
    n->pool = NULL;
    n->n_units = n->pool_len = 0;
}

size_t spm_utf8_valid_len(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t cp;
    if (s[0] < 0x80) return 1;
    if (len >= 2 && (s[0] & 0xE0) == 0xC0) {
        cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        if ((s[1] & 0xC0) == 0x80 && cp >= 0x80) return 2;
    } else if (len >= 3 && (s[0] & 0xF0) == 0xE0) {
        cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        if ((s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && cp >= 0x800 &&
            (cp < 0xD800 || cp >= 0xE000))
            return 3;
    } else if (len >= 4 && (s[0] & 0xF8) == 0xF0) {
        cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
             (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        if ((s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 &&
            cp >= 0x10000 && cp <= 0x10FFFF)
            return 4;
    }
    return 0;
}

/* darts-clone commonPrefixSearch, keeping the longest of the first MAX_CHARSMAP_MATCHES
 * matches. Returns the match length (0 = none) and its pool offset in *value. Positions are
 * bounds-checked so that a corrupt array ends the walk instead of reading past it. */
static size_t charsmap_match(const spm_norm *n, const unsigned char *key, size_t len,
                             uint32_t *value)
{
    const uint32_t *units = n->units;
    size_t nu = n->n_units, best = 0;
    int found = 0;
    if (nu == 0) return 0;
#define OFFSET(u) (((u) >> 10) << (((u)&0x200u) >> 6))
    size_t pos = OFFSET(units[0]);
    for (size_t i = 0; i < len; i++) {
        pos ^= key[i];
        if (pos >= nu) break;
        uint32_t u = units[pos];
        if ((u & 0x800000FFu) != key[i]) break;
        pos ^= OFFSET(u);
        if ((u >> 8) & 1) {
            if (pos >= nu || ++found > MAX_CHARSMAP_MATCHES) break;
            best = i + 1;
            *value = units[pos] & 0x7FFFFFFFu;
        }
    }
#undef OFFSET
    return best;
}

/* Longest user-defined symbol at the start of s, or 0. */
static size_t user_defined_match(const spm_trie *t, const char *s, size_t len)
{
    uint32_t node = 0;
    size_t best = 0;
    for (size_t i = 0; i < len; i++) {
        node = spm_trie_child(t, node, (unsigned char)s[i]);
        if (!node) break;
        if (t->value[node] >= 0) best = i + 1;
    }
    return best;
}

/* NormalizePrefix: the replacement for the start of s and how many input bytes it consumes. */
static tj_status normalize_prefix(const spm_norm *n, const spm_trie *ud, const char *s, size_t len,
                                  const char **rep, size_t *rep_len, size_t *consumed,
                                  tj_error *err)
{
    if (ud) {
        size_t m = user_defined_match(ud, s, len);
        if (m) {
            *rep = s;
            *rep_len = *consumed = m;
            return TJ_OK;
        }
    }
    uint32_t value = 0;
    size_t m = charsmap_match(n, (const unsigned char *)s, len, &value);
    if (m) {
        if (value >= n->pool_len)
            return tj_fail(err, TJ_ERR_FORMAT, "charsmap replacement offset %u out of range",
                           (unsigned)value);
        *rep = n->pool + value;
        *rep_len = strlen(*rep);
        *consumed = m;
        return TJ_OK;
    }
    size_t c = spm_utf8_valid_len(s, len);
    if (c == 0) {
        *rep = "\xEF\xBF\xBD";
        *rep_len = 3;
        *consumed = 1;
    } else {
        *rep = s;
        *rep_len = *consumed = c;
    }
    return TJ_OK;
}

typedef struct outbuf {
    char *text;
    size_t *map;
    size_t len, cap;
} outbuf;

static int out_reserve(outbuf *o, size_t extra)
{
    if (o->cap - o->len > extra) return 0; /* keeps one slot for the final map entry */
    size_t cap = o->cap ? o->cap : 64;
    while (cap - o->len <= extra) {
        if (cap > ((size_t)-1 / sizeof(size_t)) / 2) return -1;
        cap *= 2;
    }
    char *t = realloc(o->text, cap);
    if (!t) return -1;
    o->text = t;
    size_t *m = realloc(o->map, cap * sizeof *m);
    if (!m) return -1;
    o->map = m;
    o->cap = cap;
    return 0;
}

static void out_put(outbuf *o, const char *s, size_t n, size_t orig)
{
    memcpy(o->text + o->len, s, n);
    for (size_t i = 0; i < n; i++) o->map[o->len + i] = orig;
    o->len += n;
}

static int ends_with(const outbuf *o, const char *s, size_t n)
{
    return o->len >= n && memcmp(o->text + o->len - n, s, n) == 0;
}

tj_status spm_normalize(const spm_norm *n, const spm_trie *ud, const char *in, size_t len,
                        spm_normalized *out, tj_error *err)
{
    outbuf o = {0};
    const char *space = n->escape_whitespaces ? SPACE_SYMBOL : " ";
    size_t space_len = strlen(space);
    size_t consumed = 0;
    const char *rep;
    size_t rep_len, used;
    tj_status st = TJ_OK;

    memset(out, 0, sizeof *out);
    if (n->remove_extra_whitespaces) {
        while (consumed < len) {
            st = normalize_prefix(n, ud, in + consumed, len - consumed, &rep, &rep_len, &used, err);
            if (st) return st;
            if (!(rep_len == 1 && rep[0] == ' ')) break;
            consumed += used;
        }
    }
    if (consumed == len) {
        /* Nothing but whitespace (or nothing): an empty result. */
        out->to_orig = malloc(sizeof *out->to_orig);
        if (!out->to_orig) return tj_fail(err, TJ_ERR_NOMEM, "out of memory normalising text");
        out->to_orig[0] = consumed;
        return TJ_OK;
    }
    if (len > ((size_t)-1) / 8 || out_reserve(&o, (len - consumed) * 3 + 8)) goto oom;

    if (!n->treat_whitespace_as_suffix && n->add_dummy_prefix)
        out_put(&o, space, space_len, consumed);

    int prev_space = n->remove_extra_whitespaces;
    while (consumed < len) {
        st = normalize_prefix(n, ud, in + consumed, len - consumed, &rep, &rep_len, &used, err);
        if (st) goto fail;
        if (prev_space)
            while (rep_len && rep[0] == ' ') rep++, rep_len--;
        if (rep_len) {
            if (out_reserve(&o, rep_len * 3)) goto oom;
            for (size_t i = 0; i < rep_len; i++) {
                if (n->escape_whitespaces && rep[i] == ' ')
                    out_put(&o, SPACE_SYMBOL, 3, consumed);
                else
                    out_put(&o, rep + i, 1, consumed);
            }
            prev_space = rep[rep_len - 1] == ' ';
        }
        consumed += used;
        if (!n->remove_extra_whitespaces) prev_space = 0;
    }

    if (n->remove_extra_whitespaces) {
        while (ends_with(&o, space, space_len)) {
            o.len -= space_len;
            consumed = o.map[o.len];
        }
    }
    if (n->treat_whitespace_as_suffix && n->add_dummy_prefix) {
        if (out_reserve(&o, space_len)) goto oom;
        out_put(&o, space, space_len, consumed);
    }
    o.map[o.len] = consumed; /* out_reserve always leaves this slot */
    out->text = o.text;
    out->len = o.len;
    out->to_orig = o.map;
    return TJ_OK;

oom:
    st = tj_fail(err, TJ_ERR_NOMEM, "out of memory normalising %zu bytes of text", len);
fail:
    free(o.text);
    free(o.map);
    return st;
}

void spm_normalized_free(spm_normalized *out)
{
    free(out->text);
    free(out->to_orig);
    memset(out, 0, sizeof *out);
}
