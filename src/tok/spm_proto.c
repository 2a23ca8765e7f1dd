/* SPDX-License-Identifier: MIT */
/* Protobuf wire-format reader for SentencePiece models. Only the fields in spec §8.1 are kept;
 * everything else is skipped by wire type. Every read is bounds-checked against the end of the
 * enclosing message, so a truncated or corrupt file ends in TJ_ERR_FORMAT, never a crash. */
#include "tok/spm_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/error.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

typedef struct reader {
    const unsigned char *p, *end;
    tj_error *err;
} reader;

static tj_status rd_varint(reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return tj_fail(r->err, TJ_ERR_FORMAT, "truncated varint");
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return TJ_OK;
        }
    }
    return tj_fail(r->err, TJ_ERR_FORMAT, "varint longer than 10 bytes");
}

static tj_status rd_fixed32(reader *r, uint32_t *out)
{
    if (r->end - r->p < 4) return tj_fail(r->err, TJ_ERR_FORMAT, "truncated fixed32 field");
    *out = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
           (uint32_t)r->p[3] << 24;
    r->p += 4;
    return TJ_OK;
}

/* Reads the length prefix of a length-delimited field and returns its extent in *sub. */
static tj_status rd_len(reader *r, reader *sub)
{
    uint64_t n = 0;
    tj_status st = rd_varint(r, &n);
    if (st) return st;
    if (n > (uint64_t)(r->end - r->p))
        return tj_fail(r->err, TJ_ERR_FORMAT, "length-delimited field runs past its message");
    sub->p = r->p;
    sub->end = r->p + n;
    sub->err = r->err;
    r->p += n;
    return TJ_OK;
}

static tj_status rd_str(reader *r, spm_str *out)
{
    reader sub;
    tj_status st = rd_len(r, &sub);
    if (st) return st;
    out->s = (const char *)sub.p;
    out->len = (size_t)(sub.end - sub.p);
    return TJ_OK;
}

static tj_status rd_tag(reader *r, uint32_t *field, int *wt)
{
    uint64_t tag = 0;
    tj_status st = rd_varint(r, &tag);
    if (st) return st;
    *field = (uint32_t)(tag >> 3);
    *wt = (int)(tag & 7);
    if (*field == 0 || tag >> 32) return tj_fail(r->err, TJ_ERR_FORMAT, "invalid field number");
    return TJ_OK;
}

static tj_status skip_field(reader *r, int wt)
{
    uint64_t v = 0;
    reader sub;
    switch (wt) {
    case WT_VARINT:
        return rd_varint(r, &v);
    case WT_FIXED64:
        if (r->end - r->p < 8) return tj_fail(r->err, TJ_ERR_FORMAT, "truncated fixed64 field");
        r->p += 8;
        return TJ_OK;
    case WT_LEN:
        return rd_len(r, &sub);
    case WT_FIXED32:
        if (r->end - r->p < 4) return tj_fail(r->err, TJ_ERR_FORMAT, "truncated fixed32 field");
        r->p += 4;
        return TJ_OK;
    default:
        /* Groups (3, 4) are never written by SentencePiece; 6 and 7 do not exist. */
        return tj_fail(r->err, TJ_ERR_FORMAT, "unsupported protobuf wire type %d", wt);
    }
}

static tj_status want(reader *r, int wt, int expected, const char *name)
{
    if (wt == expected) return TJ_OK;
    return tj_fail(r->err, TJ_ERR_FORMAT, "field %s has wire type %d, expected %d", name, wt,
                   expected);
}

/* Scalars of kind int32/enum/bool: a varint truncated to 32 bits as protobuf does. */
static tj_status rd_int(reader *r, int wt, const char *name, int32_t *out)
{
    tj_status st = want(r, wt, WT_VARINT, name);
    uint64_t v = 0;
    if (!st) st = rd_varint(r, &v);
    if (!st) *out = (int32_t)(uint32_t)v;
    return st;
}

