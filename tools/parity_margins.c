/* SPDX-License-Identifier: MIT */
/* parity_margins: explains lines that differ from a reference output by the score margin of the
 * decision where they part.
 *
 *   parity_margins MODEL_DIR [--no-shortlist] [--beam K] SOURCE REFERENCE
 *
 * Each source line is one sentence, decoded as `tarjama translate --split line` does (greedy on
 * raw logits by default, the Firefox setting; beam search on log-probabilities with --beam K).
 * The reference is text, not ids: the fixtures' references are text, and their piece sequence
 * cannot always be recovered by re-encoding. So the tool follows which of our hypotheses still
 * spell a prefix of the reference text, and for each line whose translation differs it reports:
 *
 *  - greedy: at the first step where our token leaves the reference text, the gap between its
 *    logit and the best logit among the tokens that would have kept to the reference text (the
 *    reference's own token is one of them);
 *  - beam: the reference's best segmentation under our scores is found first (a beam search
 *    restricted to hypotheses that spell the reference); then the plain search follows it and
 *    reports either the step where it fell out of the beam, with the gap between the weakest
 *    kept candidate's score and its own, or, when it was completed but not chosen, the gap
 *    between the length-normalised scores of our choice and of the reference.
 *
 * A small gap means the two runtimes disagree on a near-tie. The last lines summarise: lines,
 * differing, explained, the largest gap, and (greedy) how often the top two logits of any step lie
 * that close. The beam search here mirrors src/decode/search.c and is checked against it on every
 * line. A development tool: it uses the library's internal headers. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/model.h"
#include "decode/transformer.h"
#include "model/shortlist.h"
#include "tok/spm.h"

#include "decode/search.h"
#include "nn/ops.h"

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

/* Does piece id continue the reference text ref at byte pos? Sets *next to the position after it.
 * SentencePiece's decoder drops the leading spaces of the whole text, hence the pos == 0 case.
 * Control pieces spell nothing and are not counted as continuing. */
static int continues(const tj_model *m, const char *ref, size_t pos, int id, size_t *next)
{
    char s[256];
    surface(m, id, s, sizeof s);
    const char *p = s;
    if (pos == 0)
        while (*p == ' ') p++;
    size_t n = strlen(p);
    if (!s[0] || strncmp(ref + pos, p, n) != 0) return 0;
    *next = pos + n;
    return 1;
}

static char *chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

typedef struct stats {
    long lines, differing, unexplained, tool_errors;
    double max_gap;
    float *top_gaps; /* greedy: top-1 minus top-2 logit of every step, for scale */
    size_t n_gaps, cap_gaps;
} stats;

typedef struct line_result {
    int differs;
    double gap; /* INFINITY: not explained */
    char where[512];
} line_result;

static void record_top_gap(stats *st, float g)
{
    if (st->n_gaps == st->cap_gaps) {
        st->cap_gaps = st->cap_gaps ? 2 * st->cap_gaps : 4096;
        float *p = realloc(st->top_gaps, st->cap_gaps * sizeof *p);
        if (!p) return;
        st->top_gaps = p;
    }
    st->top_gaps[st->n_gaps++] = g;
}

static const char *piece_name(const tj_model *m, int id)
{
    const char *s = tj_spm_piece_str(m->trg_spm, id);
    return s ? s : "?";
}

