/* SPDX-License-Identifier: MIT */
/* Model file readers: Marian .bin (synthetic files built here by the spec's writer rules, then
 * cut and damaged everywhere; plus the real fixtures), the YAML subset, binary shortlists (with a
 * hand-derived §7.4 target set) and model directory recognition. The fixture checks need
 * ../shared (or $TJ_SHARED) and are skipped without it; everything else always runs. */
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "model/marian_bin.h"
#include "model/modeldir.h"
#include "model/shortlist.h"
#include "model/yaml.h"
#include "check.h"
#include "tmpfiles.h"

static unsigned char *zstd_bytes(const unsigned char *in, size_t n, size_t *out_n)
{
    size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap);
    *out_n = ZSTD_compress(out, cap, in, n, 3);
    if (ZSTD_isError(*out_n)) exit(1);
    return out;
}

/* ------------------------------------------------------------------ synthetic .bin writer */

typedef struct syn_item {
    const char *name;
    uint64_t type;
    int ndim;
    int shape[4];
    const void *payload;
    size_t len;
    int pad256; /* tensors are padded to 256 bytes (Marian's allocator); the YAML is not */
} syn_item;

typedef struct bytebuf {
    unsigned char *p;
    size_t n, cap;
} bytebuf;

static void put_bytes(bytebuf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put64(bytebuf *b, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++) t[i] = (unsigned char)(v >> (8 * i));
    put_bytes(b, t, 8);
}

static void put32(bytebuf *b, uint32_t v)
{
    unsigned char t[4];
    for (int i = 0; i < 4; i++) t[i] = (unsigned char)(v >> (8 * i));
    put_bytes(b, t, 4);
}

static size_t round256(size_t n)
{
    return (n + 255) / 256 * 256;
}

/* Spec §2.1 layout with the writer's padding rule; extra_pad shifts the data section. */
static bytebuf build_bin(const syn_item *it, size_t n, int extra_pad, size_t *data_start)
{
    bytebuf b = {NULL, 0, 0};
    put64(&b, 1);
    put64(&b, n);
    for (size_t i = 0; i < n; i++) {
        put64(&b, strlen(it[i].name) + 1);
        put64(&b, it[i].type);
        put64(&b, (uint64_t)it[i].ndim);
        put64(&b, it[i].pad256 ? round256(it[i].len) : it[i].len);
    }
    for (size_t i = 0; i < n; i++) put_bytes(&b, it[i].name, strlen(it[i].name) + 1);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < it[i].ndim; k++) put32(&b, (uint32_t)it[i].shape[k]);
    size_t pos = b.n;
    size_t next = ((pos + 8) / 256 + 1) * 256;
    size_t pad = next - pos - 8 + (size_t)extra_pad;
    put64(&b, pad);
    unsigned char zeros[512] = {0};
    put_bytes(&b, zeros, pad);
    *data_start = b.n;
    for (size_t i = 0; i < n; i++) {
        put_bytes(&b, it[i].payload, it[i].len);
        if (it[i].pad256) put_bytes(&b, zeros, round256(it[i].len) - it[i].len);
    }
    return b;
}

static void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static const char syn_yaml[] = "type: transformer\ndim-emb: 8\ndim-vocabs:\n  - 4\n  - 4\n";
static signed char wemb[32 + 4], qa[1 + 4], rnn[64 + 4];
static float bq[8];

static size_t make_items(syn_item *it)
{
    for (int i = 0; i < 32; i++) wemb[i] = (signed char)(i - 16);
    float q = 2.5f, qa_q = 127.0f / 3.0f, rnn_q = 10.0f;
    memcpy(wemb + 32, &q, 4);
    qa[0] = 127;
    memcpy(qa + 1, &qa_q, 4);
    for (int i = 0; i < 64; i++) rnn[i] = (signed char)(i % 2 ? -i : i);
    memcpy(rnn + 64, &rnn_q, 4);
    for (int i = 0; i < 8; i++) bq[i] = 0.5f * (float)i;
    syn_item v[] = {
        {"Wemb", TJ_TYPE_INTGEMM8, 2, {4, 8}, wemb, sizeof wemb, 1},
        {"Wemb_QuantMultA", TJ_TYPE_INTGEMM8, 2, {1, 1}, qa, sizeof qa, 1},
        {"encoder_l1_self_bq", TJ_TYPE_FLOAT32, 2, {1, 8}, bq, sizeof bq, 1},
        {"decoder_l1_rnn_W", TJ_TYPE_INTGEMM8, 2, {8, 8}, rnn, sizeof rnn, 1},
        {"special:model.yml", TJ_TYPE_INT8, 1, {sizeof syn_yaml}, syn_yaml, sizeof syn_yaml, 0},
    };
    memcpy(it, v, sizeof v);
    return sizeof v / sizeof v[0];
}

static tj_status open_bytes(const char *name, const void *data, size_t n, tj_marian_file *f,
                            tj_error *err)
{
    write_file(tmp_path(name), data, n);
    memset(err, 0, sizeof *err);
    return tj_marian_open(tmp_path(name), f, err);
}

/* Every item of an opened file lies inside its blob. */
static int items_in_bounds(const tj_marian_file *f)
{
    const unsigned char *lo = f->blob.data, *hi = lo + f->blob.size;
    for (size_t i = 0; i < f->n_items; i++) {
        const tj_item *it = &f->items[i];
        if (it->data < lo || it->data > hi || it->bytes > (size_t)(hi - it->data)) return 0;
        if ((const unsigned char *)it->name < lo || (const unsigned char *)it->name >= hi) return 0;
    }
    return 1;
}

