/* SPDX-License-Identifier: MIT */
/* Model load alone: tj_model_open + tj_model_close of one model directory, N times in one
 * process. Prints, per open, wall and CPU milliseconds, minor page faults and the resident set
 * after the open (VmRSS), so load-time costs (weight packing, page faults) can be measured
 * without a translation around them. The first open is the one a CLI run pays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tarjama.h"

static double ms(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static long minflt(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_load MODEL_DIR [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 5;
    for (int i = 0; i < n; i++) {
        double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_PROCESS_CPUTIME_ID);
        long f0 = minflt(), r0 = rss_kb();
        tj_model *m = NULL;
        tj_error err = {0};
        if (tj_model_open(argv[1], &m, &err) != TJ_OK) {
            fprintf(stderr, "bench_load: %s\n", err.message);
            return 1;
        }
        double w1 = ms(CLOCK_MONOTONIC), c1 = ms(CLOCK_PROCESS_CPUTIME_ID);
        long f1 = minflt(), r1 = rss_kb();
        printf("open %d: wall %.1f ms, cpu %.1f ms, %ld minor faults, RSS %.1f MB (+%.1f)\n", i,
               w1 - w0, c1 - c0, f1 - f0, r1 / 1024.0, (r1 - r0) / 1024.0);
        tj_model_close(m);
    }
    return 0;
}
