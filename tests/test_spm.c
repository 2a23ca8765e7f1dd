/* SPDX-License-Identifier: MIT */
/* Unit tests of the SentencePiece reader, encoder and decoder on tiny models written here as
 * protobuf bytes (no ../shared needed). Expected segmentations are worked out by hand from the
 * piece scores below (and were cross-checked once with Debian's spm_encode / spm_decode 0.1.97 on
 * the model that `test_spm --write-model FILE` writes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "tok/spm.h"
#include "tok/spm_trie.h"
#include "check.h"

/* ------------------------------------------------------------------ protobuf writer */

typedef struct pb {
    unsigned char *b;
    size_t len, cap;
} pb;

static void pb_raw(pb *p, const void *data, size_t n)
{
    if (p->cap - p->len < n) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap - p->len < n) cap *= 2;
        p->b = realloc(p->b, cap);
        if (!p->b) abort();
        p->cap = cap;
    }
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

static void pb_varint(pb *p, uint64_t v)
{
    do {
        unsigned char c = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v) c |= 0x80;
        pb_raw(p, &c, 1);
    } while (v);
}

static void pb_tag(pb *p, int field, int wt)
{
    pb_varint(p, (uint64_t)field << 3 | (unsigned)wt);
}

static void pb_int(pb *p, int field, int64_t v)
{
    pb_tag(p, field, 0);
    pb_varint(p, (uint64_t)v); /* negative int32 values take 10 bytes, as protobuf writes them */
}

static void pb_bytes(pb *p, int field, const void *data, size_t n)
{
    pb_tag(p, field, 2);
    pb_varint(p, n);
    pb_raw(p, data, n);
}

static void pb_str(pb *p, int field, const char *s)
{
    pb_bytes(p, field, s, strlen(s));
}

static void pb_float(pb *p, int field, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    pb_tag(p, field, 5);
    pb_raw(p, b, 4);
}

static void pb_msg(pb *p, int field, pb *sub)
{
    pb_bytes(p, field, sub->b, sub->len);
    free(sub->b);
    memset(sub, 0, sizeof *sub);
}

/* ------------------------------------------------------------------ test models */

enum { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 };

typedef struct tpiece {
    const char *s;
    float score;
    int type;
} tpiece;

/* The main model. min NORMAL score -5 -> unknown score -15; max NORMAL score -1 -> the
 * user-defined "<b>" scores 3 * -1 - 0.1 = -3.1. */
static const tpiece main_pieces[] = {
    {"<unk>", 0, UNKNOWN},       /* 0 */
    {"<s>", 0, CONTROL},         /* 1 */
    {"</s>", 0, CONTROL},        /* 2 */
    {"\u2581", -2.0f, NORMAL},   /* 3 "▁" */
    {"a", -1.5f, NORMAL},        /* 4 */
    {"b", -2.5f, NORMAL},        /* 5 */
    {"\u2581ab", -3.0f, NORMAL}, /* 6 "▁ab" */
    {"ab", -2.0f, NORMAL},       /* 7 */
    {"\u2581a", -1.0f, NORMAL},  /* 8 "▁a" */
    {"c", -3.5f, NORMAL},        /* 9 */
    {"ba", -5.0f, NORMAL},       /* 10 */
    {"<b>", 0, USER_DEFINED},    /* 11 */
    {"abc", -0.5f, UNUSED},      /* 12: would win "abc" if it were usable */
    {"\u2581b", -4.0f, NORMAL},  /* 13 "▁b" */
};

typedef struct tmodel {
    const tpiece *pieces;
    size_t n;
    int model_type;
    int byte_fallback;
    int add_bytes; /* append the 256 <0xXX> pieces */
    int charsmap;  /* 1 = the hand-built charsmap, 2 = same with a corrupt leaf value */
    int remove_extra_whitespaces;
    const char *unk_surface; /* NULL = default */
} tmodel;

/* A darts-clone double array for three rules, laid out by hand (spec §8.3 unit format:
 * label in bits 0-7, has_leaf bit 8, offset in bits 10-31; a leaf unit is bit 31 | value):
 *   "A" -> "a", "AA" -> "b", "\t" -> " ". Root offset 0, so byte c starts at unit c.
 *   unit 0x41: 'A', has_leaf, offset 0x80 -> its block is 0x41 ^ 0x80 = 0xC1:
 *       leaf unit 0xC1 = value 0 ("a"); child 'A' at 0xC1 ^ 0x41 = 0x80
 *   unit 0x80: 'A', has_leaf, offset 16 -> block 0x90: leaf unit 0x90 = value 2 ("b")
 *   unit 0x09: '\t', has_leaf, offset 193 -> block 0x09 ^ 193 = 200: leaf unit 200 = value 4 */
