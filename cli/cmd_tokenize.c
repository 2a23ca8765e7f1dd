/* SPDX-License-Identifier: MIT */
/* tarjama tokenize / detokenize: SentencePiece encoding and decoding of text lines, output
 * identical to Debian's spm_encode / spm_decode (--output_format=id / --input_format=id with
 * --ids). */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tok/spm.h"
#include "util/utf8.h"
#include "tok/spm_internal.h"

static const char usage_tok[] =
    "usage: tarjama tokenize --vocab FILE.spm [--ids] [FILE...]\n"
    "\n"
    "SentencePiece-encodes each input line (FILEs or stdin) like spm_encode: one output line\n"
    "per input line, pieces separated by single spaces.\n"
    "\n"
    "  --vocab FILE  SentencePiece model (.spm, also .gz or .zst compressed)\n"
    "  --ids         print piece ids instead of pieces (spm_encode --output_format=id)\n"
    "  --help        this text\n";

static const char usage_detok[] =
    "usage: tarjama detokenize --vocab FILE.spm [--ids] [FILE...]\n"
    "\n"
    "Decodes each input line of space-separated pieces (or ids with --ids) back to text, like\n"
    "spm_decode. Reads FILEs or stdin.\n"
    "\n"
    "  --vocab FILE  SentencePiece model (.spm, also .gz or .zst compressed)\n"
    "  --ids         the input holds piece ids (spm_decode --input_format=id)\n"
    "  --help        this text\n";

/* Output goes through one growing buffer per input file, written in one go. */
typedef struct obuf {
    char *s;
    size_t len, cap;
} obuf;

static int ob_put(obuf *o, const char *s, size_t n)
{
    if (o->cap - o->len < n) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap - o->len < n) cap *= 2;
        char *t = realloc(o->s, cap);
        if (!t) return -1;
        o->s = t;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    return 0;
}

static int ob_int(obuf *o, int v)
{
    char tmp[16];
    int n = snprintf(tmp, sizeof tmp, "%d", v);
    return ob_put(o, tmp, (size_t)n);
}

