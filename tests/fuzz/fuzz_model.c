/* SPDX-License-Identifier: MIT */
/* Whole-model loading: the input is the model file of a model directory whose vocabulary is the
 * small spm_model seed (corpus/spm_model/tiny_rules.spm), through tj_model_open, so the model
 * builder's checks (names, shapes against the YAML and the vocabulary, quantisation) see crafted
 * files too. A model that opens translates a short text greedily and with beam 2. The seed
 * (corpus/model/tiny.bin) is the starter model's layout shrunk to width 8 over that vocabulary. */
#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz.h"

static char dir[64], model_path[128];

static void cleanup(void)
{
    char p[128];
    unlink(model_path);
    snprintf(p, sizeof p, "%s/vocab.fz.spm", dir);
    unlink(p);
    rmdir(dir);
}

/* A folder with the vocabulary, made once; the model file in it is rewritten per input. */
static int setup(void)
{
    if (dir[0]) return 0;
    snprintf(dir, sizeof dir, "/tmp/tj_fuzz_model.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char p[128];
    snprintf(p, sizeof p, "%s/vocab.fz.spm", dir);
    if (symlink(TJ_SOURCE_DIR "/tests/fuzz/corpus/spm_model/tiny_rules.spm", p) != 0) return -1;
    snprintf(model_path, sizeof model_path, "%s/model.fz.bin", dir);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (setup() != 0) abort();
    int fd = open(model_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) abort();
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) abort();
        done += (size_t)w;
    }
    close(fd);

    tj_model *m;
    tj_error err;
    tj_status st = tj_model_open(dir, &m, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    tj_model_info info;
    tj_model_get_info(m, &info);
    static const char *const texts[] = {"hello world. مرحبا", ""};
    for (int beam = 1; beam <= 2; beam++) {
        tj_options o;
        tj_options_default(&o);
        o.beam_size = beam;
        o.threads = 1;
        char *out[2];
        st = tj_translate(m, &o, texts, 2, out, &err);
        fuzz_check_error(st, &err);
        if (st == TJ_OK) {
            tj_free(out[0]);
            tj_free(out[1]);
        }
    }
    tj_model_close(m);
    return 0;
}
