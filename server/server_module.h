/* SPDX-License-Identifier: MIT */
/* The server module's table (server/module.c fills it; cli/cmd_serve.c loads it). */
#ifndef TJ_SERVER_MODULE_H
#define TJ_SERVER_MODULE_H

#include "server.h"
#include "util/module.h"

typedef struct tj_serve_module {
    tj_module_head head;
    int (*run)(const tj_server_config *cfg);
} tj_serve_module;

#endif
