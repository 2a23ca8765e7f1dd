/* parity_margins: explains greedy lines that differ from a reference output by the logit margin
 * of the decision where they part.
 *
 *   parity_margins MODEL_DIR [--no-shortlist] SOURCE REFERENCE
 *
 * Each source line is one sentence, decoded greedily on raw logits (the Firefox setting, as
 * `tarjama translate --split line --beam 1`). For each line whose translation differs from the
 * reference line, the tool finds the first step where our text leaves the reference text and
 * prints the gap between the logit of the token we chose and the best logit among the tokens that
 * would have continued the reference text (the reference's own token is one of them). A small
 * gap means the two runtimes disagree on a near-tie. The reference is text, not ids, because the
 * fixtures' references are text: their piece sequence cannot be recovered by re-encoding.
 *
 * The last lines summarise: lines compared, differing, the largest gap, and for scale how often
 * the top two logits of any step lie that close together. A development tool: it uses the
 * library's internal headers. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/model.h"
#include "decode/transformer.h"
#include "model/shortlist.h"
#include "tok/spm.h"

/* The text a piece contributes: U+2581 becomes a space, byte pieces <0xHH> their byte, control
 * pieces nothing. Writes at most cap-1 bytes plus NUL. */
static void surface(const tj_model *m, int id, char *out, size_t cap)
{
    const char *p = tj_spm_piece_str(m->trg_spm, id);
    size_t n = 0;
    out[0] = '\0';
    if (!p || id == m->eos_id || id == m->unk_id || id == tj_spm_bos_id(m->trg_spm)) return;
    unsigned hex;
    if (strlen(p) == 6 && sscanf(p, "<0x%2X>", &hex) == 1) {
        out[0] = (char)hex;
        out[1] = '\0';
        return;
    }
    while (*p && n + 1 < cap) {
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x96 &&
            (unsigned char)p[2] == 0x81) {
            out[n++] = ' ';
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
}

/* Appends s to the running text t (length *tl, capacity cap), dropping the leading spaces of the
 * whole text as SentencePiece's decoder does. Returns 0 when it does not fit. */
static int append(char *t, size_t *tl, size_t cap, const char *s)
{
    if (*tl == 0)
        while (*s == ' ') s++;
    size_t n = strlen(s);
    if (*tl + n + 1 > cap) return 0;
    memcpy(t + *tl, s, n + 1);
    *tl += n;
    return 1;
}

static int is_prefix(const char *text, size_t tl, const char *ref)
{
    return strncmp(text, ref, tl) == 0 && strlen(ref) >= tl;
}

static char *chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

int main(int argc, char **argv)
{
    int use_sl = 1, a = 1;
    if (argc == 5 && strcmp(argv[2], "--no-shortlist") == 0) use_sl = 0, a = 2;
    if (argc != 4 + (use_sl ? 0 : 1)) {
        fprintf(stderr, "usage: parity_margins MODEL_DIR [--no-shortlist] SOURCE REFERENCE\n");
        return 2;
    }
    tj_model *m;
    tj_error err;
    if (tj_model_open(argv[1], &m, &err)) {
        fprintf(stderr, "parity_margins: %s\n", err.message);
        return 1;
    }
    FILE *fs = fopen(argv[a + 1], "r"), *fr = fopen(argv[a + 2], "r");
    if (!fs || !fr) {
        fprintf(stderr, "parity_margins: cannot open %s\n", !fs ? argv[a + 1] : argv[a + 2]);
        return 1;
    }
    enum { LINE = 1 << 20 };
    char *sline = malloc(LINE), *rline = malloc(LINE), *text = malloc(LINE), piece[256];
    long lines = 0, differing = 0, unexplained = 0, steps = 0;
    double max_gap = 0;
    size_t n_close_cap = 0, n_close = 0;
    float *top_gaps = NULL; /* top-1 minus top-2 logit of every step, for scale */
    while (fgets(sline, LINE, fs) && fgets(rline, LINE, fr)) {
        lines++;
        chomp(sline), chomp(rline);
        tj_piece *p = NULL;
        size_t n = 0;
        if (tj_spm_encode(m->src_spm, sline, strlen(sline), &p, &n, &err)) return 1;
        int L = (int)n + 1, *src = malloc((size_t)L * sizeof *src);
        for (size_t i = 0; i < n; i++) src[i] = p[i].id;
        src[n] = m->eos_id;
        free(p);
        int *cols = NULL;
        size_t nc = 0;
        if (use_sl && m->has_shortlist &&
            tj_shortlist_generate(&m->shortlist, src, (size_t)L, (size_t)m->vocab, m->shared_vocab,
                                  &cols, &nc, &err))
            return 1;
        tj_sentence_ctx c;
        if (tj_sentence_begin(&c, m, src, L, cols, (int)nc, 1, &err)) return 1;
        float *state = calloc((size_t)m->dec_depth * m->d, sizeof(float));
        float *lg = malloc((size_t)c.n_cols * sizeof(float));
        int max_steps = (int)ceilf(2.0f * (float)L), prev = -1, parted = 0;
        size_t tl = 0;
        text[0] = '\0';
        char where[512] = "";
        double gap = 0;
        for (int t = 0; t < max_steps; t++) {
            tj_decoder_step(&c, &prev, t, 1, state, lg);
            int best = 0, second = -1;
            for (int j = 0; j < c.n_cols; j++) {
                int id = cols ? cols[j] : j;
                if (id == m->unk_id) lg[j] = -FLT_MAX;
            }
            for (int j = 1; j < c.n_cols; j++)
                if (lg[j] > lg[best]) best = j;
            for (int j = 0; j < c.n_cols; j++)
                if (j != best && (second < 0 || lg[j] > lg[second])) second = j;
            if (n_close == n_close_cap) {
                n_close_cap = n_close_cap ? 2 * n_close_cap : 4096;
                top_gaps = realloc(top_gaps, n_close_cap * sizeof *top_gaps);
            }
            top_gaps[n_close++] = second >= 0 ? lg[best] - lg[second] : INFINITY;
            steps++;
            int w = cols ? cols[best] : best;
            if (!parted) {
                /* Which tokens would have kept to the reference text here? */
                int ours_ok;
                if (w == m->eos_id) {
                    ours_ok = strcmp(text, rline) == 0;
                } else {
                    surface(m, w, piece, sizeof piece);
                    size_t tl2 = tl;
                    ours_ok = append(text, &tl2, LINE, piece) && is_prefix(text, tl2, rline);
                    text[tl] = '\0';
                }
                if (!ours_ok) {
                    int alt = -1;
                    for (int j = 0; j < c.n_cols; j++) {
                        int id = cols ? cols[j] : j;
                        if (j == best || lg[j] == -FLT_MAX) continue;
                        int ok;
                        if (id == m->eos_id) {
                            ok = strcmp(text, rline) == 0;
                        } else {
                            surface(m, id, piece, sizeof piece);
                            size_t tl2 = tl;
                            ok = piece[0] && append(text, &tl2, LINE, piece) &&
                                 is_prefix(text, tl2, rline);
                            text[tl] = '\0';
                        }
                        if (ok && (alt < 0 || lg[j] > lg[alt])) alt = j;
                    }
                    parted = 1;
                    const char *ws = tj_spm_piece_str(m->trg_spm, w);
                    if (alt < 0) {
                        snprintf(where, sizeof where,
                                 "step %d: ours %s, no token continues the "
                                 "reference",
                                 t, ws ? ws : "?");
                        gap = INFINITY;
                    } else {
                        int aid = cols ? cols[alt] : alt;
                        const char *as = tj_spm_piece_str(m->trg_spm, aid);
                        gap = (double)lg[best] - (double)lg[alt];
                        snprintf(where, sizeof where,
                                 "step %d: ours %s (%.4f), reference-side %s "
                                 "(%.4f)",
                                 t, ws ? ws : "?", lg[best], as ? as : "?", lg[alt]);
                    }
                }
            }
            if (w != m->eos_id && !parted) {
                surface(m, w, piece, sizeof piece);
                append(text, &tl, LINE, piece);
            }
            if (w == m->eos_id) break;
            prev = w;
        }
        if (!parted && strcmp(text, rline) != 0) {
            parted = 1;
            gap = INFINITY;
            snprintf(where, sizeof where, "length limit reached before the reference's end");
        }
        if (parted) {
            differing++;
            if (isinf(gap))
                unexplained++;
            else if (gap > max_gap)
                max_gap = gap;
            printf("line %ld: gap %.4g at %s\n", lines, gap, where);
        }
        free(state), free(lg), free(cols), free(src);
        tj_sentence_end(&c);
    }
    size_t close = 0;
    for (size_t i = 0; i < n_close; i++) close += top_gaps[i] <= max_gap;
    printf("lines %ld, differing %ld, explained by a margin %ld, largest gap %.4g\n", lines,
           differing, differing - unexplained, max_gap);
    printf("steps %ld, steps whose top two logits are within %.4g: %zu (%.3f%%)\n", steps, max_gap,
           close, n_close ? 100.0 * (double)close / (double)n_close : 0.0);
    free(top_gaps), free(sline), free(rline), free(text);
    fclose(fs), fclose(fr);
    tj_model_close(m);
    return 0;
}
