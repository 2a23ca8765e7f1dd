/* SPDX-License-Identifier: MIT */
/* Marian vocabulary files; see vocab.h. A vocab.yml is read line by line (`piece: id`, the key
 * plain, 'single-' or "double-quoted" with YAML escapes, as yaml-cpp writes Marian's vocabularies);
 * a vocab.json through util/json. */
#include "model/vocab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/blob.h"
#include "util/error.h"
#include "util/json.h"

#define MAX_VOCAB (1 << 24)

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int tj_vocab_find(const tj_vocab *v, const char *piece)
{
    if (!v->table) return -1;
    for (size_t i = hash(piece) & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
        int id = v->table[i];
        if (id < 0) return -1;
        if (strcmp(v->piece[id], piece) == 0) return id;
    }
}

void tj_vocab_free(tj_vocab *v)
{
    if (!v) return;
    free(v->piece);
    free(v->table);
    free(v->storage);
    memset(v, 0, sizeof *v);
}

/* Pending entries while a file is read: piece offsets into one growing buffer. */
typedef struct pending {
    char *bytes;
    size_t len, cap;
    size_t *off;
    long *id;
    size_t n, ncap;
} pending;

static int pend_add(pending *p, const char *s, size_t n, long id)
{
    if (p->n == p->ncap) {
        size_t c = p->ncap ? p->ncap * 2 : 1024;
        size_t *o = realloc(p->off, c * sizeof *o);
        if (!o) return -1;
        p->off = o;
        long *i = realloc(p->id, c * sizeof *i);
        if (!i) return -1;
        p->id = i;
        p->ncap = c;
    }
    if (p->len + n + 1 > p->cap) {
        size_t c = p->cap ? p->cap : 4096;
        while (c < p->len + n + 1) c *= 2;
        char *b = realloc(p->bytes, c);
        if (!b) return -1;
        p->bytes = b;
        p->cap = c;
    }
    memcpy(p->bytes + p->len, s, n);
    p->bytes[p->len + n] = '\0';
    p->off[p->n] = p->len;
    p->id[p->n++] = id;
    p->len += n + 1;
    return 0;
}

static void pend_free(pending *p)
{
    free(p->bytes);
    free(p->off);
    free(p->id);
}

/* Builds v from the pending entries, which it takes over. strict: every id 0..n-1 exactly once
 * and no duplicate pieces (files); otherwise ids are 0..n-1 in order and duplicates keep the
 * first. */
static tj_status build(const char *name, pending *p, int strict, tj_vocab *v, tj_error *err)
{
    memset(v, 0, sizeof *v);
    tj_status st = TJ_OK;
    if (p->n == 0) {
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: empty vocabulary", name);
        goto out;
    }
    if (p->n > MAX_VOCAB) {
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: vocabulary of %zu entries is too large", name, p->n);
        goto out;
    }
    v->n = (int)p->n;
    v->piece = calloc(p->n, sizeof *v->piece);
    v->cap = 16;
    while (v->cap < p->n * 2) v->cap *= 2;
    v->table = malloc(v->cap * sizeof *v->table);
    if (!v->piece || !v->table) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory reading %s", name);
        goto out;
    }
    for (size_t i = 0; i < v->cap; i++) v->table[i] = -1;
    v->storage = p->bytes;
    p->bytes = NULL;
    for (size_t k = 0; k < p->n; k++) {
        long id = strict ? p->id[k] : (long)k;
        const char *s = v->storage + p->off[k];
        if (id < 0 || id >= v->n) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "%s: id %ld of '%s' is out of range (the file has %d entries, so ids "
                         "must be 0..%d)",
                         name, id, s, v->n, v->n - 1);
            goto out;
        }
        if (v->piece[id]) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: id %ld is given to both '%s' and '%s'", name, id,
                         v->piece[id], s);
            goto out;
        }
        size_t i = hash(s) & (v->cap - 1);
        int dup = 0;
        for (; v->table[i] >= 0; i = (i + 1) & (v->cap - 1))
            if (strcmp(v->piece[v->table[i]], s) == 0) dup = 1;
        if (dup && strict) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: piece '%s' appears twice", name, s);
            goto out;
        }
        v->piece[id] = (char *)s;
        if (!dup) v->table[i] = (int)id;
    }
