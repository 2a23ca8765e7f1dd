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

#endif
