/* SPDX-License-Identifier: MIT */
/* Unit tests of the model registry without a network: the URL allow-list, the TSV registry
 * format, model lookup and folder names, the data folder and lookup order, decompression with
 * its error cases, verification, and the built-in pins against Mozilla's LFS pointers and
 * metadata in ../shared (that part is skipped when ../shared is absent). The end-to-end download
 * paths are covered by tests/models_fetch.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "registry/fsops.h"
#include "registry/registry.h"
#include "registry/unpack.h"
#include "util/sha256.h"
#include "check.h"
#include "tmpfiles.h"

static void hex_of(const void *data, size_t n, char hex[TJ_SHA256_HEX_SIZE])
{
    unsigned char d[TJ_SHA256_SIZE];
    tj_sha256_buf(data, n, d);
    tj_sha256_hex(d, hex);
}

/* ---------------------------------------------------------------- URL allow-list */

static void test_urls(void)
{
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://media.githubusercontent.com/media/x/y/z.gz", 1},
        {"HTTPS://example.org/a", 1},
        {"http://127.0.0.1:8080/a", 1},
        {"http://127.255.3.4/a", 1},
        {"http://localhost:1234/a", 1},
        {"http://LOCALHOST/a", 1},
        {"http://[::1]:99/a", 1},
        {"http://user@127.0.0.1/a", 1},
        {"http://example.org/a", 0},
        {"http://128.0.0.1/a", 0},
        {"http://127.0.0.1.evil.com/a", 0},
        {"http://127.0.0/a", 0},
        {"http://127.0.0.256/a", 0},
        {"http://localhost.evil.com/a", 0},
        {"http://127.0.0.1@evil.com/a", 0},
        {"http://[::2]/a", 0},
        {"ftp://127.0.0.1/a", 0},
        {"file:///etc/passwd", 0},
        {"127.0.0.1/a", 0},
        {"https://", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(tj_url_allowed(cases[i].url) == cases[i].ok, "tj_url_allowed(%s) should be %d",
              cases[i].url, cases[i].ok);
}

/* ---------------------------------------------------------------- TSV registry */

static const char *H1 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char *H2 = "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210";

static tj_status load_tsv_text(const char *text, tj_registry **reg, tj_error *err)
{
    const char *p = tmp_path("reg.tsv");
    write_file(p, text, strlen(text));
    return tj_registry_load_tsv(p, reg, err);
}

static void test_tsv(void)
{
    char text[2048];
    snprintf(text, sizeof text,
             "# comment\n"
             "\n"
             "ab-cd\tmodel.abcd.bin.gz\tbase/abcd/model.abcd.bin.gz\t100\t%s\t250\t%s\n"
             "ab-cd  vocab.abcd.spm.gz  https://example.org/v.gz  20  %s\r\n"
             "ab-cd:big\tmodel.abcd.bin.gz\tbig/model.abcd.bin.gz\t300\t%s\t-\t-\n"
             "cd-ab:small\tlex.bin\tlex.bin\t7\t%s\n"
             "ab-cd\tlex.abcd.bin\tlex.abcd.bin\t5\t%s\n",
             H1, H2, H1, H1, H1, H1);
    tj_registry *reg = NULL;
    tj_error err;
    tj_status st = load_tsv_text(text, &reg, &err);
    CHECK(st == TJ_OK, "valid TSV rejected: %s", err.message);
    if (st != TJ_OK) return;
    CHECK(reg->n_models == 3, "expected 3 models, got %zu", reg->n_models);
    const tj_reg_model *m = NULL;
    CHECK(tj_registry_find(reg, "ab-cd", &m, &err) == TJ_OK, "find ab-cd: %s", err.message);
    if (m) {
        CHECK(!strcmp(m->variant, "default") && m->is_default, "ab-cd default variant");
        CHECK(!strcmp(m->dir, "ab-cd"), "ab-cd folder is %s", m->dir);
        CHECK(m->n_files == 3, "ab-cd has %zu files, expected 3 (lines need not be adjacent)",
              m->n_files);
        CHECK(m->files[0].size == 100 && m->files[0].raw_size == 250, "sizes of file 0");
        CHECK(!strcmp(m->files[0].raw_sha256, "fedcba9876543210fedcba9876543210fedcba9876543210f"
                                              "edcba9876543210"),
              "raw sha256 is lowercased: %s", m->files[0].raw_sha256);
        CHECK(m->files[1].raw_sha256 == NULL && m->files[1].raw_size == 0, "5-field line unpinned");
        CHECK(!strcmp(m->files[1].url, "https://example.org/v.gz"), "url kept");
        CHECK(!strcmp(m->files[2].name, "lex.abcd.bin"), "third file is the last line");
        uint64_t pub, raw;
        tj_reg_model_sizes(m, &pub, &raw);
        CHECK(pub == 125 && raw == 0, "sizes %llu %llu", (unsigned long long)pub,
              (unsigned long long)raw);
    }
    CHECK(tj_registry_find(reg, "ab-cd:big", &m, &err) == TJ_OK && m && !m->is_default &&
              !strcmp(m->dir, "ab-cd.big"),
          "ab-cd:big");
    CHECK(tj_registry_find(reg, "ab-cd:default", &m, &err) == TJ_OK && m && m->is_default,
          "explicit default variant");
    /* A pair whose only variant is named is still found by its bare name. */
    CHECK(tj_registry_find(reg, "cd-ab", &m, &err) == TJ_OK && m && !strcmp(m->dir, "cd-ab"),
          "cd-ab by its first variant");
    CHECK(tj_registry_find(reg, "ab-cd:huge", &m, &err) == TJ_ERR_NOTFOUND &&
              strstr(err.message, "no variant 'huge'") && strstr(err.message, "big"),
          "unknown variant message: %s", err.message);
    CHECK(tj_registry_find(reg, "zz-zz", &m, &err) == TJ_ERR_NOTFOUND &&
              strstr(err.message, "unknown model 'zz-zz'") && strstr(err.message, "ab-cd"),
          "unknown pair message: %s", err.message);

    char name[64];
    CHECK(tj_models_dir_name(reg, "ab-cd:big", name, sizeof name, &err) == TJ_OK &&
              !strcmp(name, "ab-cd.big"),
          "dir name of ab-cd:big");
    CHECK(tj_models_dir_name(reg, "my-model", name, sizeof name, &err) == TJ_OK &&
              !strcmp(name, "my-model"),
          "a folder name unknown to the registry is used as is");
    CHECK(tj_models_dir_name(reg, "my-model:x", name, sizeof name, &err) != TJ_OK,
          "a variant of an unknown model is an error");
    CHECK(tj_models_dir_name(reg, "../etc", name, sizeof name, &err) == TJ_ERR_ARG,
          "path traversal rejected");
    CHECK(tj_models_dir_name(reg, "a/b", name, sizeof name, &err) == TJ_ERR_ARG, "slash rejected");
    tj_registry_free(reg);

    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"ab-cd\tf.gz\tu\t10\n", "expected 5 or 7 fields"},
        {"ab-cd\tf.gz\tu\t10\t%s\t5\n", "expected 5 or 7 fields"},
        {"ab-cd\tf.gz\tu\tten\t%s\n", "bad size"},
        {"ab-cd\tf.gz\tu\t-1\t%s\n", "bad size"},
        {"ab-cd\tf.gz\tu\t10\t%.63s\n", "bad sha256"},
        {"ab-cd\tf.gz\tu\t10\t%s\t5\tnothex\n", "bad raw sha256"},
        {"ab-cd\t../f.gz\tu\t10\t%s\n", "bad file name"},
        {"ab/cd\tf.gz\tu\t10\t%s\n", "bad model name"},
        {"ab-cd\tf.gz\tu\t10\t%s\nab-cd\tf.gz\tv\t10\t%s\n", "twice"},
        {"# only a comment\n", "no models"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, bad[i].line, H1, H1);
        st = load_tsv_text(text, &reg, &err);
        CHECK(st == TJ_ERR_FORMAT && strstr(err.message, bad[i].msg),
              "bad TSV %zu: status %d, message '%s', expected '%s'", i, st, st ? err.message : "",
              bad[i].msg);
        if (st == TJ_OK) tj_registry_free(reg);
    }
    st = tj_registry_load_tsv(tmp_path("missing.tsv"), &reg, &err);
    CHECK(st == TJ_ERR_IO && strstr(err.message, "missing.tsv"), "missing TSV: %s", err.message);
}

