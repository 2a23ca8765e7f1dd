/* SPDX-License-Identifier: MIT */
/* BLEU, chrF, chrF++ and 13a tokenization on small cases whose expected values are worked out
 * by hand in the comments (n-gram counts, then sacreBLEU's formulas). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval/metrics.h"
#include "check.h"

static void check_near(double got, double want, const char *what, int line)
{
    checks++;
    if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1)) {
        failures++;
        fprintf(stderr, "%s:%d: %s = %.12f, want %.12f\n", __FILE__, line, what, got, want);
    }
}
#define NEAR(got, want) check_near((got), (want), #got, __LINE__)

static void check_str(const char *got, const char *want, int line)
{
    checks++;
    if (strcmp(got, want)) {
        failures++;
        fprintf(stderr, "%s:%d: got  \"%s\"\n%*swant \"%s\"\n", __FILE__, line, got,
                (int)strlen(__FILE__) + 8, "", want);
    }
}
#define STREQ(got, want) check_str((got), (want), __LINE__)

/* ---------------------------------------------------------------- 13a */

static void tok_case(const char *in, const char *want, size_t want_n, int line)
{
    char *out;
    size_t n;
    tj_error err;
    checks++;
    if (tj_tok13a(in, strlen(in), &out, &n, &err) != TJ_OK) {
        failures++;
        fprintf(stderr, "%s:%d: tj_tok13a failed: %s\n", __FILE__, line, err.message);
        return;
    }
    check_str(out, want, line);
    checks++;
    if (n != want_n) {
        failures++;
        fprintf(stderr, "%s:%d: %zu tokens, want %zu\n", __FILE__, line, n, want_n);
    }
    free(out);
}
#define TOK(in, want, n) tok_case((in), (want), (n), __LINE__)

static void test_tok13a(void)
{
    TOK("Hello, world!", "Hello , world !", 4);
    /* '$' is a symbol; ',' and '.' between digits stay; the final '.' follows a letter. */
    TOK("It costs $1,000.50 today.", "It costs $ 1,000.50 today .", 6);
    /* ',' after a digit is split because a space (non-digit) follows it; '.' before a digit is
     * kept only when a digit also precedes it. */
    TOK("pi is 3.14, e is 2.71.", "pi is 3.14 , e is 2.71 .", 8);
    TOK("x.5 5.x", "x . 5 5 . x", 6);
    /* '-' is split only after a digit. */
    TOK("3-4 times, a-b", "3 - 4 times , a-b", 6);
    TOK("well-known -5", "well-known -5", 2);
    /* Entities are replaced one kind after another, so &amp;quot; becomes a literal &quot;. */
    TOK("&quot;Hi&quot; &amp; &lt;b&gt;", "\" Hi \" & < b >", 7);
    TOK("&amp;quot;", "& quot ;", 3);
    TOK("don't (really) [sic] {x} a/b", "don't ( really ) [ sic ] { x } a / b", 13);
    /* Every '.' after a letter is split: abbreviations come apart. */
    TOK("e.g. U.S.A.", "e . g . U . S . A .", 10);
    TOK("<skipped>", "", 0);
    TOK("", "", 0);
    /* Python's whitespace: no-break space, em space and U+3000 separate words, U+200B does not. */
    TOK("a\xc2\xa0"
        "b\xe2\x80\x83"
        "c\xe2\x80\x8b"
        "d\xe3\x80\x80"
        "e",
        "a b c\xe2\x80\x8b"
        "d e",
        4);
    /* Arabic letters are untouched; Arabic punctuation (U+060C, U+061F) is not ASCII, so stays. */
    TOK("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\xd8\x8c \xd9\x83\xd9\x8a\xd9\x81\xd8\x9f (1)",
        "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\xd8\x8c \xd9\x83\xd9\x8a\xd9\x81\xd8\x9f ( 1 )",
        5);
}

/* ---------------------------------------------------------------- BLEU */

static tj_bleu_stats seg(const char *hyp, const char *r1, const char *r2)
{
    const char *refs[2] = {r1, r2};
    tj_bleu_stats st;
    tj_error err;
    size_t used;
    if (tj_bleu_segment(hyp, refs, r2 ? 2 : 1, &st, &used, &err) != TJ_OK) {
        fprintf(stderr, "tj_bleu_segment failed: %s\n", err.message);
        failures++;
        memset(&st, 0, sizeof st);
    }
    return st;
}

