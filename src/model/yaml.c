/* SPDX-License-Identifier: MIT */
/* A reader for the flat YAML that Marian embeds in its models (yaml-cpp output: one top-level
 * mapping of scalars and short sequences). It looks values up directly in the text instead of
 * building a tree: the document is ~1 KB and read a dozen times at load. Anything outside the
 * subset (nested mappings, multi-line scalars) reads as absent rather than as a wrong value. */
#include "model/yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounded output: counts the full length so that callers can detect truncation. */
typedef struct sink {
    char *buf;
    size_t cap, len;
} sink;

static void put(sink *s, char c)
{
    if (s->cap && s->len + 1 < s->cap) s->buf[s->len] = c;
    s->len++;
}

static void finish(sink *s)
{
    if (!s->cap) return;
    s->buf[s->len < s->cap ? s->len : s->cap - 1] = '\0';
}

static int is_eol(char c)
{
    return c == '\0' || c == '\n' || c == '\r';
}
static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p)
{
    while (is_blank(*p)) p++;
    return p;
}

static const char *next_line(const char *p)
{
    while (*p && *p != '\n') p++;
    return *p ? p + 1 : p;
}

/* Blank or comment-only line. */
static int is_empty_line(const char *p)
{
    p = skip_blanks(p);
    return is_eol(*p) || *p == '#';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Writes code point cp as UTF-8 (used by \x and \u escapes). */
static void put_utf8(sink *s, unsigned long cp)
{
    if (cp < 0x80) {
        put(s, (char)cp);
    } else if (cp < 0x800) {
        put(s, (char)(0xc0 | cp >> 6));
        put(s, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put(s, (char)(0xe0 | cp >> 12));
        put(s, (char)(0x80 | (cp >> 6 & 0x3f)));
        put(s, (char)(0x80 | (cp & 0x3f)));
    } else {
        put(s, (char)(0xf0 | cp >> 18));
        put(s, (char)(0x80 | (cp >> 12 & 0x3f)));
        put(s, (char)(0x80 | (cp >> 6 & 0x3f)));
        put(s, (char)(0x80 | (cp & 0x3f)));
    }
}

/* Parses one scalar at p (quoted, or plain up to end of line / comment, and in flow context also
 * up to ',' or ']'). Returns the position after it, or NULL if it is malformed. */
static const char *scalar(const char *p, int flow, sink *out)
{
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (is_eol(*p)) return NULL; /* multi-line quoted scalars are outside the subset */
            if (*p != '\\') {
                put(out, *p);
                continue;
            }
            p++;
            /* YAML's one-letter escapes, each standing for the control character below it. */
            static const char esc[] = "ntr0abefv", ctl[] = "\n\t\r\0\a\b\x1b\f\v";
            const char *e = *p ? strchr(esc, *p) : NULL;
            int digits = *p == 'x' ? 2 : *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
            if (e)
                put(out, ctl[e - esc]);
            else if (*p == '"' || *p == '\\' || *p == '/' || *p == ' ')
                put(out, *p);
            else if (!digits)
                return NULL;
            if (digits) {
                unsigned long cp = 0;
                for (int i = 0; i < digits; i++) {
                    int h = hexval(p[1]);
                    if (h < 0) return NULL;
                    cp = cp << 4 | (unsigned long)h;
                    p++;
                }
                if (cp > 0x10ffff) return NULL;
                put_utf8(out, cp);
            }
        }
        return p + 1;
    }
    if (*p == '\'') {
        for (p++;; p++) {
            if (is_eol(*p)) return NULL;
            if (*p == '\'') {
                if (p[1] != '\'') break;
                p++; /* '' is an escaped quote */
            }
            put(out, *p);
        }
        return p + 1;
    }
    if (flow && (*p == '[' || *p == '{')) return NULL; /* nested collections */
    /* Plain scalar: trailing blanks and a " #" comment are not part of it. */
    const char *start = p, *end = p;
    for (; !is_eol(*p); p++) {
        if (flow && (*p == ',' || *p == ']')) break;
        if (*p == '#' && p > start && is_blank(p[-1])) break;
        if (!is_blank(*p)) end = p + 1;
    }
    for (const char *q = start; q < end; q++) put(out, *q);
    return p;
}

/* Returns the text just after "key:" on a top-level line, or NULL. */
static const char *find_key(const char *yaml, const char *key)
{
    size_t klen = strlen(key);
    if (!yaml || klen == 0) return NULL;
    for (const char *line = yaml; *line; line = next_line(line)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':' &&
            (is_blank(line[klen + 1]) || is_eol(line[klen + 1])))
            return line + klen + 1;
    }
    return NULL;
}

enum kind { K_NONE, K_SCALAR, K_NULL, K_FLOW, K_BLOCK };