/* ---------------------------------------------------------------- built-in registry */

static void test_builtin(void)
{
    tj_registry *reg = NULL;
    tj_error err;
    CHECK(tj_registry_builtin(&reg, &err) == TJ_OK, "builtin");
    if (!reg) return;
    const tj_reg_model *m = NULL;
    CHECK(tj_registry_find(reg, "ar-en", &m, &err) == TJ_OK && m &&
              !strcmp(m->variant, "base-memory") && !strcmp(m->dir, "ar-en"),
          "ar-en is base-memory in folder ar-en");
    CHECK(tj_registry_find(reg, "en-ar:base", &m, &err) == TJ_OK && m &&
              !strcmp(m->dir, "en-ar.base"),
          "en-ar:base folder");
    for (size_t i = 0; i < reg->n_models; i++) {
        const tj_reg_model *r = &reg->models[i];
        CHECK(r->n_files == 3, "%s:%s has %zu files", r->pair, r->variant, r->n_files);
        for (size_t j = 0; j < r->n_files; j++) {
            const tj_reg_file *f = &r->files[j];
            char url[512];
            snprintf(url, sizeof url, "%s/%s", reg->base_url, f->url);
            CHECK(tj_url_allowed(url), "built-in URL not allowed: %s", url);
            CHECK(tj_sha256_is_hex(f->sha256), "bad pin %s", f->name);
            CHECK(strstr(f->url, r->variant) == f->url, "%s not under %s/", f->url, r->variant);
        }
    }
    tj_registry_free(reg);
}

