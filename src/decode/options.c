/* SPDX-License-Identifier: MIT */
#include "decode/options.h"

#include "util/error.h"

void tj_options_default(tj_options *o)
{
    o->beam_size = 1;
    o->normalize = 1.0f;
    o->max_length_factor = 2.0f;
    o->use_shortlist = 1;
    o->split = TJ_SPLIT_PARAGRAPH;
    o->threads = 0;
}

tj_status tj_options_take(const tj_options *opt, tj_options *out, tj_error *err)
{
    if (opt)
        *out = *opt;
    else
        tj_options_default(out);
    const tj_options *o = out;
    if (o->beam_size < 1 || o->beam_size > TJ_MAX_BEAM)
        return tj_fail(err, TJ_ERR_ARG, "beam size %d out of range (1..%d)", o->beam_size,
                       TJ_MAX_BEAM);
    /* written so that NaN fails too */
    if (!(o->normalize >= 0.0f && o->normalize <= 10.0f))
        return tj_fail(err, TJ_ERR_ARG, "length normalisation exponent must be in [0, 10]");
    if (o->threads < 0 || o->threads > TJ_MAX_THREADS)
        return tj_fail(err, TJ_ERR_ARG, "thread count %d out of range (0..%d, 0 = one per CPU)",
                       o->threads, TJ_MAX_THREADS);
    if (!(o->max_length_factor > 0.0f) || o->max_length_factor > 100.0f)
        return tj_fail(err, TJ_ERR_ARG, "max length factor must be in (0, 100]");
    if (o->split != TJ_SPLIT_PARAGRAPH && o->split != TJ_SPLIT_LINE)
        return tj_fail(err, TJ_ERR_ARG, "unknown split mode %d", (int)o->split);
    return TJ_OK;
}