static void check_synthetic(const tj_marian_file *f, size_t data_start)
{
    EXPECT(f->n_items == 5);
    if (f->n_items != 5) return;
    const tj_item *w = tj_marian_find(f, "Wemb");
    EXPECT(w && w->type == TJ_TYPE_INTGEMM8 && w->ndim == 2 && w->shape[0] == 4 &&
           w->shape[1] == 8 && w->elements == 32 && w->bytes == 256);
    EXPECT(w && (size_t)(w->data - f->blob.data) == data_start);
    EXPECT(w && (signed char)w->data[0] == -16 && (signed char)w->data[31] == 15);
    EXPECT(w && tj_item_quant_mult(w) == 2.5f);
    const tj_item *a = tj_marian_find(f, "Wemb_QuantMultA");
    EXPECT(a && a->elements == 1 && (signed char)a->data[0] == 127 &&
           tj_item_quant_mult(a) == 127.0f / 3.0f);
    const tj_item *b = tj_marian_find(f, "encoder_l1_self_bq");
    EXPECT(b && b->type == TJ_TYPE_FLOAT32 && b->elements == 8 && b->bytes == 256);
    if (b) {
        float v[8];
        memcpy(v, b->data, sizeof v);
        EXPECT(v[0] == 0.0f && v[3] == 1.5f && v[7] == 3.5f);
        EXPECT(tj_item_quant_mult(b) == 0.0f);
    }
    const tj_item *r = tj_marian_find(f, "decoder_l1_rnn_W");
    EXPECT(r && r->elements == 64 && (signed char)r->data[63] == -63 &&
           tj_item_quant_mult(r) == 10.0f);
    EXPECT(r && (size_t)(r->data - f->blob.data) == data_start + 3 * 256);
    const tj_item *y = tj_marian_find(f, "special:model.yml");
    EXPECT(y && y->type == TJ_TYPE_INT8 && y->ndim == 1 && y->shape[0] == (int)sizeof syn_yaml &&
           y->bytes == sizeof syn_yaml);
    EXPECT(f->yaml && strcmp(f->yaml, syn_yaml) == 0);
    EXPECT(tj_marian_find(f, "Wem") == NULL && tj_marian_find(f, "nope") == NULL);
    EXPECT(items_in_bounds(f));
}