/* Compares the built-in pins with Mozilla's LFS pointers and metadata.json files. */
static void test_builtin_against_shared(void)
{
    const char *shared = getenv("TJ_SHARED");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/models/mozilla-bergamot-aren-enar-NO-WEIGHTS",
             shared && *shared ? shared : "../shared");
    char ptrs[1100];
    snprintf(ptrs, sizeof ptrs, "%s/lfs-pointers.txt", dir);
    FILE *f = fopen(ptrs, "r");
    if (!f) {
        printf("skipped: ../shared not found (built-in pins not compared with %s)\n", ptrs);
        return;
    }
    tj_registry *reg = NULL;
    tj_error err;
    if (tj_registry_builtin(&reg, &err) != TJ_OK) return;
    /* Pointer records: "### COMMIT:models/VARIANT/XXYY/NAME", then oid and size lines. */
    char line[512], variant[64] = "", xxyy[16] = "", name[128] = "", oid[80] = "";
    size_t matched = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long size;
        if (sscanf(line, "### %*40[0-9a-f]:models/%63[^/]/%15[^/]/%127s", variant, xxyy, name) ==
            3) {
            oid[0] = '\0';
        } else if (sscanf(line, "oid sha256:%64s", oid) == 1) {
        } else if (sscanf(line, "size %llu", &size) == 1 && strstr(line, "size ") == line) {
            if (strcmp(variant, "base-memory") != 0 && strcmp(variant, "base") != 0) continue;
            /* Sized for the longest variant sscanf can store (63 bytes), so that the compiler
             * can see the name is never cut (a Debug build checks -Wformat-truncation). */
            char spec[2 + 1 + 2 + 1 + sizeof variant];
            snprintf(spec, sizeof spec, "%.2s-%.2s:%s", xxyy, xxyy + 2, variant);
            const tj_reg_model *m = NULL;
            CHECK(tj_registry_find(reg, spec, &m, &err) == TJ_OK, "no built-in model %s", spec);
            for (size_t i = 0; m && i < m->n_files; i++) {
                if (strcmp(m->files[i].name, name) != 0) continue;
                CHECK(m->files[i].size == size, "%s %s: size %llu, pointer says %llu", spec, name,
                      (unsigned long long)m->files[i].size, size);
                CHECK(!strcmp(m->files[i].sha256, oid), "%s %s: sha256 differs from the pointer",
                      spec, name);
                matched++;
            }
        }
    }
    fclose(f);
    CHECK(matched == 12, "matched %zu of 12 published files with their LFS pointers", matched);

    /* metadata.json: "byteSize" and "hash" of the uncompressed model .bin. */
    static const char *variants[] = {"base-memory", "base"}, *pairs[] = {"aren", "enar"};
    size_t models_checked = 0;
    for (int v = 0; v < 2; v++)
        for (int p = 0; p < 2; p++) {
            char path[1200], text[4096];
            snprintf(path, sizeof path, "%s/metadata/%s.%s.metadata.json", dir, pairs[p],
                     variants[v]);
            FILE *mf = fopen(path, "r");
            if (!mf) {
                CHECK(0, "cannot open %s", path);
                continue;
            }
            size_t n = fread(text, 1, sizeof text - 1, mf);
            fclose(mf);
            text[n] = '\0';
            unsigned long long byte_size = 0;
            char hash[80] = "";
            const char *bs = strstr(text, "\"byteSize\":"), *hs = strstr(text, "\"hash\": \"");
            if (bs) sscanf(bs, "\"byteSize\": %llu", &byte_size);
            if (hs) sscanf(hs, "\"hash\": \"%64[0-9a-f]", hash);
            char spec[64];
            snprintf(spec, sizeof spec, "%.2s-%.2s:%s", pairs[p], pairs[p] + 2, variants[v]);
            const tj_reg_model *m = NULL;
            if (tj_registry_find(reg, spec, &m, &err) != TJ_OK) continue;
            const tj_reg_file *model_file = &m->files[0];
            CHECK(strncmp(model_file->name, "model.", 6) == 0, "%s: first file is the model", spec);
            CHECK(model_file->raw_size == byte_size && byte_size > 0,
                  "%s: raw size %llu, metadata says %llu", spec,
                  (unsigned long long)model_file->raw_size, byte_size);
            CHECK(model_file->raw_sha256 && !strcmp(model_file->raw_sha256, hash),
                  "%s: raw sha256 differs from metadata", spec);
            models_checked++;
        }
    CHECK(models_checked == 4, "checked %zu of 4 metadata files", models_checked);
    tj_registry_free(reg);
}

