/* SPDX-License-Identifier: MIT */
/* The .npz reader (src/model/npz.c) on archives built here byte by byte: stored and deflated
 * entries, ZIP64 size fields, and each way such a file can be broken. The fixture's real float
 * model (written by Marian) is checked in test_model_files.c and by the float parity case. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "model/marian_bin.h"

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) exit(2);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put16(buf *b, uint32_t v)
{
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, c, 2);
}

static void put32(buf *b, uint32_t v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

static void put64(buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

/* One .npy file: version 1 header padded to 64 bytes, then the data. */
static buf npy(const char *descr, const char *shape, const char *order, const void *data, size_t n)
{
    buf b = {0};
    char h[128];
    int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                      order, shape);
    while ((10 + hl + 1) % 64) h[hl++] = ' ';
    h[hl++] = '\n';
    put(&b, "\x93NUMPY\x01\x00", 8);
    put16(&b, (uint32_t)hl);
    put(&b, h, (size_t)hl);
    put(&b, data, n);
    return b;
}

typedef struct member {
    const char *name;
    buf data;
    int deflate; /* method 8 instead of 0 */
    int zip64;   /* sizes and offset through the ZIP64 extra field */
} member;

/* A ZIP archive of the members, as numpy or cnpy write one. */
static buf zip(member *m, int n)
{
    buf z = {0};
    uint64_t *local = calloc((size_t)n, sizeof *local), *csize = calloc((size_t)n, 8);
    uint32_t *crc = calloc((size_t)n, 4);
    buf *comp = calloc((size_t)n, sizeof *comp);
    for (int i = 0; i < n; i++) {
        crc[i] = (uint32_t)crc32(0, m[i].data.p, (uInt)m[i].data.n);
        if (m[i].deflate) {
            z_stream s = {0};
            deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
            comp[i].cap = deflateBound(&s, (uLong)m[i].data.n);
            comp[i].p = malloc(comp[i].cap);
            s.next_in = m[i].data.p, s.avail_in = (uInt)m[i].data.n;
            s.next_out = comp[i].p, s.avail_out = (uInt)comp[i].cap;
            deflate(&s, Z_FINISH);
            comp[i].n = s.total_out;
            deflateEnd(&s);
        } else {
            put(&comp[i], m[i].data.p, m[i].data.n);
        }
        csize[i] = comp[i].n;
        local[i] = z.n;
        put32(&z, 0x04034b50);
        put16(&z, 20), put16(&z, 0), put16(&z, m[i].deflate ? 8 : 0), put16(&z, 0), put16(&z, 0);
        put32(&z, crc[i]), put32(&z, (uint32_t)csize[i]), put32(&z, (uint32_t)m[i].data.n);
        put16(&z, (uint32_t)strlen(m[i].name)), put16(&z, 0);
        put(&z, m[i].name, strlen(m[i].name));
        put(&z, comp[i].p, comp[i].n);
    }
    size_t cd = z.n;
    for (int i = 0; i < n; i++) {
        int x = m[i].zip64;
        put32(&z, 0x02014b50);
        put16(&z, 45), put16(&z, 20), put16(&z, 0), put16(&z, m[i].deflate ? 8 : 0);
        put16(&z, 0), put16(&z, 0), put32(&z, crc[i]);
        put32(&z, x ? 0xffffffffu : (uint32_t)csize[i]);
        put32(&z, x ? 0xffffffffu : (uint32_t)m[i].data.n);
        put16(&z, (uint32_t)strlen(m[i].name)), put16(&z, x ? 28 : 0), put16(&z, 0);
        put16(&z, 0), put16(&z, 0), put32(&z, 0);
        put32(&z, x ? 0xffffffffu : (uint32_t)local[i]);
        put(&z, m[i].name, strlen(m[i].name));
        if (x)
            put16(&z, 1), put16(&z, 24), put64(&z, m[i].data.n), put64(&z, csize[i]),
                put64(&z, local[i]);
    }
    size_t cdlen = z.n - cd;
    put32(&z, 0x06054b50);
    put16(&z, 0), put16(&z, 0), put16(&z, (uint32_t)n), put16(&z, (uint32_t)n);
    put32(&z, (uint32_t)cdlen), put32(&z, (uint32_t)cd), put16(&z, 0);
    for (int i = 0; i < n; i++) free(comp[i].p);
    free(comp), free(local), free(csize), free(crc);
    return z;
}

static char dir[] = "/tmp/tj_npz_XXXXXX";

static tj_status open_buf(const buf *z, tj_marian_file *f, tj_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "%s/m.npz", dir);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(z->p, 1, z->n, fp) != z->n || fclose(fp)) exit(2);
    memset(err, 0, sizeof *err);
    return tj_marian_open(path, f, err);
}

static const float W[6] = {1.5f, -2.25f, 3.0f, 0.125f, -0.5f, 1e-3f};
static const char YML[] = "type: transformer\ndim-emb: 256\n";

/* The three members of a small model: a 2x3 float matrix, a bias, the YAML. */
static void model(member *m, int deflate, int zip64)
{
    m[0] = (member){"Wemb.npy", npy("<f4", "(2, 3)", "False", W, sizeof W), deflate, zip64};
    m[1] = (member){"b.npy", npy("<f4", "(1, 2)", "False", W, 8), 0, 0};
    m[2] = (member){"special:model.yml.npy", npy("|i1", "(31,)", "False", YML, 31), deflate, 0};
}

