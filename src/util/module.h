/* SPDX-License-Identifier: MIT */
/* Modules: the parts that need large system libraries, loaded on first use.
 *
 * Documents (libxml2, libzip, cmark-gfm), downloads (libcurl) and the server (libmicrohttpd,
 * jansson) pull in some 40 shared libraries (TLS, Kerberos, LDAP, ICU...). Linked into
 * libtarjama and the command, the dynamic loader mapped and relocated all of them at every
 * start: `tarjama --version` took 18 ms, more than loading a model. They are built as modules
 * (tarjama-doc.so, tarjama-fetch.so, tarjama-serve.so), each with its own private copy of the
 * library code it calls, exporting one table `tj_module`; the library and the command hold small
 * forwarders that load the module when its function is first called (formats_lazy.c,
 * download_lazy.c, cli/cmd_serve.c). The static library links the real code instead.
 *
 * A module is looked for next to the object that loads it, then next to the running program:
 * in DIR itself (the build tree), DIR/tarjama (an installed libtarjama in LIBDIR), and
 * DIR/TJ_BIN_TO_MODULES (an installed command in BINDIR: ../LIBDIR/tarjama). A table from
 * another version or with another layout is refused. */
#ifndef TJ_UTIL_MODULE_H
#define TJ_UTIL_MODULE_H

#include <stddef.h>

#include "tarjama.h"

/* Bumped when a module table changes meaning without changing size. */
#define TJ_MODULE_ABI 1

/* Every module table starts with this. */
typedef struct tj_module_head {
    int abi;             /* TJ_MODULE_ABI */
    size_t size;         /* sizeof the whole table */
    const char *version; /* TJ_VERSION */
} tj_module_head;

#define TJ_MODULE_HEAD(type)                                                                       \
    {                                                                                              \
        TJ_MODULE_ABI, sizeof(type), TJ_VERSION                                                    \
    }

/* The table of module NAME ("tarjama-doc": file tarjama-doc.so), checked to be size bytes of this
 * version, or NULL with TJ_ERR_UNSUPPORTED and a message saying where it was looked for. Loaded
 * modules stay loaded (the loader's reference count; nothing here keeps state). */
const void *tj_module_load(const char *name, size_t size, tj_error *err);

#endif
