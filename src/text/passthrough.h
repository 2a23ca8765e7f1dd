/* SPDX-License-Identifier: MIT */
/* Pass-through: which segments have nothing for a model to translate. */
#ifndef TJ_TEXT_PASSTHROUGH_H
#define TJ_TEXT_PASSTHROUGH_H

#include <stddef.h>

/* Returns 1 when s[0..len) (valid UTF-8) has a letter outside URLs and e-mail addresses, so a
 * model has something to translate; 0 when it is only digits, punctuation, symbols, emoji,
 * combining marks, white space, URLs and e-mail addresses, which are copied unchanged. */
int tj_text_translatable(const char *s, size_t len);

#endif