static void free_members(member *m, int n)
{
    for (int i = 0; i < n; i++) free(m[i].data.p);
}

static void check_model(const tj_marian_file *f)
{
    CHECK(f->n_items == 3, "items %zu", f->n_items);
    const tj_item *w = tj_marian_find(f, "Wemb"), *b = tj_marian_find(f, "b");
    CHECK(w && w->type == TJ_TYPE_FLOAT32 && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3 &&
              w->elements == 6,
          "Wemb item");
    CHECK(w && memcmp(w->data, W, sizeof W) == 0 && (uintptr_t)w->data % 4 == 0, "Wemb data");
    CHECK(b && b->elements == 2 && memcmp(b->data, W, 8) == 0, "bias item");
    CHECK(f->yaml && strcmp(f->yaml, YML) == 0, "yaml '%s'", f->yaml ? f->yaml : "(null)");
}

static void test_good(void)
{
    for (int variant = 0; variant < 3; variant++) {
        member m[3];
        model(m, variant >= 1, variant == 2);
        buf z = zip(m, 3);
        tj_marian_file f;
        tj_error err;
        tj_status st = open_buf(&z, &f, &err);
        CHECK(st == TJ_OK, "variant %d: %s", variant, err.message);
        if (st == TJ_OK) check_model(&f), tj_marian_close(&f);
        free(z.p);
        free_members(m, 3);
    }
}

/* Builds the model, lets `mutate` damage the archive or a member, expects code and text. */
static void expect(const char *what, void (*mutate)(member *, buf *, int), int stage,
                   tj_status code, const char *text)
{
    member m[3];
    model(m, 1, 0);
    if (stage == 0) mutate(m, NULL, 0);
    buf z = zip(m, 3);
    if (stage == 1) mutate(m, &z, 1);
    tj_marian_file f;
    tj_error err;
    tj_status st = open_buf(&z, &f, &err);
    CHECK(st == code && strstr(err.message, text), "%s: got %d '%s', want %d '%s'", what, (int)st,
          err.message, (int)code, text);
    if (st == TJ_OK) tj_marian_close(&f);
    free(z.p);
    free_members(m, 3);
}

static void m_half(member *m, buf *z, int s)
{
    (void)z, (void)s;
    free(m[1].data.p);
    m[1].data = npy("<f2", "(1, 2)", "False", W, 4);
}
static void m_fortran(member *m, buf *z, int s)
{
    (void)z, (void)s;
    free(m[0].data.p);
    m[0].data = npy("<f4", "(2, 3)", "True", W, sizeof W);
}
static void m_short(member *m, buf *z, int s)
{
    (void)z, (void)s;
    free(m[0].data.p);
    m[0].data = npy("<f4", "(2, 4)", "False", W, sizeof W);
}
static void m_notnpy(member *m, buf *z, int s)
{
    (void)z, (void)s;
    m[1].data.p[0] = 'X';
}
static void m_truncate(member *m, buf *z, int s)
{
    (void)m, (void)s;
    z->n /= 2;
}
static void m_flip(member *m, buf *z, int s)
{
    (void)m, (void)s;
    z->p[80] ^= 0x55; /* inside the first (deflated) member */
}
static void m_stored_flip(member *m, buf *z, int s)
{
    (void)s;
    /* The bias member is stored: flip a data byte, only the CRC can notice. */
    size_t off = 0;
    for (size_t i = 0; i + 5 < z->n; i++)
        if (memcmp(z->p + i, "b.npy", 5) == 0) {
            off = i + 5 + m[1].data.n - 1;
            break;
        }
    z->p[off] ^= 1;
}
static void m_count(member *m, buf *z, int s)
{
    (void)m, (void)s;
    z->p[z->n - 12] = 0xff, z->p[z->n - 11] = 0x7f; /* entries on this disk / total: huge */
    z->p[z->n - 14] = 0xff, z->p[z->n - 13] = 0x7f;
}

static void test_bad(void)
{
    expect("float16", m_half, 0, TJ_ERR_UNSUPPORTED, "dtype '<f2'");
    expect("fortran order", m_fortran, 0, TJ_ERR_UNSUPPORTED, "Fortran");
    expect("data shorter than shape", m_short, 0, TJ_ERR_FORMAT, "shape needs");
    expect("not a .npy member", m_notnpy, 0, TJ_ERR_FORMAT, "not a .npy");
    expect("truncated archive", m_truncate, 1, TJ_ERR_FORMAT, ".npz");
    expect("corrupt deflate data", m_flip, 1, TJ_ERR_FORMAT, "corrupt .npz");
    expect("flipped stored byte", m_stored_flip, 1, TJ_ERR_FORMAT, "CRC mismatch");
    expect("impossible entry count", m_count, 1, TJ_ERR_FORMAT, "entry count");

    buf junk = {0};
    put(&junk, "PK\x03\x04\x14\0\0\0\0\0junkjunkjunk", 22);
    tj_marian_file f;
    tj_error err;
    CHECK(open_buf(&junk, &f, &err) == TJ_ERR_FORMAT && strstr(err.message, ".npz"), "junk: %s",
          err.message);
    free(junk.p);
}

int main(void)
{
    if (!mkdtemp(dir)) return 2;
    test_good();
    test_bad();
    char path[64];
    snprintf(path, sizeof path, "%s/m.npz", dir);
    remove(path);
    rmdir(dir);
    if (failures)
        printf("%d check(s) failed\n", failures);
    else
        printf("test_npz: all checks passed\n");
    return failures != 0;
}
