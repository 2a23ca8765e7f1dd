/* SPDX-License-Identifier: MIT */
/* Line-by-line input for the commands that answer one output line per input line (detect,
 * tokenize, detokenize): memory stays bounded by the longest line, endless input (a pipe that
 * never closes, `yes`) streams, and an interactive pipe gets each answer before the next line is
 * typed. Bytes are checked as translate checks them (cli/text_check.c): the first NUL byte or
 * invalid UTF-8 sequence ends the run with its line and byte offset; the lines before it have
 * been answered, as in translate. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/utf8.h"

int cli_lines_open(cli_lines *r, const char *path, size_t max_line)
{
    memset(r, 0, sizeof *r);
    int is_stdin = !path || !strcmp(path, "-");
    r->name = is_stdin ? "stdin" : path;
    r->max_line = max_line;
    r->fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    r->own_fd = !is_stdin;
    r->cap = 1 << 16;
    if (!(r->buf = malloc(r->cap))) {
        cli_error("out of memory reading %s", r->name);
        cli_lines_close(r);
        return -1;
    }
    return 0;
}

void cli_lines_close(cli_lines *r)
{
    if (r->own_fd && r->fd >= 0) close(r->fd);
    r->fd = -1;
    free(r->buf);
    r->buf = NULL;
}

/* Reads more bytes after buf[end]. Before a read that would wait (a pipe or terminal with nothing
 * pending), stdout is flushed so that the answers so far reach the other side. */
static int fill(cli_lines *r)
{
    if (r->start > 0) { /* keep the unfinished line at the front */
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        char *nb = realloc(r->buf, r->cap * 2);
        if (!nb) {
            cli_error("out of memory reading %s", r->name);
            return -1;
        }
        r->buf = nb;
        r->cap *= 2;
    }
    struct pollfd p = {r->fd, POLLIN, 0};
    if (poll(&p, 1, 0) == 0 && fflush(stdout) != 0) {
        cli_error("write error: %s", strerror(errno));
        return -1;
    }
    ssize_t got;
    while ((got = read(r->fd, r->buf + r->end, r->cap - r->end)) < 0 && errno == EINTR) {
    }
    if (got < 0) {
        cli_error("%s: read error: %s", r->name, strerror(errno));
        return -1;
    }
    if (got == 0) r->eof = 1;
    r->end += (size_t)got;
    return 0;
}

/* Checks s[0..n): 0 when valid, else -1 after naming the first NUL byte or invalid sequence
 * (whichever comes first; a sequence cut by a NUL counts as invalid, as it is). UTF-8 sequences
 * never span a '\n', so each line checks alone. */
static int check(const cli_lines *r, const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    size_t upto = nul ? (size_t)(nul - s) : n;
    size_t bad = tj_utf8_check(s, upto);
    if (bad == n) return 0;
    cli_error("%s: %s at line %zu, byte offset %llu", r->name,
              bad < upto ? "invalid UTF-8" : "NUL byte", r->lineno + 1,
              r->offset + (unsigned long long)bad);
    return -1;
}

int cli_lines_next(cli_lines *r, const char **line, size_t *len)
{
    size_t scanned = 0; /* bytes of the current line already searched */
    for (;;) {
        const char *s = r->buf + r->start;
        char *nl = memchr(s + scanned, '\n', r->end - r->start - scanned);
        size_t n = nl ? (size_t)(nl - s) : r->end - r->start;
        /* A NUL byte stops the run at once, even inside a line that has not ended yet (endless
         * /dev/zero is refused at its first byte, not after max_line). */
        const char *nul = memchr(s + scanned, '\0', n - scanned);
        if (nul) return check(r, s, (size_t)(nul - s) + 1);
        if (n > r->max_line) {
            cli_error("%s: line %zu is longer than %zu MiB", r->name, r->lineno + 1,
                      r->max_line >> 20);
            return -1;
        }
        if (nl || (r->eof && n > 0)) {
            if (check(r, s, n)) return -1;
            r->lineno++;
            *line = s;
            *len = n;
            size_t used = nl ? n + 1 : n;
            r->start += used;
            r->offset += used;
            return 1;
        }
        if (r->eof) return 0;
        scanned = n;
        if (fill(r)) return -1;
    }
}