/* Greedy decoding of one sentence, as src/decode/search.c's greedy(). */
static void explain_greedy(tj_sentence_ctx *c, const char *ref, stats *st, line_result *res)
{
    const tj_model *m = c->m;
    const int *cols = c->cols;
    size_t reflen = strlen(ref), pos = 0, next = 0;
    float *state = calloc((size_t)m->dec_depth * m->d, sizeof(float));
    float *lg = malloc((size_t)c->n_cols * sizeof(float));
    int max_steps = (int)ceilf(2.0f * (float)c->src_len), prev = -1, parted = 0;
    for (int t = 0; t < max_steps; t++) {
        tj_decoder_step(c, &prev, t, 1, state, lg);
        for (int j = 0; j < c->n_cols; j++)
            if ((cols ? cols[j] : j) == m->unk_id) lg[j] = -FLT_MAX;
        int best = 0, second = -1;
        for (int j = 1; j < c->n_cols; j++)
            if (lg[j] > lg[best]) best = j;
        for (int j = 0; j < c->n_cols; j++)
            if (j != best && (second < 0 || lg[j] > lg[second])) second = j;
        record_top_gap(st, second >= 0 ? lg[best] - lg[second] : INFINITY);
        int w = cols ? cols[best] : best;
        int ours_ok = w == m->eos_id ? pos == reflen : continues(m, ref, pos, w, &next);
        if (!parted && !ours_ok) {
            parted = 1;
            int alt = -1;
            for (int j = 0; j < c->n_cols; j++) {
                int id = cols ? cols[j] : j;
                if (j == best || lg[j] == -FLT_MAX) continue;
                size_t nx;
                int ok = id == m->eos_id ? pos == reflen : continues(m, ref, pos, id, &nx);
                if (ok && (alt < 0 || lg[j] > lg[alt])) alt = j;
            }
            if (alt < 0) {
                res->gap = INFINITY;
                snprintf(res->where, sizeof res->where,
                         "step %d: ours %s, no token continues the reference", t, piece_name(m, w));
            } else {
                res->gap = (double)lg[best] - (double)lg[alt];
                snprintf(res->where, sizeof res->where,
                         "step %d: ours %s (%.4f), reference-side %s (%.4f)", t, piece_name(m, w),
                         lg[best], piece_name(m, cols ? cols[alt] : alt), lg[alt]);
            }
        }
        if (!parted) pos = next;
        if (w == m->eos_id || (float)(t + 1) >= 2.0f * (float)c->src_len) break;
        prev = w;
    }
    if (!parted && pos != reflen) {
        parted = 1;
        res->gap = INFINITY;
        snprintf(res->where, sizeof res->where, "the length limit came before the reference's end");
    }
    res->differs = parted;
    free(state), free(lg);
}

typedef struct bhyp {
    int parent, word, len;
    float score;
    long pos;    /* constrained: bytes of the reference spelled so far */
    int on_path; /* plain: this hypothesis is a prefix of the followed path */
} bhyp;

/* One beam search of width K, a copy of src/decode/search.c's beam().
 *  - constrain: only candidates that keep spelling ref compete, and a finished hypothesis must
 *    have spelled all of it: the best segmentation of the reference under our scores.
 *  - otherwise the plain search, which also follows path[0..path_n) (a segmentation of the
 *    reference) and fills res with where and by how much it fell out of the beam.
 * *ids_out and *n_out get the chosen hypothesis (EOS included), *norm_out its normalised score;
 * *ids_out is NULL when nothing finished. Returns 0 when out of memory. */