static void test_bleu(void)
{
    tj_bleu_score s;
    tj_bleu_stats st;
    char buf[256];

    /* Identical: every precision 100, BP 1. */
    st = seg("the cat sat on the mat", "the cat sat on the mat", NULL);
    tj_bleu_compute(&st, 0, &s);
    NEAR(s.score, 100.0);

    /* hyp "the cat sat on a mat" vs ref "the cat sat on the mat" (6 tokens each):
     * 1-grams 5/6 (not "a"), 2-grams 3/5 ("the cat", "cat sat", "sat on"), 3-grams 2/4,
     * 4-grams 1/3; BP 1; BLEU = 100 * (5/6 * 3/5 * 2/4 * 1/3)^(1/4) = 100 * (1/12)^(1/4). */
    st = seg("the cat sat on a mat", "the cat sat on the mat", NULL);
    EXPECT(st.correct[0] == 5 && st.total[0] == 6 && st.correct[1] == 3 && st.total[1] == 5);
    EXPECT(st.correct[2] == 2 && st.total[2] == 4 && st.correct[3] == 1 && st.total[3] == 3);
    tj_bleu_compute(&st, 0, &s);
    NEAR(s.score, 100.0 * pow(1.0 / 12.0, 0.25));
    tj_bleu_verbose(&s, buf, sizeof buf);
    STREQ(buf, "83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)");

    /* Zero matches at orders 3 and 4: hyp "a b c d" vs ref "a b x c d".
     * 1-grams 4/4, 2-grams 2/3 ("a b", "c d"), 3-grams 0/2, 4-grams 0/1. Exponential smoothing
     * halves each time a zero count is met: p3 = 100/(2*2) = 25, p4 = 100/(4*1) = 25.
     * BP = exp(1 - 5/4). BLEU = BP * (100 * 200/3 * 25 * 25)^(1/4). */
    st = seg("a b c d", "a b x c d", NULL);
    tj_bleu_compute(&st, 0, &s);
    NEAR(s.precisions[2], 25.0);
    NEAR(s.precisions[3], 25.0);
    NEAR(s.bp, exp(-0.25));
    NEAR(s.score, exp(-0.25) * pow(100.0 * (200.0 / 3.0) * 25.0 * 25.0, 0.25));

    /* Brevity penalty and effective order: hyp "the cat" vs a 6-token ref. 1- and 2-grams all
     * match, there are no 3- or 4-grams. Corpus BLEU counts the missing orders as log(0) -> 0;
     * sentence BLEU (effective order 2) is BP * 100 = 100 * exp(1 - 6/2). */
    st = seg("the cat", "the cat sat on the mat", NULL);
    tj_bleu_compute(&st, 0, &s);
    NEAR(s.score, 0.0);
    NEAR(s.bp, exp(-2.0));
    tj_bleu_compute(&st, 1, &s);
    NEAR(s.score, 100.0 * exp(-2.0));

    /* No match at all: 0 without smoothing, BP still reported. */
    st = seg("x y z", "a b c d", NULL);
    tj_bleu_compute(&st, 1, &s);
    NEAR(s.score, 0.0);
    NEAR(s.bp, exp(1.0 - 4.0 / 3.0));

    /* Corpus with an empty hypothesis line: line 2 adds 3 reference tokens and nothing else.
     * hyp_len 6, ref_len 9, all precisions 100: BLEU = 100 * exp(1 - 9/6). */
    tj_bleu_stats sum;
    memset(&sum, 0, sizeof sum);
    st = seg("the cat sat on the mat", "the cat sat on the mat", NULL);
    tj_bleu_stats_add(&sum, &st);
    st = seg("", "a b c", NULL);
    EXPECT(st.hyp_len == 0 && st.ref_len == 3 && st.total[0] == 0);
    tj_bleu_stats_add(&sum, &st);
    tj_bleu_compute(&sum, 0, &s);
    EXPECT(s.hyp_len == 6 && s.ref_len == 9);
    NEAR(s.score, 100.0 * exp(-0.5));
    /* Trailing whitespace is ignored, as sacreBLEU strips lines. */
    st = seg("the cat \t ", "the cat", NULL);
    EXPECT(st.hyp_len == 2 && st.correct[1] == 1);

    /* Two references: hyp "a a b", refs "a b" and "a a c d". Lengths 2 and 4 are both 1 away
     * from 3: the tie goes to the shorter, ref_len 2, BP 1. Counts are clipped by the maximum
     * over the references: "a" may match twice (ref 2), "a b" once (ref 1), "a a" once (ref 2):
     * 1-grams 3/3, 2-grams 2/2, 3-grams 0/1 ("a a b" is in neither), no 4-grams.
     * Sentence BLEU (effective order 3): p3 = 100/(2*1) = 50, BLEU = (100*100*50)^(1/3).
     * Corpus BLEU: the missing 4-gram order floors the score to 0. */
    st = seg("a a b", "a b", "a a c d");
    EXPECT(st.ref_len == 2 && st.hyp_len == 3);
    EXPECT(st.correct[0] == 3 && st.correct[1] == 2 && st.correct[2] == 0 && st.total[2] == 1);
    tj_bleu_compute(&st, 1, &s);
    NEAR(s.score, cbrt(500000.0));
    tj_bleu_compute(&st, 0, &s);
    NEAR(s.score, 0.0);
    /* Closest length with the hypothesis longer than one ref and shorter than the other. */
    st = seg("a b c", "a b c d e", "a");
    EXPECT(st.ref_len == 1);
    st = seg("a b c", "a b c d", "a");
    EXPECT(st.ref_len == 4);

    /* Empty references are dropped; all empty is an error. */
    const char *refs[2] = {"  ", "a b"};
    size_t used = 9;
    tj_error err;
    EXPECT(tj_bleu_segment("a b", refs, 2, &st, &used, &err) == TJ_OK && used == 1);
    refs[1] = "";
    EXPECT(tj_bleu_segment("a b", refs, 2, &st, &used, &err) == TJ_ERR_INPUT);
    refs[1] = "\xff";
    EXPECT(tj_bleu_segment("a b", refs, 2, &st, &used, &err) == TJ_ERR_INPUT);
}