static void build_charsmap(pb *out, int corrupt)
{
    uint32_t units[256] = {0};
    units[0x41] = 0x80u << 10 | 0x100 | 0x41;
    units[0xC1] = 0x80000000u | 0;
    units[0x80] = 16u << 10 | 0x100 | 0x41;
    units[0x90] = 0x80000000u | (corrupt ? 5000u : 2u);
    units[0x09] = 193u << 10 | 0x100 | 0x09;
    units[200] = 0x80000000u | 4;
    static const char pool[] = "a\0b\0 "; /* the literal adds the last NUL */
    unsigned char size[4] = {0, 4, 0, 0}; /* 1024 bytes of units */
    pb_raw(out, size, 4);
    for (int i = 0; i < 256; i++) {
        unsigned char b[4] = {(unsigned char)units[i], (unsigned char)(units[i] >> 8),
                              (unsigned char)(units[i] >> 16), (unsigned char)(units[i] >> 24)};
        pb_raw(out, b, 4);
    }
    pb_raw(out, pool, sizeof pool);
}

/* Serialises a model; *bounds gets the offsets where top-level fields end. */
static pb build_model(const tmodel *m, size_t *bounds, size_t *nbounds)
{
    pb out = {0}, sub = {0}, sub2 = {0};
    size_t nb = 0;
    /* trainer_spec first, with fields the reader must skip */
    pb_int(&sub, 3, m->model_type ? m->model_type : 1);
    pb_int(&sub, 4, 8000);                             /* vocab_size: skipped */
    pb_bytes(&sub, 1, "corpus.txt", 10);               /* input: skipped */
    pb_tag(&sub, 10, 5), pb_raw(&sub, "\0\0\x80?", 4); /* character_coverage: fixed32 skipped */
    pb_tag(&sub, 90, 1), pb_raw(&sub, "12345678", 8);  /* an unknown fixed64 */
    pb_int(&sub, 35, m->byte_fallback);
    pb_int(&sub, 40, 0);
    pb_int(&sub, 41, 1);
    pb_int(&sub, 42, 2);
    pb_int(&sub, 43, -1);
    if (m->unk_surface) pb_str(&sub, 44, m->unk_surface);
    pb_msg(&out, 2, &sub);
    bounds[nb++] = out.len;

    pb_str(&sub, 1, "test_rules");
    if (m->charsmap) {
        build_charsmap(&sub2, m->charsmap == 2);
        pb_msg(&sub, 2, &sub2);
    }
    pb_int(&sub, 3, 1);
    pb_int(&sub, 4, m->remove_extra_whitespaces);
    pb_int(&sub, 5, 1);
    pb_msg(&out, 3, &sub);
    bounds[nb++] = out.len;

    for (size_t i = 0; i < m->n; i++) {
        pb_str(&sub, 1, m->pieces[i].s);
        pb_float(&sub, 2, m->pieces[i].score);
        if (m->pieces[i].type != NORMAL) pb_int(&sub, 3, m->pieces[i].type);
        pb_msg(&out, 1, &sub);
        bounds[nb++] = out.len;
    }
    for (int b = 0; m->add_bytes && b < 256; b++) {
        char s[8];
        snprintf(s, sizeof s, "<0x%02X>", b);
        pb_str(&sub, 1, s);
        pb_int(&sub, 3, BYTE);
        pb_msg(&out, 1, &sub);
        bounds[nb++] = out.len;
    }
    /* self_test_data { samples { input: "ab" expected: "▁ab" } }: skipped */
    pb_str(&sub2, 1, "ab");
    pb_str(&sub2, 2, "\u2581ab");
    pb_msg(&sub, 1, &sub2);
    pb_msg(&out, 4, &sub);
    bounds[nb++] = out.len;
    pb_int(&out, 100, 7); /* an unknown field */
    bounds[nb++] = out.len;
    *nbounds = nb;
    return out;
}

static tj_spm *load_model(const tmodel *m)
{
    size_t bounds[512], nb;
    pb p = build_model(m, bounds, &nb);
    tj_spm *spm = NULL;
    tj_error err;
    tj_status st = tj_spm_load_mem(p.b, p.len, &spm, &err);
    if (st) fprintf(stderr, "load failed: %s\n", err.message);
    free(p.b);
    return spm;
}

static const tmodel main_model = {
    main_pieces, sizeof main_pieces / sizeof main_pieces[0], 0, 0, 0, 1, 1, NULL};

