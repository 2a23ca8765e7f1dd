/* SPDX-License-Identifier: MIT */
/* Sentence splitter (both modes) and the Unicode category tables.
 *
 * Expected sentences are written by hand from the rules of ssplit-cpp's paragraph mode (spec
 * §9.1 and ssplit.cpp) and, for the default mode, from the rules in src/tok/ssplit.h. The last
 * check runs the reference article through the bergamot mode and compares the number of
 * sentences per line with what bergamot translated (the tiny model starts every sentence's
 * translation with the same phrase). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tok/ssplit.h"
#include "util/unicode.h"

static int failures;

#define B TJ_SSPLIT_BERGAMOT
#define D TJ_SSPLIT_DEFAULT
#define BOTH (-1)
#define S(...) ((const char *[]){__VA_ARGS__, NULL})
#define NONE ((const char *[]){NULL})

/* Splits a private, exactly sized copy of text (no terminator, so ASan sees any read past len).
 * Returns the spans; checks the invariants every split must keep. */
static tj_span *split(const char *text, size_t len, tj_ssplit_mode mode, size_t *n)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) abort();
    memcpy(copy, text, len);
    tj_span *spans = NULL;
    tj_error err;
    tj_status st = tj_ssplit(copy, len, mode, &spans, n, &err);
    if (st != TJ_OK) {
        fprintf(stderr, "FAIL tj_ssplit returned %d: %s\n", (int)st, err.message);
        failures++;
        *n = 0;
    }
    if (*n == 0 && spans) {
        fprintf(stderr, "FAIL no sentences but spans != NULL\n");
        failures++;
    }
    size_t prev = 0;
    for (size_t i = 0; i < *n; i++) {
        const tj_span *s = &spans[i];
        if (s->begin < prev || s->end <= s->begin || s->end > len) {
            fprintf(stderr, "FAIL bad span %zu [%zu, %zu) of %zu bytes\n", i, s->begin, s->end,
                    len);
            failures++;
            break;
        }
        unsigned char first = (unsigned char)copy[s->begin], last = (unsigned char)copy[s->end - 1];
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t') {
            fprintf(stderr, "FAIL span %zu not trimmed\n", i);
            failures++;
        }
        prev = s->end;
    }
    free(copy);
    return spans;
}

static void check_mode(const char *text, tj_ssplit_mode mode, const char *const *want)
{
    size_t len = strlen(text), n, nwant = 0;
    while (want[nwant]) nwant++;
    tj_span *spans = split(text, len, mode, &n);
    int ok = n == nwant;
    for (size_t i = 0; ok && i < n; i++) {
        size_t l = spans[i].end - spans[i].begin;
        ok = l == strlen(want[i]) && memcmp(text + spans[i].begin, want[i], l) == 0;
    }
    if (!ok) {
        fprintf(stderr, "FAIL %s mode: \"%s\"\n  want:", mode == B ? "bergamot" : "default", text);
        for (size_t i = 0; i < nwant; i++) fprintf(stderr, " [%s]", want[i]);
        fprintf(stderr, "\n  got: ");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " [%.*s]", (int)(spans[i].end - spans[i].begin), text + spans[i].begin);
        fprintf(stderr, "\n");
        failures++;
    }
    free(spans);
}

static void check(int mode, const char *text, const char *const *want)
{
    if (mode == BOTH) {
        check_mode(text, B, want);
        check_mode(text, D, want);
    } else {
        check_mode(text, (tj_ssplit_mode)mode, want);
    }
}

