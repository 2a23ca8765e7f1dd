/* SPDX-License-Identifier: MIT */
/* Loading a SentencePiece model: the checks and derived tables of SentencePiece's
 * ModelInterface::InitializePieces and unigram Model constructor. */
#include "tok/spm_internal.h"

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/blob.h"
#include "util/error.h"

static int is_matchable(int type)
{
    return type == SPM_NORMAL || type == SPM_USER_DEFINED || type == SPM_UNUSED;
}

/* "<0xXX>" with upper-case hex digits -> XX, else -1 (SentencePiece's PieceToByte). */
static int piece_to_byte(const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    const char *hi = s[3] ? memchr(hex, s[3], 16) : NULL;
    const char *lo = s[4] ? memchr(hex, s[4], 16) : NULL;
    if (!hi || !lo) return -1;
    return (int)((hi - hex) * 16 + (lo - hex));
}

static char *dup_mem(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n) memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Prints a piece for an error message: at most 40 bytes. */
static int shown_len(size_t len)
{
    return len > 40 ? 40 : (int)len;
}

/* The matchable, reserved and (when total_user) user-defined tries of p's pieces, and in the
 * matchable trie's block `arrays` bytes at *mem for m's piece arrays. *dup gets the smallest id
 * whose piece repeats one of a smaller id (*dup_of) in the same trie, or -1. */
static tj_status build_tries(tj_spm *m, const spm_proto *p, size_t arrays, void **mem,
                             size_t total_user, int32_t *dup, int32_t *dup_of, tj_error *err)
{
    size_t n = p->n_pieces, n_match = 0, n_reserved = 0, mapped;
    spm_trie_key *keys = tj_bigmem_zalloc((n ? n : 1) * sizeof *keys, &mapped);
    if (!keys) return tj_fail(err, TJ_ERR_NOMEM, "out of memory for the piece trie");
    for (size_t i = 0; i < n; i++) {
        const spm_proto_piece *pc = &p->pieces[i];
        spm_trie_key k = {.s = pc->piece.s, .len = (uint32_t)pc->piece.len, .value = (int32_t)i};
        if (is_matchable(pc->type))
            keys[n_match++] = k;
        else
            keys[n - ++n_reserved] = k;
    }
    int32_t d2, d2_of;
    tj_status st = spm_trie_build(&m->matchable, keys, n_match, arrays, mem, dup, dup_of, err);
    if (!st)
        st = spm_trie_build(&m->reserved, keys + n_match, n_reserved, 0, NULL, &d2, &d2_of, err);
    if (!st && d2 >= 0 && (*dup < 0 || d2 < *dup)) {
        *dup = d2;
        *dup_of = d2_of;
    }
    if (!st && total_user) {
        size_t n_user = 0;
        for (size_t i = 0; i < n; i++)
            if (p->pieces[i].type == SPM_USER_DEFINED)
                keys[n_user++] = (spm_trie_key){.s = p->pieces[i].piece.s,
                                                .len = (uint32_t)p->pieces[i].piece.len,
                                                .value = (int32_t)i};
        /* its repeats are the matchable trie's too */
        st = spm_trie_build(&m->user_defined, keys, n_user, 0, NULL, &d2, &d2_of, err);
    }
    tj_bigmem_free(keys, mapped);
    return st;
}

