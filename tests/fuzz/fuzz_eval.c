/* SPDX-License-Identifier: MIT */
/* `tarjama eval` scoring on arbitrary text: the input is "HYP\nREF1\nREF2..." (at most 4
 * references, as lines of the hypothesis and reference files). 13a tokenisation, BLEU and chrF /
 * chrF++ statistics, and the scores, which must be finite and within 0..100. */
#include <math.h>

#include "fuzz.h"
#include "eval/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Lines are C strings in the command (it rejects NUL bytes before scoring). */
    if (memchr(data, '\0', size)) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *lines[5];
    size_t n = 0;
    for (char *p = text; p && n < 5;) {
        lines[n++] = p;
        p = strchr(p, '\n');
        if (p) *p++ = '\0';
    }
    tj_error err;
    char *tok;
    size_t ntok;
    tj_status st = tj_tok13a(lines[0], strlen(lines[0]), &tok, &ntok, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) free(tok);

    tj_bleu_stats bs;
    size_t used;
    st = tj_bleu_segment(lines[0], lines + 1, n - 1, &bs, &used, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        for (int eff = 0; eff < 2; eff++) {
            tj_bleu_score sc;
            tj_bleu_compute(&bs, eff, &sc);
            if (!(sc.score >= 0.0 && sc.score <= 100.0 + 1e-9)) abort();
            char buf[256];
            tj_bleu_verbose(&sc, buf, sizeof buf);
        }
    }
    for (int wo = 0; wo <= TJ_CHRF_MAX_WORD_ORDER; wo++) {
        tj_chrf_stats cs;
        st = tj_chrf_segment(lines[0], lines + 1, n - 1, wo, &cs, &used, &err);
        fuzz_check_error(st, &err);
        if (st != TJ_OK) continue;
        double c = tj_chrf_compute(&cs, wo);
        if (!(c >= 0.0 && c <= 100.0 + 1e-9)) abort();
    }
    free(text);
    return 0;
}
