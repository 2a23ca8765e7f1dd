/* SPDX-License-Identifier: MIT */
/* The progress line of long translations: on a terminal only (stderr a TTY), after the first
 * second, at most four times a second, erased when done. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, int enabled, size_t total_bytes)
{
    memset(p, 0, sizeof *p);
    p->on = enabled && isatty(2);
    p->total = total_bytes;
    p->start = now_s();
}

static void human(double bytes, char *buf, size_t n)
{
    if (bytes >= 1e9)
        snprintf(buf, n, "%.2f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        snprintf(buf, n, "%.1f MB", bytes / 1e6);
    else
        snprintf(buf, n, "%.0f kB", bytes / 1e3);
}

void cli_progress_update(cli_progress *p, size_t lines, size_t bytes, size_t words)
{
    if (!p->on) return;
    double t = now_s(), el = t - p->start;
    if (el < 1.0 || t - p->last < 0.25) return;
    p->last = t;
    p->shown = 1;
    char done[32], total[32], eta[32] = "";
    human((double)bytes, done, sizeof done);
    double wps = (double)words / el;
    if (p->total > 0 && bytes > 0 && bytes <= p->total) {
        human((double)p->total, total, sizeof total);
        double left = el * (double)(p->total - bytes) / (double)bytes;
        snprintf(eta, sizeof eta, ", ETA %d:%02d", (int)(left / 60), (int)left % 60);
        fprintf(stderr, "\r\033[K%zu lines, %s of %s (%.0f%%), %.0f words/s%s", lines, done, total,
                100.0 * (double)bytes / (double)p->total, wps, eta);
    } else {
        fprintf(stderr, "\r\033[K%zu lines, %s, %.0f words/s", lines, done, wps);
    }
    fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