static void test_common(void)
{
    /* Basics, white space, and where spans begin. */
    check(BOTH, "Hello world. This is a test.", S("Hello world.", "This is a test."));
    check(BOTH, "Hello world. this goes on.", S("Hello world. this goes on."));
    check(BOTH, "Wait... What? No! Yes.", S("Wait...", "What?", "No!", "Yes."));
    check(BOTH, "Really?! Yes.", S("Really?!", "Yes."));
    check(BOTH, "  Leading and trailing.   ", S("Leading and trailing."));
    check(BOTH, "One.\t\tTwo.  Three.", S("One.", "Two.", "Three."));
    check(BOTH, "No final stop", S("No final stop"));
    check(BOTH, "No final stop   ", S("No final stop"));
    check(BOTH, "", NONE);
    check(BOTH, "   \t  ", NONE);
    check(BOTH, ".", S("."));
    check(BOTH, "End.", S("End."));
    check(BOTH, ". . .", S(".", ".", "."));

    /* No white space after the marker: numbers, dotted words, URLs. */
    check(BOTH, "Pi is 3.14 roughly. Yes.", S("Pi is 3.14 roughly.", "Yes."));
    check(BOTH, "It costs 1.000 dollars. Really.", S("It costs 1.000 dollars.", "Really."));
    check(BOTH, "Version 2.5.1 is out. See example.com now.",
          S("Version 2.5.1 is out.", "See example.com now."));
    check(BOTH, "Stop.Go on.", S("Stop.Go on."));

    /* Closing matter stays with its sentence. */
    check(BOTH, "He said \"Go home.\" Then he left.", S("He said \"Go home.\"", "Then he left."));
    check(BOTH, "(This is quoted.) Next one.", S("(This is quoted.)", "Next one."));
    check(BOTH, "She wrote \u201cHi.\u201d Bye.", S("She wrote \u201cHi.\u201d", "Bye."));
    check(BOTH, "It\u2019s \u2018fine.\u2019 Ok.", S("It\u2019s \u2018fine.\u2019", "Ok."));
    check(BOTH, "Il a dit \u00aboui.\u00bb Puis non.", S("Il a dit \u00aboui.\u00bb", "Puis non."));
    check(BOTH, "Done.') Next.", S("Done.')", "Next."));

    /* Footnotes: two or more digits (or a list) in brackets, then more closing matter. */
    check(BOTH, "This is known.[12] Another fact.", S("This is known.[12]", "Another fact."));
    check(BOTH, "As shown.[1, 2] Next.", S("As shown.[1, 2]", "Next."));
    check(BOTH, "Fact.[12]\" More.", S("Fact.[12]\"", "More."));
    check(BOTH, "Fact.\"[3,4]) More.", S("Fact.\"[3,4])", "More."));
    check(BOTH, "Known.[1] Next.", S("Known.[1] Next.")); /* "[1]" is not a footnote */
    check(BOTH, "Known.[1,] Next.", S("Known.[1,] Next."));

    /* What may come between the space and the next word. */
    check(BOTH, "Done. (Really) yes.", S("Done.", "(Really) yes."));
    check(BOTH, "Done. (really) yes.", S("Done. (really) yes."));
    check(BOTH, "Done. \"Quote\" here.", S("Done.", "\"Quote\" here."));
    check(BOTH, "Done. - item two.", S("Done. - item two."));
    check(BOTH, "Done. $5 later.", S("Done.", "$5 later."));
    check(BOTH, "Chapter ends. 5 more follow.", S("Chapter ends.", "5 more follow."));

    /* The in-text ellipsis "[...]" only matters when no word follows; a capital still splits. */
    check(BOTH, "Cost [...] $5 total.", S("Cost [...] $5 total."));
    check(BOTH, "Cost... $5 total.", S("Cost...", "$5 total."));
    check(BOTH, "He said [...] Then stop.", S("He said [...]", "Then stop."));
    check(BOTH, "[...] $5 more.", S("[...]", "$5 more."));   /* at the start: no exception */
    check(BOTH, "  [...] $5 more.", S("[...]", "$5 more.")); /* leading space is skipped first */
    check(BOTH, "Cost [....] $5.", S("Cost [....]", "$5.")); /* four dots are not "..." */
    check(BOTH, "He said [...]", S("He said [...]"));

    /* Arabic: ASCII full stops split before Arabic letters; the comma and semicolon never do. */
    check(BOTH,
          "\u0630\u0647\u0628\u062a \u0625\u0644\u0649 \u0627\u0644\u0633\u0648\u0642. "
          "\u0627\u0634\u062a\u0631\u064a\u062a \u0627\u0644\u062e\u0628\u0632.",
          S("\u0630\u0647\u0628\u062a \u0625\u0644\u0649 \u0627\u0644\u0633\u0648\u0642.",
            "\u0627\u0634\u062a\u0631\u064a\u062a \u0627\u0644\u062e\u0628\u0632."));
    check(BOTH,
          "\u0642\u0644\u062a\u060c \u0646\u0639\u0645\u061b \u062b\u0645 "
          "\u0630\u0647\u0628\u062a.",
          S("\u0642\u0644\u062a\u060c \u0646\u0639\u0645\u061b \u062b\u0645 "
            "\u0630\u0647\u0628\u062a."));
    check(BOTH, "\u0647\u0644 \u0623\u0646\u062a \u0628\u062e\u064a\u0631? \u0646\u0639\u0645.",
          S("\u0647\u0644 \u0623\u0646\u062a \u0628\u062e\u064a\u0631?", "\u0646\u0639\u0645."));
    check(BOTH,
          "\u0642\u0627\u0644 \u0627\u0644\u0631\u0626\u064a\u0633 Obama. \u062b\u0645 "
          "\u063a\u0627\u062f\u0631.",
          S("\u0642\u0627\u0644 \u0627\u0644\u0631\u0626\u064a\u0633 Obama.",
            "\u062b\u0645 \u063a\u0627\u062f\u0631."));
    check(BOTH, "He said \u0645\u0631\u062d\u0628\u0627. Then left.",
          S("He said \u0645\u0631\u062d\u0628\u0627.", "Then left."));
    check(BOTH, "\u0627\u0644\u0639\u062f\u062f \u0663.\u0665 \u0643\u0628\u064a\u0631.",
          S("\u0627\u0644\u0639\u062f\u062f \u0663.\u0665 \u0643\u0628\u064a\u0631."));
    /* Arabic-Indic digits after the space count as digits. */
    check(BOTH, "\u0627\u0646\u062a\u0647\u0649. \u0663 \u0623\u064a\u0627\u0645.",
          S("\u0627\u0646\u062a\u0647\u0649.", "\u0663 \u0623\u064a\u0627\u0645."));
    /* A quote opening the next sentence (as in the reference article). */
    check(BOTH, "\u0627\u0644\u0648\u062d\u062f\u0629\u201d. \u201c\u0625\u0646 \u0627\u0644.",
          S("\u0627\u0644\u0648\u062d\u062f\u0629\u201d.", "\u201c\u0625\u0646 \u0627\u0644."));

    /* Invalid UTF-8 is carried along as symbols; nothing is read past the end. */
    check(BOTH, "Bad \xFF\xFE bytes. Next one.", S("Bad \xFF\xFE bytes.", "Next one."));
    check(BOTH, "Trunc. \xE2\x80", S("Trunc.", "\xE2\x80"));
    check(BOTH, "x.\xC3", S("x.\xC3"));
    check(BOTH, "Odd. \xC3", S("Odd.", "\xC3"));
}