/* ---------------------------------------------------------------- unpack */

static size_t make_payload(unsigned char *buf, size_t n)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)((i % 7 == 0) ? (x >> 24) : 'a' + i % 13);
    }
    return n;
}

/* Writes data as a gzip member onto f. */
static void gz_member(FILE *f, const unsigned char *data, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, (uLong)n);
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    fwrite(out, 1, cap - z.avail_out, f);
    deflateEnd(&z);
    free(out);
}

static void test_unpack(void)
{
    enum { N = 400000 };
    unsigned char *data = malloc(N);
    make_payload(data, N);
    char want[TJ_SHA256_HEX_SIZE], got[TJ_SHA256_HEX_SIZE];
    hex_of(data, N, want);
    uint64_t size = 0;
    tj_error err;

    /* gzip, two members (as `cat a.gz b.gz` makes): the output is their concatenation. */
    const char *gz = tmp_path("data.gz"), *out = tmp_path("out.bin");
    FILE *f = fopen(gz, "wb");
    gz_member(f, data, N / 2);
    gz_member(f, data + N / 2, N - N / 2);
    fclose(f);
    tj_status st = tj_unpack(gz, TJ_CODEC_GZIP, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_OK && size == N && !strcmp(got, want), "gunzip: %s", st ? err.message : got);
    uint64_t fsize;
    char fhex[TJ_SHA256_HEX_SIZE];
    CHECK(tj_fs_hash_file(out, &fsize, fhex, &err) == TJ_OK && fsize == N && !strcmp(fhex, want),
          "unpacked file on disk differs");

    /* The size limit protects against files that inflate beyond their pin. */
    st = tj_unpack(gz, TJ_CODEC_GZIP, out, N - 1, &size, got, &err);
    CHECK(st == TJ_ERR_CHECKSUM && access(out, F_OK) != 0, "size limit: %d", st);

    /* Truncated gzip. */
    struct stat sb;
    stat(gz, &sb);
    CHECK(truncate(gz, sb.st_size - 100) == 0, "truncate");
    st = tj_unpack(gz, TJ_CODEC_GZIP, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_ERR_FORMAT && strstr(err.message, "truncated gzip"), "truncated gzip: %s",
          err.message);
    CHECK(access(out, F_OK) != 0, "output removed after a failure");

    /* Not gzip at all. */
    write_file(gz, "hello", 5);
    st = tj_unpack(gz, TJ_CODEC_GZIP, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_ERR_FORMAT && strstr(err.message, "not a gzip"), "not gzip: %s", err.message);

    /* Trailing garbage after a valid member. */
    f = fopen(gz, "wb");
    gz_member(f, data, 1000);
    fputs("junk", f);
    fclose(f);
    st = tj_unpack(gz, TJ_CODEC_GZIP, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_ERR_FORMAT && strstr(err.message, "trailing garbage"), "garbage: %s",
          err.message);

    /* zstd, whole and truncated. */
    size_t cap = ZSTD_compressBound(N);
    unsigned char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, data, N, 3);
    const char *zst = tmp_path("data.zst");
    write_file(zst, z, zn);
    st = tj_unpack(zst, TJ_CODEC_ZSTD, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_OK && size == N && !strcmp(got, want), "unzstd: %s", st ? err.message : got);
    write_file(zst, z, zn - 10);
    st = tj_unpack(zst, TJ_CODEC_ZSTD, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_ERR_FORMAT && strstr(err.message, "truncated zstd"), "truncated zstd: %s",
          err.message);
    free(z);

    /* Plain copy. */
    const char *plain = tmp_path("plain.bin");
    write_file(plain, data, 1234);
    hex_of(data, 1234, want);
    st = tj_unpack(plain, TJ_CODEC_NONE, out, UINT64_MAX, &size, got, &err);
    CHECK(st == TJ_OK && size == 1234 && !strcmp(got, want), "copy");

    CHECK(tj_codec_from_name("a.gz") == TJ_CODEC_GZIP &&
              tj_codec_from_name("a.zst") == TJ_CODEC_ZSTD &&
              tj_codec_from_name("a.bin") == TJ_CODEC_NONE &&
              tj_codec_from_name(".gz") == TJ_CODEC_NONE,
          "codec from name");
    free(data);
}