static int ob_flush(obuf *o)
{
    int bad = o->len && fwrite(o->s, 1, o->len, stdout) != o->len;
    o->len = 0;
    if (bad) {
        cli_error("write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Encodes one line and appends its output line. Returns 0, or 1 after printing an error. */
static int tokenize_line(const tj_spm *spm, int ids, const char *name, size_t lineno,
                         const char *line, size_t len, obuf *o)
{
    spm_encoding enc;
    tj_error err;
    if (spm_encode_full(spm, line, len, &enc, &err)) {
        cli_error("%s:%zu: %s", name, lineno, err.message);
        return 1;
    }
    int bad = 0;
    for (size_t i = 0; i < enc.n && !bad; i++) {
        const spm_token *t = &enc.tokens[i];
        if (i) bad |= ob_put(o, " ", 1);
        if (ids) {
            bad |= ob_int(o, t->id);
        } else if (spm->type[t->id] == SPM_BYTE) {
            const char *p = tj_spm_piece_str(spm, t->id);
            bad |= ob_put(o, p, strlen(p));
        } else {
            /* spm_encode prints the normalised surface: for merged unknowns it is not "<unk>" */
            bad |= ob_put(o, enc.norm.text + t->norm_begin, t->norm_end - t->norm_begin);
        }
    }
    bad |= ob_put(o, "\n", 1);
    spm_encoding_free(&enc);
    if (bad) {
        cli_error("out of memory");
        return 1;
    }
    return 0;
}

static int is_id_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the ids of one line into *ids (grown as needed). */
static int parse_ids(const char *name, size_t lineno, const char *line, size_t len, int **ids,
                     size_t *cap, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < len;) {
        if (is_id_sep(line[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !is_id_sep(line[j])) j++;
        long long v = 0;
        int neg = line[i] == '-', ok = j > i + (size_t)neg;
        for (size_t k = i + (size_t)neg; k < j && ok; k++) {
            if (line[k] < '0' || line[k] > '9' || v > INT_MAX)
                ok = 0;
            else
                v = v * 10 + (line[k] - '0');
        }
        if (!ok || v > INT_MAX) {
            int shown = (int)tj_utf8_clip(line + i, j - i, 40);
            cli_error("%s:%zu: invalid id '%.*s'", name, lineno, shown, line + i);
            return 1;
        }
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 256;
            int *t = realloc(*ids, c * sizeof *t);
            if (!t) {
                cli_error("out of memory");
                return 1;
            }
            *ids = t;
            *cap = c;
        }
        (*ids)[(*n)++] = (int)(neg ? -v : v);
        i = j;
    }
    return 0;
}

static int detokenize_line(const tj_spm *spm, int ids_mode, const char *name, size_t lineno,
                           const char *line, size_t len, obuf *o, int **ids, size_t *ids_cap)
{
    char *text = NULL;
    size_t text_len = 0, n = 0;
    tj_error err;
    tj_status st;
    if (ids_mode) {
        if (parse_ids(name, lineno, line, len, ids, ids_cap, &n)) return 1;
        st = spm_decode_ids(spm, *ids, n, &text, &text_len, &err);
    } else {
        /* Pieces are separated by single spaces; empty fields are skipped, as spm_decode does. */
        size_t count = 0;
        for (size_t i = 0; i < len; i++)
            if (line[i] != ' ' && (i == 0 || line[i - 1] == ' ')) count++;
        const char **pieces = malloc((count ? count : 1) * sizeof *pieces);
        size_t *lens = malloc((count ? count : 1) * sizeof *lens);
        if (!pieces || !lens) {
            free(pieces);
            free(lens);
            cli_error("out of memory");
            return 1;
        }
        for (size_t i = 0; i < len;) {
            if (line[i] == ' ') {
                i++;
                continue;
            }
            size_t j = i;
            while (j < len && line[j] != ' ') j++;
            pieces[n] = line + i;
            lens[n++] = j - i;
            i = j;
        }
        st = spm_decode_pieces(spm, pieces, lens, n, &text, &text_len, &err);
        free(pieces);
        free(lens);
    }
    if (st) {
        cli_error("%s:%zu: %s", name, lineno, err.message);
        return 1;
    }
    int bad = ob_put(o, text, text_len) || ob_put(o, "\n", 1);
    free(text);
    if (bad) {
        cli_error("out of memory");
        return 1;
    }
    return 0;
}

/* The longest line encoded: memory stays bounded whatever the input. */
#define TOKENIZE_MAX_LINE ((size_t)64 << 20)

static int process_file(const tj_spm *spm, int detok, int ids, const char *path)
{
    cli_lines in;
    if (cli_lines_open(&in, path, TOKENIZE_MAX_LINE)) return 1;
    obuf o = {0};
    int *idbuf = NULL;
    size_t idcap = 0, len;
    const char *line;
    int rc = 0, got;
    /* Lines end at '\n' only: like spm_encode, a '\r' stays part of the line. Output is written
     * at 1 MiB, and whenever the input pauses, so that a pipe gets its answers. */
    while (!rc && (got = cli_lines_next(&in, &line, &len)) == 1) {
        if (detok)
            rc = detokenize_line(spm, ids, in.name, in.lineno, line, len, &o, &idbuf, &idcap);
        else
            rc = tokenize_line(spm, ids, in.name, in.lineno, line, len, &o);
        if (!rc && (o.len >= (1 << 20) || (in.start == in.end && !in.eof)))
            rc = ob_flush(&o) ? 1 : 0;
    }
    if (!rc && got < 0) rc = 1;
    /* What was encoded before an error is written too, as translate does. */
    if (ob_flush(&o)) rc = 1;
    free(o.s);
    free(idbuf);
    cli_lines_close(&in);
    return rc;
}

int cmd_tokenize(int argc, char **argv)
{
    int detok = !strcmp(argv[0], "detokenize");
    const char *usage = detok ? usage_detok : usage_tok;
    const char *vocab = NULL;
    int ids = 0, nfiles = 0, opts_done = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    if (!files) {
        cli_error("out of memory");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || !strcmp(a, "-")) {
            files[nfiles++] = argv[i];
        } else if (!strcmp(a, "--")) {
            opts_done = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            free(files);
            return 0;
        } else if (!strcmp(a, "--ids")) {
            ids = 1;
        } else if (!strcmp(a, "--vocab")) {
            if (i + 1 >= argc) {
                cli_error("%s: --vocab needs a file name", argv[0]);
                free(files);
                return 2;
            }
            vocab = argv[++i];
        } else if (!strncmp(a, "--vocab=", 8)) {
            vocab = a + 8;
        } else {
            cli_error("%s: unknown option '%s' (see 'tarjama %s --help')", argv[0], a, argv[0]);
            free(files);
            return 2;
        }
    }
    if (!vocab || !*vocab) {
        cli_error("%s: --vocab FILE.spm is required (see 'tarjama %s --help')", argv[0], argv[0]);
        free(files);
        return 2;
    }
    tj_spm *spm;
    tj_error err;
    if (tj_spm_load(vocab, &spm, &err)) {
        cli_error("%s", err.message);
        free(files);
        return 1;
    }
    int rc = 0;
    if (nfiles == 0) rc = process_file(spm, detok, ids, NULL);
    for (int i = 0; i < nfiles && !rc; i++) rc = process_file(spm, detok, ids, files[i]);
    if (fflush(stdout) != 0 && !rc) {
        cli_error("write error: %s", strerror(errno));
        rc = 1;
    }
    tj_spm_free(spm);
    free(files);
    return rc;
}