static void test_bergamot_only(void)
{
    /* Only ASCII . ? ! are markers. */
    check(B,
          "\u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f \u0623\u0646\u0627 "
          "\u0628\u062e\u064a\u0631.",
          S("\u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f \u0623\u0646\u0627 "
            "\u0628\u062e\u064a\u0631."));
    check(B, "Well\u2026 Maybe not.", S("Well\u2026 Maybe not."));
    check(B, "\u4f60\u597d\uff01 \u6211\u5f88\u597d\u3002 \u8c22\u8c22",
          S("\u4f60\u597d\uff01 \u6211\u5f88\u597d\u3002 \u8c22\u8c22"));

    /* No prefix list. */
    check(B, "Dr. Smith arrived. He sat.", S("Dr.", "Smith arrived.", "He sat."));
    check(B, "Mr. and Mrs. Smith left.", S("Mr. and Mrs.", "Smith left."));
    check(B, "Item No. 5 here.", S("Item No.", "5 here."));
    check(B, "He lives in the U.S. Officials agree.",
          S("He lives in the U.S.", "Officials agree."));
    check(B, "U.S. officials said so. They left.", S("U.S. officials said so.", "They left."));

    /* ssplit's case tests look at the first BYTE of the next word as Latin-1 (its patterns are
     * compiled without PCRE2_UTF): lead bytes C2..D6 and D8..DE read as capitals, DF..F4 as
     * small letters, D7 as a symbol. */
    check(B, "C'est fini. \u00e9t\u00e9 chaud.", S("C'est fini.", "\u00e9t\u00e9 chaud."));
    check(B, "End. \u03b1\u03b2\u03b3 here.", S("End.", "\u03b1\u03b2\u03b3 here."));
    check(B, "Hello. \u4e2d\u6587 text.", S("Hello. \u4e2d\u6587 text."));
    check(B, "Hello. \u0915\u0916 text.", S("Hello. \u0915\u0916 text."));
    check(B, "Hello. \ufe8d\ufe8e text.", S("Hello. \ufe8d\ufe8e text.")); /* presentation forms */
    check(B, "Shalom. \u05e9\u05dc\u05d5\u05dd now.",
          S("Shalom.", "\u05e9\u05dc\u05d5\u05dd now."));
    check(B, "Fin. \u0301a b.", S("Fin.", "\u0301a b.")); /* a combining mark: lead byte CC */

    /* Only ASCII white space counts. */
    check(B, "First.\u00a0Second.", S("First.\u00a0Second."));
    check(B, "\u00a0 Start. Next.", S("\u00a0 Start.", "Next."));
    check(B, "First.\u200f Second.", S("First.\u200f Second.")); /* RLM is not closing matter */
    check(B, "Ends here.\u00a0\u00a0", S("Ends here.\u00a0\u00a0"));
    check(B, "Cost [\u2026] $5 total.", S("Cost [\u2026] $5 total."));
}