/* ---------------------------------------------------------------- locations and verify */

static void test_locations(void)
{
    tj_error err;
    char *dir = NULL;
    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    CHECK(tj_models_data_dir(&dir, &err) == TJ_OK && !strcmp(dir, "/xdg/data/tarjama/models"),
          "XDG_DATA_HOME: %s", dir ? dir : err.message);
    free(dir);
    setenv("XDG_DATA_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/u", 1);
    CHECK(tj_models_data_dir(&dir, &err) == TJ_OK &&
              !strcmp(dir, "/home/u/.local/share/tarjama/models"),
          "relative XDG_DATA_HOME ignored: %s", dir ? dir : err.message);
    free(dir);

    /* Lookup order: TARJAMA_MODELS, then the data folder. */
    char xdg[512], alt[512], a[600], b[600];
    snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
    snprintf(alt, sizeof alt, "%s/alt", tmpdir);
    snprintf(a, sizeof a, "%s/tarjama/models/ar-en.base", xdg);
    snprintf(b, sizeof b, "%s/ar-en.base", alt);
    setenv("XDG_DATA_HOME", xdg, 1);
    unsetenv("TARJAMA_REGISTRY");
    unsetenv("TARJAMA_MODELS");
    setenv("TARJAMA_BUNDLED_MODELS", "", 1); /* the starter models must not answer */
    CHECK(tj_models_find("ar-en:base", &dir, &err) == TJ_ERR_NOTFOUND &&
              strstr(err.message, "not installed") && strstr(err.message, "models fetch"),
          "missing model: %s", err.message);
    CHECK(tj_fs_mkdir_p(a, &err) == TJ_OK, "mkdir %s", err.message);
    CHECK(tj_models_find("ar-en:base", &dir, &err) == TJ_OK && !strcmp(dir, a), "find in XDG");
    free(dir);
    CHECK(tj_fs_mkdir_p(b, &err) == TJ_OK, "mkdir %s", err.message);
    setenv("TARJAMA_MODELS", alt, 1);
    CHECK(tj_models_find("ar-en:base", &dir, &err) == TJ_OK && !strcmp(dir, b),
          "TARJAMA_MODELS first");
    free(dir);
    CHECK(tj_models_find("ar-en:nope", &dir, &err) == TJ_ERR_NOTFOUND, "unknown variant");
    CHECK(tj_models_find("../x", &dir, &err) == TJ_ERR_ARG, "bad name");
    unsetenv("TARJAMA_MODELS");
    /* The bundled starter models answer last, from $TARJAMA_BUNDLED_MODELS when it is set. */
    char bundled[512], c[600];
    snprintf(bundled, sizeof bundled, "%s/bundled", tmpdir);
    snprintf(c, sizeof c, "%s/ar-en", bundled);
    CHECK(tj_fs_mkdir_p(c, &err) == TJ_OK, "mkdir %s", err.message);
    setenv("TARJAMA_BUNDLED_MODELS", bundled, 1);
    CHECK(tj_models_find("ar-en", &dir, &err) == TJ_OK && !strcmp(dir, c), "bundled: %s",
          dir ? dir : err.message);
    free(dir);
    char d2[600];
    snprintf(d2, sizeof d2, "%s/tarjama/models/ar-en", xdg);
    CHECK(tj_fs_mkdir_p(d2, &err) == TJ_OK, "mkdir %s", err.message);
    CHECK(tj_models_find("ar-en", &dir, &err) == TJ_OK && !strcmp(dir, d2),
          "an installed model before the bundled one");
    free(dir);
    CHECK(rmdir(d2) == 0, "rmdir %s", d2);
    setenv("TARJAMA_BUNDLED_MODELS", "", 1);
    CHECK(tj_models_find("ar-en", &dir, &err) == TJ_ERR_NOTFOUND, "empty: no bundled models");

    /* Installed list and removal. */
    char store[600];
    snprintf(store, sizeof store, "%s/tarjama/models", xdg);
    char hidden[700];
    snprintf(hidden, sizeof hidden, "%s/.ar-en.base.partial", store);
    CHECK(tj_fs_mkdir_p(hidden, &err) == TJ_OK, "mkdir partial");
    char **names;
    size_t n;
    CHECK(tj_models_installed(store, &names, &n, &err) == TJ_OK && n == 1 &&
              !strcmp(names[0], "ar-en.base"),
          "installed list hides partial folders");
    tj_models_names_free(names, n);
    int removed = 0;
    CHECK(tj_models_remove(store, "ar-en.base", &removed, &err) == TJ_OK &&
              removed == (TJ_MODELS_REMOVED_MODEL | TJ_MODELS_REMOVED_PARTIAL) &&
              !tj_fs_exists(a) && !tj_fs_exists(hidden),
          "remove: %d", removed);
    CHECK(tj_models_remove(store, "ar-en.base", &removed, &err) == TJ_OK && !removed,
          "remove again");
    /* Only a partial download: that is all remove may claim. */
    CHECK(tj_fs_mkdir_p(hidden, &err) == TJ_OK, "mkdir partial");
    CHECK(tj_models_remove(store, "ar-en.base", &removed, &err) == TJ_OK &&
              removed == TJ_MODELS_REMOVED_PARTIAL && !tj_fs_exists(hidden),
          "remove of a partial download only: %d", removed);
    /* A name the registry does not know: unknown, with the known ones, and no fetch advice. */
    CHECK(tj_models_find("bogus", &dir, &err) == TJ_ERR_NOTFOUND &&
              strstr(err.message, "unknown model 'bogus'") && strstr(err.message, "ar-en, en-ar") &&
              !strstr(err.message, "models fetch"),
          "unknown model: %s", err.message);
}