static tj_status parse_piece(reader *r, spm_proto_piece *pc)
{
    pc->piece.s = NULL;
    pc->piece.len = 0;
    pc->score = 0.0f;
    pc->type = SPM_NORMAL;
    while (r->p < r->end) {
        uint32_t field;
        int wt;
        int32_t v;
        uint32_t bits = 0;
        tj_status st = rd_tag(r, &field, &wt);
        if (st) return st;
        switch (field) {
        case 1:
            if ((st = want(r, wt, WT_LEN, "SentencePiece.piece")) || (st = rd_str(r, &pc->piece)))
                return st;
            break;
        case 2:
            if ((st = want(r, wt, WT_FIXED32, "SentencePiece.score")) ||
                (st = rd_fixed32(r, &bits)))
                return st;
            memcpy(&pc->score, &bits, sizeof pc->score);
            break;
        case 3:
            if ((st = rd_int(r, wt, "SentencePiece.type", &v))) return st;
            /* proto2 keeps an unknown enum value out of the field: the default stays. */
            if (v >= SPM_NORMAL && v <= SPM_BYTE) pc->type = v;
            break;
        default:
            if ((st = skip_field(r, wt))) return st;
        }
    }
    return TJ_OK;
}

static tj_status parse_trainer(reader *r, spm_proto *m)
{
    while (r->p < r->end) {
        uint32_t field;
        int wt;
        int32_t v;
        tj_status st = rd_tag(r, &field, &wt);
        if (st) return st;
        switch (field) {
        case 3:
            if ((st = rd_int(r, wt, "TrainerSpec.model_type", &v))) return st;
            if (v >= SPM_MODEL_UNIGRAM && v <= SPM_MODEL_CHAR) m->model_type = v;
            break;
        case 24:
            if ((st = rd_int(r, wt, "TrainerSpec.treat_whitespace_as_suffix", &v))) return st;
            m->treat_whitespace_as_suffix = v != 0;
            break;
        case 35:
            if ((st = rd_int(r, wt, "TrainerSpec.byte_fallback", &v))) return st;
            m->byte_fallback = v != 0;
            break;
        case 40:
            st = rd_int(r, wt, "TrainerSpec.unk_id", &m->unk_id);
            break;
        case 41:
            st = rd_int(r, wt, "TrainerSpec.bos_id", &m->bos_id);
            break;
        case 42:
            st = rd_int(r, wt, "TrainerSpec.eos_id", &m->eos_id);
            break;
        case 43:
            st = rd_int(r, wt, "TrainerSpec.pad_id", &m->pad_id);
            break;
        case 44:
            if (!(st = want(r, wt, WT_LEN, "TrainerSpec.unk_surface")))
                st = rd_str(r, &m->unk_surface);
            break;
        case 45:
            if (!(st = want(r, wt, WT_LEN, "TrainerSpec.unk_piece"))) st = rd_str(r, &m->unk_piece);
            break;
        case 46:
            if (!(st = want(r, wt, WT_LEN, "TrainerSpec.bos_piece"))) st = rd_str(r, &m->bos_piece);
            break;
        case 47:
            if (!(st = want(r, wt, WT_LEN, "TrainerSpec.eos_piece"))) st = rd_str(r, &m->eos_piece);
            break;
        case 48:
            if (!(st = want(r, wt, WT_LEN, "TrainerSpec.pad_piece"))) st = rd_str(r, &m->pad_piece);
            break;
        default:
            st = skip_field(r, wt);
        }
        if (st) return st;
    }
    return TJ_OK;
}

static tj_status parse_normalizer(reader *r, spm_proto_normalizer *n)
{
    n->present = 1;
    while (r->p < r->end) {
        uint32_t field;
        int wt;
        int32_t v;
        tj_status st = rd_tag(r, &field, &wt);
        if (st) return st;
        switch (field) {
        case 2:
            if (!(st = want(r, wt, WT_LEN, "NormalizerSpec.precompiled_charsmap")))
                st = rd_str(r, &n->charsmap);
            break;
        case 3:
            if (!(st = rd_int(r, wt, "NormalizerSpec.add_dummy_prefix", &v)))
                n->add_dummy_prefix = v != 0;
            break;
        case 4:
            if (!(st = rd_int(r, wt, "NormalizerSpec.remove_extra_whitespaces", &v)))
                n->remove_extra_whitespaces = v != 0;
            break;
        case 5:
            if (!(st = rd_int(r, wt, "NormalizerSpec.escape_whitespaces", &v)))
                n->escape_whitespaces = v != 0;
            break;
        default:
            st = skip_field(r, wt);
        }
        if (st) return st;
    }
    return TJ_OK;
}

