/* SPDX-License-Identifier: MIT */
/* The download module (tarjama-fetch.so, util/module.h): tj_download_run with libcurl.
 * download_module.c fills the table inside the module; download_lazy.c forwards to it. */
#ifndef TJ_REGISTRY_DOWNLOAD_MODULE_H
#define TJ_REGISTRY_DOWNLOAD_MODULE_H

#include "registry/download.h"
#include "util/module.h"

typedef struct tj_fetch_module {
    tj_module_head head;
    tj_status (*run)(const tj_download *d, tj_error *err);
} tj_fetch_module;

#endif
