/* SPDX-License-Identifier: MIT */
/* Score reports in sacreBLEU 2.x's formats (metrics/base.py Score.format and Signature.format),
 * so that output can be compared with sacreBLEU's character for character. */
#include "eval/metrics.h"

#include <stdio.h>
#include <string.h>

static void nrefs_str(char *buf, size_t cap, size_t nrefs)
{
    if (nrefs == 0)
        snprintf(buf, cap, "var");
    else
        snprintf(buf, cap, "%zu", nrefs);
}

void tj_bleu_signature(char *buf, size_t cap, size_t nrefs, int effective_order)
{
    char n[32];
    nrefs_str(n, sizeof n, nrefs);
    snprintf(buf, cap, "nrefs:%s|case:mixed|eff:%s|tok:13a|smooth:exp|version:%s", n,
             effective_order ? "yes" : "no", TJ_SACREBLEU_VERSION);
}

void tj_chrf_signature(char *buf, size_t cap, size_t nrefs, int word_order)
{
    char n[32];
    nrefs_str(n, sizeof n, nrefs);
    snprintf(buf, cap, "nrefs:%s|case:mixed|eff:yes|nc:%d|nw:%d|space:no|version:%s", n,
             TJ_CHRF_CHAR_ORDER, word_order, TJ_SACREBLEU_VERSION);
}

void tj_bleu_verbose(const tj_bleu_score *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)",
             s->precisions[0], s->precisions[1], s->precisions[2], s->precisions[3], s->bp,
             s->ratio, (long long)s->hyp_len, (long long)s->ref_len);
}

void tj_score_text(char *buf, size_t cap, const char *name, double score, int width,
                   const char *signature, const char *verbose)
{
    int has_sig = signature && *signature, has_verbose = verbose && *verbose;
    snprintf(buf, cap, "%s%s%s = %.*f%s%s", name, has_sig ? "|" : "", has_sig ? signature : "",
             width, score, has_verbose ? " " : "", has_verbose ? verbose : "");
}

/* Python's repr(float(f'{score:.{width}f}')), as json.dumps writes the score: the rounded
 * decimal without trailing zeros, but with at least one digit after the point. */
static void json_number(char *buf, size_t cap, double score, int width)
{
    snprintf(buf, cap, "%.*f", width, score);
    char *dot = strchr(buf, '.');
    size_t len = strlen(buf);
    if (!dot) {
        if (len + 3 <= cap) memcpy(buf + len, ".0", 3);
        return;
    }
    while (len > (size_t)(dot - buf) + 2 && buf[len - 1] == '0') buf[--len] = '\0';
}

/* Appends to buf[*pos..cap) without overflowing; output is cut at cap. */
static void put(char *buf, size_t cap, size_t *pos, const char *s)
{
    size_t len = strlen(s);
    if (*pos >= cap) return;
    size_t room = cap - *pos - 1;
    if (len > room) len = room;
    memcpy(buf + *pos, s, len);
    *pos += len;
    buf[*pos] = '\0';
}

/* Appends "key": "value" as one JSON member. Values here are ASCII without quotes or
 * backslashes (names, signatures, numbers), so no escaping is needed. */
static void member(char *buf, size_t cap, size_t *pos, int indent, int first, const char *key,
                   const char *value, int quoted)
{
    put(buf, cap, pos, first ? "" : ",");
    put(buf, cap, pos, indent ? "\n " : (first ? "" : " "));
    put(buf, cap, pos, "\"");
    put(buf, cap, pos, key);
    put(buf, cap, pos, "\": ");
    if (quoted) put(buf, cap, pos, "\"");
    put(buf, cap, pos, value);
    if (quoted) put(buf, cap, pos, "\"");
}

void tj_score_json(char *buf, size_t cap, const char *name, double score, int width,
                   const char *signature, const char *verbose, int indent)
{
    size_t pos = 0;
    char num[64];
    if (cap == 0) return;
    buf[0] = '\0';
    json_number(num, sizeof num, score, width);
    put(buf, cap, &pos, "{");
    member(buf, cap, &pos, indent, 1, "name", name, 1);
    member(buf, cap, &pos, indent, 0, "score", num, 0);
    member(buf, cap, &pos, indent, 0, "signature", signature, 1);
    if (verbose && *verbose) member(buf, cap, &pos, indent, 0, "verbose_score", verbose, 1);
    /* The signature's fields follow as separate string members, in signature order. */
    const char *p = signature;
    while (p && *p) {
        const char *bar = strchr(p, '|'), *end = bar ? bar : p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (colon) {
            char key[64], value[64];
            snprintf(key, sizeof key, "%.*s", (int)(colon - p), p);
            snprintf(value, sizeof value, "%.*s", (int)(end - colon - 1), colon + 1);
            member(buf, cap, &pos, indent, 0, key, value, 1);
        }
        p = bar ? bar + 1 : NULL;
    }
    put(buf, cap, &pos, indent ? "\n}" : "}");
}