static void normalizer_defaults(spm_proto_normalizer *n)
{
    memset(n, 0, sizeof *n);
    n->add_dummy_prefix = 1;
    n->remove_extra_whitespaces = 1;
    n->escape_whitespaces = 1;
}

static spm_str cstr(const char *s)
{
    return (spm_str){s, strlen(s)};
}

tj_status spm_proto_parse(const unsigned char *data, size_t size, spm_proto *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    out->model_type = SPM_MODEL_UNIGRAM;
    out->unk_id = 0;
    out->bos_id = 1;
    out->eos_id = 2;
    out->pad_id = -1;
    out->unk_surface = cstr(" \xE2\x81\x87 ");
    out->unk_piece = cstr("<unk>");
    out->bos_piece = cstr("<s>");
    out->eos_piece = cstr("</s>");
    out->pad_piece = cstr("<pad>");
    normalizer_defaults(&out->normalizer);
    normalizer_defaults(&out->denormalizer);

    /* First pass counts the pieces so that the array is allocated once. */
    reader r = {data, data + size, err};
    size_t count = 0;
    while (r.p < r.end) {
        uint32_t field;
        int wt;
        tj_status st = rd_tag(&r, &field, &wt);
        if (!st) st = skip_field(&r, wt);
        if (st) return st;
        if (field == 1) {
            if (wt != WT_LEN) return want(&r, wt, WT_LEN, "ModelProto.pieces");
            count++;
        }
    }
    if (count) {
        /* temporary, read once: huge pages rather than one fault per 4 KB (util/bigmem.h) */
        out->pieces = tj_bigmem_zalloc(count * sizeof *out->pieces, &out->pieces_mapped);
        if (!out->pieces) return tj_fail(err, TJ_ERR_NOMEM, "out of memory for %zu pieces", count);
    }

    r.p = data;
    tj_status st = TJ_OK;
    while (r.p < r.end && !st) {
        uint32_t field;
        int wt;
        reader sub;
        if ((st = rd_tag(&r, &field, &wt))) break;
        switch (field) {
        case 1:
            if ((st = rd_len(&r, &sub))) break;
            st = parse_piece(&sub, &out->pieces[out->n_pieces]);
            if (!st && out->pieces[out->n_pieces].piece.len == 0)
                st = tj_fail(err, TJ_ERR_FORMAT, "piece %zu is empty", out->n_pieces);
            out->n_pieces++;
            break;
        case 2:
            if (!(st = want(&r, wt, WT_LEN, "ModelProto.trainer_spec")) && !(st = rd_len(&r, &sub)))
                st = parse_trainer(&sub, out);
            break;
        case 3:
            if (!(st = want(&r, wt, WT_LEN, "ModelProto.normalizer_spec")) &&
                !(st = rd_len(&r, &sub)))
                st = parse_normalizer(&sub, &out->normalizer);
            break;
        case 5:
            if (!(st = want(&r, wt, WT_LEN, "ModelProto.denormalizer_spec")) &&
                !(st = rd_len(&r, &sub)))
                st = parse_normalizer(&sub, &out->denormalizer);
            break;
        default:
            st = skip_field(&r, wt);
        }
    }
    if (st) spm_proto_free(out);
    return st;
}

void spm_proto_free(spm_proto *p)
{
    if (!p) return;
    tj_bigmem_free(p->pieces, p->pieces_mapped);
    p->pieces = NULL;
    p->pieces_mapped = 0;
    p->n_pieces = 0;
}
