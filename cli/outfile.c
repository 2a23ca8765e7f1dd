/* SPDX-License-Identifier: MIT */
/* Output that is never half-written. With --output FILE the translation goes to a temporary
 * file in FILE's folder (so the final rename stays on one file system and is atomic) and is
 * renamed over FILE only when everything succeeded; on failure, SIGINT, SIGTERM or SIGHUP the
 * temporary file is removed. Standard output gets whole lines from write(2) calls, never a
 * stdio buffer cut at an arbitrary byte when the process is killed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The signal handler's view of the temporary file: a process has at most one. */
static char pending_tmp[PATH_MAX];
static volatile sig_atomic_t have_pending;

static void on_signal(int sig)
{
    if (have_pending) {
        unlink(pending_tmp);
        static const char msg[] = "tarjama: interrupted; the output file was not written\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
    }
    /* Die of the same signal, so that the exit status says what happened. */
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_out_open(cli_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->fd = 1;
    if (!path || !strcmp(path, "-")) return 0;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    int n = snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.XXXXXX", (int)dirlen, path,
                     slash ? slash + 1 : path);
    if (n < 0 || (size_t)n >= sizeof o->tmp || strlen(path) >= sizeof o->path) {
        cli_error("%s: output path too long", path);
        return -1;
    }
    snprintf(o->path, sizeof o->path, "%s", path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory", path);
        return -1;
    }
    /* Block the signals while the handler's state changes. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        cli_error("%s: cannot create a temporary file beside it: %s", path, strerror(e));
        return -1;
    }
    memcpy(pending_tmp, o->tmp, sizeof pending_tmp);
    have_pending = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* A signal ignored by whoever started us (nohup, a shell's background job) stays so. */
        struct sigaction old_sa;
        if (sigaction(sigs[i], NULL, &old_sa) == 0 && old_sa.sa_handler == SIG_IGN) continue;
        sigaction(sigs[i], &sa, NULL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* mkstemp makes the file 0600; the result should get the usual mode (0666 less umask), or
     * keep the mode of the file it replaces. */
    mode_t mode;
    if (stat(path, &st) == 0) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(o->fd, mode) != 0) {
        cli_error("%s: %s", o->tmp, strerror(errno));
        cli_out_abort(o);
        return -1;
    }
    o->atomic = 1;
    return 0;
}

int cli_out_write(cli_out *o, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            o->err = errno;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int cli_out_commit(cli_out *o)
{
    if (o->err) {
        cli_error("error writing %s: %s", o->atomic ? o->path : "output", strerror(o->err));
        cli_out_abort(o);
        return -1;
    }
    if (!o->atomic) return 0;
    if (fsync(o->fd) != 0 || close(o->fd) != 0) {
        int e = errno;
        o->fd = -1;
        cli_error("error writing %s: %s", o->path, strerror(e));
        cli_out_abort(o);
        return -1;
    }
    o->fd = -1;
    if (rename(o->tmp, o->path) != 0) {
        cli_error("%s: cannot rename the finished output into place: %s", o->path, strerror(errno));
        cli_out_abort(o);
        return -1;
    }
    have_pending = 0;
    o->atomic = 0;
    return 0;
}

void cli_out_abort(cli_out *o)
{
    if (!o->atomic) return;
    if (o->fd >= 0) close(o->fd);
    o->fd = -1;
    unlink(o->tmp);
    have_pending = 0;
    o->atomic = 0;
}