/* ------------------------------------------------------------------ helpers */

/* Encodes text and compares ids and original byte ranges: exp = {id, begin, end, ...}. */
static int encode_is(const tj_spm *spm, const char *text, size_t len, const int *exp, size_t n)
{
    tj_piece *p;
    size_t got;
    tj_error err;
    if (tj_spm_encode(spm, text, len, &p, &got, &err)) {
        fprintf(stderr, "encode failed: %s\n", err.message);
        return 0;
    }
    int ok = got == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = p[i].id == exp[3 * i] && p[i].begin == (size_t)exp[3 * i + 1] &&
             p[i].end == (size_t)exp[3 * i + 2];
    if (!ok) {
        fprintf(stderr, "encode '%.*s' gave:", (int)len, text);
        for (size_t i = 0; i < got; i++)
            fprintf(stderr, " %d[%zu,%zu)", p[i].id, p[i].begin, p[i].end);
        fprintf(stderr, "\n");
    }
    free(p);
    return ok;
}

#define ENCODE_IS(spm, text, ...)                                                                  \
    do {                                                                                           \
        static const int exp_[] = {__VA_ARGS__};                                                   \
        EXPECT(encode_is(spm, text, sizeof text - 1, exp_, sizeof exp_ / sizeof exp_[0] / 3));     \
    } while (0)

static int decode_is(const tj_spm *spm, const int *ids, size_t n, const char *want)
{
    char *text;
    tj_error err;
    if (tj_spm_decode(spm, ids, n, &text, &err)) {
        fprintf(stderr, "decode failed: %s\n", err.message);
        return 0;
    }
    int ok = strcmp(text, want) == 0;
    if (!ok) fprintf(stderr, "decode gave '%s', want '%s'\n", text, want);
    free(text);
    return ok;
}

#define DECODE_IS(spm, want, ...)                                                                  \
    do {                                                                                           \
        static const int ids_[] = {__VA_ARGS__};                                                   \
        EXPECT(decode_is(spm, ids_, sizeof ids_ / sizeof ids_[0], want));                          \
    } while (0)

static int n_pieces_of(const tj_spm *spm, const char *text)
{
    tj_piece *p;
    size_t n;
    if (tj_spm_encode(spm, text, strlen(text), &p, &n, NULL)) return -1;
    free(p);
    return (int)n;
}

/* ------------------------------------------------------------------ tests */

static void test_accessors(const tj_spm *spm)
{
    EXPECT(tj_spm_size(spm) == 14);
    EXPECT(tj_spm_unk_id(spm) == 0);
    EXPECT(tj_spm_bos_id(spm) == 1);
    EXPECT(tj_spm_eos_id(spm) == 2);
    EXPECT(strcmp(tj_spm_piece_str(spm, 6), "\u2581ab") == 0);
    EXPECT(strcmp(tj_spm_piece_str(spm, 0), "<unk>") == 0);
    EXPECT(tj_spm_piece_str(spm, -1) == NULL);
    EXPECT(tj_spm_piece_str(spm, 14) == NULL);
}

static void test_encode(const tj_spm *spm)
{
    /* "▁ab" -3.0 beats "▁a"+"b" -3.5, "▁"+"ab" -4.0 */
    ENCODE_IS(spm, "ab", 6, 0, 2);
    /* the space before a word belongs to the piece that follows it */
    ENCODE_IS(spm, "ab ab c", 6, 0, 2, 6, 2, 5, 3, 5, 6, 9, 6, 7);
    /* unknown characters are merged into one <unk>; "▁" keeps an empty range */
    ENCODE_IS(spm, "xyz", 3, 0, 0, 0, 0, 3);
    /* extra spaces: the dummy prefix maps to the first non-space byte; "▁b" -4 beats -4.5 */
    ENCODE_IS(spm, "  a   b  ", 8, 2, 3, 13, 3, 7);
    /* a malformed byte becomes one U+FFFD, an unknown covering that byte */
    ENCODE_IS(spm,
              "a\xff"
              "b",
              8, 0, 1, 0, 1, 2, 5, 2, 3);
    /* a truncated sequence at the end: two bad bytes, one merged unknown */
    ENCODE_IS(spm, "a\xe2\x82", 8, 0, 1, 0, 1, 3);
    /* the UNUSED piece "abc" is never chosen */
    ENCODE_IS(spm, "abc", 6, 0, 2, 9, 2, 3);
    /* a user-defined symbol is one piece */
    ENCODE_IS(spm, "a<b>b", 8, 0, 1, 11, 1, 4, 5, 4, 5);
    /* charsmap: "AA" -> "b" (longest rule), "A" -> "a", tab -> space: "▁ba▁b" */
    ENCODE_IS(spm, "AAA\tb", 13, 0, 2, 4, 2, 3, 13, 3, 5);
    /* a leading tab is a leading space once normalised */
    ENCODE_IS(spm, "\tA", 8, 1, 2);
    /* nothing to encode */
    EXPECT(n_pieces_of(spm, "") == 0);
    EXPECT(n_pieces_of(spm, "   ") == 0);
    EXPECT(n_pieces_of(spm, "\t \t") == 0);
    tj_piece *p = (tj_piece *)1;
    size_t n = 1;
    EXPECT(tj_spm_encode(spm, NULL, 0, &p, &n, NULL) == TJ_OK && p == NULL && n == 0);
    /* text need not be NUL-terminated */
    ENCODE_IS(spm, "ab\0ab", 6, 0, 2, 0, 2, 3, 7, 3, 5);
}