static void test_default_only(void)
{
    /* Arabic, Urdu, ellipsis and full-width marks end sentences. */
    check(D,
          "\u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f \u0623\u0646\u0627 "
          "\u0628\u062e\u064a\u0631.",
          S("\u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f",
            "\u0623\u0646\u0627 \u0628\u062e\u064a\u0631."));
    check(D, "\u0645\u0627 \u0647\u0630\u0627\u061f! \u0644\u0627 \u0623\u0639\u0631\u0641.",
          S("\u0645\u0627 \u0647\u0630\u0627\u061f!", "\u0644\u0627 \u0623\u0639\u0631\u0641."));
    check(
        D,
        "\u06cc\u06c1 \u06a9\u062a\u0627\u0628 \u06c1\u06d2\u06d4 \u0648\u06c1 \u0642\u0644\u0645 "
        "\u06c1\u06d2\u06d4",
        S("\u06cc\u06c1 \u06a9\u062a\u0627\u0628 \u06c1\u06d2\u06d4",
          "\u0648\u06c1 \u0642\u0644\u0645 \u06c1\u06d2\u06d4"));
    check(D,
          "\u0647\u0644 \u0647\u0648 \u0647\u0646\u0627\u061f \u0644\u0627\u060c "
          "\u0644\u064a\u0633 \u0647\u0646\u0627.",
          S("\u0647\u0644 \u0647\u0648 \u0647\u0646\u0627\u061f",
            "\u0644\u0627\u060c \u0644\u064a\u0633 \u0647\u0646\u0627."));
    check(D, "Well\u2026 Maybe not.", S("Well\u2026", "Maybe not."));
    check(D, "Well\u2026 maybe not.", S("Well\u2026 maybe not."));
    check(D, "\u4f60\u597d\uff01 \u6211\u5f88\u597d\u3002 \u8c22\u8c22",
          S("\u4f60\u597d\uff01", "\u6211\u5f88\u597d\u3002", "\u8c22\u8c22"));
    check(D, "\u4f60\u597d\uff01\u6211\u5f88\u597d\u3002",
          S("\u4f60\u597d\uff01\u6211\u5f88\u597d\u3002"));
    check(D, "\u300c\u597d\u3002\u300d \u6211.", S("\u300c\u597d\u3002\u300d", "\u6211."));
    check(D, "Cost [\u2026] $5 total.", S("Cost [\u2026] $5 total."));

    /* Real letter case. */
    check(D, "C'est fini. \u00e9t\u00e9 chaud.", S("C'est fini. \u00e9t\u00e9 chaud."));
    check(D, "C'est fini. \u00c9t\u00e9 chaud.", S("C'est fini.", "\u00c9t\u00e9 chaud."));
    check(D, "End. \u03b1\u03b2\u03b3 here.", S("End. \u03b1\u03b2\u03b3 here."));
    check(D, "Hello. \u4e2d\u6587 text.", S("Hello.", "\u4e2d\u6587 text."));
    check(D, "Shalom. \u05e9\u05dc\u05d5\u05dd now.",
          S("Shalom.", "\u05e9\u05dc\u05d5\u05dd now."));
    check(D, "Fin. \u0301a b.", S("Fin. \u0301a b."));

    /* Unicode white space, and bidi marks kept with the sentence. */
    check(D, "First.\u00a0Second.", S("First.", "Second."));
    check(D, "\u00a0 Start. Next.", S("Start.", "Next."));
    check(D, "Ends here.\u00a0\u3000", S("Ends here."));
    check(
        D, "\u062c\u0645\u0644\u0629 \u0623\u0648\u0644\u0649.\u200f \u062c\u0645\u0644\u0629.",
        S("\u062c\u0645\u0644\u0629 \u0623\u0648\u0644\u0649.\u200f", "\u062c\u0645\u0644\u0629."));

    /* Non-breaking prefixes. */
    check(D, "Dr. Smith arrived. He sat.", S("Dr. Smith arrived.", "He sat."));
    check(D, "Mr. and Mrs. Smith left. Bye.", S("Mr. and Mrs. Smith left.", "Bye."));
    check(D, "Item No. 5 here. Next.", S("Item No. 5 here.", "Next."));
    check(D, "It is No. I think not.", S("It is No.", "I think not."));
    check(D, "See pp. 12 and p. 7. Done.", S("See pp. 12 and p. 7.", "Done."));
    check(D, "He lives in the U.S. Officials agree.", S("He lives in the U.S. Officials agree."));
    check(D, "U.S. officials said so. They left.", S("U.S. officials said so.", "They left."));
    check(D, "Use tools, e.g. Hammers. Or i.e. Saws.",
          S("Use tools, e.g. Hammers.", "Or i.e. Saws."));
    check(D, "J. R. R. Tolkien wrote it. Yes.", S("J. R. R. Tolkien wrote it.", "Yes."));
    check(D, "Born Jan. 5, 1990. He grew.", S("Born Jan. 5, 1990.", "He grew."));
    check(D, "A talk (Prof. Lee) ran late. Then.", S("A talk (Prof. Lee) ran late.", "Then."));
    check(D, "He got a Ph.D. Then he left.", S("He got a Ph.D. Then he left."));
    check(D, "St. Louis vs. Chicago. Good game.", S("St. Louis vs. Chicago.", "Good game."));
    check(D, "Meet Dr. \u0623\u062d\u0645\u062f now.", S("Meet Dr. \u0623\u062d\u0645\u062f now."));
    /* Prefixes do not apply after closing matter, other marks, or other words. */
    check(D, "He called (the Dr.) Then left.", S("He called (the Dr.)", "Then left."));
    check(D, "Is it Dr.? Yes.", S("Is it Dr.?", "Yes."));
    check(D, "Call Dr... Nobody came.", S("Call Dr...", "Nobody came."));
    check(D, "I saw Drake. Smith came.", S("I saw Drake.", "Smith came."));
    check(D, "The year was 1990. In May.", S("The year was 1990.", "In May."));
    check(D, "It is Apr. It rains.", S("It is Apr. It rains.")); /* Moses' list behaves so */
}