static tj_status build(tj_spm *m, const spm_proto *p, tj_error *err)
{
    size_t n = p->n_pieces;
    if (n > INT_MAX / 2) return tj_fail(err, TJ_ERR_FORMAT, "too many pieces (%zu)", n);
    m->n_pieces = (int)n;

    size_t total = 0, total_match = 0, total_reserved = 0, total_user = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = p->pieces[i].piece.len;
        total += l + 1;
        if (is_matchable(p->pieces[i].type))
            total_match += l;
        else
            total_reserved += l;
        if (p->pieces[i].type == SPM_USER_DEFINED) total_user += l;
    }
    if (total_match >= SPM_TRIE_MAX_BYTES || total_reserved >= SPM_TRIE_MAX_BYTES)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "vocabulary too large (%zu bytes of pieces; at most 16 MiB)",
                       total_match >= SPM_TRIE_MAX_BYTES ? total_match : total_reserved);

    /* The piece arrays share the matchable trie's block (and its huge pages): score, offsets and
     * lengths, then the strings and the types. */
    void *mem = NULL;
    int32_t dup, dup_of;
    size_t arrays = n * (sizeof *m->score + sizeof *m->piece_off + sizeof *m->piece_len + 1);
    tj_status st = build_tries(m, p, arrays + total, &mem, total_user, &dup, &dup_of, err);
    if (st) return st;
    m->score = mem;
    m->piece_off = (uint32_t *)(m->score + n);
    m->piece_len = m->piece_off + n;
    m->pool = (char *)(m->piece_len + n);
    m->type = (unsigned char *)m->pool + total;
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const spm_proto_piece *pc = &p->pieces[i];
        uint32_t l = (uint32_t)pc->piece.len;
        memcpy(m->pool + off, pc->piece.s, l);
        m->pool[off + l] = '\0';
        m->piece_off[i] = off;
        m->piece_len[i] = l;
        off += l + 1;
        m->score[i] = pc->score;
        m->type[i] = (unsigned char)pc->type;
    }

    m->unk_id = -1;
    for (int b = 0; b < 256; b++) m->byte_ids[b] = -1;
    m->min_score = FLT_MAX;
    m->max_score = FLT_MIN; /* sic: SentencePiece starts from FLT_MIN, not -FLT_MAX */
    for (size_t i = 0; i < n; i++) {
        const spm_proto_piece *pc = &p->pieces[i];
        const char *s = pc->piece.s;
        size_t l = pc->piece.len;
        /* the errors come in piece order, the first one found by a load that inserted piece
         * by piece */
        if ((int32_t)i == dup)
            return tj_fail(err, TJ_ERR_FORMAT, "piece '%.*s' is defined twice (ids %d and %zu)",
                           shown_len(l), s, (int)dup_of, i);
        if (pc->type == SPM_NORMAL) {
            if (pc->score < m->min_score) m->min_score = pc->score;
            if (pc->score > m->max_score) m->max_score = pc->score;
        }
        if (pc->type == SPM_UNKNOWN) {
            if (m->unk_id >= 0)
                return tj_fail(err, TJ_ERR_FORMAT, "two unknown pieces (ids %d and %zu)", m->unk_id,
                               i);
            m->unk_id = (int)i;
        }
        if (pc->type == SPM_BYTE) {
            if (!p->byte_fallback)
                return tj_fail(err, TJ_ERR_FORMAT,
                               "byte piece '%.*s' found although byte_fallback is false",
                               shown_len(l), s);
            int b = piece_to_byte(s, l);
            if (b < 0)
                return tj_fail(err, TJ_ERR_FORMAT, "invalid byte piece '%.*s'", shown_len(l), s);
            m->byte_ids[b] = (int)i;
        }
    }
    if (m->unk_id < 0) return tj_fail(err, TJ_ERR_FORMAT, "the model has no unknown piece");
    m->byte_fallback = p->byte_fallback;
    if (m->byte_fallback)
        for (int b = 0; b < 256; b++)
            if (m->byte_ids[b] < 0)
                return tj_fail(err, TJ_ERR_FORMAT,
                               "byte_fallback is set but piece <0x%02X> is missing", b);

    /* Special ids as SentencePieceProcessor reports them: the trainer's piece names, looked up,
     * and only when the piece has the right type. */
    int id = spm_piece_to_id(m, p->bos_piece.s, p->bos_piece.len);
    m->bos_id = m->type[id] == SPM_CONTROL ? id : -1;
    id = spm_piece_to_id(m, p->eos_piece.s, p->eos_piece.len);
    m->eos_id = m->type[id] == SPM_CONTROL ? id : -1;
    id = spm_piece_to_id(m, p->pad_piece.s, p->pad_piece.len);
    m->pad_id = m->type[id] == SPM_CONTROL ? id : -1;

    m->unk_surface = dup_mem(p->unk_surface.s, p->unk_surface.len);
    if (!m->unk_surface) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    m->unk_surface_len = p->unk_surface.len;

    const spm_proto_normalizer *ns = &p->normalizer;
    if ((st =
             spm_norm_init(&m->norm, (const unsigned char *)ns->charsmap.s, ns->charsmap.len, err)))
        return st;
    m->norm.add_dummy_prefix = ns->add_dummy_prefix;
    m->norm.remove_extra_whitespaces = ns->remove_extra_whitespaces;
    m->norm.escape_whitespaces = ns->escape_whitespaces;
    m->norm.treat_whitespace_as_suffix = p->treat_whitespace_as_suffix;

    /* SentencePiece only builds a denormaliser for a spec with a non-empty charsmap. */
    const spm_proto_normalizer *ds = &p->denormalizer;
    if (ds->present && ds->charsmap.len) {
        if ((st = spm_norm_init(&m->denorm, (const unsigned char *)ds->charsmap.s, ds->charsmap.len,
                                err)))
            return st;
        m->denorm.add_dummy_prefix = ds->add_dummy_prefix;
        m->denorm.remove_extra_whitespaces = ds->remove_extra_whitespaces;
        m->denorm.escape_whitespaces = ds->escape_whitespaces;
        m->has_denorm = 1;
    }
    return TJ_OK;
}