static void test_decode(const tj_spm *spm)
{
    DECODE_IS(spm, "ab ab c", 6, 6, 3, 9);
    /* </s> vanishes; the first piece loses its "▁"; <unk> shows as " ⁇ " */
    DECODE_IS(spm, "a \xE2\x81\x87 b", 2, 8, 0, 5);
    /* v0.1.95 rule: every piece decoded while the output is still empty loses its "▁" */
    DECODE_IS(spm, "a", 3, 8);
    DECODE_IS(spm, "<b>abc", 11, 12);
    DECODE_IS(spm, "", 1, 2);
    EXPECT(decode_is(spm, NULL, 0, ""));
    char *text = NULL;
    tj_error err;
    int bad[] = {4, 14};
    EXPECT(tj_spm_decode(spm, bad, 2, &text, &err) == TJ_ERR_ARG && text == NULL);
    int neg[] = {-1};
    EXPECT(tj_spm_decode(spm, neg, 1, &text, &err) == TJ_ERR_ARG);
}

static void test_custom_unk_and_keep_spaces(void)
{
    tmodel m = main_model;
    m.unk_surface = "<?>";
    m.remove_extra_whitespaces = 0;
    tj_spm *spm = load_model(&m);
    EXPECT(spm != NULL);
    if (!spm) return;
    DECODE_IS(spm, "a<?>", 8, 0);
    /* add_dummy_prefix alone still strips "▁" while the output is empty (v0.1.95) */
    DECODE_IS(spm, "a b", 3, 8, 3, 5);
    /* spaces are kept: "a  b" -> "▁a▁▁b" = "▁a" "▁" "▁b" */
    ENCODE_IS(spm, "a  b", 8, 0, 1, 3, 1, 2, 13, 2, 4);
    tj_spm_free(spm);
}

static void test_byte_fallback(void)
{
    static const tpiece pieces[] = {
        {"<unk>", 0, UNKNOWN},     {"<s>", 0, CONTROL},  {"</s>", 0, CONTROL},
        {"\u2581", -1.0f, NORMAL}, {"a", -1.0f, NORMAL},
    };
    tmodel m = {pieces, 5, 0, 1, 1, 0, 1, NULL};
    tj_spm *spm = load_model(&m);
    EXPECT(spm != NULL);
    if (!spm) return;
    EXPECT(tj_spm_size(spm) == 5 + 256);
    EXPECT(strcmp(tj_spm_piece_str(spm, 5 + 0xC3), "<0xC3>") == 0);
    /* "é" is unknown: one byte piece per UTF-8 byte, only the last one spans the character */
    ENCODE_IS(spm, "a\xC3\xA9", 3, 0, 0, 4, 0, 1, 5 + 0xC3, 1, 1, 5 + 0xA9, 1, 3);
    /* byte fallback does not merge neighbouring unknowns */
    ENCODE_IS(spm, "\xC3\xA9\xC3\xA9", 3, 0, 0, 5 + 0xC3, 0, 0, 5 + 0xA9, 0, 2, 5 + 0xC3, 2, 2,
              5 + 0xA9, 2, 4);
    DECODE_IS(spm, "\xC3\xA9", 5 + 0xC3, 5 + 0xA9);
    DECODE_IS(spm, "\xE2\x82\xAC", 5 + 0xE2, 5 + 0x82, 5 + 0xAC);
    /* a malformed byte run decodes to U+FFFD per bad byte */
    DECODE_IS(spm,
              "\xEF\xBF\xBD\xEF\xBF\xBD"
              "a",
              5 + 0xFF, 5 + 0xC3, 4);
    /* bytes make the output non-empty, so the "▁" after them is a space */
    DECODE_IS(spm, "A a", 5 + 0x41, 3, 4);
    tj_spm_free(spm);
}

