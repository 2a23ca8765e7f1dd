/* SPDX-License-Identifier: MIT */
/* tj_download_run of tarjama-fetch.so, loaded at the first download (util/module.h says why). In
 * the static library the real function takes this name. */
#include "registry/download_module.h"

tj_status tj_download_run(const tj_download *d, tj_error *err)
{
    const tj_fetch_module *m = tj_module_load("tarjama-fetch", sizeof(tj_fetch_module), err);
    return m ? m->run(d, err) : TJ_ERR_UNSUPPORTED;
}
