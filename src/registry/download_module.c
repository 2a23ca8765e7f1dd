/* SPDX-License-Identifier: MIT */
/* The table tarjama-fetch.so exports (built into the module only, with download.c). */
#include "registry/download_module.h"

const tj_fetch_module tj_module = {TJ_MODULE_HEAD(tj_fetch_module), tj_download_run};