static tj_status load_status(const tmodel *m)
{
    size_t bounds[512], nb;
    pb p = build_model(m, bounds, &nb);
    tj_spm *spm = NULL;
    tj_error err;
    tj_status st = tj_spm_load_mem(p.b, p.len, &spm, &err);
    if (st) EXPECT(spm == NULL && strlen(err.message) > 0 && !strchr(err.message, '\n'));
    tj_spm_free(spm);
    free(p.b);
    return st;
}

/* The error of loading m, "" when it loads. */
static const char *load_error(const tmodel *m, tj_error *err)
{
    size_t bounds[512], nb;
    pb p = build_model(m, bounds, &nb);
    tj_spm *spm = NULL;
    tj_status st = tj_spm_load_mem(p.b, p.len, &spm, err);
    tj_spm_free(spm);
    free(p.b);
    return st ? err->message : "";
}

/* A repeated piece is reported at its second occurrence in id order, with the first one's id,
 * and only after the errors of the pieces before it; the reserved pieces (control, unknown,
 * byte) are a separate name space from the others. */
static void test_duplicate_pieces(void)
{
    tj_error err;
    tpiece dup[14];
    tmodel m = main_model;
    m.pieces = dup;

    memcpy(dup, main_pieces, sizeof dup);
    dup[9].s = "a";
    CHECK(strstr(load_error(&m, &err), "piece 'a' is defined twice (ids 4 and 9)"), "got '%s'",
          err.message);

    memcpy(dup, main_pieces, sizeof dup);
    dup[13].s = "a"; /* 4 and 13 */
    dup[9].s = "b";  /* 5, 9 and 10: the first error is at 9 */
    dup[10].s = "b";
    CHECK(strstr(load_error(&m, &err), "piece 'b' is defined twice (ids 5 and 9)"), "got '%s'",
          err.message);

    memcpy(dup, main_pieces, sizeof dup);
    dup[13].s = "\u2581a"; /* repeats 8, but 10 fails first */
    dup[10].s = "<0x41>";
    dup[10].type = BYTE;
    CHECK(strstr(load_error(&m, &err), "byte piece '<0x41>' found although"), "got '%s'",
          err.message);

    memcpy(dup, main_pieces, sizeof dup);
    dup[2].s = "<s>";
    CHECK(strstr(load_error(&m, &err), "piece '<s>' is defined twice (ids 1 and 2)"), "got '%s'",
          err.message);

    memcpy(dup, main_pieces, sizeof dup);
    dup[9].s = "<s>"; /* a normal piece spelt as a control one */
    CHECK(!strcmp(load_error(&m, &err), ""), "got '%s'", err.message);
}