static void test_verify(void)
{
    tj_error err;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/installed", tmpdir);
    tj_fs_mkdir_p(dir, &err);
    char hx[TJ_SHA256_HEX_SIZE], manifest[256];
    hex_of("hello\n", 6, hx);
    char p[700];
    snprintf(p, sizeof p, "%s/a.bin", dir);
    write_file(p, "hello\n", 6);
    snprintf(p, sizeof p, "%s/SHA256SUMS", dir);
    snprintf(manifest, sizeof manifest, "%s  a.bin\n", hx);
    write_file(p, manifest, strlen(manifest));
    CHECK(tj_models_verify(NULL, dir, NULL, NULL, &err) == TJ_OK, "verify: %s", err.message);

    /* A registry pin is checked too, and wins over the manifest. */
    static char pin[TJ_SHA256_HEX_SIZE];
    hex_of("other\n", 6, pin);
    tj_reg_file file = {"a.bin.gz", "a.bin.gz", 1, pin, 6, pin};
    tj_reg_model model = {"x-y", "default", "x-y", 1, "", &file, 1};
    CHECK(tj_models_verify(&model, dir, NULL, NULL, &err) == TJ_ERR_CHECKSUM &&
              strstr(err.message, "1 of 1"),
          "pinned digest mismatch: %s", err.message);

    snprintf(p, sizeof p, "%s/a.bin", dir);
    write_file(p, "hellO\n", 6);
    CHECK(tj_models_verify(NULL, dir, NULL, NULL, &err) == TJ_ERR_CHECKSUM, "tampered file");
    unlink(p);
    CHECK(tj_models_verify(NULL, dir, NULL, NULL, &err) == TJ_ERR_NOTFOUND, "missing file");
    snprintf(p, sizeof p, "%s/SHA256SUMS", dir);
    write_file(p, "zz  a.bin\n", 10);
    CHECK(tj_models_verify(NULL, dir, NULL, NULL, &err) == TJ_ERR_FORMAT &&
              strstr(err.message, "malformed"),
          "malformed manifest: %s", err.message);
    unlink(p);
    CHECK(tj_models_verify(NULL, dir, NULL, NULL, &err) == TJ_ERR_NOTFOUND, "no manifest");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/tj-test-fetch.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_urls();
    test_tsv();
    test_builtin();
    test_builtin_against_shared();
    test_unpack();
    test_locations();
    test_verify();
    tj_error err;
    tj_fs_rm_rf(tmpdir, &err);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_fetch: all checks passed\n");
    return 0;
}
