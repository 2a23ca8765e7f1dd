/* SPDX-License-Identifier: MIT */
/* tarjama: command-line entry point and subcommand dispatch. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "util/utf8.h"

#ifndef TJ_GIT_COMMIT
#define TJ_GIT_COMMIT "unknown"
#endif

static const char usage[] =
    "usage: tarjama COMMAND [OPTIONS]\n"
    "\n"
    "Offline Arabic<->English machine translation.\n"
    "\n"
    "commands:\n"
    "  translate   translate text (stdin or files) with a model\n"
    "  info        describe a model directory and check its files\n"
    "  tokenize    SentencePiece-encode text (like spm_encode)\n"
    "  detokenize  SentencePiece-decode pieces or ids (like spm_decode)\n"
    "  eval        score translations: BLEU, chrF, chrF++ (sacreBLEU-compatible)\n"
    "  detect      guess the language of each input line (ar, en, mixed)\n"
    "  models      list, fetch, verify and remove models\n"
    "  serve       LibreTranslate-compatible HTTP API and web page\n"
    "\n"
    "Run 'tarjama COMMAND --help' for a command's options.\n"
    "  help COMMAND the command's options (also 'tarjama COMMAND --help')\n"
    "  -h, --help   this text\n"
    "  -V, -v, --version\n"
    "               print the version\n"
    "\n"
    "Every option also takes the form --option=VALUE.\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("tarjama: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* detect, eval and tokenize read their input whole: cap it so that endless input (/dev/zero,
 * `yes`) is an error instead of growing until the kernel kills the process. */
#define CLI_READ_MAX (256 << 20)

int cli_read_all(const char *path, char **data, size_t *len)
{
    int is_stdin = !path || strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) goto oom;
    for (;;) {
        if (cap - n < 4096) {
            if (cap >= CLI_READ_MAX) {
                cli_error("%s: input larger than %d MiB; this command reads its input whole, so "
                          "split it into smaller files",
                          is_stdin ? "stdin" : path, CLI_READ_MAX >> 20);
                free(buf);
                if (!is_stdin) fclose(f);
                return -1;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) goto oom;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        cli_error("%s: read error", is_stdin ? "stdin" : path);
        free(buf);
        if (!is_stdin) fclose(f);
        return -1;
    }
    if (!is_stdin) fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
oom:
    free(buf);
    if (!is_stdin) fclose(f);
    cli_error("out of memory reading %s", is_stdin ? "stdin" : path);
    return -1;
}

char **cli_split_lines(char *buf, size_t len, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++) count += buf[i] == '\n';
    if (len > 0 && buf[len - 1] != '\n') count++;
    char **lines = malloc((count + 1) * sizeof *lines);
    if (!lines) return NULL;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len && k < count; i++) {
        if (i == len || buf[i] == '\n') {
            size_t end = i;
            if (end > start && buf[end - 1] == '\r') end--;
            buf[end] = '\0';
            lines[k++] = buf + start;
            start = i + 1;
        }
    }
    *n = count;
    return lines;
}

int cli_check_utf8(const char *name, const char *buf, size_t len)
{
    size_t bad = tj_utf8_check(buf, len);
    if (bad == len) return 0;
    size_t line = 1;
    for (size_t i = 0; i < bad; i++) line += buf[i] == '\n';
    cli_error("%s: invalid UTF-8 at line %zu, byte offset %zu", name, line, bad);
    return -1;
}

/* "--opt=value" becomes "--opt" "value" for every command, up to a "--" argument. Returns a
 * new argv (the strings point into the old one or into the block that holds it), or NULL. */
static char **split_equals(int argc, char **argv, int *out_argc)
{
    size_t extra = 0, bytes = 0;
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
        if (!strncmp(argv[i], "--", 2) && strchr(argv[i], '='))
            extra++, bytes += strlen(argv[i]) + 1;
    char **nv = malloc(((size_t)argc + extra + 1) * sizeof *nv + bytes);
    if (!nv) return NULL;
    char *store = (char *)(nv + argc + extra + 1);
    int n = 0, done = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = !done && !strncmp(a, "--", 2) ? strchr(a, '=') : NULL;
        if (!done && !strcmp(a, "--")) done = 1;
        if (!eq) {
            nv[n++] = argv[i];
            continue;
        }
        size_t k = (size_t)(eq - a);
        memcpy(store, a, k);
        store[k] = '\0';
        nv[n++] = store;
        store += k + 1;
        nv[n++] = (char *)eq + 1;
    }
    nv[n] = NULL;
    *out_argc = n;
    return nv;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "-v") ||
        !strcmp(cmd, "version")) {
        /* The commit names the exact source of a binary in bug reports (CMakeLists.txt). */
        printf("tarjama %s (%s)\n", tj_version(), TJ_GIT_COMMIT);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"translate", cmd_translate}, {"info", cmd_info},   {"tokenize", cmd_tokenize},
        {"detokenize", cmd_tokenize}, {"eval", cmd_eval},   {"detect", cmd_detect},
        {"models", cmd_models},       {"serve", cmd_serve},
    };
    size_t ncmds = sizeof cmds / sizeof cmds[0];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        if (argc < 3 || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        /* help COMMAND: that command's --help */
        for (size_t i = 0; i < ncmds; i++)
            if (!strcmp(argv[2], cmds[i].name)) {
                char *hv[] = {argv[2], "--help", NULL};
                return cmds[i].fn(2, hv);
            }
        cli_error("help: unknown command '%s' (see 'tarjama --help')", argv[2]);
        return 2;
    }
    for (size_t i = 0; i < ncmds; i++)
        if (!strcmp(cmd, cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'tarjama --help')", cmd);
    return 2;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Every sentence's scratch (its feed-forward rows alone are tokens x 6 KiB on the tiny
     * models) is freed and allocated again for the next one. With glibc's defaults such blocks
     * come from mmap or are trimmed off the heap's top and then zeroed by the kernel again on
     * the next touch: 40 % of the page faults and 8-11 % of the CPU time of translating 100 lines
     * (docs/benchmarks.md). Keeping blocks up to 8 MiB on the heap and up to 32 MiB of free top
     * lets the next sentence reuse the same pages; peak RSS is unchanged. */
    mallopt(M_MMAP_THRESHOLD, 8 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif
    int n;
    char **av = split_equals(argc, argv, &n);
    if (!av) {
        cli_error("out of memory");
        return 1;
    }
    int rc = run(n, av);
    free(av);
    /* Whatever went to stdout must have arrived: `tarjama --help > /dev/full` is a failure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("error writing output: %s", strerror(errno ? errno : EIO));
        return rc ? rc : 1;
    }
    return rc;
}