static void test_bad_models(void)
{
    tmodel m = main_model;
    m.model_type = 2;
    EXPECT(load_status(&m) == TJ_ERR_UNSUPPORTED);
    m.model_type = 4;
    EXPECT(load_status(&m) == TJ_ERR_UNSUPPORTED);

    tpiece dup[14];
    memcpy(dup, main_pieces, sizeof dup);
    dup[9].s = "a";
    m = main_model;
    m.pieces = dup;
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    m = main_model;
    m.pieces = main_pieces + 1; /* no <unk> */
    m.n--;
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    memcpy(dup, main_pieces, sizeof dup);
    dup[9].type = UNKNOWN; /* two unknown pieces */
    m = main_model;
    m.pieces = dup;
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    memcpy(dup, main_pieces, sizeof dup);
    dup[9].s = "<0x41>";
    dup[9].type = BYTE; /* byte piece without byte_fallback */
    m.pieces = dup;
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    memcpy(dup, main_pieces, sizeof dup);
    dup[9].s = ""; /* empty piece */
    dup[9].type = NORMAL;
    m.pieces = dup;
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    m = main_model;
    m.byte_fallback = 1; /* but the 256 byte pieces are missing */
    EXPECT(load_status(&m) == TJ_ERR_FORMAT);

    tj_spm *spm = (tj_spm *)1;
    tj_error err;
    EXPECT(tj_spm_load_mem("", 0, &spm, &err) == TJ_ERR_FORMAT && spm == NULL);
    EXPECT(tj_spm_load_mem("hello world", 11, &spm, &err) == TJ_ERR_FORMAT);
    /* field 1 (pieces) as a varint */
    EXPECT(tj_spm_load_mem("\x08\x01", 2, &spm, &err) == TJ_ERR_FORMAT);
    /* a group wire type */
    EXPECT(tj_spm_load_mem("\x0b\x0c", 2, &spm, &err) == TJ_ERR_FORMAT);
    /* an 11-byte varint */
    EXPECT(tj_spm_load_mem("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, &spm, &err) ==
           TJ_ERR_FORMAT);

    /* a charsmap whose trie size exceeds the blob */
    pb p = {0}, ns = {0}, piece = {0};
    pb_bytes(&ns, 2, "\xff\x00\x00\x00\x01\x02", 6);
    pb_msg(&p, 3, &ns);
    pb_str(&piece, 1, "<unk>");
    pb_int(&piece, 3, UNKNOWN);
    pb_msg(&p, 1, &piece);
    EXPECT(tj_spm_load_mem(p.b, p.len, &spm, &err) == TJ_ERR_FORMAT);
    free(p.b);

    /* a charsmap leaf pointing outside the string pool: loads, but encoding reports it */
    m = main_model;
    m.charsmap = 2;
    spm = load_model(&m);
    EXPECT(spm != NULL);
    if (spm) {
        tj_piece *pc;
        size_t n;
        EXPECT(tj_spm_encode(spm, "ab", 2, &pc, &n, &err) == TJ_OK && n == 1);
        free(pc);
        EXPECT(tj_spm_encode(spm, "AA", 2, &pc, &n, &err) == TJ_ERR_FORMAT && pc == NULL);
        tj_spm_free(spm);
    }

    EXPECT(tj_spm_load("/nonexistent/vocab.spm", &spm, &err) != TJ_OK && spm == NULL &&
           strstr(err.message, "/nonexistent/vocab.spm") != NULL);
}

/* Every truncation must fail cleanly, except at a top-level field boundary, where protobuf
 * sees a shorter but valid message: then the pieces read so far must all be there. */
static void test_truncations(void)
{
    size_t bounds[512], nb;
    pb p = build_model(&main_model, bounds, &nb);
    int ok_loads = 0;
    for (size_t len = 0; len < p.len; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan catches overreads */
        memcpy(copy, p.b, len);
        tj_spm *spm = NULL;
        tj_error err;
        tj_status st = tj_spm_load_mem(copy, len, &spm, &err);
        int at_bound = 0;
        size_t complete = 0;
        for (size_t i = 0; i < nb; i++) {
            if (bounds[i] == len) at_bound = 1;
            if (bounds[i] <= len && i >= 2 && i < nb - 2) complete++;
        }
        if (!at_bound) {
            EXPECT(st == TJ_ERR_FORMAT);
        } else if (st == TJ_OK) {
            ok_loads++;
            EXPECT(tj_spm_size(spm) == (int)complete);
        } else {
            EXPECT(st == TJ_ERR_FORMAT); /* e.g. no pieces yet */
        }
        tj_spm_free(spm);
        free(copy);
    }
    EXPECT(ok_loads == 15); /* after each of the 14 pieces and after self_test_data */
    free(p.b);
}

/* Corrupt bytes: whatever loads must encode and decode without crashing. */
static void test_corruptions(void)
{
    size_t bounds[512], nb;
    pb p = build_model(&main_model, bounds, &nb);
    static const unsigned char flips[] = {0x01, 0x80, 0xFF, 0x7F};
    static const char text[] = "ab  xyz AAA\t<b> \xC3\xA9\xff c";
    int loaded = 0;
    unsigned char *copy = malloc(p.len);
    for (size_t i = 0; i < p.len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            memcpy(copy, p.b, p.len);
            copy[i] ^= flips[f];
            tj_spm *spm = NULL;
            if (tj_spm_load_mem(copy, p.len, &spm, NULL) != TJ_OK) continue;
            loaded++;
            tj_piece *pc;
            size_t n;
            if (tj_spm_encode(spm, text, sizeof text - 1, &pc, &n, NULL) == TJ_OK) {
                int *ids = malloc((n ? n : 1) * sizeof *ids);
                for (size_t k = 0; k < n; k++) {
                    EXPECT(pc[k].id >= 0 && pc[k].id < tj_spm_size(spm));
                    EXPECT(pc[k].begin <= pc[k].end && pc[k].end <= sizeof text - 1);
                    ids[k] = pc[k].id;
                }
                char *out;
                if (tj_spm_decode(spm, ids, n, &out, NULL) == TJ_OK) free(out);
                free(ids);
                free(pc);
            }
            tj_spm_free(spm);
        }
    }
    EXPECT(loaded > 0);
    free(copy);
    free(p.b);
}