static void test_api(void)
{
    tj_span *spans = (tj_span *)1;
    size_t n = 99;
    tj_error err;
    if (tj_ssplit(NULL, 0, D, &spans, &n, &err) != TJ_OK || n != 0 || spans != NULL) {
        fprintf(stderr, "FAIL empty NULL text\n");
        failures++;
    }
    if (tj_ssplit(NULL, 3, D, &spans, &n, &err) != TJ_ERR_ARG) {
        fprintf(stderr, "FAIL NULL text with length\n");
        failures++;
    }
    if (tj_ssplit("a.", 2, (tj_ssplit_mode)7, &spans, &n, &err) != TJ_ERR_ARG ||
        strstr(err.message, "mode") == NULL) {
        fprintf(stderr, "FAIL bad mode\n");
        failures++;
    }
    if (tj_ssplit("a.", 2, D, NULL, &n, NULL) != TJ_ERR_ARG) {
        fprintf(stderr, "FAIL NULL spans\n");
        failures++;
    }
}

/* A 100 000-character paragraph of pattern `unit` repeated; checks the sentence count and
 * that the split stays linear (a quadratic scan would take minutes, not milliseconds). */
static void check_long(tj_ssplit_mode mode, const char *unit, size_t want_per_unit,
                       size_t want_extra)
{
    size_t ul = strlen(unit), reps = 100000 / ul, len = reps * ul;
    char *text = malloc(len);
    if (!text) abort();
    for (size_t i = 0; i < reps; i++) memcpy(text + i * ul, unit, ul);
    clock_t t0 = clock();
    size_t n;
    tj_span *spans = split(text, len, mode, &n);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    size_t want = reps * want_per_unit + want_extra;
    if (n != want || secs > 5.0) {
        fprintf(stderr, "FAIL long paragraph of \"%s\" (%s): %zu sentences in %.2fs, want %zu\n",
                unit, mode == B ? "bergamot" : "default", n, secs, want);
        failures++;
    }
    free(spans);
    free(text);
}

