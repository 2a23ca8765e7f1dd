/* SPDX-License-Identifier: MIT */
/* Arabic vs English from script statistics.
 *
 * Only letters vote: Arabic-script letters (the Arabic, Arabic Supplement, Arabic Extended-A and
 * presentation-form blocks, without their digits, punctuation, symbols, format characters and
 * combining marks) against Latin letters (ASCII, Latin-1, Latin Extended-A/B and Additional,
 * IPA). Digits, punctuation, symbols, whitespace and letters of other scripts are ignored.
 *
 * The rule:
 *   - no Arabic or Latin letter at all       -> unknown
 *   - the minority script has at least 30% of the letters and at least 3 of them -> mixed
 *   - otherwise                              -> the majority script (ties cannot reach here:
 *                                               a tie is 50% >= 30%, or fewer than 3 letters
 *                                               each, which goes to Arabic)
 * The 3-letter floor keeps "OK" in an Arabic sentence, or a one-letter Latin abbreviation, from
 * making a short line mixed; the 30% share keeps a brand name or two in a sentence from doing so.
 * Confidence is the majority script's share of the counted letters (0 for unknown). */
#include "tarjama.h"

#include <stdint.h>

#include "util/utf8.h"

#define MIXED_MIN_PERCENT 30
#define MIXED_MIN_LETTERS 3

static int in(uint32_t cp, uint32_t lo, uint32_t hi)
{
    return cp >= lo && cp <= hi;
}

static int is_arabic_letter(uint32_t cp)
{
    if (in(cp, 0x0600, 0x06FF)) {
        /* Letters and the tatweel; the gaps hold signs, punctuation, marks and digits. */
        return in(cp, 0x0620, 0x064A) || in(cp, 0x066E, 0x066F) || in(cp, 0x0671, 0x06D3) ||
               cp == 0x06D5 || in(cp, 0x06E5, 0x06E6) || in(cp, 0x06EE, 0x06EF) ||
               in(cp, 0x06FA, 0x06FC) || cp == 0x06FF;
    }
    if (in(cp, 0x0750, 0x077F)) return 1;
    if (in(cp, 0x08A0, 0x08FF)) return cp <= 0x08C9; /* 08CA.. are marks */
    if (in(cp, 0xFB50, 0xFDFF)) {
        return !in(cp, 0xFBB2, 0xFBC2) && /* symbols */
               !in(cp, 0xFD3E, 0xFD4F) && /* ornate parentheses, symbols */
               !in(cp, 0xFDCF, 0xFDEF) && /* symbol, noncharacters */
               !in(cp, 0xFDFC, 0xFDFF);   /* rial sign, symbols */
    }
    if (in(cp, 0xFE70, 0xFEFF)) return cp <= 0xFEFC; /* U+FEFF is the byte order mark */
    return 0;
}

static int is_latin_letter(uint32_t cp)
{
    if (cp < 0x80) return in(cp, 'A', 'Z') || in(cp, 'a', 'z');
    if (in(cp, 0x00C0, 0x00FF)) return cp != 0x00D7 && cp != 0x00F7; /* x and division signs */
    return cp == 0x00AA || cp == 0x00BA || in(cp, 0x0100, 0x02AF) || in(cp, 0x1E00, 0x1EFF) ||
           in(cp, 0xFB00, 0xFB06);
}

tj_lang tj_detect_language(const char *text, size_t len, float *confidence)
{
    size_t ar = 0, lat = 0, i = 0;
    while (text && i < len) {
        int n;
        uint32_t cp = tj_utf8_decode(text + i, len - i, &n);
        i += (size_t)n;
        if (is_arabic_letter(cp))
            ar++;
        else if (is_latin_letter(cp))
            lat++;
    }
    if (confidence) *confidence = 0.0f;
    size_t total = ar + lat;
    if (total == 0) return TJ_LANG_UNKNOWN;
    size_t major = ar >= lat ? ar : lat, minor = total - major;
    if (confidence) *confidence = (float)((double)major / (double)total);
    if (minor >= MIXED_MIN_LETTERS && 100 * minor >= MIXED_MIN_PERCENT * total)
        return TJ_LANG_MIXED;
    return ar >= lat ? TJ_LANG_AR : TJ_LANG_EN;
}

const char *tj_lang_code(tj_lang lang)
{
    switch (lang) {
    case TJ_LANG_AR:
        return "ar";
    case TJ_LANG_EN:
        return "en";
    case TJ_LANG_MIXED:
        return "mixed";
    case TJ_LANG_UNKNOWN:
        break;
    }
    return "unknown";
}