out:
    pend_free(p);
    if (st) tj_vocab_free(v);
    return st;
}

tj_status tj_vocab_from_pieces(const char *const *pieces, int n, tj_vocab *v, tj_error *err)
{
    pending p = {0};
    for (int i = 0; i < n; i++)
        if (pend_add(&p, pieces[i], strlen(pieces[i]), i)) {
            pend_free(&p);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
    return build("vocabulary", &p, 0, v, err);
}

static void put_cp(char *o, size_t *n, unsigned long cp)
{
    if (cp < 0x80) {
        o[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*n)++] = (char)(0xC0 | cp >> 6);
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*n)++] = (char)(0xE0 | cp >> 12);
        o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*n)++] = (char)(0xF0 | cp >> 18);
        o[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a quoted YAML key s[0..n) (quote included) into o; returns bytes consumed after it
 * (up to and including the closing quote), or 0 on a malformed key. o has room for n bytes:
 * escapes never decode longer than they are written. */
static size_t quoted_key(const char *s, size_t n, char *o, size_t *on)
{
    char q = s[0];
    size_t i = 1;
    *on = 0;
    while (i < n) {
        char c = s[i++];
        if (q == '\'') {
            if (c != '\'') {
                o[(*on)++] = c;
                continue;
            }
            if (i < n && s[i] == '\'') {
                o[(*on)++] = '\'';
                i++;
                continue;
            }
            return i;
        }
        if (c == '"') return i;
        if (c != '\\') {
            o[(*on)++] = c;
            continue;
        }
        if (i >= n) return 0;
        char e = s[i++];
        int hexn = 0;
        switch (e) {
        case '0':
            o[(*on)++] = '\0';
            break;
        case 'a':
            o[(*on)++] = '\a';
            break;
        case 'b':
            o[(*on)++] = '\b';
            break;
        case 't':
        case '\t':
            o[(*on)++] = '\t';
            break;
        case 'n':
            o[(*on)++] = '\n';
            break;
        case 'v':
            o[(*on)++] = '\v';
            break;
        case 'f':
            o[(*on)++] = '\f';
            break;
        case 'r':
            o[(*on)++] = '\r';
            break;
        case 'e':
            o[(*on)++] = 0x1b;
            break;
        case ' ':
            o[(*on)++] = ' ';
            break;
        case '"':
            o[(*on)++] = '"';
            break;
        case '/':
            o[(*on)++] = '/';
            break;
        case '\\':
            o[(*on)++] = '\\';
            break;
        case 'N':
            put_cp(o, on, 0x85);
            break;
        case '_':
            put_cp(o, on, 0xA0);
            break;
        case 'L':
            put_cp(o, on, 0x2028);
            break;
        case 'P':
            put_cp(o, on, 0x2029);
            break;
        case 'x':
            hexn = 2;
            break;
        case 'u':
            hexn = 4;
            break;
        case 'U':
            hexn = 8;
            break;
        default:
            return 0;
        }
        if (hexn) {
            unsigned long cp = 0;
            for (int k = 0; k < hexn; k++) {
                int d = i < n ? hexdig(s[i]) : -1;
                if (d < 0) return 0;
                cp = cp * 16 + (unsigned long)d;
                i++;
            }
            if (cp > 0x10FFFF) return 0;
            put_cp(o, on, cp);
        }
    }
    return 0;
}

static tj_status parse_yml(const char *name, const char *text, size_t len, pending *p,
                           tj_error *err)
{
    char *key = malloc(len + 1);
    if (!key) return tj_fail(err, TJ_ERR_NOMEM, "out of memory reading %s", name);
    size_t pos = 0, line = 0;
    tj_status st = TJ_OK;
    while (pos < len && !st) {
        line++;
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        size_t b = pos, end = e;
        pos = e + 1;
        if (end > b && text[end - 1] == '\r') end--;
        while (b < end && (text[b] == ' ' || text[b] == '\t')) b++;
        if (b == end || text[b] == '#') continue;
        if (line == 1 && end - b == 3 && memcmp(text + b, "---", 3) == 0) continue;
        /* The id: digits at the end of the line, after ':' and blanks. */
        size_t t = end;
        while (t > b && (text[t - 1] == ' ' || text[t - 1] == '\t')) t--;
        size_t de = t;
        while (t > b && text[t - 1] >= '0' && text[t - 1] <= '9') t--;
        size_t ds = t;
        while (t > b && (text[t - 1] == ' ' || text[t - 1] == '\t')) t--;
        if (ds == de || de - ds > 9 || t == b || text[t - 1] != ':' || t == ds) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: expected 'piece: id'", name, line);
            break;
        }
        long id = strtol(text + ds, NULL, 10);
        size_t kend = t - 1, klen;
        if (text[b] == '"' || text[b] == '\'') {
            size_t used = quoted_key(text + b, kend - b, key, &klen);
            size_t rest = b + used;
            while (used && rest < kend && (text[rest] == ' ' || text[rest] == '\t')) rest++;
            if (!used || rest != kend) {
                st = tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: malformed quoted piece", name, line);
                break;
            }
            if (memchr(key, '\0', klen)) {
                st = tj_fail(err, TJ_ERR_FORMAT, "%s:%zu: piece contains a NUL character", name,
                             line);
                break;
            }
        } else {
            while (kend > b && (text[kend - 1] == ' ' || text[kend - 1] == '\t')) kend--;
            klen = kend - b;
            memcpy(key, text + b, klen);
        }
        if (pend_add(p, key, klen, id)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    free(key);
    return st;
}

static tj_status parse_json(const char *name, const char *text, size_t len, pending *p,
                            tj_error *err)
{
    tj_json *j = NULL;
    tj_status st = tj_json_parse(text, len, &j, err);
    if (st) {
        tj_error_prefix(err, name);
        return st;
    }
    if (j->type != TJ_JSON_OBJ) {
        tj_json_free(j);
        return tj_fail(err, TJ_ERR_FORMAT, "%s: expected a JSON object of piece -> id", name);
    }
    for (const tj_json *c = j->child; c && !st; c = c->next) {
        long long id;
        if (!tj_json_int(c, 0, MAX_VOCAB, &id))
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: the id of '%s' is not an integer in 0..%d", name,
                         c->key, MAX_VOCAB);
        else if (pend_add(p, c->key, strlen(c->key), (long)id))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    tj_json_free(j);
    return st;
}

tj_status tj_vocab_parse(const char *name, const char *text, size_t len, tj_vocab *v, tj_error *err)
{
    memset(v, 0, sizeof *v);
    pending p = {0};
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    tj_status st = i < len && text[i] == '{' ? parse_json(name, text, len, &p, err)
                                             : parse_yml(name, text, len, &p, err);
    if (st) {
        pend_free(&p);
        return st;
    }
    if ((st = build(name, &p, 1, v, err))) return st;
    if (tj_vocab_find(v, "</s>") < 0) {
        tj_vocab_free(v);
        return tj_fail(err, TJ_ERR_FORMAT, "%s: no end-of-sentence piece '</s>'", name);
    }
    return TJ_OK;
}

tj_status tj_vocab_load(const char *path, tj_vocab *v, tj_error *err)
{
    memset(v, 0, sizeof *v);
    tj_blob b;
    tj_status st = tj_blob_load_max(path, (size_t)256 << 20, &b, err);
    if (st) return st;
    st = tj_vocab_parse(path, (const char *)b.data, b.size, v, err);
    tj_blob_free(&b);
    return st;
}
