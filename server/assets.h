/* SPDX-License-Identifier: MIT */
/* The web page's files, embedded in the binary at build time by server/embed.cmake. */
#ifndef TJ_SERVER_ASSETS_H
#define TJ_SERVER_ASSETS_H

#include <stddef.h>

typedef struct tj_asset {
    const char *path; /* "/index.html" */
    const unsigned char *data;
    size_t size; /* data[size] is a NUL byte */
} tj_asset;

extern const tj_asset tj_assets[];
extern const size_t tj_n_assets;

#endif
