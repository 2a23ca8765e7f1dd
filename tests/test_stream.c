/* SPDX-License-Identifier: MIT */
/* tj_stream, the streaming entry point, against tj_translate on the same text with the bundled
 * starter model (models/ar-en, always in the repository): the output must not depend on how the
 * input is chunked (one byte at a time, everything at once), on the window size or on flushes;
 * stats count what was written; bad bytes name line and offset after the lines before them were
 * written; an over-long line is cut at white space; a failed write stops the stream. Also the
 * option checks of tj_translate (NaN, negative threads) and pass-through of letterless text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tarjama.h"
#include "check.h"

typedef struct buf {
    char *p;
    size_t n, cap;
    int calls, fail_after; /* fail_after > 0: the nth write fails */
} buf;

static int collect(void *user, const char *data, size_t len)
{
    buf *b = user;
    b->calls++;
    if (b->fail_after && b->calls >= b->fail_after) return -1;
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

static const char *text = "وصل الرئيس إلى القاهرة صباح اليوم. وقال إن المحادثات ستستمر.\n"
                          "\n"
                          "12345\r\n"
                          "قال المتحدث إن الاجتماع سيعقد غدا.\n"
                          "https://example.com/x\n"
                          "أعلنت الوزارة تسجيل إصابات جديدة";

/* The reference: tj_translate on the lines (a last line without '\n' gets one). */
static char *reference(const tj_model *m, const tj_options *o, const char *t)
{
    char *copy = strdup(t);
    char *lines[16];
    size_t n = 0;
    for (char *p = copy; p && *p && n < 16;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r') p[l - 1] = '\0';
        lines[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    char *outs[16];
    tj_error err;
    if (tj_translate(m, o, (const char *const *)lines, n, outs, &err) != TJ_OK) {
        printf("FAIL reference: %s\n", err.message);
        free(copy);
        return NULL;
    }
    buf b = {0};
    for (size_t i = 0; i < n; i++) {
        collect(&b, outs[i], strlen(outs[i]));
        collect(&b, "\n", 1);
        tj_free(outs[i]);
    }
    free(copy);
    return b.p;
}

static char *streamed(const tj_model *m, const tj_options *o, const tj_stream_config *cfg,
                      const char *t, size_t chunk, int flush_each, tj_stream_stats *stats)
{
    buf b = {0};
    tj_stream *s = NULL;
    tj_error err;
    if (tj_stream_open(m, o, cfg, collect, &b, &s, &err) != TJ_OK) {
        printf("FAIL open: %s\n", err.message);
        return NULL;
    }
    size_t len = strlen(t);
    for (size_t i = 0; i < len; i += chunk) {
        size_t k = len - i < chunk ? len - i : chunk;
        EXPECT(tj_stream_feed(s, t + i, k, &err) == TJ_OK);
        if (flush_each) EXPECT(tj_stream_flush(s, &err) == TJ_OK);
    }
    EXPECT(tj_stream_finish(s, &err) == TJ_OK);
    if (stats) tj_stream_get_stats(s, stats);
    tj_stream_close(s);
    if (!b.p) b.p = strdup("");
    return b.p;
}

int main(void)
{
    tj_model *m = NULL;
    tj_error err;
    if (tj_model_open("models/ar-en", &m, &err) != TJ_OK) {
        printf("skipped: models/ar-en does not open: %s\n", err.message);
        return 77;
    }
    tj_options o;
    tj_options_default(&o);

    /* Option checks. */
    const char *one[] = {"x"};
    char *out1[1];
    tj_options bad = o;
    bad.normalize = NAN;
    EXPECT(tj_translate(m, &bad, one, 1, out1, &err) == TJ_ERR_ARG);
    bad = o;
    bad.normalize = -1.0f;
    EXPECT(tj_translate(m, &bad, one, 1, out1, &err) == TJ_ERR_ARG);
    bad = o;
    bad.threads = -5;
    EXPECT(tj_translate(m, &bad, one, 1, out1, &err) == TJ_ERR_ARG);
    EXPECT(strstr(err.message, "-5") != NULL);
    bad = o;
    bad.threads = 65;
    EXPECT(tj_translate(m, &bad, one, 1, out1, &err) == TJ_ERR_ARG);
    tj_stream *s = (tj_stream *)&err;
    EXPECT(tj_stream_open(m, &bad, NULL, collect, NULL, &s, &err) == TJ_ERR_ARG && s == NULL);
    tj_stream_config tiny = {0, 10};
    EXPECT(tj_stream_open(m, &o, &tiny, collect, NULL, &s, &err) == TJ_ERR_ARG);
    EXPECT(tj_stream_open(m, &o, NULL, NULL, NULL, &s, &err) == TJ_ERR_ARG);
    EXPECT(tj_stream_open(NULL, &o, NULL, collect, NULL, &s, &err) == TJ_ERR_ARG);

    /* Pass-through: letterless texts come back unchanged. */
    const char *plain[] = {"12345",   "... !!!",         "\xf0\x9f\x98\x80",
                           "a@b.org", "www.example.com", "  2026-12-07  "};
    char *pout[6];
    for (int split = 0; split < 2; split++) {
        o.split = split ? TJ_SPLIT_LINE : TJ_SPLIT_PARAGRAPH;
        EXPECT(tj_translate(m, &o, plain, 6, pout, &err) == TJ_OK);
        for (int i = 0; i < 6; i++) {
            CHECK(strcmp(pout[i], plain[i]) == 0, "pass-through '%s' gave '%s'", plain[i], pout[i]);
            tj_free(pout[i]);
        }
    }

    /* Streamed = translated whole, however the bytes arrive. */
    for (int split = 0; split < 2; split++) {
        o.split = split ? TJ_SPLIT_LINE : TJ_SPLIT_PARAGRAPH;
        char *want = reference(m, &o, text);
        size_t chunks[] = {1, 7, 100000};
        tj_stream_config windows[] = {{0, 0}, {1, 0}, {2, 1024}};
        for (size_t c = 0; c < 3 && want; c++)
            for (size_t w = 0; w < 3; w++)
                for (int fl = 0; fl < 2; fl++) {
                    tj_stream_stats st;
                    char *got = streamed(m, &o, &windows[w], text, chunks[c], fl, &st);
                    CHECK(got && strcmp(got, want) == 0,
                          "split %d chunk %zu window %zu flush %d:\n%s\nwant\n%s", split, chunks[c],
                          windows[w].window, fl, got ? got : "(null)", want);
                    CHECK(st.lines == 6 && st.bytes == strlen(text) && st.words > 20,
                          "stats %zu lines %zu bytes %zu words", st.lines, st.bytes, st.words);
                    free(got);
                }
        free(want);
    }
    o.split = TJ_SPLIT_PARAGRAPH;

    /* Bad bytes: the lines before are written, the error names line 3 and its offset. */
    buf b = {0};
    EXPECT(tj_stream_open(m, &o, NULL, collect, &b, &s, &err) == TJ_OK);
    const char badtext[] = "12\n34\nab\xff\n";
    EXPECT(tj_stream_feed(s, badtext, sizeof badtext - 1, &err) == TJ_ERR_INPUT);
    CHECK(strcmp(err.message, "invalid UTF-8 at line 3, byte offset 8") == 0, "%s", err.message);
    CHECK(b.p && strcmp(b.p, "12\n34\n") == 0, "before the bad line: '%s'", b.p ? b.p : "");
    EXPECT(tj_stream_feed(s, "x\n", 2, &err) == TJ_ERR_ARG); /* failed streams stay failed */
    tj_stream_close(s);
    free(b.p);
    memset(&b, 0, sizeof b);
    EXPECT(tj_stream_open(m, &o, NULL, collect, &b, &s, &err) == TJ_OK);
    EXPECT(tj_stream_feed(s, "1\n2\0003\n", 6, &err) == TJ_ERR_INPUT);
    CHECK(strcmp(err.message, "NUL byte at line 2, byte offset 3") == 0, "%s", err.message);
    tj_stream_close(s);
    free(b.p);

    /* An over-long line is cut at white space: 3000 bytes of "12 " with max_line 1024 come back
     * (pass-through) as the same line; one without white space is refused. */
    char *longline = malloc(3002);
    for (int i = 0; i < 1000; i++) memcpy(longline + 3 * i, "12 ", 3);
    longline[3000] = '\n';
    longline[3001] = '\0';
    tj_stream_config small = {0, 1024};
    tj_stream_stats st;
    char *got = streamed(m, &o, &small, longline, 4096, 0, &st);
    CHECK(got && strcmp(got, longline) == 0, "long line cut and rejoined differs");
    EXPECT(st.lines == 1 && st.bytes == 3001);
    free(got);
    memset(longline, 'x', 3000);
    memset(&b, 0, sizeof b);
    EXPECT(tj_stream_open(m, &o, &small, collect, &b, &s, &err) == TJ_OK);
    EXPECT(tj_stream_feed(s, longline, 3001, &err) == TJ_ERR_INPUT);
    EXPECT(strstr(err.message, "longer than 1024 bytes") != NULL);
    tj_stream_close(s);
    free(b.p);
    free(longline);

    /* A write that fails stops the stream with TJ_ERR_IO. */
    memset(&b, 0, sizeof b);
    b.fail_after = 1;
    tj_stream_config w1 = {1, 0};
    EXPECT(tj_stream_open(m, &o, &w1, collect, &b, &s, &err) == TJ_OK);
    EXPECT(tj_stream_feed(s, "1\n2\n", 4, &err) == TJ_ERR_IO);
    tj_stream_close(s);
    free(b.p);

    tj_model_close(m);
    printf("test_stream: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
