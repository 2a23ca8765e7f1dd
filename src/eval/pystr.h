/* SPDX-License-Identifier: MIT */
/* The few Python str semantics that sacreBLEU's scores depend on: what str.isspace() calls
 * whitespace, str.rstrip() and str.split() with no arguments. Emulated exactly so that a line
 * holding, say, a no-break space tokenizes the way sacreBLEU tokenizes it. Input is UTF-8. */
#ifndef TJ_EVAL_PYSTR_H
#define TJ_EVAL_PYSTR_H

#include <stddef.h>
#include <stdint.h>

/* 1 when Python's str.isspace() is true for the code point. */
int tj_py_isspace(uint32_t cp);

/* Length of s[0..len) once trailing whitespace is removed (str.rstrip()). */
size_t tj_py_rstrip_len(const char *s, size_t len);

/* str.split(): writes the words of s[0..len) joined by single ASCII spaces to out, which must
 * have room for len + 1 bytes; NUL-terminates it. Returns the number of words; *out_len gets the
 * length written. out may not alias s. */
size_t tj_py_split_join(const char *s, size_t len, char *out, size_t *out_len);

#endif
