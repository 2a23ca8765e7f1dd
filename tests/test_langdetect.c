/* SPDX-License-Identifier: MIT */
/* tj_detect_language on hand-made lines; letter counts are given in the comments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tarjama.h"

static int failures, checks;

static void expect(const char *text, tj_lang want, double want_conf, int line)
{
    float conf = -1.0f;
    tj_lang got = tj_detect_language(text, strlen(text), &conf);
    checks++;
    if (got != want || fabs(conf - want_conf) > 1e-6) {
        failures++;
        fprintf(stderr, "%s:%d: got %s (%.4f), want %s (%.4f)\n", __FILE__, line, tj_lang_code(got),
                conf, tj_lang_code(want), want_conf);
    }
}
#define EXPECT(text, lang, conf) expect((text), (lang), (conf), __LINE__)

#define MARHABA "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7" /* مرحبا: 5 letters */
#define HAH "\xd8\xad"                                     /* ح */

/* ---------------------------------------------------------------- the detect command */

static char tmpdir[] = "/tmp/tj_test_detect_XXXXXX";

static void write_file(const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static void cli_case(const char *bin, const char *args, int want_rc, const char *want_out, int line)
{
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>/dev/null", tmpdir, bin, args);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    int st = p ? pclose(p) : -1;
    int rc = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    checks++;
    if (rc != want_rc || strcmp(out, want_out)) {
        failures++;
        fprintf(stderr, "%s:%d: tarjama %s: exit %d (want %d), output:\n%s---want:\n%s---\n",
                __FILE__, line, args, rc, want_rc, out, want_out);
    }
}
#define CLI(args, rc, out) cli_case(bin, (args), (rc), (out), __LINE__)

static void test_cli(void)
{
    const char *bin = getenv("TJ_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        test_cli();

        printf("test_langdetect: TJ_BIN not set or not executable, command checks skipped\n");
        return;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        failures++;
        return;
    }
    /* CRLF, an empty line and a last line without newline. */
    static const char a[] = "Hello\r\n" MARHABA "\n\n123 !\nHello " MARHABA;
    write_file("a", a, sizeof a - 1);
    write_file("b", "x\n", 2);
    write_file("bad", "ok\n\xff\n", 5);
    write_file("empty", "", 0);
    CLI("detect a", 0, "en\nar\nunknown\nunknown\nmixed\n");
    CLI("detect --confidence < a", 0,
        "en\t1.000\nar\t1.000\nunknown\t0.000\nunknown\t0.000\nmixed\t0.500\n");
    CLI("detect a b", 0, "en\nar\nunknown\nunknown\nmixed\nen\n");
    CLI("detect empty", 0, "");
    CLI("detect --bogus a", 2, "");
    CLI("detect bad", 1, "en\n"); /* streams: the line before the bad one is answered */
    CLI("detect no-such-file", 1, "");

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
    EXPECT("Hello world", TJ_LANG_EN, 1.0);
    EXPECT(MARHABA " " MARHABA, TJ_LANG_AR, 1.0);
    EXPECT("", TJ_LANG_UNKNOWN, 0.0);
    /* Digits and punctuation, ASCII and Arabic (U+0661.. digits, U+060C comma, U+061F question
     * mark, U+066B decimal separator), are not letters. */
    EXPECT("123, 456!?", TJ_LANG_UNKNOWN, 0.0);
    EXPECT("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xab\xd9\xa4 \xd8\x8c \xd8\x9f", TJ_LANG_UNKNOWN, 0.0);
    EXPECT("COVID-19: 2020 " MARHABA, TJ_LANG_MIXED, 5.0 / 10.0); /* 5 Latin, 5 Arabic */
    /* Equal shares: mixed. */
    EXPECT("Hello " MARHABA, TJ_LANG_MIXED, 0.5);
    /* Minority 2 letters (< 3): not mixed whatever the share; ties go to Arabic. */
    EXPECT("OK " HAH HAH HAH HAH, TJ_LANG_AR, 4.0 / 6.0);
    EXPECT("ab " HAH HAH, TJ_LANG_AR, 0.5);
    /* The 30% line: 3 of 10 letters is mixed, 3 of 11 is not. */
    EXPECT("abc " HAH HAH HAH HAH HAH HAH HAH, TJ_LANG_MIXED, 0.7);
    EXPECT("abc " HAH HAH HAH HAH HAH HAH HAH HAH, TJ_LANG_AR, 8.0 / 11.0);
    EXPECT(MARHABA " WhatsApp Facebook Google Play Store", TJ_LANG_EN, 31.0 / 36.0);
    /* Harakat (U+064E fatha, U+0652 sukun, U+064B fathatan) are marks, not letters: "مَرْحَبًا"
     * has 5 letters, so with "abc" the Latin share is 3/8 (mixed); counting the 4 marks would
     * make it 3/12 (Arabic). */
    EXPECT("\xd9\x85\xd9\x8e\xd8\xb1\xd9\x92\xd8\xad\xd9\x8e\xd8\xa8\xd9\x8b\xd8\xa7 abc",
           TJ_LANG_MIXED, 5.0 / 8.0);
    /* Presentation forms (U+FEE3 U+FEAE U+FEA3 U+FE92 U+FE8E) are Arabic letters. */
    EXPECT("\xef\xbb\xa3\xef\xba\xae\xef\xba\xa3\xef\xba\x92\xef\xba\x8e", TJ_LANG_AR, 1.0);
    /* Arabic Supplement (U+0750) and Extended-A (U+08A0) letters count too. */
    EXPECT("\xdd\x90\xe0\xa2\xa0 x", TJ_LANG_AR, 2.0 / 3.0);
    /* A byte order mark (U+FEFF, inside the presentation-forms block) is not a letter. */
    EXPECT("\xef\xbb\xbfHi", TJ_LANG_EN, 1.0);
    /* Latin letters with diacritics are Latin; the multiplication sign is not a letter. */
    EXPECT("caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 \xc3\x97 \xc5\x93uvre", TJ_LANG_EN, 1.0);
    /* Other scripts do not vote: Cyrillic alone is unknown, with Latin it is English. */
    EXPECT("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", TJ_LANG_UNKNOWN, 0.0);
    EXPECT("\xd0\x9f\xd1\x80\xd0\xb8 hi", TJ_LANG_EN, 1.0);
    /* Invalid UTF-8 is skipped byte by byte, never read past len. */
    EXPECT("\xff\xfe"
           "abc\xd8",
           TJ_LANG_EN, 1.0);

    /* len bounds the scan; NULL confidence and NULL text with len 0 are fine. */
    checks++;
    if (tj_detect_language("abc" MARHABA, 3, NULL) != TJ_LANG_EN) failures++;
    checks++;
    float c = 1.0f;
    if (tj_detect_language(NULL, 0, &c) != TJ_LANG_UNKNOWN || c != 0.0f) failures++;

    checks += 4;
    failures += strcmp(tj_lang_code(TJ_LANG_AR), "ar") != 0;
    failures += strcmp(tj_lang_code(TJ_LANG_EN), "en") != 0;
    failures += strcmp(tj_lang_code(TJ_LANG_MIXED), "mixed") != 0;
    failures += strcmp(tj_lang_code(TJ_LANG_UNKNOWN), "unknown") != 0;

    test_cli();

    printf("test_langdetect: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