/* ---------------------------------------------------------------- chrF */

static double chrf(const char *hyp, const char *ref, int word_order, tj_chrf_stats *out)
{
    const char *refs[1] = {ref};
    tj_chrf_stats st;
    tj_error err;
    if (tj_chrf_segment(hyp, refs, 1, word_order, &st, NULL, &err) != TJ_OK) {
        fprintf(stderr, "tj_chrf_segment failed: %s\n", err.message);
        failures++;
        return -1;
    }
    if (out) *out = st;
    return tj_chrf_compute(&st, word_order);
}

static void test_chrf(void)
{
    tj_chrf_stats st, sum;

    /* "ab" vs "ab": orders 1 and 2 match fully, higher orders have no n-grams and are skipped. */
    NEAR(chrf("ab", "ab", 0, NULL), 100.0);

    /* "ab c" vs "abd": whitespace removed, so "abc" vs "abd".
     * 1: a b c / a b d -> 2 of 3 each way; 2: ab bc / ab bd -> 1 of 2; 3: abc / abd -> 0 of 1.
     * P = R = (2/3 + 1/2 + 0)/3 = 7/18, so F2 = 7/18. */
    NEAR(chrf("ab c", "abd", 0, &st), 100.0 * 7.0 / 18.0);
    EXPECT(st.hyp[2] == 1 && st.ref[2] == 1 && st.match[2] == 0 && st.hyp[3] == 0);

    /* "a" vs "ab": order 1 P = 1, R = 1/2; order 2 has no hypothesis n-gram and is skipped.
     * F2 = 5PR / (4P + R) = 2.5 / 4.5. */
    NEAR(chrf("a", "ab", 0, NULL), 100.0 * 2.5 / 4.5);

    /* Empty hypothesis: no order has both sides, score 0. */
    NEAR(chrf("", "abc", 0, NULL), 0.0);

    /* Corpus statistics are summed before averaging: ("ab","ab") + ("","cd") gives
     * order 1 P = 2/2, R = 2/4; order 2 P = 1/1, R = 1/2; F2 = 5 * 1 * .5 / (4 + .5). */
    memset(&sum, 0, sizeof sum);
    chrf("ab", "ab", 0, &st);
    tj_chrf_stats_add(&sum, &st);
    chrf("", "cd", 0, &st);
    tj_chrf_stats_add(&sum, &st);
    NEAR(tj_chrf_compute(&sum, 0), 100.0 * 2.5 / 4.5);

    /* A reference too short for an order contributes no hypothesis n-grams of that order:
     * ("abc","ab") has hyp 3-gram "abc" but the ref has none, so it counts 0, not 1.
     * With ("xyz","xyz"): order 1 P = 5/6, order 2 P = 3/4, order 3 P = 1/1, all R = 1.
     * avgP = 31/36, F2 = 5 * 31/36 / (4 * 31/36 + 1) = 155/160. */
    memset(&sum, 0, sizeof sum);
    chrf("abc", "ab", 0, &st);
    EXPECT(st.hyp[2] == 0 && st.ref[2] == 0);
    tj_chrf_stats_add(&sum, &st);
    chrf("xyz", "xyz", 0, &st);
    tj_chrf_stats_add(&sum, &st);
    NEAR(tj_chrf_compute(&sum, 0), 100.0 * 155.0 / 160.0);

    /* Characters are code points, not bytes: "سلام" vs "سلم".
     * 1: س ل ا م / س ل م -> 3 matches, P 3/4, R 3/3; 2: سل لا ام / سل لم -> 1, P 1/3, R 1/2;
     * 3: سلا لام / سلم -> 0; 4: the ref has none, skipped.
     * avgP = 13/36, avgR = 1/2, F2 = 5 * 13/36 * 1/2 / (4 * 13/36 + 1/2) = 65/140. */
    NEAR(chrf("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", "\xd8\xb3\xd9\x84\xd9\x85", 0, NULL),
         100.0 * 65.0 / 140.0);
    /* Unicode whitespace is removed too (U+00A0 here). */
    NEAR(chrf("a\xc2\xa0"
              "b",
              "ab", 0, NULL),
         100.0);

    /* chrF++: "hi!" vs "hi". Characters: order 1 P 2/3 R 1, order 2 (hi, i!) P 1/2 R 1.
     * Words: "hi!" -> "hi" "!", so word 1-grams P 1/2 R 1; word 2-grams: ref has none.
     * chrF++ avgP = (2/3 + 1/2 + 1/2)/3 = 5/9, R 1: F2 = (25/9)/(29/9) = 25/29.
     * chrF alone: avgP = 7/12: F2 = (35/12)/(40/12) = 35/40. */
    NEAR(chrf("hi!", "hi", 2, &st), 100.0 * 25.0 / 29.0);
    EXPECT(st.hyp[6] == 2 && st.ref[6] == 1 && st.match[6] == 1 && st.hyp[7] == 0);
    NEAR(chrf("hi!", "hi", 0, NULL), 100.0 * 35.0 / 40.0);

    /* Only one edge is split, the trailing one first: "(hi)" -> "(hi" ")", which shares no word
     * with "hi". Characters: order 1 P 2/4 R 1, order 2 ("(h" "hi" "i)") P 1/3 R 1; words:
     * order 1 P 0 R 0. avgP = 5/18, avgR = 2/3, F2 = 5 * 5/18 * 2/3 / (20/18 + 2/3) = 450/864. */
    NEAR(chrf("(hi)", "hi", 2, NULL), 100.0 * 450.0 / 864.0);

    /* A one-character word stays whole: "a ." has words "a" "." (not "a" "" "."). Characters
     * order 1 P 1/2 R 1; words order 1 P 1/2 R 1; F2 = 2.5 / 3. */
    NEAR(chrf("a .", "a", 2, NULL), 100.0 * 2.5 / 3.0);
    /* Empty hypothesis in chrF++ too. */
    NEAR(chrf("", "a b", 2, NULL), 0.0);

    /* Several references: the statistics of the best one are kept. */
    const char *refs[3] = {"xy", "", "ab"};
    size_t used;
    tj_error err;
    EXPECT(tj_chrf_segment("ab", refs, 3, 0, &st, &used, &err) == TJ_OK && used == 2);
    EXPECT(st.ref[0] == 2 && st.match[0] == 2);
    NEAR(tj_chrf_compute(&st, 0), 100.0);
    const char *none[1] = {" "};
    EXPECT(tj_chrf_segment("ab", none, 1, 0, &st, &used, &err) == TJ_ERR_INPUT);
    EXPECT(tj_chrf_segment("ab", refs, 1, 3, &st, &used, &err) == TJ_ERR_ARG);
}

