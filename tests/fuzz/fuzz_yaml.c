/* SPDX-License-Identifier: MIT */
/* The YAML subset of special:model.yml. The input is "KEY\nDOCUMENT": the first line picks the key
 * asked for (so the fuzzer can match keys it invents), then the usual keys are asked too. */
#include "fuzz.h"
#include "model/yaml.h"

static void query(const char *doc, const char *key)
{
    char buf[32], big[512];
    (void)tj_yaml_get(doc, key, buf, sizeof buf);
    (void)tj_yaml_get(doc, key, big, sizeof big);
    (void)tj_yaml_get(doc, key, buf, 1);
    (void)tj_yaml_get_int(doc, key, -1);
    (void)tj_yaml_get_bool(doc, key, -1);
    (void)tj_yaml_get_float(doc, key, -1.0);
    for (size_t i = 0; i < 4; i++) (void)tj_yaml_get_seq(doc, key, i, buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = memchr(text, '\n', size);
    const char *key = "type", *doc = text;
    if (nl) {
        *nl = '\0';
        key = text;
        doc = nl + 1;
    }
    static const char *const keys[] = {"type",
                                       "dim-emb",
                                       "transformer-heads",
                                       "dim-vocabs",
                                       "enc-depth",
                                       "tied-embeddings-all",
                                       "version",
                                       "transformer-ffn-activation"};
    query(doc, key);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) query(doc, keys[i]);
    free(text);
    return 0;
}