/* Classifies the value after "key:"; *at gets where the scalar / '[' / first "- " line starts. */
static enum kind classify(const char *after, const char **at)
{
    const char *p = skip_blanks(after);
    if (*p == '[') {
        *at = p;
        return K_FLOW;
    }
    if (!is_eol(*p) && *p != '#') {
        *at = p;
        return K_SCALAR;
    }
    const char *line = next_line(p);
    while (*line && is_empty_line(line)) line = next_line(line);
    const char *q = skip_blanks(line);
    if (*q == '-' && (is_blank(q[1]) || is_eol(q[1]))) {
        *at = line;
        return K_BLOCK;
    }
    if (q != line && *q) return K_NONE; /* an indented block: a nested mapping */
    return K_NULL;
}

/* Element idx of a flow sequence starting at '['. */
static int flow_item(const char *p, size_t idx, sink *out)
{
    p++;
    for (size_t i = 0;; i++) {
        while (is_blank(*p) || *p == '\n' || *p == '\r') p++;
        if (*p == ']' && i == 0) return 0; /* empty sequence */
        sink discard = {NULL, 0, 0};
        const char *e = scalar(p, 1, i == idx ? out : &discard);
        if (!e) return 0;
        p = skip_blanks(e);
        if (*p != ',' && *p != ']') return 0;
        if (i == idx) return 1;
        if (*p == ']') return 0;
        p++;
    }
}

/* Element idx of a block sequence whose first "- " line is at line. */
static int block_item(const char *line, size_t idx, sink *out)
{
    for (size_t i = 0; *line; line = next_line(line)) {
        if (is_empty_line(line)) continue;
        const char *q = skip_blanks(line);
        if (*q != '-' || !(is_blank(q[1]) || is_eol(q[1]))) return 0;
        if (i++ == idx) {
            q = skip_blanks(q + 1);
            if (*q == '[' || *q == '{' || (*q == '-' && (is_blank(q[1]) || is_eol(q[1])))) return 0;
            return scalar(q, 0, out) != NULL;
        }
    }
    return 0;
}

/* Shared by the getters: 1 if found, with *len the full (untruncated) length of the value. */
static int get_scalar(const char *yaml, const char *key, char *buf, size_t bufsize, size_t *len)
{
    sink out = {buf, bufsize, 0};
    const char *after = find_key(yaml, key), *at = NULL;
    int found = 0;
    if (after) {
        switch (classify(after, &at)) {
        case K_SCALAR:
            found = scalar(at, 0, &out) != NULL;
            break;
        case K_NULL:
            found = 1;
            break;
        default:
            break;
        }
    }
    if (!found) out.len = 0;
    finish(&out);
    *len = out.len;
    return found;
}

int tj_yaml_get(const char *yaml, const char *key, char *buf, size_t bufsize)
{
    size_t len;
    return get_scalar(yaml, key, buf, bufsize, &len);
}

int tj_yaml_get_seq(const char *yaml, const char *key, size_t idx, char *buf, size_t bufsize)
{
    sink out = {buf, bufsize, 0};
    const char *after = find_key(yaml, key), *at = NULL;
    int found = 0;
    if (after) {
        switch (classify(after, &at)) {
        case K_FLOW:
            found = flow_item(at, idx, &out);
            break;
        case K_BLOCK:
            found = block_item(at, idx, &out);
            break;
        default:
            break;
        }
    }
    if (!found) out.len = 0;
    finish(&out);
    return found;
}

/* A number-sized value; longer ones are malformed for the numeric getters. */
static int get_short(const char *yaml, const char *key, char *buf, size_t bufsize)
{
    size_t len;
    return get_scalar(yaml, key, buf, bufsize, &len) && len > 0 && len < bufsize;
}

long tj_yaml_get_int(const char *yaml, const char *key, long def)
{
    char buf[64], *end;
    if (!get_short(yaml, key, buf, sizeof buf)) return def;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end != '\0') return def;
    return v;
}

int tj_yaml_get_bool(const char *yaml, const char *key, int def)
{
    /* The spellings yaml-cpp's convert<bool> accepts (case-insensitively, here). */
    static const char *const yes[] = {"true", "yes", "on", "y"};
    static const char *const no[] = {"false", "no", "off", "n"};
    char buf[16];
    if (!get_short(yaml, key, buf, sizeof buf)) return def;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(buf, yes[i]) == 0) return 1;
        if (strcasecmp(buf, no[i]) == 0) return 0;
    }
    return def;
}

double tj_yaml_get_float(const char *yaml, const char *key, double def)
{
    char buf[64], *end;
    if (!get_short(yaml, key, buf, sizeof buf)) return def;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end != '\0') return def;
    return v;
}
