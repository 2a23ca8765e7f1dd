/* SPDX-License-Identifier: MIT */
#include "registry/download.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

typedef struct transfer {
    const tj_download *d;
    CURL *curl;
    int fd;
    uint64_t offset;   /* bytes on disk before this response */
    uint64_t received; /* bytes of this response written */
    long range_start;  /* from Content-Range, -1 when absent */
    int checked;       /* response status looked at (first body byte) */
    int too_big, bad_range, write_errno;
} transfer;

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    transfer *t = ud;
    size_t n = size * nitems;
    /* A new status line (redirect, 100-continue) starts a new set of headers. */
    if (n >= 5 && !strncmp(line, "HTTP/", 5)) t->range_start = -1;
    static const char name[] = "content-range:";
    if (n > sizeof name && !strncasecmp(line, name, sizeof name - 1)) {
        const char *p = line + sizeof name - 1;
        while (*p == ' ') p++;
        if (!strncasecmp(p, "bytes ", 6)) t->range_start = strtol(p + 6, NULL, 10);
    }
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;
    if (!t->checked) {
        t->checked = 1;
        long code = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
        if (code == 206 && (t->range_start < 0 || (uint64_t)t->range_start != t->offset)) {
            t->bad_range = 1;
            return 0;
        }
        if (code != 206 && t->offset > 0) {
            /* The server ignored the Range request and sends the whole file: start over. */
            if (ftruncate(t->fd, 0) != 0) {
                t->write_errno = errno;
                return 0;
            }
            t->offset = 0;
        }
    }
    if (n > t->d->expected_size - t->offset - t->received) {
        t->too_big = 1;
        return 0;
    }
    for (size_t done = 0; done < n;) {
        ssize_t w = write(t->fd, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            t->write_errno = errno;
            return 0;
        }
        done += (size_t)w;
    }
    t->received += n;
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    transfer *t = ud;
    const tj_download *d = t->d;
    tj_fetch_event ev = {.stage = TJ_FETCH_PROGRESS,
                         .file = d->file,
                         .index = d->index,
                         .count = d->count,
                         .done = t->offset + t->received,
                         .total = d->expected_size};
    d->progress(d->progress_ctx, &ev);
    return 0;
}

static void emit_start(const tj_download *d, uint64_t offset)
{
    if (!d->progress) return;
    tj_fetch_event ev = {.stage = TJ_FETCH_START,
                         .file = d->file,
                         .index = d->index,
                         .count = d->count,
                         .done = offset,
                         .total = d->expected_size,
                         .resumed_from = offset};
    d->progress(d->progress_ctx, &ev);
}

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

/* One request. *retry_fresh is set when the server refused the range (416): the caller
 * truncates the .part file and tries once more. */
static tj_status attempt(const tj_download *d, int fd, uint64_t offset, int *retry_fresh,
                         tj_error *err)
{
    *retry_fresh = 0;
    CURL *curl = curl_easy_init();
    if (!curl) return tj_fail(err, TJ_ERR_NOMEM, "cannot start libcurl");
    transfer t = {.d = d, .curl = curl, .fd = fd, .offset = offset, .range_start = -1};
    char errbuf[CURL_ERROR_SIZE] = "";
    char range[32];
    snprintf(range, sizeof range, "%llu-", ull(offset));

    curl_easy_setopt(curl, CURLOPT_URL, d->url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    /* Plain http only ever reaches loopback (checked by the caller); redirects must be https. */
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: the string forms replace the bitmasks */
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    if (tj_url_is_loopback(d->url)) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tarjama/" TJ_VERSION);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, d->connect_timeout_s);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, d->stall_timeout_s);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    if (offset > 0) curl_easy_setopt(curl, CURLOPT_RANGE, range);
    if (d->progress) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    }

    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);

    uint64_t have = t.offset + t.received;
    if (t.write_errno)
        return tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", d->part_path,
                       strerror(t.write_errno));
    if (t.too_big)
        return tj_fail(err, TJ_ERR_CHECKSUM,
                       "the server sent more than the pinned %llu bytes (wrong file?)",
                       ull(d->expected_size));
    if (t.bad_range)
        return tj_fail(err, TJ_ERR_NETWORK,
                       "the server answered the resume request with the "
                       "wrong byte range");
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        if (code == 416 && offset > 0) {
            *retry_fresh = 1;
            return tj_fail(err, TJ_ERR_NETWORK, "HTTP 416: %s refused to resume at byte %llu",
                           d->url, ull(offset));
        }
        if (code == 404 || code == 410)
            return tj_fail(err, TJ_ERR_NOTFOUND, "HTTP %ld: not found at %s", code, d->url);
        return tj_fail(err, TJ_ERR_NETWORK, "HTTP %ld from %s", code, d->url);
    }
    if (rc != CURLE_OK && have == offset)
        return tj_fail(err, TJ_ERR_NETWORK, "network error: %s",
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    if (rc != CURLE_OK)
        return tj_fail(err, TJ_ERR_NETWORK,
                       "download interrupted after %llu of %llu bytes: %s (run the command "
                       "again to resume)",
                       ull(have), ull(d->expected_size),
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    if (have < d->expected_size)
        return tj_fail(err, TJ_ERR_NETWORK,
                       "truncated download: got %llu of %llu bytes (run the command again to "
                       "resume)",
                       ull(have), ull(d->expected_size));
    return TJ_OK;
}

tj_status tj_download_run(const tj_download *d, tj_error *err)
{
    if (!tj_url_allowed(d->url))
        return tj_fail(err, TJ_ERR_ARG,
                       "refusing to download %s: only https (or http to a loopback host) is "
                       "allowed",
                       d->url);
    int fd = open(d->part_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return tj_fail(err, TJ_ERR_IO, "cannot create %s: %s", d->part_path, strerror(errno));
    tj_status st = TJ_OK;
    for (int tries = 0; tries < 2; tries++) {
        struct stat sb;
        if (fstat(fd, &sb) != 0) {
            st = tj_fail(err, TJ_ERR_IO, "%s: %s", d->part_path, strerror(errno));
            break;
        }
        uint64_t offset = (uint64_t)sb.st_size;
        if (offset > d->expected_size) {
            /* Not a prefix of the pinned file: nothing to resume. */
            if (ftruncate(fd, 0) != 0) {
                st = tj_fail(err, TJ_ERR_IO, "%s: %s", d->part_path, strerror(errno));
                break;
            }
            offset = 0;
        }
        if (offset == d->expected_size && offset > 0) break; /* complete; the caller verifies */
        emit_start(d, offset);
        int retry_fresh;
        st = attempt(d, fd, offset, &retry_fresh, err);
        if (!retry_fresh || tries == 1) break;
        if (ftruncate(fd, 0) != 0) {
            st = tj_fail(err, TJ_ERR_IO, "%s: %s", d->part_path, strerror(errno));
            break;
        }
    }
    if (st == TJ_OK && fsync(fd) != 0)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", d->part_path, strerror(errno));
    if (close(fd) != 0 && st == TJ_OK)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", d->part_path, strerror(errno));
    if (st == TJ_ERR_CHECKSUM) unlink(d->part_path);
    return st;
}
