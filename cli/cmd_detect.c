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

/* The longest line answered: memory stays bounded whatever the input. */
#define DETECT_MAX_LINE ((size_t)64 << 20)

static int detect_file(const char *path, int with_confidence)
{
    cli_lines in;
    if (cli_lines_open(&in, path, DETECT_MAX_LINE)) return 1;
    const char *line;
    size_t len;
    int got;
    while ((got = cli_lines_next(&in, &line, &len)) == 1) {
        if (len > 0 && line[len - 1] == '\r') len--;
        float conf;
        tj_lang lang = tj_detect_language(line, len, &conf);
        if (with_confidence)
            printf("%s\t%.3f\n", tj_lang_code(lang), conf);
        else
            puts(tj_lang_code(lang));
    }
    cli_lines_close(&in);
    return got < 0;
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
