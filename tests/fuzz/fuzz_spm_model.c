/* SPDX-License-Identifier: MIT */
/* SentencePiece .spm files: the protobuf reader (tok/spm_proto.c) and then the whole load
 * (pieces, trie, charsmap normaliser) from memory; a model that loads encodes and decodes a
 * fixed mixed-script sentence and its own first ids. */
#include "fuzz.h"
#include "tok/spm.h"
#include "tok/spm_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tj_error err;
    spm_proto p;
    tj_status st = spm_proto_parse(data, size, &p, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        for (size_t i = 0; i < p.n_pieces; i++)
            fuzz_touch(p.pieces[i].piece.s, p.pieces[i].piece.len);
        fuzz_touch(p.normalizer.charsmap.s, p.normalizer.charsmap.len);
        spm_proto_free(&p);
    }

    tj_spm *spm;
    st = tj_spm_load_mem(data, size, &spm, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    static const char text[] = " Hello  wörld, مرحبا بالعالم!\t1.5 \xef\xbc\xa1\xff ";
    tj_piece *pieces;
    size_t n;
    st = tj_spm_encode(spm, text, sizeof text - 1, &pieces, &n, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        int ids[64];
        size_t k = n < 64 ? n : 64;
        for (size_t i = 0; i < k; i++) {
            if (pieces[i].begin > pieces[i].end || pieces[i].end > sizeof text - 1) abort();
            ids[i] = pieces[i].id;
        }
        char *out;
        st = tj_spm_decode(spm, ids, k, &out, &err);
        fuzz_check_error(st, &err);
        if (st == TJ_OK) free(out);
        free(pieces);
    }
    int size_ = tj_spm_size(spm);
    int ids[8];
    for (int i = 0; i < 8; i++) ids[i] = size_ ? i % size_ : 0;
    char *out;
    st = tj_spm_decode(spm, ids, size_ ? 8 : 0, &out, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) free(out);
    for (int i = 0; i < size_ && i < 16; i++) {
        const char *s = tj_spm_piece_str(spm, i);
        if (s) fuzz_touch(s, strlen(s) + 1);
    }
    tj_spm_free(spm);
    return 0;
}
