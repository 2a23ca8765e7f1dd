/* SPDX-License-Identifier: MIT */
/* A small strict JSON reader (RFC 8259) for the few JSON files models come with: safetensors
 * headers, Hugging Face config.json and vocab.json. The whole text becomes a tree of nodes;
 * nesting is limited so that hostile input cannot exhaust the stack. */
#ifndef TJ_UTIL_JSON_H
#define TJ_UTIL_JSON_H

#include <stddef.h>
#include "tarjama.h"

typedef enum tj_json_type {
    TJ_JSON_NULL,
    TJ_JSON_BOOL,
    TJ_JSON_NUM,
    TJ_JSON_STR,
    TJ_JSON_ARR,
    TJ_JSON_OBJ
} tj_json_type;

typedef struct tj_json {
    tj_json_type type;
    int boolean;
    double num;
    char *str;  /* strings: the decoded value, NUL-terminated (may hold NULs: see len) */
    size_t len; /* its length in bytes */
    char *key;  /* members of an object: the member name, decoded */
    struct tj_json *child, *next;
    size_t n; /* arrays and objects: number of children */
} tj_json;

/* Parses text[0..len). Messages give the byte offset ("JSON: expected ':' at byte 57"). */
tj_status tj_json_parse(const char *text, size_t len, tj_json **out, tj_error *err);
void tj_json_free(tj_json *j);

/* The member `key` of an object (the first one of that name), or NULL. */
const tj_json *tj_json_get(const tj_json *obj, const char *key);
/* Integer value of a number node that holds an exact integer in [lo, hi]; returns 0 if not. */
int tj_json_int(const tj_json *j, long long lo, long long hi, long long *out);

#endif
