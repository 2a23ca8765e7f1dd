/* SPDX-License-Identifier: MIT */
/* Stand-in for libFuzzer's main: runs every file named on the command line (or found in a named
 * folder) once through LLVMFuzzerTestOneInput. Builds without clang, so ctest replays the seed
 * corpora and regressions under gcc, ASan and valgrind alike. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    /* A copy of exactly n bytes, so that ASan catches reads past the input as libFuzzer does. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, runs = 0;
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            /* A target may have no regressions yet: its folder does not exist in git. */
            printf("replay: note: %s does not exist\n", argv[i]);
            continue;
        }
        if (!S_ISDIR(sb.st_mode)) {
            bad += run_file(argv[i]);
            runs++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, alphasort);
        if (n < 0) {
            bad++;
            continue;
        }
        for (int k = 0; k < n; k++) {
            if (names[k]->d_name[0] != '.') {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
                if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
                    bad += run_file(path);
                    runs++;
                }
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replay: %d inputs run, %d unreadable\n", runs, bad);
    return bad ? 1 : 0;
}
