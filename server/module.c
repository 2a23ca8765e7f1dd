/* SPDX-License-Identifier: MIT */
/* The table tarjama-serve.so exports (src/util/module.h says why the server is a module):
 * tj_server_run with libmicrohttpd and jansson. cli/cmd_serve.c loads it. */
#include "server_module.h"

const tj_serve_module tj_module = {TJ_MODULE_HEAD(tj_serve_module), tj_server_run};