static int run_beam(tj_sentence_ctx *c, int K, const char *ref, int constrain, const int *path,
                    int path_n, int **ids_out, int *n_out, float *norm_out, line_result *res)
{
    const tj_model *m = c->m;
    int S = c->n_cols, eos = m->eos_id, L = c->src_len;
    int max_steps = (int)ceilf(2.0f * (float)L);
    size_t reflen = strlen(ref), sdim = (size_t)m->dec_depth * m->d;
    size_t cap = (size_t)K * ((size_t)max_steps + 1) + 1, n_arena = 0;
    bhyp *arena = malloc(cap * sizeof *arena);
    int *live = malloc((size_t)K * sizeof *live), *next_live = malloc((size_t)K * sizeof *live);
    int *prev = malloc((size_t)K * sizeof *prev), *top = malloc((size_t)K * sizeof *top);
    float *state = calloc((size_t)K * sdim, sizeof(float));
    float *new_state = malloc((size_t)K * sdim * sizeof(float));
    float *lg = malloc((size_t)K * S * sizeof(float)), *top_s = malloc((size_t)K * sizeof *top_s);
    long *npos = constrain ? malloc((size_t)K * S * sizeof *npos) : NULL;
    *ids_out = NULL;
    *n_out = 0;
    int unk_col = -1;
    for (int j = 0; j < S; j++)
        if ((c->cols ? c->cols[j] : j) == m->unk_id) unk_col = j;
    int ok = arena && live && next_live && prev && top && state && new_state && lg && top_s &&
             (!constrain || npos);
    int n_live = 1, best = -1, pruned = 0, path_done = 0;
    float best_norm = -FLT_MAX, path_norm = 0.0f;
    if (ok) {
        arena[n_arena++] = (bhyp){-1, -1, 0, 0.0f, 0, 1};
        live[0] = 0;
    }
    for (int t = 0; ok && t < max_steps && n_live > 0; t++) {
        for (int r = 0; r < n_live; r++) prev[r] = arena[live[r]].word;
        if (t == 0) prev[0] = -1;
        tj_decoder_step(c, prev, t, n_live, state, lg);
        tj_logsoftmax_rows(lg, (size_t)n_live, (size_t)S);
        int at_limit = (float)(t + 1) >= 2.0f * (float)L || t + 1 == max_steps;
        int path_row = -1, path_col = -1;
        for (int r = 0; r < n_live; r++) {
            float *row = lg + (size_t)r * S;
            if (unk_col >= 0) row[unk_col] = -FLT_MAX;
            float base = arena[live[r]].score;
            for (int j = 0; j < S; j++) row[j] = base + row[j];
            if (constrain) {
                for (int j = 0; j < S; j++) {
                    int id = c->cols ? c->cols[j] : j;
                    long p0 = arena[live[r]].pos, q = -1;
                    size_t nx = 0;
                    if (id == eos)
                        q = (size_t)p0 == reflen ? p0 : -1;
                    else if (continues(m, ref, (size_t)p0, id, &nx) && (!at_limit || nx == reflen))
                        q = (long)nx;
                    npos[(size_t)r * S + j] = q;
                    if (q < 0) row[j] = -INFINITY;
                }
            } else if (arena[live[r]].on_path && t < path_n) {
                path_row = r;
                for (int j = 0; j < S; j++)
                    if ((c->cols ? c->cols[j] : j) == path[t]) path_col = j;
            }
        }
        int want =
            (int)tj_topk_scores(lg, (size_t)n_live * S, (size_t)(t == 0 ? K : n_live), top_s, top);
        int n_next = 0, path_kept = 0;
        for (int i = 0; i < want; i++) {
            if (top_s[i] == -INFINITY) break; /* constrained: nothing left that spells ref */
            int row = top[i] / S, col = top[i] % S;
            int w = c->cols ? c->cols[col] : col;
            bhyp h = {live[row],
                      w,
                      t + 1,
                      top_s[i],
                      constrain ? npos[top[i]] : 0,
                      !constrain && row == path_row && col == path_col};
            arena[n_arena] = h;
            int idx = (int)n_arena++;
            path_kept |= h.on_path;
            if (w == eos || at_limit) {
                float norm = h.score / powf((float)h.len, 1.0f);
                if (norm > best_norm) best_norm = norm, best = idx;
                if (h.on_path && h.len == path_n) path_done = 1, path_norm = norm;
            } else {
                memcpy(new_state + (size_t)n_next * sdim, state + (size_t)row * sdim,
                       sdim * sizeof(float));
                next_live[n_next++] = idx;
            }
        }
        if (!constrain && !pruned && !path_done && !path_kept) {
            pruned = 1;
            if (path_row < 0 || path_col < 0) {
                res->gap = INFINITY;
                snprintf(res->where, sizeof res->where, "step %d: the path is not a candidate", t);
            } else {
                float ps = lg[(size_t)path_row * S + path_col];
                res->gap = (double)top_s[want - 1] - (double)ps;
                snprintf(res->where, sizeof res->where,
                         "step %d: the reference's prefix + %s (%.4f) fell below the beam's last "
                         "(%.4f)",
                         t, piece_name(m, path[t]), ps, top_s[want - 1]);
            }
        }
        memcpy(state, new_state, (size_t)n_next * sdim * sizeof(float));
        memcpy(live, next_live, (size_t)n_next * sizeof *live);
        n_live = at_limit ? 0 : n_next;
    }
    if (ok && best >= 0) {
        int n = 0;
        for (int i = best; i > 0; i = arena[i].parent) n++;
        int *ids = malloc((size_t)n * sizeof *ids);
        ok = ids != NULL;
        for (int i = best, k = n - 1; ok && i > 0; i = arena[i].parent) ids[k--] = arena[i].word;
        *ids_out = ids;
        *n_out = ok ? n : 0;
        *norm_out = best_norm;
    }
    if (ok && !constrain && !pruned) {
        if (path_done) {
            res->gap = (double)best_norm - (double)path_norm;
            snprintf(res->where, sizeof res->where,
                     "final choice: ours %.5f, reference %.5f (normalised log-probability)",
                     best_norm, path_norm);
        } else {
            res->gap = INFINITY;
            snprintf(res->where, sizeof res->where, "the reference was never completed");
        }
    }
    free(arena), free(live), free(next_live), free(prev), free(top), free(state), free(new_state),
        free(lg), free(top_s), free(npos);
    return ok;
}

/* Beam lines: the reference's best segmentation first (a constrained search twice as wide), then
 * the plain search following it; the plain search must reproduce tj_search. */