tj_status tj_spm_load_mem(const void *data, size_t size, tj_spm **out, tj_error *err)
{
    *out = NULL;
    if (!data && size) return tj_fail(err, TJ_ERR_ARG, "no model data");
    spm_proto p;
    tj_status st = spm_proto_parse(data, size, &p, err);
    if (st) {
        if (st == TJ_ERR_FORMAT) tj_error_prefix(err, "not a valid SentencePiece model");
        return st;
    }
    static const char *const kinds[] = {"", "unigram", "BPE", "word", "char"};
    if (p.model_type != SPM_MODEL_UNIGRAM) {
        spm_proto_free(&p);
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s SentencePiece models are not supported (only unigram)",
                       kinds[p.model_type]);
    }
    if (p.n_pieces == 0) {
        spm_proto_free(&p);
        return tj_fail(err, TJ_ERR_FORMAT, "not a SentencePiece model: no pieces");
    }
    tj_spm *m = calloc(1, sizeof *m);
    if (!m) {
        spm_proto_free(&p);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    st = build(m, &p, err);
    spm_proto_free(&p);
    if (st) {
        tj_spm_free(m);
        return st;
    }
    *out = m;
    return TJ_OK;
}

tj_status tj_spm_load(const char *path, tj_spm **out, tj_error *err)
{
    *out = NULL;
    tj_blob blob;
    tj_status st = tj_blob_load(path, &blob, err);
    if (st) return st;
    st = tj_spm_load_mem(blob.data, blob.size, out, err);
    tj_blob_free(&blob);
    if (st) tj_error_prefix(err, path);
    return st;
}

void tj_spm_free(tj_spm *m)
{
    if (!m) return;
    spm_trie_free(&m->matchable); /* and the piece arrays in its block */
    spm_trie_free(&m->reserved);
    spm_trie_free(&m->user_defined);
    free(m->unk_surface);
    spm_norm_free(&m->norm);
    spm_norm_free(&m->denorm);
    free(m);
}

int tj_spm_size(const tj_spm *spm)
{
    return spm->n_pieces;
}
int tj_spm_eos_id(const tj_spm *spm)
{
    return spm->eos_id;
}
int tj_spm_unk_id(const tj_spm *spm)
{
    return spm->unk_id;
}
int tj_spm_bos_id(const tj_spm *spm)
{
    return spm->bos_id;
}

const char *tj_spm_piece_str(const tj_spm *spm, int id)
{
    if (id < 0 || id >= spm->n_pieces) return NULL;
    return spm->pool + spm->piece_off[id];
}

int spm_piece_to_id(const tj_spm *spm, const char *piece, size_t len)
{
    int32_t id = spm_trie_find(&spm->reserved, piece, len);
    if (id < 0) id = spm_trie_find(&spm->matchable, piece, len);
    return id >= 0 ? id : spm->unk_id;
}
