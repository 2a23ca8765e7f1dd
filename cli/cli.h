/* SPDX-License-Identifier: MIT */
/* The tarjama command: one file per subcommand, this header ties them together. Subcommands
 * return the process exit status: 0 success, 1 runtime failure, 2 usage error. */
#ifndef TJ_CLI_H
#define TJ_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "tarjama.h"

int cmd_translate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_tokenize(int argc, char **argv); /* also detokenize: argv[0] tells which */
int cmd_eval(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Prints "tarjama: <fmt>\n" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" or NULL = stdin) into a malloc'd NUL-terminated buffer. Returns 0 on
 * success; on failure prints a one-line error naming the file and returns -1. */
int cli_read_all(const char *path, char **data, size_t *len);

/* Reads lines from a whole buffer: splits buf in place at '\n' (a trailing '\r' is removed).
 * Returns a malloc'd array of line pointers; *n gets the number of lines (a final line without
 * '\n' counts; a trailing '\n' does not start a new line). */
char **cli_split_lines(char *buf, size_t len, size_t *n);

/* Checks that buf is valid UTF-8; on failure prints "NAME: invalid UTF-8 at line L, byte B" and
 * returns -1. */
int cli_check_utf8(const char *name, const char *buf, size_t len);

/* Checks that buf is valid UTF-8 without NUL bytes (cli/text_check.c); on failure prints
 * "NAME: invalid UTF-8 at line L, byte offset B" or "NAME: NUL byte at line L, byte offset B",
 * as translate does, and returns -1. */
int cli_check_text(const char *name, const char *buf, size_t len);

/* Line-by-line input (cli/lines.c) with memory bounded by the longest line. */
typedef struct cli_lines {
    int fd, own_fd, eof;
    const char *name; /* "stdin" or the path, for messages */
    char *buf;
    size_t cap, start, end; /* unread bytes are buf[start..end) */
    size_t lineno, max_line;
    unsigned long long offset; /* input offset of buf[start] */
} cli_lines;
/* path NULL or "-": stdin. Returns 0, or -1 after printing a one-line error. */
int cli_lines_open(cli_lines *r, const char *path, size_t max_line);
/* 1: the next line in *line and *len (without its '\n'; valid UTF-8 without NUL bytes; a final line
 * without '\n' counts), 0: end of input, -1: error printed (bad bytes with their line and
 * offset, a line longer than max_line, a read error). stdout is flushed before waiting for
 * input. */
int cli_lines_next(cli_lines *r, const char **line, size_t *len);
void cli_lines_close(cli_lines *r);

/* Output of `translate` (cli/outfile.c): standard output, or FILE written atomically. */
typedef struct cli_out {
    int fd, atomic, err;
    char path[4096], tmp[4096];
} cli_out;
/* path NULL or "-": standard output. Otherwise creates a temporary file beside path and removes
 * it on SIGINT/SIGTERM/SIGHUP. Returns 0, or -1 after printing an error. */
int cli_out_open(cli_out *o, const char *path);
int cli_out_write(cli_out *o, const char *p, size_t n); /* 0 or -1 (error kept for commit) */
int cli_out_commit(cli_out *o); /* renames into place; 0, or -1 after printing an error */
void cli_out_abort(cli_out *o); /* removes the temporary file */

/* Progress line on stderr (cli/progress.c), only when enabled and stderr is a terminal. */
typedef struct cli_progress {
    int on, shown;
    size_t total; /* input bytes, 0 when unknown */
    double start, last;
} cli_progress;
void cli_progress_init(cli_progress *p, int enabled, size_t total_bytes);
void cli_progress_update(cli_progress *p, size_t lines, size_t bytes, size_t words);
void cli_progress_end(cli_progress *p);

#endif
