/* SPDX-License-Identifier: MIT */
#include "util/unicode.h"

tj_ucat tj_unicode_category(uint32_t cp)
{
    if (cp < 256) return (tj_ucat)tj_ucat_latin1[cp];
    if (cp > 0x10FFFF) return TJ_UCAT_CN;
    /* Last run whose first code point is <= cp; runs start at 0, so lo ends up valid. */
    size_t lo = 0, hi = tj_ucat_nranges;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((tj_ucat_ranges[mid] >> 5) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return (tj_ucat)(tj_ucat_ranges[lo] & 31u);
}

const char *tj_ucat_name(tj_ucat cat)
{
    static const char names[TJ_UCAT_COUNT][3] = {
        "Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
        "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co",
    };
    if ((unsigned)cat >= TJ_UCAT_COUNT) return "??";
    return names[cat];
}

int tj_unicode_is_letter(uint32_t cp)
{
    return tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_L);
}

int tj_unicode_is_upper(uint32_t cp)
{
    tj_ucat c = tj_unicode_category(cp);
    return c == TJ_UCAT_LU || c == TJ_UCAT_LT;
}

int tj_unicode_is_lower(uint32_t cp)
{
    return tj_unicode_category(cp) == TJ_UCAT_LL;
}

int tj_unicode_is_digit(uint32_t cp)
{
    return tj_unicode_category(cp) == TJ_UCAT_ND;
}

int tj_unicode_is_number(uint32_t cp)
{
    return tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_N);
}

int tj_unicode_is_mark(uint32_t cp)
{
    return tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_M);
}

int tj_unicode_is_punct(uint32_t cp)
{
    return tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_P);
}

int tj_unicode_is_symbol(uint32_t cp)
{
    return tj_ucat_in(tj_unicode_category(cp), TJ_UCAT_S);
}

int tj_unicode_is_space(uint32_t cp)
{
    if (cp < 128) return cp == ' ' || (cp >= 9 && cp <= 13);
    for (size_t i = 0; i < tj_space_nranges && tj_space_ranges[i][0] <= cp; i++)
        if (cp <= tj_space_ranges[i][1]) return 1;
    return 0;
}
