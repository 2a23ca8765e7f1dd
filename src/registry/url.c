/* SPDX-License-Identifier: MIT */
/* Which URLs may be fetched (tj_url_allowed), apart from the download itself: the command checks
 * a registry address before any download, without loading the download module. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"

/* Host part of a URL, lowercased, brackets of an IPv6 literal kept; "" when malformed. */
static void url_host(const char *url, char *host, size_t cap)
{
    host[0] = '\0';
    const char *p = strstr(url, "://");
    if (!p) return;
    p += 3;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) p = at + 1;
    const char *stop;
    if (*p == '[') {
        stop = memchr(p, ']', (size_t)(end - p));
        if (!stop) return;
        stop++;
    } else {
        stop = memchr(p, ':', (size_t)(end - p));
        if (!stop) stop = end;
    }
    size_t n = (size_t)(stop - p);
    if (n + 1 > cap) return;
    for (size_t i = 0; i < n; i++)
        host[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    host[n] = '\0';
}

/* 127.0.0.0/8 in strict dotted-quad form, [::1] or localhost. */
static int loopback_host(const char *h)
{
    if (!strcmp(h, "localhost") || !strcmp(h, "[::1]")) return 1;
    int parts = 0, first = -1;
    const char *p = h;
    while (parts < 4) {
        if (*p < '0' || *p > '9') return 0;
        int v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) v = v * 10 + (*p++ - '0'), digits++;
        if (digits > 3 || v > 255) return 0;
        if (parts == 0) first = v;
        parts++;
        if (parts < 4 && *p++ != '.') return 0;
    }
    return *p == '\0' && first == 127;
}

int tj_url_allowed(const char *url)
{
    char host[256];
    url_host(url, host, sizeof host);
    if (!host[0]) return 0;
    if (!strncasecmp(url, "https://", 8)) return 1;
    return !strncasecmp(url, "http://", 7) && loopback_host(host);
}

int tj_url_is_loopback(const char *url)
{
    char host[256];
    url_host(url, host, sizeof host);
    return loopback_host(host);
}
