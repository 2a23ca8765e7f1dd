/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libFuzzer targets in this folder. Each target is one file defining
 * LLVMFuzzerTestOneInput; it links either with libFuzzer (-DTJ_FUZZ=ON, clang) or with replay.c,
 * a plain main() that runs files through it (the regression replay in every ctest build). */
#ifndef TJ_FUZZ_H
#define TJ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tarjama.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time set-up, before the first input (libFuzzer's hook; replay.c calls it too). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Writes data into one anonymous in-memory file (reused across runs) and puts a path naming it
 * into path: the loaders under test take paths, and a memfd is a regular file they can map, so
 * they take the same route as for a model on disk. Returns 0, or -1 when it cannot. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char path[64])
{
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("tj_fuzz", MFD_CLOEXEC);
        if (fd < 0) return -1;
    }
    if (ftruncate(fd, 0) != 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return 0;
}

/* A failing call must report one non-empty line with a matching code; anything else is a bug
 * in the error path, and abort() turns it into a finding. */
static inline void fuzz_check_error(tj_status st, const tj_error *err)
{
    if (st == TJ_OK) return;
    if (err->code != st || err->message[0] == '\0' || strchr(err->message, '\n')) {
        fprintf(stderr, "bad error report: status %d, code %d, message '%s'\n", (int)st,
                (int)err->code, err->message);
        abort();
    }
}

/* $TJ_FUZZ_VERBOSE set: the targets that can print what they produced (replays by hand). */
static inline int fuzz_verbose(void)
{
    static int v = -1;
    if (v < 0) v = getenv("TJ_FUZZ_VERBOSE") != NULL;
    return v;
}

/* Touches bytes so that ASan checks they are readable, without the optimiser dropping it. */
static inline void fuzz_touch(const void *p, size_t n)
{
    volatile unsigned char sink = 0;
    const unsigned char *b = p;
    if (n) sink ^= b[0] ^ b[n - 1];
    (void)sink;
}

/* The starter model's real vocabulary (models/ar-en, in the repository, so CI needs nothing
 * from ../shared), loaded once; $TJ_FUZZ_VOCAB names another. Exits when it cannot load, since
 * every input would then test nothing. */
#ifdef TJ_SOURCE_DIR
#include "tok/spm.h"
static inline const tj_spm *fuzz_vocab(void)
{
    static tj_spm *spm;
    if (spm) return spm;
    const char *path = getenv("TJ_FUZZ_VOCAB");
    if (!path || !*path) path = TJ_SOURCE_DIR "/models/ar-en/vocab.aren.spm";
    tj_error err;
    if (tj_spm_load(path, &spm, &err) != TJ_OK) {
        fprintf(stderr, "fuzz: cannot load the vocabulary: %s\n", err.message);
        exit(2);
    }
    return spm;
}
#endif

#endif