static void test_files(void)
{
    size_t bounds[512], nb;
    pb p = build_model(&main_model, bounds, &nb);
    char path[] = "/tmp/test_spm_XXXXXX";
    int fd = mkstemp(path);
    EXPECT(fd >= 0);
    if (fd < 0) return;
    close(fd);
    gzFile gz = gzopen(path, "wb");
    EXPECT(gz != NULL);
    if (gz) {
        EXPECT(gzwrite(gz, p.b, (unsigned)p.len) == (int)p.len);
        gzclose(gz);
        tj_spm *spm = NULL;
        tj_error err;
        EXPECT(tj_spm_load(path, &spm, &err) == TJ_OK);
        if (spm) ENCODE_IS(spm, "ab", 6, 0, 2);
        tj_spm_free(spm);
    }
    remove(path);
    free(p.b);
}

static void test_long_line(const tj_spm *spm)
{
    /* 100 000 characters (mixed ASCII, Arabic, unknowns, spaces): linear time is milliseconds;
     * a quadratic encoder would take minutes. */
    size_t n = 100000, len = 0;
    char *s = malloc(n * 3);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        switch ((x >> 16) % 8) {
        case 0:
            s[len++] = ' ';
            break;
        case 1:
            memcpy(s + len, "\xD9\x85", 2), len += 2;
            break;
        case 2:
            s[len++] = 'x';
            break;
        case 3:
            s[len++] = 'A';
            break;
        default:
            s[len++] = "abc"[(x >> 20) % 3];
        }
    }
    clock_t t0 = clock();
    tj_piece *p;
    size_t np;
    EXPECT(tj_spm_encode(spm, s, len, &p, &np, NULL) == TJ_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    EXPECT(np > 1000);
    EXPECT(secs < 2.0);
    size_t prev_end = 0;
    for (size_t i = 0; i < np; i++) {
        EXPECT(p[i].begin >= prev_end || p[i].begin == p[i].end);
        prev_end = p[i].end;
    }
    free(p);
    /* one 100 000-character word of a single letter: long runs of matching pieces */
    memset(s, 'a', n);
    t0 = clock();
    EXPECT(tj_spm_encode(spm, s, n, &p, &np, NULL) == TJ_OK);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    EXPECT(secs < 2.0);
    EXPECT(np == n); /* "▁a" then 99 999 x "a" */
    free(p);
    free(s);
}

/* The piece trie alone: keys that share few prefixes (so the edge table doubles several times
 * from its starting size), every key found again with its payload after the growth, duplicates
 * reported with the first payload, prefixes that are not keys not found. */
static void test_trie_growth(void)
{
    enum { N = 20000 };
    static char keys[N][6];
    static size_t lens[N];
    size_t total = 0;
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        lens[i] = 1 + (size_t)i % 6;
        for (size_t j = 0; j < lens[i]; j++) {
            x = x * 1103515245u + 12345u;
            keys[i][j] = (char)(x >> 16);
        }
        total += lens[i];
    }
    spm_trie t;
    tj_error err;
    EXPECT(spm_trie_init(&t, total, &err) == TJ_OK);
    size_t first_slots = t.mask + 1;
    int dup = 0, stored = 0;
    for (int i = 0; i < N; i++) {
        int32_t prev = spm_trie_insert(&t, keys[i], lens[i], i);
        if (prev == -1)
            stored++;
        else if (prev >= 0 && prev < i && lens[prev] == lens[i] &&
                 !memcmp(keys[prev], keys[i], lens[i]))
            dup++;
    }
    EXPECT(stored + dup == N);
    EXPECT(dup > 0); /* 1-byte keys repeat */
    CHECK(t.mask + 1 >= 2 * first_slots, "table grew from %zu to only %zu slots", first_slots,
          t.mask + 1);
    CHECK(2 * (size_t)t.n_nodes <= t.mask + 1, "load factor above 1/2: %u nodes, %zu slots",
          t.n_nodes, t.mask + 1);
    int found = 0;
    for (int i = 0; i < N; i++) {
        int32_t v = spm_trie_find(&t, keys[i], lens[i]);
        found += v >= 0 && lens[v] == lens[i] && !memcmp(keys[v], keys[i], lens[i]);
    }
    CHECK(found == N, "%d of %d keys found again", found, N);
    EXPECT(spm_trie_find(&t, "\xff\xfe\xfd\xfc\xfb\xfa\xf9", 7) == -1); /* longer than any key */
    spm_trie_free(&t);
    EXPECT(spm_trie_init(&t, (size_t)1 << 24, &err) == TJ_ERR_FORMAT);
}

