/* SPDX-License-Identifier: MIT */
/* tarjama detect: one language guess per input line, from script statistics. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: tarjama detect [--confidence] [FILE...]\n"
    "\n"
    "Prints one guess per input line (FILEs in order, or stdin): ar, en, mixed (both scripts\n"
    "substantial: the minority has at least 30% of the letters and at least 3 of them) or\n"
    "unknown (no Arabic or Latin letters). Digits and punctuation do not count.\n"
    "\n"
    "options:\n"
    "  -c, --confidence   add a tab and the majority script's share of the letters (0..1)\n"
    "  -h, --help         this text\n";

static int detect_file(const char *path, int with_confidence)
{
    int is_stdin = !path || !strcmp(path, "-");
    const char *name = is_stdin ? "stdin" : path;
    char *data;
    size_t len;
    if (cli_read_all(path, &data, &len) != 0) return 1;
    if (cli_check_utf8(name, data, len) != 0) {
        free(data);
        return 1;
    }
    /* Line ends by position rather than strlen, so that a NUL byte cannot cut a line short. */
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && data[i] != '\n') continue;
        if (i == len && start == len) break; /* no line after a final newline */
        size_t end = i;
        if (end > start && data[end - 1] == '\r') end--;
        float conf;
        tj_lang lang = tj_detect_language(data + start, end - start, &conf);
        if (with_confidence)
            printf("%s\t%.3f\n", tj_lang_code(lang), conf);
        else
            puts(tj_lang_code(lang));
        start = i + 1;
    }
    free(data);
    return 0;
}

int cmd_detect(int argc, char **argv)
{
    int with_confidence = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--confidence")) {
            with_confidence = 1;
        } else if (!strcmp(a, "--")) {
            nfiles += argc - i - 1;
            break;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("detect: unknown option '%s' (see 'tarjama detect --help')", a);
            return 2;
        } else {
            nfiles++;
        }
    }
    int rc = 0, after_dashes = 0;
    if (nfiles == 0) return detect_file(NULL, with_confidence);
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (!after_dashes && !strcmp(a, "--")) {
            after_dashes = 1;
            continue;
        }
        if (!after_dashes && a[0] == '-' && a[1] != '\0') continue;
        rc = detect_file(a, with_confidence);
    }
    if (fflush(stdout) != 0) {
        cli_error("detect: cannot write the output");
        rc = 1;
    }
    return rc;
}