static int explain_beam(tj_sentence_ctx *c, const tj_search_opts *so, const int *src,
                        const char *ref, line_result *res)
{
    const tj_model *m = c->m;
    int *want = NULL, n_want = 0, *path = NULL, n_path = 0, *ids = NULL, n_ids = 0, ok = 0;
    float norm;
    tj_error err;
    if (tj_search(m, so, src, c->src_len, &want, &n_want, &err)) return 0;
    char *text = NULL;
    int n_text = n_want > 0 && want[n_want - 1] == m->eos_id ? n_want - 1 : n_want;
    if (tj_spm_decode(m->trg_spm, want, (size_t)n_text, &text, &err)) goto out;
    res->differs = strcmp(text, ref) != 0;
    free(text);
    if (!res->differs) {
        ok = 1;
        goto out;
    }
    if (!run_beam(c, 2 * so->beam_size, ref, 1, NULL, 0, &path, &n_path, &norm, res)) goto out;
    if (!path) {
        res->gap = INFINITY;
        snprintf(res->where, sizeof res->where, "no segmentation of the reference found");
    }
    line_result plain = *res;
    if (!run_beam(c, so->beam_size, ref, 0, path, path ? n_path : 0, &ids, &n_ids, &norm, &plain))
        goto out;
    if (path) *res = plain;
    ok = n_ids == n_want && (n_ids == 0 || memcmp(ids, want, (size_t)n_ids * sizeof *ids) == 0);
out:
    free(want), free(path), free(ids);
    return ok;
}

int main(int argc, char **argv)
{
    int use_sl = 1, beam = 1, a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "--no-shortlist") == 0)
            use_sl = 0;
        else if (strcmp(argv[a], "--beam") == 0 && a + 1 < argc && atoi(argv[a + 1]) >= 1)
            beam = atoi(argv[++a]);
        else
            break;
    }
    if (argc - a != 3) {
        fprintf(stderr, "usage: parity_margins [--no-shortlist] [--beam K] MODEL_DIR SOURCE "
                        "REFERENCE\n");
        return 2;
    }
    tj_model *m;
    tj_error err;
    if (tj_model_open(argv[a], &m, &err)) {
        fprintf(stderr, "parity_margins: %s\n", err.message);
        return 1;
    }
    FILE *fs = fopen(argv[a + 1], "r"), *fr = fopen(argv[a + 2], "r");
    if (!fs || !fr) {
        fprintf(stderr, "parity_margins: cannot open %s\n", !fs ? argv[a + 1] : argv[a + 2]);
        return 1;
    }
    enum { LINE = 1 << 20 };
    char *sline = malloc(LINE), *rline = malloc(LINE);
    stats st = {0};
    tj_search_opts so = {beam, 1.0f, 2.0f, use_sl, NULL, 0};
    while (sline && rline && fgets(sline, LINE, fs) && fgets(rline, LINE, fr)) {
        st.lines++;
        chomp(sline), chomp(rline);
        tj_piece *p = NULL;
        size_t n = 0;
        if (tj_spm_encode(m->src_spm, sline, strlen(sline), &p, &n, &err)) break;
        int L = (int)n + 1, *src = malloc((size_t)L * sizeof *src);
        for (size_t i = 0; i < n; i++) src[i] = p[i].id;
        src[n] = m->eos_id;
        free(p);
        int *cols = NULL;
        size_t nc = 0;
        if (use_sl && m->has_shortlist &&
            tj_shortlist_generate(&m->shortlist, src, (size_t)L, (size_t)m->vocab, m->shared_vocab,
                                  &cols, &nc, &err))
            break;
        tj_sentence_ctx c;
        if (tj_sentence_begin(&c, m, src, L, cols, (int)nc, beam, &err)) break;
        line_result res = {0, 0.0, ""};
        if (beam == 1) {
            explain_greedy(&c, rline, &st, &res);
        } else {
            if (!explain_beam(&c, &so, src, rline, &res)) {
                st.tool_errors++;
                printf("line %ld: the tool's beam search does not reproduce tj_search\n", st.lines);
            }
        }
        if (res.differs) {
            st.differing++;
            if (isinf(res.gap))
                st.unexplained++;
            else if (res.gap > st.max_gap)
                st.max_gap = res.gap;
            printf("line %ld: gap %.4g at %s\n", st.lines, res.gap, res.where);
        }
        free(cols), free(src);
        tj_sentence_end(&c);
    }
    printf("lines %ld, differing %ld, explained by a margin %ld, largest gap %.4g%s\n", st.lines,
           st.differing, st.differing - st.unexplained, st.max_gap,
           st.tool_errors ? ", TOOL ERRORS" : "");
    if (beam == 1) {
        size_t close = 0;
        for (size_t i = 0; i < st.n_gaps; i++) close += st.top_gaps[i] <= st.max_gap;
        printf("steps %zu, steps whose top two logits are within %.4g: %zu (%.3f%%)\n", st.n_gaps,
               st.max_gap, close, st.n_gaps ? 100.0 * (double)close / (double)st.n_gaps : 0.0);
    }
    free(st.top_gaps), free(sline), free(rline);
    fclose(fs), fclose(fr);
    tj_model_close(m);
    return st.tool_errors ? 1 : 0;
}