/* spm_trie_build against spm_trie_insert in payload order: keys of a shared prefix (none, or 5
 * or 9 bytes of "▁ال…", so that many keys agree past the sort's first seven bytes) and 1-6 bytes
 * over a four-letter alphabet with NUL (so many are prefixes of others or repeat), built at
 * once, give the same payload for every string of a prefix of the shared one and up to 7
 * alphabet bytes, and the first repeat in payload order. */
static void test_trie_build(void)
{
    enum { N = 3000, TAIL = 6 };
    static const char pre[] = "\xe2\x96\x81\xd8\xa7\xd9\x84\xd9\x85";
    static char pool[N * (sizeof pre + TAIL)];
    static spm_trie_key keys[N];
    static const char alpha[] = {'a', 'b', '\0', '\xff'};
    uint32_t x = 777, off = 0;
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        static const uint32_t pre_len[] = {0, 5, 9};
        uint32_t np = pre_len[(x >> 16) % 3];
        x = x * 1103515245u + 12345u;
        uint32_t len = np + 1 + (x >> 16) % TAIL;
        keys[i] = (spm_trie_key){.s = pool + off, .len = len, .value = i};
        memcpy(pool + off, pre, np);
        off += np;
        for (uint32_t j = np; j < len; j++) {
            x = x * 1103515245u + 12345u;
            pool[off++] = alpha[(x >> 16) % 4];
        }
        pool[off++] = 'z'; /* not part of any key */
        total += len;
    }
    spm_trie inc, built;
    tj_error err;
    EXPECT(spm_trie_init(&inc, total, &err) == TJ_OK);
    int32_t want_dup = -1, want_of = -1;
    for (int i = 0; i < N; i++) {
        int32_t prev = spm_trie_insert(&inc, keys[i].s, keys[i].len, i);
        if (prev >= 0 && want_dup < 0) want_dup = i, want_of = prev;
    }
    int32_t dup, dup_of;
    EXPECT(spm_trie_build(&built, keys, N, 0, NULL, &dup, &dup_of, &err) == TJ_OK);
    CHECK(dup == want_dup && dup_of == want_of, "first repeat %d of %d, want %d of %d", (int)dup,
          (int)dup_of, (int)want_dup, (int)want_of);
    EXPECT(want_dup > 0);
    CHECK(built.n_nodes == inc.n_nodes, "%u nodes, want %u", built.n_nodes, inc.n_nodes);
    CHECK(2 * (size_t)built.n_nodes <= built.mask + 1, "load factor above 1/2: %u nodes, %zu slots",
          built.n_nodes, built.mask + 1);
    /* every prefix of pre followed by every string over the alphabet up to TAIL + 1 bytes */
    int bad = 0;
    char s[sizeof pre + TAIL + 1];
    for (size_t np = 0; np < sizeof pre; np++) {
        memcpy(s, pre, np);
        for (int len = 0; len <= TAIL + 1; len++) {
            long count = 1;
            for (int j = 0; j < len; j++) count *= 4;
            for (long c = 0; c < count; c++) {
                long v = c;
                for (int j = 0; j < len; j++, v /= 4) s[np + (size_t)j] = alpha[v % 4];
                size_t n = np + (size_t)len;
                bad += spm_trie_find(&built, s, n) != spm_trie_find(&inc, s, n);
            }
        }
    }
    CHECK(bad == 0, "%d strings found differently", bad);
    spm_trie_free(&built);
    spm_trie_free(&inc);

    EXPECT(spm_trie_build(&built, keys, 0, 0, NULL, &dup, &dup_of, &err) == TJ_OK && dup == -1);
    EXPECT(spm_trie_find(&built, "a", 1) == -1 && spm_trie_find(&built, "", 0) == -1);
    spm_trie_free(&built);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write-model")) {
        size_t bounds[512], nb;
        pb p = build_model(&main_model, bounds, &nb);
        FILE *f = fopen(argv[2], "wb");
        if (!f || fwrite(p.b, 1, p.len, f) != p.len || fclose(f)) return 1;
        free(p.b);
        return 0;
    }
    tj_spm *spm = load_model(&main_model);
    EXPECT(spm != NULL);
    if (spm) {
        test_accessors(spm);
        test_encode(spm);
        test_decode(spm);
        test_long_line(spm);
        tj_spm_free(spm);
    }
    test_custom_unk_and_keep_spaces();
    test_byte_fallback();
    test_bad_models();
    test_duplicate_pieces();
    test_truncations();
    test_corruptions();
    test_files();
    test_trie_growth();
    test_trie_build();
    printf("test_spm: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