static void test_long(void)
{
    for (int m = 0; m < 2; m++) {
        tj_ssplit_mode mode = m ? B : D;
        check_long(mode, "Word word word. ", 1, 0);
        check_long(mode, ". ", 1, 0);
        check_long(mode, "a", 0, 1);
        check_long(mode, ".", 0, 1);
        check_long(mode, "a.", 0, 1);
        check_long(mode, ".,", 0, 1);
        check_long(mode, "x.[1,2, ", 0, 1);
        check_long(mode, "word. lower ", 0, 1);
        check_long(mode, "\u0643\u0644\u0645\u0629. ", 1, 0);
        check_long(mode, "\xFF", 0, 1);
    }
    check_long(D, "Mr. ", 0, 1);
    check_long(B, "Mr. ", 1, 0);
    check_long(D, "\u0644\u0627\u061f ", 1, 0);
    check_long(B, "\u0644\u0627\u061f ", 0, 1);
}

static void test_unicode(void)
{
    static const struct {
        unsigned cp;
        tj_ucat cat;
    } cases[] = {
        {'A', TJ_UCAT_LU},     {'z', TJ_UCAT_LL},      {0x01C5, TJ_UCAT_LT},
        {0x02B0, TJ_UCAT_LM},  {0x0640, TJ_UCAT_LM},   {0x0627, TJ_UCAT_LO},
        {0x4E2D, TJ_UCAT_LO},  {0x064E, TJ_UCAT_MN},   {0x0301, TJ_UCAT_MN},
        {0x0903, TJ_UCAT_MC},  {0x20DD, TJ_UCAT_ME},   {'7', TJ_UCAT_ND},
        {0x0663, TJ_UCAT_ND},  {0x06F0, TJ_UCAT_ND},   {0x2160, TJ_UCAT_NL},
        {0x00B2, TJ_UCAT_NO},  {'_', TJ_UCAT_PC},      {'-', TJ_UCAT_PD},
        {'(', TJ_UCAT_PS},     {')', TJ_UCAT_PE},      {0x00AB, TJ_UCAT_PI},
        {0x201C, TJ_UCAT_PI},  {0x00BB, TJ_UCAT_PF},   {0x2019, TJ_UCAT_PF},
        {0x061F, TJ_UCAT_PO},  {0x060C, TJ_UCAT_PO},   {'.', TJ_UCAT_PO},
        {'+', TJ_UCAT_SM},     {'$', TJ_UCAT_SC},      {'^', TJ_UCAT_SK},
        {0x00A9, TJ_UCAT_SO},  {0x1F600, TJ_UCAT_SO},  {' ', TJ_UCAT_ZS},
        {0x00A0, TJ_UCAT_ZS},  {0x2028, TJ_UCAT_ZL},   {0x2029, TJ_UCAT_ZP},
        {0, TJ_UCAT_CC},       {0x85, TJ_UCAT_CC},     {0x200F, TJ_UCAT_CF},
        {0xFEFF, TJ_UCAT_CF},  {0xE0001, TJ_UCAT_CF},  {0xD800, TJ_UCAT_CS},
        {0xE000, TJ_UCAT_CO},  {0xF0000, TJ_UCAT_CO},  {0x0378, TJ_UCAT_CN},
        {0xFFFF, TJ_UCAT_CN},  {0x10FFFF, TJ_UCAT_CN}, {0x110000, TJ_UCAT_CN},
        {0x1D400, TJ_UCAT_LU}, {0x10FFFD, TJ_UCAT_CO}, {0xFFFD, TJ_UCAT_SO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tj_ucat got = tj_unicode_category(cases[i].cp);
        if (got != cases[i].cat) {
            fprintf(stderr, "FAIL category of U+%04X: %s, want %s\n", cases[i].cp,
                    tj_ucat_name(got), tj_ucat_name(cases[i].cat));
            failures++;
        }
    }
    static const unsigned spaces[] = {9,      10,     11,     12,     13,     ' ',
                                      0x85,   0xA0,   0x1680, 0x180E, 0x2000, 0x200A,
                                      0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    static const unsigned nonspaces[] = {0, 8, 14, 'a', 0x200B, 0x200F, 0xFEFF, 0x2060, 0x110000};
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        if (!tj_unicode_is_space(spaces[i])) {
            fprintf(stderr, "FAIL U+%04X should be space\n", spaces[i]);
            failures++;
        }
    for (size_t i = 0; i < sizeof nonspaces / sizeof nonspaces[0]; i++)
        if (tj_unicode_is_space(nonspaces[i])) {
            fprintf(stderr, "FAIL U+%04X should not be space\n", nonspaces[i]);
            failures++;
        }
    if (!tj_unicode_is_upper(0x01C5) || tj_unicode_is_upper(0x0627) || !tj_unicode_is_lower(0xDF) ||
        !tj_unicode_is_letter(0x0627) || tj_unicode_is_letter(0x0663) ||
        !tj_unicode_is_digit(0x0663) || !tj_unicode_is_number(0x2160) ||
        !tj_unicode_is_mark(0x064E) || !tj_unicode_is_punct(0x061F) ||
        !tj_unicode_is_symbol(0x20AC) || tj_unicode_is_punct('$')) {
        fprintf(stderr, "FAIL unicode class helpers\n");
        failures++;
    }
    if (strcmp(tj_ucat_name(TJ_UCAT_PF), "Pf") != 0 || strcmp(tj_ucat_name(TJ_UCAT_COUNT), "??")) {
        fprintf(stderr, "FAIL tj_ucat_name\n");
        failures++;
    }
    /* Every run of the table must start after the previous one and carry a valid category. */
    for (size_t i = 0; i < tj_ucat_nranges; i++) {
        if ((tj_ucat_ranges[i] & 31u) >= TJ_UCAT_COUNT ||
            (i > 0 && tj_ucat_ranges[i] >> 5 <= tj_ucat_ranges[i - 1] >> 5) ||
            (i == 0 && tj_ucat_ranges[0] >> 5 != 0)) {
            fprintf(stderr, "FAIL category table entry %zu\n", i);
            failures++;
            break;
        }
    }
}

/* ------------------------------------------------------------------ reference article */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap + 1);
            if (!p) abort();
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Next line of buf (without '\n'); NULL at the end. */
static const char *next_line(const char **p, const char *end, size_t *len)
{
    if (*p >= end) return NULL;
    const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    *len = (size_t)((nl ? nl : end) - s);
    *p = nl ? nl + 1 : end;
    return s;
}

/* bergamot's translation of each sentence of this article with the tiny model begins with the
 * same phrase, and sentences are joined by the space that separated them in the source; so the
 * number of sentences bergamot saw on a line is the number of times the phrase starts the line
 * or follows a space. Lines whose translation does not start with it are skipped. */
static void test_reference_article(void)
{
    const char *shared = getenv("TJ_SHARED");
    char src_path[1024], ref_path[1024];
    snprintf(src_path, sizeof src_path, "%s/fixtures/tiny-aren/src/seed-article.ar",
             shared ? shared : "../shared");
    snprintf(ref_path, sizeof ref_path,
             "%s/fixtures/tiny-aren/ref/seed-article.bergamot-paragraph-noshortlist.en",
             shared ? shared : "../shared");
    size_t slen, rlen;
    char *src = read_file(src_path, &slen), *ref = read_file(ref_path, &rlen);
    if (!src || !ref) {
        printf("skipped reference article: ../shared not found\n");
        free(src);
        free(ref);
        return;
    }
    static const char phrase[] = "It was narrated";
    const char *sp = src, *rp = ref, *sline, *rline;
    size_t sl, rl, lines = 0, compared = 0, sentences = 0;
    while ((sline = next_line(&sp, src + slen, &sl)) && (rline = next_line(&rp, ref + rlen, &rl))) {
        lines++;
        size_t n;
        tj_span *spans = split(sline, sl, B, &n);
        sentences += n;
        /* Every sentence but the last must end at an ASCII full stop (or the quote after it). */
        for (size_t i = 0; i + 1 < n; i++) {
            const char *e = sline + spans[i].end;
            if (e[-1] != '.' && !(spans[i].end >= 4 && memcmp(e - 4, ".\u201d", 4) == 0)) {
                fprintf(stderr, "FAIL article line %zu: sentence %zu ends oddly\n", lines, i);
                failures++;
            }
        }
        free(spans);
        if (rl < sizeof phrase - 1 || memcmp(rline, phrase, sizeof phrase - 1) != 0) continue;
        size_t units = 0;
        for (size_t i = 0; i + sizeof phrase - 1 <= rl; i++)
            if ((i == 0 || rline[i - 1] == ' ') &&
                memcmp(rline + i, phrase, sizeof phrase - 1) == 0)
                units++;
        compared++;
        if (units != n) {
            fprintf(stderr, "FAIL article line %zu: %zu sentences, bergamot translated %zu\n",
                    lines, n, units);
            failures++;
        }
    }
    if (lines != 28 || compared < 25) {
        fprintf(stderr, "FAIL article: %zu lines, %zu compared\n", lines, compared);
        failures++;
    }
    printf("reference article: %zu lines, %zu sentences, %zu lines compared with bergamot\n", lines,
           sentences, compared);
    free(src);
    free(ref);
}

int main(void)
{
    test_unicode();
    test_common();
    test_bergamot_only();
    test_default_only();
    test_api();
    test_long();
    test_reference_article();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
