/* SPDX-License-Identifier: MIT */
/* Language detection on arbitrary bytes: a defined answer and a confidence in [0, 1]. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float conf = -1.0f;
    tj_lang lang = tj_detect_language((const char *)data, size, &conf);
    if (lang < TJ_LANG_UNKNOWN || lang > TJ_LANG_MIXED) abort();
    if (!(conf >= 0.0f && conf <= 1.0f)) abort();
    if ((lang == TJ_LANG_UNKNOWN) != (conf == 0.0f)) abort();
    if (strlen(tj_lang_code(lang)) == 0) abort();
    if (tj_detect_language((const char *)data, size, NULL) != lang) abort();
    return 0;
}
