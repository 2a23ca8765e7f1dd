/* SPDX-License-Identifier: MIT */
/* Recursive-descent JSON reader; see json.h. Strings are decoded to UTF-8 (escapes and surrogate
 * pairs); lone surrogates and control characters inside strings are errors, as RFC 8259 says. */
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t len, pos;
    tj_error *err;
    tj_status st;
} parser;

static int fail(parser *p, const char *what)
{
    if (!p->st) p->st = tj_fail(p->err, TJ_ERR_FORMAT, "JSON: %s at byte %zu", what, p->pos);
    return -1;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int hex4(parser *p, unsigned *v)
{
    if (p->len - p->pos < 4) return fail(p, "truncated \\u escape");
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16) return fail(p, "bad \\u escape");
        *v = *v * 16 + d;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* At the opening quote; the decoded text never is longer than the source. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
    p->pos++;
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] != '"') p->pos += p->s[p->pos] == '\\' ? 2 : 1;
    if (p->pos >= p->len) return fail(p, "unterminated string");
    size_t end = p->pos;
    char *o = malloc(end - start + 1);
    if (!o) {
        if (!p->st) p->st = tj_fail(p->err, TJ_ERR_NOMEM, "out of memory reading JSON");
        return -1;
    }
    size_t n = 0;
    p->pos = start;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c < 0x20) {
            free(o);
            return fail(p, "control character in string");
        }
        if (c != '\\') {
            o[n++] = (char)c;
            continue;
        }
        char e = p->s[p->pos++];
        unsigned cp;
        switch (e) {
        case '"':
            o[n++] = '"';
            break;
        case '\\':
            o[n++] = '\\';
            break;
        case '/':
            o[n++] = '/';
            break;
        case 'b':
            o[n++] = '\b';
            break;
        case 'f':
            o[n++] = '\f';
            break;
        case 'n':
            o[n++] = '\n';
            break;
        case 'r':
            o[n++] = '\r';
            break;
        case 't':
            o[n++] = '\t';
            break;
        case 'u':
            if (hex4(p, &cp)) {
                free(o);
                return -1;
            }
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (p->pos + 2 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    free(o);
                    return fail(p, "lone surrogate in \\u escape");
                }
                p->pos += 2;
                if (hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    free(o);
                    return fail(p, "bad surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                free(o);
                return fail(p, "lone surrogate in \\u escape");
            }
            n += put_utf8(o + n, cp);
            break;
        default:
            free(o);
            return fail(p, "bad escape in string");
        }
    }
    o[n] = '\0';
    p->pos = end + 1;
    *out = o;
    *out_len = n;
    return 0;
}

static int parse_number(parser *p, double *v)
{
    size_t b = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (p->pos == digits) return fail(p, "bad number");
    if (p->s[digits] == '0' && p->pos - digits > 1) return fail(p, "leading zero in number");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        size_t f = ++p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
        if (p->pos == f) return fail(p, "bad number");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        size_t f = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
        if (p->pos == f) return fail(p, "bad number");
    }
    char buf[64];
    size_t n = p->pos - b;
    if (n >= sizeof buf) {
        /* Longer numbers than any JSON writer emits for these files; strtod on a copy. */
        char *t = malloc(n + 1);
        if (!t) return fail(p, "out of memory");
        memcpy(t, p->s + b, n);
        t[n] = '\0';
        *v = strtod(t, NULL);
        free(t);
        return 0;
    }
    memcpy(buf, p->s + b, n);
    buf[n] = '\0';
    *v = strtod(buf, NULL);
    return 0;
}

static int literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, "unexpected character");
    p->pos += n;
    return 0;
}

static tj_json *parse_value(parser *p, int depth);

static tj_json *new_node(parser *p, tj_json_type t)
{
    tj_json *j = calloc(1, sizeof *j);
    if (!j && !p->st) p->st = tj_fail(p->err, TJ_ERR_NOMEM, "out of memory reading JSON");
    if (j) j->type = t;
    return j;
}

static tj_json *parse_container(parser *p, int depth, int obj)
{
    tj_json *j = new_node(p, obj ? TJ_JSON_OBJ : TJ_JSON_ARR);
    if (!j) return NULL;
    p->pos++;
    tj_json **tail = &j->child;
    skip_ws(p);
    char close = obj ? '}' : ']';
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        size_t klen;
        skip_ws(p);
        if (obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected a member name");
                break;
            }
            if (parse_string(p, &key, &klen)) break;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                fail(p, "expected ':'");
                break;
            }
            p->pos++;
        }
        tj_json *v = parse_value(p, depth + 1);
        if (!v) {
            free(key);
            break;
        }
        v->key = key;
        *tail = v;
        tail = &v->next;
        j->n++;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return j;
        }
        fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    tj_json_free(j);
    return NULL;
}

static tj_json *parse_value(parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        fail(p, "nesting too deep");
        return NULL;
    }
    skip_ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end");
        return NULL;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[') return parse_container(p, depth, c == '{');
    tj_json *j = NULL;
    if (c == '"') {
        if (!(j = new_node(p, TJ_JSON_STR))) return NULL;
        if (parse_string(p, &j->str, &j->len)) goto bad;
    } else if (c == 't' || c == 'f') {
        if (!(j = new_node(p, TJ_JSON_BOOL))) return NULL;
        j->boolean = c == 't';
        if (literal(p, c == 't' ? "true" : "false")) goto bad;
    } else if (c == 'n') {
        if (!(j = new_node(p, TJ_JSON_NULL))) return NULL;
        if (literal(p, "null")) goto bad;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!(j = new_node(p, TJ_JSON_NUM))) return NULL;
        if (parse_number(p, &j->num)) goto bad;
    } else {
        fail(p, "unexpected character");
        return NULL;
    }
    return j;
bad:
    tj_json_free(j);
    return NULL;
}

tj_status tj_json_parse(const char *text, size_t len, tj_json **out, tj_error *err)
{
    parser p = {text, len, 0, err, TJ_OK};
    *out = NULL;
    tj_json *j = parse_value(&p, 0);
    if (!j) return p.st ? p.st : tj_fail(err, TJ_ERR_FORMAT, "JSON: invalid");
    skip_ws(&p);
    if (p.pos != len) {
        tj_json_free(j);
        return tj_fail(err, TJ_ERR_FORMAT, "JSON: trailing characters at byte %zu", p.pos);
    }
    *out = j;
    return TJ_OK;
}

void tj_json_free(tj_json *j)
{
    /* Siblings iteratively, children recursively (depth is bounded by the parser). */
    while (j) {
        tj_json *next = j->next;
        tj_json_free(j->child);
        free(j->str);
        free(j->key);
        free(j);
        j = next;
    }
}

const tj_json *tj_json_get(const tj_json *obj, const char *key)
{
    if (!obj || obj->type != TJ_JSON_OBJ) return NULL;
    for (const tj_json *c = obj->child; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0) return c;
    return NULL;
}

int tj_json_int(const tj_json *j, long long lo, long long hi, long long *out)
{
    if (!j || j->type != TJ_JSON_NUM || !isfinite(j->num) || j->num != floor(j->num) ||
        j->num < (double)lo || j->num > (double)hi)
        return 0;
    *out = (long long)j->num;
    return 1;
}
