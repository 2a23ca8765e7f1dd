/* SPDX-License-Identifier: MIT */
/* The YAML subset of Marian's special:model.yml: top-level `key: value` scalars, quoted strings,
 * booleans, and sequences in block (`- x`) or flow (`[x, y]`) form. */
#ifndef TJ_MODEL_YAML_H
#define TJ_MODEL_YAML_H

#include <stddef.h>

/* Copies the scalar value of a top-level key (quotes removed) into buf; returns 1 if found,
 * 0 if absent or if the value is a sequence. */
int tj_yaml_get(const char *yaml, const char *key, char *buf, size_t bufsize);

/* Integer / boolean / float convenience getters; return def when absent or malformed. */
long tj_yaml_get_int(const char *yaml, const char *key, long def);
int tj_yaml_get_bool(const char *yaml, const char *key, int def);
double tj_yaml_get_float(const char *yaml, const char *key, double def);

/* Element idx of a sequence value (block or flow) into buf; returns 1 if found. */
int tj_yaml_get_seq(const char *yaml, const char *key, size_t idx, char *buf, size_t bufsize);

#endif