static void test_marian_synthetic(void)
{
    syn_item it[8];
    size_t n = make_items(it), ds;
    bytebuf b = build_bin(it, n, 0, &ds);
    /* Writer arithmetic by hand: 16 + 5*32 = 176 header bytes; names 5+16+19+17+18 = 75 -> 251;
     * shapes 4*2*4 + 4 = 36 -> 287; next boundary after 287+8 is 512, so pad = 217 and the data
     * starts at 512; four 256-byte tensors and the 54-byte YAML follow. */
    EXPECT(ds == 512 && sizeof syn_yaml == 54);
    EXPECT(b.n == 512 + 4 * 256 + sizeof syn_yaml);

    tj_marian_file f;
    tj_error err;
    EXPECT(open_bytes("syn.bin", b.p, b.n, &f, &err) == TJ_OK);
    check_synthetic(&f, ds);
    tj_marian_close(&f);
    EXPECT(f.items == NULL && f.n_items == 0);

    size_t gn, zn;
    unsigned char *gz = gzip_bytes(b.p, b.n, 6, &gn), *zs = zstd_bytes(b.p, b.n, &zn);
    EXPECT(open_bytes("syn.bin.gz", gz, gn, &f, &err) == TJ_OK);
    check_synthetic(&f, ds);
    EXPECT(((uintptr_t)f.blob.data & 63) == 0);
    tj_marian_close(&f);
    EXPECT(open_bytes("syn.bin.zst", zs, zn, &f, &err) == TJ_OK);
    check_synthetic(&f, ds);
    tj_marian_close(&f);

    /* Cut anywhere: always an error (the last byte is the YAML's NUL, so even that is caught
     * by the exact-size rule), naming the file, never a crash. */
    for (size_t cut = 0; cut < b.n; cut++) {
        tj_status st = open_bytes("cut.bin", b.p, cut, &f, &err);
        EXPECT(st == TJ_ERR_FORMAT);
        if (st == TJ_OK)
            tj_marian_close(&f);
        else
            EXPECT(strstr(err.message, "cut.bin") != NULL);
    }
    for (size_t cut = 2; cut < gn; cut++) {
        tj_status st = open_bytes("cut.bin.gz", gz, cut, &f, &err);
        EXPECT(st == TJ_ERR_FORMAT);
        if (st == TJ_OK) tj_marian_close(&f);
    }
    for (size_t cut = 0; cut < zn; cut++) {
        tj_status st = open_bytes("cut.bin.zst", zs, cut, &f, &err);
        EXPECT(st != TJ_OK);
        if (st == TJ_OK) tj_marian_close(&f);
    }

    /* Damage every byte (header bytes three ways): no crash; whatever opens must be
     * self-consistent. */
    unsigned char *d = malloc(b.n + 16);
    static const unsigned char xors[] = {0xff, 0x01, 0x80};
    int opened = 0, rejected = 0;
    for (size_t at = 0; at < b.n; at++)
        for (size_t k = 0; k < (at < ds ? sizeof xors : 1); k++) {
            memcpy(d, b.p, b.n);
            d[at] ^= xors[k];
            tj_status st = open_bytes("flip.bin", d, b.n, &f, &err);
            if (st == TJ_OK) {
                opened++;
                EXPECT(items_in_bounds(&f));
                tj_marian_close(&f);
            } else {
                rejected++;
                EXPECT(err.message[0] != '\0');
            }
        }
    /* Header damage is mostly caught; damaged tensor values cannot be: both outcomes occur. */
    EXPECT(rejected > 0 && opened > 0);
    /* A pseudo-random multi-byte fuzz of the header area. */
    uint32_t x = 7;
    for (int round = 0; round < 1000; round++) {
        memcpy(d, b.p, b.n);
        for (int j = 0; j < 4; j++) {
            x = x * 1664525u + 1013904223u;
            d[(x >> 8) % ds] = (unsigned char)(x >> 24);
        }
        tj_status st = open_bytes("fuzz.bin", d, b.n, &f, &err);
        if (st == TJ_OK) {
            EXPECT(items_in_bounds(&f));
            tj_marian_close(&f);
        }
    }

    /* Specific damage with its expected verdict. */
    memcpy(d, b.p, b.n);
    wr64(d, 2);
    EXPECT(open_bytes("v2.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "version") != NULL);

    memcpy(d, b.p, b.n);
    wr64(d + 8, (uint64_t)1 << 40);
    EXPECT(open_bytes("count.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    wr64(d + 8, 0);
    EXPECT(open_bytes("count.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);

    memcpy(d, b.p, b.n);
    wr64(d + 16 + 8, 0x4102); /* Wemb as intgemm16 */
    EXPECT(open_bytes("i16.bin", d, b.n, &f, &err) == TJ_ERR_UNSUPPORTED);
    EXPECT(strstr(err.message, "'Wemb'") && strstr(err.message, "intgemm16"));
    wr64(d + 16 + 8, 0x7777);
    EXPECT(open_bytes("unk.bin", d, b.n, &f, &err) == TJ_ERR_UNSUPPORTED);
    EXPECT(strstr(err.message, "0x7777") != NULL);

    /* intgemm8 [4,8] needs 36 bytes; 32 is too few. float32 [1,8] needs 32. */
    memcpy(d, b.p, b.n);
    wr64(d + 16 + 24, 32);
    EXPECT(open_bytes("short.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "'Wemb'") && strstr(err.message, "36"));
    memcpy(d, b.p, b.n);
    wr64(d + 16 + 2 * 32 + 24, 28);
    EXPECT(open_bytes("short.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "encoder_l1_self_bq") != NULL);

    memcpy(d, b.p, b.n);
    wr64(d + 16, 4); /* "Wemb" declared 4 bytes long: its NUL is not there */
    EXPECT(open_bytes("name.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "NUL") != NULL);

    memcpy(d, b.p, b.n);
    d[b.n - 1] = 'x'; /* the YAML's terminating NUL */
    EXPECT(open_bytes("yaml.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "special:model.yml") != NULL);

    memcpy(d, b.p, b.n);
    memcpy(d + 251, "\xfd\xff\xff\xff", 4); /* first dimension of Wemb: i32 -3 */
    EXPECT(open_bytes("dim.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);

    memcpy(d, b.p, b.n);
    wr64(d + 287, (uint64_t)1 << 50); /* padding length */
    EXPECT(open_bytes("pad.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);

    memcpy(d, b.p, b.n);
    float nanq = NAN;
    memcpy(d + ds + 32, &nanq, 4);
    EXPECT(open_bytes("nanq.bin", d, b.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "multiplier") != NULL);

    memcpy(d, b.p, b.n);
    memcpy(d + b.n, "\0\0\0\0", 4);
    EXPECT(open_bytes("trail.bin", d, b.n + 4, &f, &err) == TJ_ERR_FORMAT);
    free(d);

    /* Duplicate names, and a float tensor off its 4-byte alignment. */
    syn_item dup[8];
    memcpy(dup, it, sizeof dup[0] * n);
    dup[3].name = "Wemb";
    bytebuf bd = build_bin(dup, n, 0, &ds);
    EXPECT(open_bytes("dup.bin", bd.p, bd.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "twice") != NULL);
    free(bd.p);
    bytebuf bm = build_bin(it, n, 2, &ds);
    EXPECT(open_bytes("mis.bin", bm.p, bm.n, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "misaligned") != NULL);
    free(bm.p);

    /* Things that are not Marian binaries at all. */
    EXPECT(open_bytes("m.npz", "PK\x03\x04\x14\0\0\0\0\0junkjunkjunk", 22, &f, &err) ==
           TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "npz") != NULL);
    const char *text = "type: transformer\ndim-emb: 256\nthis is a text file\n";
    EXPECT(open_bytes("m.txt", text, strlen(text), &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "not a Marian") && strstr(err.message, "text"));
    EXPECT(open_bytes("m.empty", "", 0, &f, &err) == TJ_ERR_FORMAT);
    unsigned char rnd[1000];
    for (size_t i = 0; i < sizeof rnd; i++) {
        x = x * 1664525u + 1013904223u;
        rnd[i] = (unsigned char)(x >> 24);
    }
    EXPECT(open_bytes("m.rnd", rnd, sizeof rnd, &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "not a Marian") != NULL);
    memset(&err, 0, sizeof err);
    EXPECT(tj_marian_open(tmp_path("missing.bin"), &f, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "missing.bin") != NULL);

    free(b.p);
    free(gz);
    free(zs);
}

/* ------------------------------------------------------------------ YAML */

static int seq_is(const char *y, const char *key, size_t idx, const char *want)
{
    char buf[64];
    return tj_yaml_get_seq(y, key, idx, buf, sizeof buf) == 1 && strcmp(buf, want) == 0;
}

static int get_is(const char *y, const char *key, const char *want)
{
    char buf[64];
    return tj_yaml_get(y, key, buf, sizeof buf) == 1 && strcmp(buf, want) == 0;
}

static void test_yaml(void)
{
    const char *y = "# a comment line\n"
                    "type: transformer   # trailing comment\n"
                    "dim-emb: 256\n"
                    "empty-q: \"\"\n"
                    "single: 'it''s'\n"
                    "dq: \"a \\\"b\\\" \\\\ c\\u00e9\"\n"
                    "esc: \"\\t\\n\\r\\a\\b\\e\\f\\v|\\x41\\/\\ \\U0001F600\"\n"
                    "esc-bad: \"a\\qb\"\n"
                    "flag1: true\n"
                    "flag2: False\n"
                    "flag3: maybe\n"
                    "num: -42\n"
                    "big: 99999999999999999999999\n"
                    "flt: 1e-6\n"
                    "seq-block:\n"
                    "  - 32000\n"
                    "  - \"x y\"\n"
                    "\n"
                    "  - 'z'\n"
                    "seq-flow: [1, \"two, three\",  'four' ]\n"
                    "seq-empty: []\n"
                    "seq-zero-indent:\n"
                    "- a\n"
                    "- b\n"
                    "nested:\n"
                    "  inner: 5\n"
                    "nullval:\n"
                    "after-null: 7\n"
                    "url: http://x.y/z#frag\n"
                    "colon: a: b\n"
                    "multi: [1,\n"
                    "   2]\n"
                    "last: end";
    char buf[64];
    EXPECT(get_is(y, "type", "transformer"));
    EXPECT(tj_yaml_get_int(y, "dim-emb", -1) == 256);
    EXPECT(get_is(y, "empty-q", ""));
    EXPECT(get_is(y, "single", "it's"));
    EXPECT(get_is(y, "dq", "a \"b\" \\ c\xc3\xa9"));
    EXPECT(get_is(y, "esc", "\t\n\r\a\b\x1b\f\v|A/ \xf0\x9f\x98\x80"));
    EXPECT(!tj_yaml_get(y, "esc-bad", buf, sizeof buf));
    EXPECT(tj_yaml_get_bool(y, "flag1", -1) == 1);
    EXPECT(tj_yaml_get_bool(y, "flag2", -1) == 0);
    EXPECT(tj_yaml_get_bool(y, "flag3", -1) == -1);
    EXPECT(tj_yaml_get_bool(y, "missing", -1) == -1);
    EXPECT(tj_yaml_get_int(y, "num", 0) == -42);
    EXPECT(tj_yaml_get_int(y, "big", 5) == 5);
    EXPECT(tj_yaml_get_int(y, "type", 5) == 5);
    EXPECT(tj_yaml_get_int(y, "flt", 5) == 5);
    EXPECT(tj_yaml_get_float(y, "flt", 0) == 1e-6);
    EXPECT(tj_yaml_get_float(y, "type", 2.5) == 2.5);
    EXPECT(tj_yaml_get(y, "seq-block", buf, sizeof buf) == 0);
    EXPECT(seq_is(y, "seq-block", 0, "32000"));
    EXPECT(seq_is(y, "seq-block", 1, "x y"));
    EXPECT(seq_is(y, "seq-block", 2, "z"));
    EXPECT(tj_yaml_get_seq(y, "seq-block", 3, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(y, "seq-flow", buf, sizeof buf) == 0);
    EXPECT(seq_is(y, "seq-flow", 0, "1"));
    EXPECT(seq_is(y, "seq-flow", 1, "two, three"));
    EXPECT(seq_is(y, "seq-flow", 2, "four"));
    EXPECT(tj_yaml_get_seq(y, "seq-flow", 3, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get_seq(y, "seq-empty", 0, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(y, "seq-empty", buf, sizeof buf) == 0);
    EXPECT(seq_is(y, "seq-zero-indent", 0, "a"));
    EXPECT(seq_is(y, "seq-zero-indent", 1, "b"));
    EXPECT(tj_yaml_get_seq(y, "seq-zero-indent", 2, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(y, "nested", buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(y, "inner", buf, sizeof buf) == 0);
    EXPECT(get_is(y, "nullval", ""));
    EXPECT(tj_yaml_get_int(y, "after-null", 0) == 7);
    EXPECT(get_is(y, "url", "http://x.y/z#frag"));
    EXPECT(get_is(y, "colon", "a: b"));
    EXPECT(seq_is(y, "multi", 1, "2"));
    EXPECT(get_is(y, "last", "end"));
    EXPECT(tj_yaml_get(y, "dim", buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(y, "missing", buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get_seq(y, "type", 0, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get(NULL, "type", buf, sizeof buf) == 0);
    char small[4];
    EXPECT(tj_yaml_get(y, "type", small, sizeof small) == 1 && strcmp(small, "tra") == 0);

    const char *crlf = "a: 1\r\nb: [x, y]\r\nc:\r\n  - p\r\n  - q\r\nd: \"unterminated\r\n";
    EXPECT(tj_yaml_get_int(crlf, "a", 0) == 1);
    EXPECT(seq_is(crlf, "b", 1, "y"));
    EXPECT(seq_is(crlf, "c", 1, "q"));
    EXPECT(tj_yaml_get(crlf, "d", buf, sizeof buf) == 0);
}

/* ------------------------------------------------------------------ shortlist */

static bytebuf build_shortlist(uint64_t first, uint64_t best, const uint64_t *off, size_t n_off,
                               const uint32_t *ids, size_t n_ids)
{
    bytebuf b = {NULL, 0, 0};
    put64(&b, 0xF11A48D5013417F5ull);
    put64(&b, 0);
    put64(&b, first);
    put64(&b, best);
    put64(&b, n_off);
    put64(&b, n_ids);
    for (size_t i = 0; i < n_off; i++) put64(&b, off[i]);
    for (size_t i = 0; i < n_ids; i++) put32(&b, ids[i]);
    return b;
}

static int ids_are(const int *got, size_t n, const int *want, size_t m)
{
    if (n != m) return 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) return 0;
    return 1;
}

static tj_status sl_open_bytes(const char *name, const bytebuf *b, size_t vs, size_t vt,
                               tj_shortlist *sl, tj_error *err)
{
    write_file(tmp_path(name), b->p, b->n);
    memset(err, 0, sizeof *err);
    return tj_shortlist_open(tmp_path(name), vs, vt, sl, err);
}

static void test_shortlist_synthetic(void)
{
    /* Lists: s0 {5}, s1 {10,20,30}, s2 {}, s3 {4,25}, s4 {39}; first_num 3, Vt 40, Vs 40. */
    const uint64_t off[] = {0, 1, 4, 4, 6, 7};
    const uint32_t ids[] = {5, 10, 20, 30, 4, 25, 39};
    bytebuf b = build_shortlist(3, 2, off, 6, ids, 7);
    EXPECT(b.n == 48 + 6 * 8 + 7 * 4);
    tj_shortlist sl;
    tj_error err;
    EXPECT(sl_open_bytes("sl.bin", &b, 40, 40, &sl, &err) == TJ_OK);
    EXPECT(sl.first_num == 3 && sl.best_num == 2 && sl.n_src == 5 && sl.n_lists == 7);
    int *out;
    size_t n;

    /* Hand-derived (spec §7.4). src {1,3,0}, shared: {0,1,2} + s1 list + id 3 + s3 list + s0 list
     * = {0,1,2,3,4,5,10,20,25,30} (10 ids); padding from id 3 upward adds the first six free
     * ids 6,7,8,9,11,12 to reach 16. */
    const int src1[] = {1, 3, 0};
    const int want1[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 25, 30};
    EXPECT(tj_shortlist_generate(&sl, src1, 3, 40, 1, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want1, 16));
    free(out);

    /* src {1,3}, not shared: {0,1,2,10,20,30,4,25} is already 8 ids: no padding. */
    const int src2[] = {1, 3};
    const int want2[] = {0, 1, 2, 4, 10, 20, 25, 30};
    EXPECT(tj_shortlist_generate(&sl, src2, 2, 40, 0, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want2, 8));
    free(out);
    /* Shared, the same source: id 3 is copied in, making 9; padding adds 5,6,7,8,9,11,12. */
    const int want2s[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 25, 30};
    EXPECT(tj_shortlist_generate(&sl, src2, 2, 40, 1, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want2s, 16));
    free(out);

    /* Source id 33 has no list (beyond n_src): only the shared copy adds it. */
    const int src3[] = {33, 0};
    const int want3s[] = {0, 1, 2, 3, 4, 5, 6, 33};
    const int want3[] = {0, 1, 2, 3, 4, 5, 6, 7};
    EXPECT(tj_shortlist_generate(&sl, src3, 2, 40, 1, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want3s, 8));
    free(out);
    EXPECT(tj_shortlist_generate(&sl, src3, 2, 40, 0, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want3, 8));
    free(out);

    /* Repeated ids change nothing; the empty sentence pads {0,1,2} to 0..7. */
    const int src4[] = {4, 4, 4};
    const int want4[] = {0, 1, 2, 3, 4, 5, 6, 39};
    EXPECT(tj_shortlist_generate(&sl, src4, 3, 40, 0, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want4, 8));
    free(out);
    EXPECT(tj_shortlist_generate(&sl, NULL, 0, 40, 0, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want3, 8));
    free(out);
    /* Padding stops at the vocabulary end: Vt 6, no source: {0,1,2} + 3,4,5 = 6 ids. */
    EXPECT(tj_shortlist_generate(&sl, NULL, 0, 6, 0, &out, &n, &err) == TJ_OK);
    EXPECT(n == 6 && out[5] == 5);
    free(out);
    const int neg[] = {-1};
    EXPECT(tj_shortlist_generate(&sl, neg, 1, 40, 0, &out, &n, &err) == TJ_ERR_ARG);
    EXPECT(out == NULL);
    tj_shortlist_close(&sl);

    /* first_num beyond the vocabulary: everything is selected. */
    bytebuf bf = build_shortlist(50, 50, off, 6, ids, 7);
    EXPECT(sl_open_bytes("slf.bin", &bf, 40, 40, &sl, &err) == TJ_OK);
    EXPECT(tj_shortlist_generate(&sl, src1, 3, 40, 1, &out, &n, &err) == TJ_OK);
    EXPECT(n == 40 && out[0] == 0 && out[39] == 39);
    free(out);
    tj_shortlist_close(&sl);
    free(bf.p);

    /* Validation. */
    EXPECT(sl_open_bytes("sl.bin", &b, 40, 39, &sl, &err) == TJ_ERR_FORMAT); /* id 39 >= 39 */
    EXPECT(strstr(err.message, "39") != NULL);
    EXPECT(sl_open_bytes("sl.bin", &b, 4, 40, &sl, &err) == TJ_ERR_FORMAT); /* 5 lists > Vs 4 */
    for (size_t cut = 0; cut < b.n; cut++) {
        bytebuf c = {b.p, cut, cut};
        tj_status st = sl_open_bytes("slcut.bin", &c, 40, 40, &sl, &err);
        EXPECT(st == TJ_ERR_FORMAT);
        if (st == TJ_OK)
            tj_shortlist_close(&sl);
        else
            EXPECT(strstr(err.message, "slcut.bin") != NULL);
    }
    const uint64_t bad_order[] = {0, 4, 1, 4, 6, 7};
    const uint64_t bad_first[] = {1, 1, 4, 4, 6, 7};
    const uint64_t bad_last[] = {0, 1, 4, 4, 6, 6};
    const uint64_t bad_big[] = {0, 1, 9, 4, 6, 7};
    const uint64_t *bads[] = {bad_order, bad_first, bad_last, bad_big};
    for (size_t i = 0; i < 4; i++) {
        bytebuf c = build_shortlist(3, 2, bads[i], 6, ids, 7);
        EXPECT(sl_open_bytes("slbad.bin", &c, 40, 40, &sl, &err) == TJ_ERR_FORMAT);
        free(c.p);
    }
    unsigned char *d = malloc(b.n);
    memcpy(d, b.p, b.n);
    d[0] ^= 1;
    bytebuf c = {d, b.n, b.n};
    EXPECT(sl_open_bytes("slmagic.bin", &c, 40, 40, &sl, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "not a binary shortlist") != NULL);
    /* Huge counts must not overflow the size check. */
    memcpy(d, b.p, b.n);
    wr64(d + 32, (uint64_t)1 << 61);
    EXPECT(sl_open_bytes("slhuge.bin", &c, 40, 40, &sl, &err) == TJ_ERR_FORMAT);
    memcpy(d, b.p, b.n);
    wr64(d + 40, (uint64_t)-1);
    EXPECT(sl_open_bytes("slhuge.bin", &c, 40, 40, &sl, &err) == TJ_ERR_FORMAT);
    /* Byte damage anywhere: no crash. */
    for (size_t at = 0; at < b.n; at++) {
        memcpy(d, b.p, b.n);
        d[at] ^= 0xff;
        if (sl_open_bytes("slflip.bin", &c, 40, 40, &sl, &err) == TJ_OK) {
            if (tj_shortlist_generate(&sl, src1, 3, 40, 1, &out, &n, &err) == TJ_OK) free(out);
            tj_shortlist_close(&sl);
        }
    }
    free(d);
    /* Compressed shortlists load the same. */
    size_t gn;
    unsigned char *gz = gzip_bytes(b.p, b.n, 6, &gn);
    bytebuf g = {gz, gn, gn};
    EXPECT(sl_open_bytes("sl.bin.gz", &g, 40, 40, &sl, &err) == TJ_OK);
    EXPECT(sl.n_lists == 7 && sl.ids[6] == 39 && sl.offsets[5] == 7);
    tj_shortlist_close(&sl);
    free(gz);
    free(b.p);
}

/* ------------------------------------------------------------------ model directories */

static void touch(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    write_file(p, "x", 1);
}

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

static int name_is(const char *path, const char *want)
{
    return path && strcmp(base_name(path), want) == 0;
}

static void test_modeldir(void)
{
    char d[512];
    tj_modeldir md;
    tj_error err;
    int k = 0;
#define NEWDIR()                                                                                   \
    (snprintf(d, sizeof d, "%s/md%d", tmpdir, k++), mkdir(d, 0700), memset(&err, 0, sizeof err))

    NEWDIR();
    touch(d, "model.aren.intgemm.alphas.bin");
    touch(d, "lex.50.50.aren.s2t.bin");
    touch(d, "vocab.aren.spm");
    touch(d, "metadata.json");
    touch(d, "README.md");
    touch(d, "lex.50.50.aren.t2s.bin");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_OK);
    EXPECT(name_is(md.model, "model.aren.intgemm.alphas.bin"));
    EXPECT(md.model && strncmp(md.model, d, strlen(d)) == 0);
    EXPECT(name_is(md.shortlist, "lex.50.50.aren.s2t.bin"));
    EXPECT(name_is(md.src_vocab, "vocab.aren.spm"));
    EXPECT(md.trg_vocab && md.src_vocab && strcmp(md.src_vocab, md.trg_vocab) == 0);
    EXPECT(name_is(md.metadata, "metadata.json"));
    tj_modeldir_free(&md);
    EXPECT(md.model == NULL);

    NEWDIR(); /* Mozilla's gzipped layout, separate vocabularies, no shortlist */
    touch(d, "model.enar.intgemm.alphas.bin.gz");
    touch(d, "srcvocab.enar.spm.gz");
    touch(d, "trgvocab.enar.spm.zst");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_OK);
    EXPECT(name_is(md.model, "model.enar.intgemm.alphas.bin.gz"));
    EXPECT(md.shortlist == NULL && md.metadata == NULL);
    EXPECT(name_is(md.src_vocab, "srcvocab.enar.spm.gz"));
    EXPECT(name_is(md.trg_vocab, "trgvocab.enar.spm.zst"));
    tj_modeldir_free(&md);

    NEWDIR(); /* a .bin wins over an .npz; a directory named like a model is ignored */
    touch(d, "model.aren.bin.zst");
    touch(d, "model.aren.npz");
    touch(d, "vocab.aren.spm");
    {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/model.zz.bin", d);
        mkdir(sub, 0700);
    }
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_OK);
    EXPECT(name_is(md.model, "model.aren.bin.zst"));
    tj_modeldir_free(&md);

    NEWDIR(); /* OPUS-MT style */
    touch(d, "opus.spm32k-spm32k.transformer-align.model1.npz.best-perplexity.npz");
    touch(d, "source.spm");
    touch(d, "target.spm");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_OK);
    EXPECT(
        name_is(md.model, "opus.spm32k-spm32k.transformer-align.model1.npz.best-perplexity.npz"));
    EXPECT(name_is(md.src_vocab, "source.spm") && name_is(md.trg_vocab, "target.spm"));
    tj_modeldir_free(&md);

    NEWDIR(); /* two models */
    touch(d, "model.b.bin");
    touch(d, "model.a.bin.gz");
    touch(d, "vocab.x.spm");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_ARG);
    EXPECT(strstr(err.message, "model.a.bin.gz") && strstr(err.message, "model.b.bin"));
    EXPECT(md.model == NULL);

    NEWDIR(); /* two shortlists */
    touch(d, "model.a.bin");
    touch(d, "vocab.x.spm");
    touch(d, "lex.a.s2t.bin");
    touch(d, "lex.b.s2t.bin");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_ARG);
    EXPECT(strstr(err.message, "lex.a.s2t.bin") && strstr(err.message, "lex.b.s2t.bin"));

    NEWDIR(); /* no vocabulary */
    touch(d, "model.a.bin");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "vocab") != NULL);

    NEWDIR(); /* no model */
    touch(d, "vocab.a.spm");
    touch(d, "model.a.bin.yml");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "no model") != NULL);

    NEWDIR(); /* half a vocabulary pair */
    touch(d, "model.a.bin");
    touch(d, "srcvocab.a.spm");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "trgvocab") != NULL);

    NEWDIR(); /* joint and separate vocabularies together */
    touch(d, "model.a.bin");
    touch(d, "vocab.a.spm");
    touch(d, "srcvocab.a.spm");
    touch(d, "trgvocab.a.spm");
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_ARG);

    NEWDIR(); /* empty directory */
    EXPECT(tj_modeldir_scan(d, &md, &err) == TJ_ERR_NOTFOUND);

    memset(&err, 0, sizeof err);
    EXPECT(tj_modeldir_scan(tmp_path("no-such-dir"), &md, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "no-such-dir") != NULL);
    touch(tmpdir, "plainfile");
    EXPECT(tj_modeldir_scan(tmp_path("plainfile"), &md, &err) == TJ_ERR_ARG);
    EXPECT(strstr(err.message, "not a directory") != NULL);
#undef NEWDIR
}

/* ------------------------------------------------------------------ fixtures (../shared) */

static char shared[512];

static int find_shared(void)
{
    const char *env = getenv("TJ_SHARED");
    snprintf(shared, sizeof shared, "%s", env && *env ? env : "../shared");
    struct stat sb;
    char p[600];
    snprintf(p, sizeof p, "%s/fixtures", shared);
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static const char *fx(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/fixtures/%s", shared, rel);
    return buf[k];
}

/* Expected values: the fixture README (architecture) and an independent reading of the files
 * with Python's struct module (counts, sizes, offsets). */
static void test_fixture_model(const char *name, const char *bin, const char *gzbin)
{
    tj_marian_file f, g;
    tj_error err = {0};
    if (tj_marian_open(fx(bin), &f, &err) != TJ_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        failures++;
        return;
    }
    EXPECT(f.n_items == 195);
    size_t n_i8 = 0, n_f32 = 0, n_yml = 0;
    for (size_t i = 0; i < f.n_items; i++) {
        n_i8 += f.items[i].type == TJ_TYPE_INTGEMM8;
        n_f32 += f.items[i].type == TJ_TYPE_FLOAT32;
        n_yml += f.items[i].type == TJ_TYPE_INT8;
    }
    EXPECT(n_i8 == 54 && n_f32 == 140 && n_yml == 1);
    const tj_item *w = tj_marian_find(&f, "Wemb");
    EXPECT(w && w->type == TJ_TYPE_INTGEMM8 && w->shape[0] == 16000 && w->shape[1] == 256 &&
           w->bytes == 4096256 && w->data - f.blob.data == 12544);
    EXPECT(w && tj_item_quant_mult(w) > 0.0f);
    const tj_item *a = tj_marian_find(&f, "Wemb_QuantMultA");
    EXPECT(a && a->type == TJ_TYPE_INTGEMM8 && a->elements == 1);
    const tj_item *b = tj_marian_find(&f, "decoder_ff_logit_out_b");
    EXPECT(b && b->type == TJ_TYPE_FLOAT32 && b->shape[1] == 16000 && b->bytes == 64000);
    const tj_item *y = tj_marian_find(&f, "special:model.yml");
    EXPECT(y && y->bytes == 1124 && f.yaml);
    const char *yml = f.yaml;
    char buf[64];
    EXPECT(get_is(yml, "type", "transformer"));
    EXPECT(tj_yaml_get_int(yml, "dim-emb", 0) == 256);
    EXPECT(tj_yaml_get_int(yml, "enc-depth", 0) == 6);
    EXPECT(tj_yaml_get_int(yml, "dec-depth", 0) == 2);
    EXPECT(tj_yaml_get_int(yml, "transformer-heads", 0) == 8);
    EXPECT(tj_yaml_get_int(yml, "transformer-dim-ffn", 0) == 1536);
    EXPECT(get_is(yml, "transformer-decoder-autoreg", "rnn"));
    EXPECT(get_is(yml, "dec-cell", "ssru"));
    EXPECT(get_is(yml, "transformer-postprocess", "dan"));
    EXPECT(get_is(yml, "transformer-postprocess-top", ""));
    EXPECT(get_is(yml, "transformer-ffn-activation", "relu"));
    EXPECT(tj_yaml_get_bool(yml, "tied-embeddings-all", 0) == 1);
    EXPECT(tj_yaml_get_bool(yml, "layer-normalization", 1) == 0);
    EXPECT(seq_is(yml, "dim-vocabs", 0, "16000") && seq_is(yml, "dim-vocabs", 1, "16000"));
    EXPECT(tj_yaml_get_seq(yml, "dim-vocabs", 2, buf, sizeof buf) == 0);
    EXPECT(tj_yaml_get_seq(yml, "input-types", 0, buf, sizeof buf) == 0);
    EXPECT(get_is(yml, "version", "v1.9.56 2781d735 2024-05-12 09:38:56 +0100"));

    memset(&err, 0, sizeof err);
    if (tj_marian_open(fx(gzbin), &g, &err) == TJ_OK) {
        EXPECT(g.blob.size == f.blob.size && memcmp(g.blob.data, f.blob.data, f.blob.size) == 0);
        EXPECT(g.n_items == f.n_items);
        tj_marian_close(&g);
    } else {
        fprintf(stderr, "%s: %s\n", name, err.message);
        failures++;
    }
    tj_marian_close(&f);
}

static void test_fixtures(void)
{
    test_fixture_model("tiny-aren", "tiny-aren/model/model.aren.intgemm.alphas.bin",
                       "tiny-aren/model-gz/model.aren.intgemm.alphas.bin.gz");
    test_fixture_model("init-aren", "init-aren/model/model.aren.intgemm.alphas.bin",
                       "init-aren/model-gz/model.aren.intgemm.alphas.bin.gz");
    test_fixture_model("init-enar", "init-enar/model/model.enar.intgemm.alphas.bin",
                       "init-enar/model-gz/model.enar.intgemm.alphas.bin.gz");

    tj_marian_file f;
    tj_error err = {0};
    struct stat sb;
    if (stat(fx("tiny-aren/float/model.aren.npz"), &sb) == 0) {
        /* Marian's own float .npz (cnpy): 141 arrays, names without ".npy", the same parameters
         * as the quantised .bin of that fixture. */
        EXPECT(tj_marian_open(fx("tiny-aren/float/model.aren.npz"), &f, &err) == TJ_OK);
        if (f.n_items) {
            EXPECT(f.n_items == 141);
            const tj_item *w = tj_marian_find(&f, "Wemb");
            EXPECT(w && w->type == TJ_TYPE_FLOAT32 && w->ndim == 2 && w->shape[0] == 16000 &&
                   w->shape[1] == 256);
            const tj_item *q = tj_marian_find(&f, "encoder_l1_self_Wq");
            EXPECT(q && q->type == TJ_TYPE_FLOAT32 && q->shape[0] == 256 && q->shape[1] == 256);
            EXPECT(f.yaml && strstr(f.yaml, "dec-cell: ssru"));
            tj_marian_file b;
            if (tj_marian_open(fx("tiny-aren/model/model.aren.intgemm.alphas.bin"), &b, &err) ==
                TJ_OK) {
                size_t same = 0;
                for (size_t i = 0; i < f.n_items; i++)
                    if (tj_marian_find(&b, f.items[i].name)) same++;
                EXPECT(same == f.n_items); /* every float parameter is in the int8 model */
                tj_marian_close(&b);
            }
            tj_marian_close(&f);
        }
    }
    EXPECT(tj_marian_open(fx("README.md"), &f, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "README.md") && strstr(err.message, "text"));
    EXPECT(tj_marian_open(fx("tiny-aren/model/vocab.aren.spm"), &f, &err) == TJ_ERR_FORMAT);
    EXPECT(tj_marian_open(fx("tiny-aren/model/lex.50.50.aren.s2t.bin"), &f, &err) == TJ_ERR_FORMAT);

    /* Shortlists. */
    tj_shortlist sl, sg;
    EXPECT(tj_shortlist_open(fx("tiny-aren/model/lex.50.50.aren.s2t.bin"), 16000, 16000, &sl,
                             &err) == TJ_OK);
    EXPECT(sl.first_num == 50 && sl.best_num == 50 && sl.n_src == 16000 && sl.n_lists == 174006);
    /* Computed from the file with Python (spec §7.4 loop): source ids 1018, 1031 have the lists
     * {7481} and {1031}, id 4 has {11641}; shared copies 1018 and 1031 in. */
    const int src[] = {4, 1018, 1031, 1018, 0};
    int want_shared[56], want_sep[56];
    for (int i = 0; i < 52; i++) want_shared[i] = want_sep[i] = i;
    const int tail_shared[] = {1018, 1031, 7481, 11641}, tail_sep[] = {52, 1031, 7481, 11641};
    memcpy(want_shared + 52, tail_shared, sizeof tail_shared);
    memcpy(want_sep + 52, tail_sep, sizeof tail_sep);
    int *out;
    size_t n;
    EXPECT(tj_shortlist_generate(&sl, src, 5, 16000, 1, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want_shared, 56));
    free(out);
    EXPECT(tj_shortlist_generate(&sl, src, 5, 16000, 0, &out, &n, &err) == TJ_OK);
    EXPECT(ids_are(out, n, want_sep, 56));
    free(out);
    EXPECT(tj_shortlist_open(fx("tiny-aren/model-gz/lex.50.50.aren.s2t.bin.gz"), 16000, 16000, &sg,
                             &err) == TJ_OK);
    EXPECT(sg.n_lists == sl.n_lists &&
           memcmp(sg.ids, sl.ids, sizeof *sl.ids * (size_t)sl.n_lists) == 0);
    tj_shortlist_close(&sg);
    tj_shortlist_close(&sl);
    /* Its largest target id is 15999 and it has 16000 source lists. */
    EXPECT(tj_shortlist_open(fx("tiny-aren/model/lex.50.50.aren.s2t.bin"), 16000, 15999, &sl,
                             &err) == TJ_ERR_FORMAT);
    EXPECT(tj_shortlist_open(fx("tiny-aren/model/lex.50.50.aren.s2t.bin"), 15999, 16000, &sl,
                             &err) == TJ_ERR_FORMAT);
    EXPECT(tj_shortlist_open(fx("init-enar/model/lex.50.50.enar.s2t.bin"), 16000, 16000, &sl,
                             &err) == TJ_OK);
    EXPECT(sl.n_lists == 156675);
    tj_shortlist_close(&sl);
    EXPECT(tj_shortlist_open(fx("tiny-aren/model/model.aren.intgemm.alphas.bin"), 16000, 16000, &sl,
                             &err) == TJ_ERR_FORMAT);

    /* Model directories. */
    tj_modeldir md;
    EXPECT(tj_modeldir_scan(fx("tiny-aren/model"), &md, &err) == TJ_OK);
    EXPECT(name_is(md.model, "model.aren.intgemm.alphas.bin"));
    EXPECT(name_is(md.shortlist, "lex.50.50.aren.s2t.bin"));
    EXPECT(name_is(md.src_vocab, "vocab.aren.spm") && name_is(md.trg_vocab, "vocab.aren.spm"));
    tj_modeldir_free(&md);
    EXPECT(tj_modeldir_scan(fx("tiny-aren/model-gz"), &md, &err) == TJ_OK);
    EXPECT(name_is(md.model, "model.aren.intgemm.alphas.bin.gz"));
    EXPECT(name_is(md.shortlist, "lex.50.50.aren.s2t.bin.gz"));
    EXPECT(name_is(md.src_vocab, "vocab.aren.spm.gz"));
    tj_modeldir_free(&md);
    if (stat(fx("tiny-aren/float"), &sb) == 0) {
        EXPECT(tj_modeldir_scan(fx("tiny-aren/float"), &md, &err) == TJ_OK);
        EXPECT(name_is(md.model, "model.aren.npz") && md.shortlist == NULL);
        tj_modeldir_free(&md);
    }
    EXPECT(tj_modeldir_scan(fx("tiny-aren"), &md, &err) == TJ_ERR_NOTFOUND);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/tj_model_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_marian_synthetic();
    test_yaml();
    test_shortlist_synthetic();
    test_modeldir();
    int have_shared = find_shared();
    if (have_shared)
        test_fixtures();
    else
        printf("test_model_files: fixture checks skipped: %s/fixtures not found\n", shared);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failures) {
        fprintf(stderr, "test_model_files: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_model_files: ok%s\n", have_shared ? "" : " (without fixtures)");
    return 0;
}
