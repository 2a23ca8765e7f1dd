/* SPDX-License-Identifier: MIT */
/* Decoding pieces back to text with the rules of SentencePiece v0.1.95 (spec §8.5), the version
 * bergamot and Marian link: a leading "▁" is dropped from every piece decoded while the output is
 * still empty, "▁" becomes ' ', control pieces vanish, runs of byte pieces are decoded as UTF-8. */
#include "tok/spm_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/strbuf.h"

#define SPACE_SYMBOL "\xE2\x96\x81"

static void put_bytes(tj_strbuf *b, const unsigned char *bytes, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t c = spm_utf8_valid_len((const char *)bytes + i, n - i);
        if (c == 0) {
            tj_strbuf_put(b, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            tj_strbuf_put(b, (const char *)bytes + i, c);
            i += c;
        }
    }
}

static void put_piece(const tj_spm *m, tj_strbuf *b, int id, const char *piece, size_t len)
{
    switch (m->type[id]) {
    case SPM_CONTROL:
        return;
    case SPM_UNKNOWN:
        if (len == m->piece_len[id] && memcmp(piece, m->pool + m->piece_off[id], len) == 0)
            tj_strbuf_put(b, m->unk_surface, m->unk_surface_len);
        else
            tj_strbuf_put(b, piece, len); /* a piece the vocabulary lacks is shown as it is */
        return;
    }
    if (b->len == 0 && (m->norm.add_dummy_prefix || m->norm.remove_extra_whitespaces) && len >= 3 &&
        memcmp(piece, SPACE_SYMBOL, 3) == 0) {
        piece += 3;
        len -= 3;
    }
    size_t from = 0;
    for (size_t i = 0; i + 3 <= len;) {
        if (memcmp(piece + i, SPACE_SYMBOL, 3) == 0) {
            tj_strbuf_put(b, piece + from, i - from);
            tj_strbuf_put(b, " ", 1);
            i += 3;
            from = i;
        } else {
            i++;
        }
    }
    tj_strbuf_put(b, piece + from, len - from);
}

/* pieces[i] / lens[i] with ids[i] = PieceToId(pieces[i]). */
static tj_status decode(const tj_spm *m, const int *ids, const char *const *pieces,
                        const size_t *lens, size_t n, char **text, size_t *text_len, tj_error *err)
{
    tj_strbuf b = {0};
    unsigned char *bytes = NULL;
    size_t nbytes = 0;
    tj_strbuf_put(&b, "", 0);
    for (size_t i = 0; i <= n && !b.oom; i++) {
        if (i < n && m->type[ids[i]] == SPM_BYTE) {
            if (!bytes && !(bytes = malloc(n))) b.oom = 1;
            /* the id came from PieceToId of this very string, so it is "<0xXX>" */
            int hi = pieces[i][3] <= '9' ? pieces[i][3] - '0' : pieces[i][3] - 'A' + 10;
            int lo = pieces[i][4] <= '9' ? pieces[i][4] - '0' : pieces[i][4] - 'A' + 10;
            if (bytes) bytes[nbytes++] = (unsigned char)(hi * 16 + lo);
            continue;
        }
        if (nbytes) {
            put_bytes(&b, bytes, nbytes);
            nbytes = 0;
        }
        if (i < n) put_piece(m, &b, ids[i], pieces[i], lens[i]);
    }
    free(bytes);
    if (b.oom) {
        free(b.s);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding %zu pieces", n);
    }
    if (m->has_denorm) {
        spm_normalized dn;
        tj_status st = spm_normalize(&m->denorm, NULL, b.s, b.len, &dn, err);
        free(b.s);
        if (st) return st;
        b.s = dn.text ? dn.text : malloc(1);
        b.len = dn.len;
        free(dn.to_orig);
        if (!b.s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding %zu pieces", n);
        char *t = realloc(b.s, b.len + 1);
        if (!t) {
            free(b.s);
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding %zu pieces", n);
        }
        b.s = t;
        b.s[b.len] = '\0';
    }
    *text = b.s;
    if (text_len) *text_len = b.len;
    return TJ_OK;
}

tj_status spm_decode_pieces(const tj_spm *m, const char *const *pieces, const size_t *lens,
                            size_t n, char **text, size_t *len, tj_error *err)
{
    *text = NULL;
    int *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) return tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding %zu pieces", n);
    for (size_t i = 0; i < n; i++) ids[i] = spm_piece_to_id(m, pieces[i], lens[i]);
    tj_status st = decode(m, ids, pieces, lens, n, text, len, err);
    free(ids);
    return st;
}

tj_status spm_decode_ids(const tj_spm *m, const int *ids, size_t n, char **text, size_t *len,
                         tj_error *err)
{
    *text = NULL;
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->n_pieces)
            return tj_fail(err, TJ_ERR_ARG, "invalid id %d (the vocabulary has %d pieces)", ids[i],
                           m->n_pieces);
    const char **pieces = malloc((n ? n : 1) * sizeof *pieces);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    int *rid = malloc((n ? n : 1) * sizeof *rid);
    tj_status st;
    if (!pieces || !lens || !rid) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding %zu ids", n);
    } else {
        /* As SentencePiece: ids become pieces, which are looked up again. */
        for (size_t i = 0; i < n; i++) {
            pieces[i] = m->pool + m->piece_off[ids[i]];
            lens[i] = m->piece_len[ids[i]];
            rid[i] = spm_piece_to_id(m, pieces[i], lens[i]);
        }
        st = decode(m, rid, pieces, lens, n, text, len, err);
    }
    free(pieces);
    free(lens);
    free(rid);
    return st;
}

tj_status tj_spm_decode(const tj_spm *spm, const int *ids, size_t n, char **text, tj_error *err)
{
    return spm_decode_ids(spm, ids, n, text, NULL, err);
}