/* ---------------------------------------------------------------- reports */

static void test_reports(void)
{
    char sig[256], buf[1024];
    tj_bleu_signature(sig, sizeof sig, 1, 0);
    STREQ(sig, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" TJ_SACREBLEU_VERSION);
    tj_bleu_signature(sig, sizeof sig, 0, 1);
    STREQ(sig, "nrefs:var|case:mixed|eff:yes|tok:13a|smooth:exp|version:" TJ_SACREBLEU_VERSION);
    tj_chrf_signature(sig, sizeof sig, 2, 2);
    STREQ(sig, "nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:" TJ_SACREBLEU_VERSION);

    tj_score_text(buf, sizeof buf, "chrF2", 64.8965, 1, "nrefs:1", NULL);
    STREQ(buf, "chrF2|nrefs:1 = 64.9");
    tj_score_text(buf, sizeof buf, "BLEU", 38.95, 2, "", "x/y");
    STREQ(buf, "BLEU = 38.95 x/y");

    /* JSON scores are Python floats: 63.04 at width 1 is 63.0, 38.6 at width 2 is 38.6. */
    tj_score_json(buf, sizeof buf, "chrF2++", 63.04, 1, "nrefs:1|nw:2", NULL, 0);
    STREQ(buf, "{\"name\": \"chrF2++\", \"score\": 63.0, \"signature\": \"nrefs:1|nw:2\", "
               "\"nrefs\": \"1\", \"nw\": \"2\"}");
    tj_score_json(buf, sizeof buf, "BLEU", 38.6, 2, "nrefs:1", "v", 1);
    STREQ(buf, "{\n \"name\": \"BLEU\",\n \"score\": 38.6,\n \"signature\": \"nrefs:1\",\n "
               "\"verbose_score\": \"v\",\n \"nrefs\": \"1\"\n}");
    tj_score_json(buf, sizeof buf, "BLEU", 38.6, 0, "", NULL, 0);
    STREQ(buf, "{\"name\": \"BLEU\", \"score\": 39.0, \"signature\": \"\"}");
}

/* ---------------------------------------------------------------- the eval command */

static char tmpdir[] = "/tmp/tj_test_eval_XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* Runs "cd TMPDIR && TJ_BIN ARGS", captures stdout, returns the exit status. */
static int run(const char *bin, const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>/dev/null", tmpdir, bin, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void cli_case(const char *bin, const char *args, int want_rc, const char *want_out, int line)
{
    char out[8192];
    int rc = run(bin, args, out, sizeof out);
    checks++;
    if (rc != want_rc) {
        failures++;
        fprintf(stderr, "%s:%d: tarjama %s: exit %d, want %d\n", __FILE__, line, args, rc, want_rc);
    }
    if (want_out) check_str(out, want_out, line);
}
#define CLI(args, rc, out) cli_case(bin, (args), (rc), (out), __LINE__)

static void test_cli(void)
{
    const char *bin = getenv("TJ_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        printf("test_eval: TJ_BIN not set or not executable, command checks skipped\n");
        return;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        failures++;
        return;
    }
    write_file("hyp", "the cat sat on a mat\nthe cat\n");
    write_file("ref", "the cat sat on the mat\nthe cat sat on the mat\n");
    write_file("ref2", "the cat sat on the mat\n\n");
    write_file("one", "the cat\n");
    write_file("empty", "");
    write_file("bad", "the \xff cat\nx\n");
    write_file("blank", "the cat\n \n");

    /* Corpus: line 1 counts 5/6 3/5 2/4 1/3 (see test_bleu), line 2 adds 2/2 1/1 0/0 0/0.
     * Totals 7/8 4/6 2/4 1/3, hyp_len 8, ref_len 12: BLEU = exp(1 - 12/8) * (7/8*4/6*2/4*1/3)^(1/4)
     * = exp(-0.5) * (7/72)^(1/4) = 33.71... */
    char want[512];
    double bleu = 100.0 * exp(-0.5) * pow(7.0 / 72.0, 0.25);
    snprintf(want, sizeof want,
             "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:%s = %.1f "
             "87.5/66.7/50.0/33.3 (BP = %.3f ratio = 0.667 hyp_len = 8 ref_len = 12)\n",
             TJ_SACREBLEU_VERSION, bleu, exp(-0.5));
    CLI("eval -m bleu --ref ref hyp", 0, want);
    CLI("eval -m bleu --ref=ref < hyp", 0, want);
    snprintf(want, sizeof want, "%.4f\n", bleu);
    CLI("eval -m bleu -b -w 4 -r ref - < hyp", 0, want);
    /* Sentence BLEU: line 1 100 * (1/12)^(1/4); line 2 effective order 2, 100 * exp(1 - 6/2). */
    snprintf(want, sizeof want, "%.4f\n%.4f\n", 100.0 * pow(1.0 / 12.0, 0.25), 100.0 * exp(-2.0));
    CLI("eval --sentence -m bleu -b -w 4 -r ref hyp", 0, want);
    /* A reference missing on one line only: the signature says "var". Both lines match
     * exactly ("ab" vs "ab", "cd" vs "cd"), so chrF is 100; JSON as sacreBLEU lays it out. */
    write_file("hyp2", "a b\nc d\n");
    write_file("refA", "a b\n\n");
    write_file("refB", "a b\nc d\n");
    snprintf(want, sizeof want,
             "{\n \"name\": \"chrF2\",\n \"score\": 100.0,\n \"signature\": "
             "\"nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|version:%s\",\n \"nrefs\": "
             "\"var\",\n \"case\": \"mixed\",\n \"eff\": \"yes\",\n \"nc\": \"6\",\n "
             "\"nw\": \"0\",\n \"space\": \"no\",\n \"version\": \"%s\"\n}\n",
             TJ_SACREBLEU_VERSION, TJ_SACREBLEU_VERSION);
    CLI("eval --json -m chrf -r refA -r refB hyp2", 0, want);
    write_file("hyp1", "the cat sat on the mat\n");
    write_file("ref1", "the cat sat on the mat\n");
    CLI("eval -m chrf -b -r ref1 hyp1", 0, "100.0\n");

    /* Three metrics: sacreBLEU right-aligns the names so that the '=' line up. */
    char out[4096];
    checks++;
    if (run(bin, "eval -r ref hyp", out, sizeof out) == 0) {
        char *l1 = out, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
        long e1 = strchr(l1, '=') - l1, e2 = strchr(l2, '=') - l2, e3 = strchr(l3, '=') - l3;
        if (e1 != e2 || e2 != e3 || strncmp(l3, "chrF2++|", 8) || strncmp(l2, "  chrF2|", 8))
            failures++, fprintf(stderr, "%s:%d: misaligned:\n%s", __FILE__, __LINE__, out);
    } else {
        failures++;
    }

    /* Errors: usage problems exit 2, bad data exit 1. */
    CLI("eval hyp", 2, "");
    CLI("eval -m bleu,ter -r ref hyp", 2, "");
    CLI("eval --frobnicate -r ref hyp", 2, "");
    CLI("eval --sentence -m bleu,chrf -r ref hyp", 2, "");
    CLI("eval -w many -r ref hyp", 2, "");
    CLI("eval -r - < hyp", 2, "");
    CLI("eval -r one hyp", 1, "");
    CLI("eval -r ref empty", 1, "");
    CLI("eval -r ref bad", 1, "");
    CLI("eval -r bad ref", 1, "");
    CLI("eval -r blank hyp", 1, "");
    CLI("eval -r no-such-file hyp", 1, "");

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
    test_tok13a();
    test_bleu();
    test_chrf();
    test_reports();
    test_cli();
    printf("test_eval: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
