# SPDX-License-Identifier: MIT
"""tarjama: offline Arabic<->English machine translation, from Python.

A thin ctypes layer over libtarjama.so (the C API in tarjama.h); nothing is compiled. ctypes
releases the GIL during every call into the library, so translations on several Python threads
run at the same time (a Model may be shared by threads, as a tj_model may).

    import tarjama
    with tarjama.Model("ar-en") as m:           # an installed model, or a model directory
        print(m.translate(["مرحبا بالعالم."]))
    tarjama.detect("hello")                     # 'en'

The library is found through $TARJAMA_LIBRARY (a path to libtarjama.so), else the system's
libtarjama.so.0.
"""

import ctypes
import ctypes.util
import os

__all__ = ["Model", "TarjamaError", "detect", "detect_confidence", "find_model", "version"]

# tj_status values (tarjama.h), for TarjamaError.code.
OK, ERR_ARG, ERR_IO, ERR_FORMAT, ERR_UNSUPPORTED, ERR_NOMEM, ERR_INPUT, ERR_NOTFOUND = range(8)
ERR_NETWORK, ERR_CHECKSUM = 8, 9

_SPLITS = {"paragraph": 0, "line": 1}
_LANGS = {0: "unknown", 1: "ar", 2: "en", 3: "mixed"}


class TarjamaError(Exception):
    """A failed library call: .code is the tj_status, .status its name, str() tj_error's message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.status = _lib().tj_status_str(code).decode()


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 512)]


class _Options(ctypes.Structure):
    _fields_ = [
        ("beam_size", ctypes.c_int),
        ("normalize", ctypes.c_float),
        ("max_length_factor", ctypes.c_float),
        ("use_shortlist", ctypes.c_int),
        ("split", ctypes.c_int),
        ("threads", ctypes.c_int),
    ]


class _DocOptions(ctypes.Structure):
    # tj_doc_options, field for field: the library reads the whole struct, so a field missing
    # here makes it read past the end (glossary, glossary_mode and glossary_counts are the
    # glossary's; this binding passes none, so they stay NULL / 0)
    _fields_ = [("format", ctypes.c_int), ("target_lang", ctypes.c_char_p),
                ("mark_doubt", ctypes.c_int), ("doubt_logprob", ctypes.c_float),
                ("glossary", ctypes.c_void_p), ("glossary_mode", ctypes.c_int),
                ("glossary_counts", ctypes.c_void_p)]


class _Scored(ctypes.Structure):
    _fields_ = [("line", ctypes.c_size_t), ("source", ctypes.c_char_p),
                ("translation", ctypes.c_char_p), ("logprob", ctypes.c_float),
                ("copied", ctypes.c_int)]


class _Info(ctypes.Structure):
    _fields_ = (
        [(n, ctypes.c_char_p) for n in
         ("model_path", "shortlist_path", "src_vocab_path", "trg_vocab_path", "architecture",
          "precision")]
        + [(n, ctypes.c_int) for n in
           ("dim_emb", "dim_ffn", "heads", "enc_depth", "dec_depth", "src_vocab_size",
            "trg_vocab_size", "shared_vocab", "eos_id", "unk_id")]
        + [(n, ctypes.c_size_t) for n in ("n_params", "n_items", "file_bytes")]
        + [("has_shortlist", ctypes.c_int), ("shortlist_first", ctypes.c_size_t),
           ("shortlist_best", ctypes.c_size_t)]
    )


_LIB = None


def _lib():
    global _LIB
    if _LIB is not None:
        return _LIB
    path = os.environ.get("TARJAMA_LIBRARY") or ctypes.util.find_library("tarjama")
    # CDLL (not PyDLL): the GIL is released for the length of each call.
    lib = ctypes.CDLL(path or "libtarjama.so.0")
    P = ctypes.c_void_p
    sig = {
        "tj_status_str": (ctypes.c_char_p, [ctypes.c_int]),
        "tj_version": (ctypes.c_char_p, []),
        "tj_model_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(P), ctypes.POINTER(_Error)]),
        "tj_model_close": (None, [P]),
        "tj_model_get_info": (None, [P, ctypes.POINTER(_Info)]),
        "tj_options_default": (None, [ctypes.POINTER(_Options)]),
        "tj_translate": (ctypes.c_int, [P, ctypes.POINTER(_Options), ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.c_size_t, ctypes.POINTER(P), ctypes.POINTER(_Error)]),
        "tj_free": (None, [P]),
        "tj_detect_language": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t,
                                              ctypes.POINTER(ctypes.c_float)]),
    }
    # Documents (tarjama.h since the documents work): optional, so that an older library loads.
    opt_sig = {
        "tj_format_from_name": (ctypes.c_int, [ctypes.c_char_p]),
        "tj_translate_document": (ctypes.c_int, [
            P, ctypes.POINTER(_Options), ctypes.POINTER(_DocOptions), ctypes.c_char_p,
            ctypes.c_size_t, ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(_Error)]),
        "tj_translate_scored": (ctypes.c_int, [
            P, ctypes.POINTER(_Options), ctypes.c_char_p, ctypes.c_size_t,
            ctypes.POINTER(ctypes.POINTER(_Scored)), ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(_Error)]),
        "tj_scored_free": (None, [ctypes.POINTER(_Scored), ctypes.c_size_t]),
    }
    for name, (res, args) in list(sig.items()) + list(opt_sig.items()):
        if name in opt_sig and not hasattr(lib, name):
            continue
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    _LIB = lib
    return lib


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _lib().tj_version().decode()


def _utf8(text):
    """str or bytes to the NUL-free bytes a C string can carry."""
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogatepass")
    elif isinstance(text, (bytes, bytearray)):
        data = bytes(text)
    else:
        raise TypeError(f"expected str or bytes, got {type(text).__name__}")
    if b"\0" in data:
        # A C string would silently end at the NUL and drop the rest of the text.
        raise TarjamaError(ERR_INPUT, "NUL byte at byte %d of the text" % data.index(b"\0"))
    return data


def find_model(pair):
    """The folder an installed model for PAIR ("ar-en", "en-ar") is loaded from, looked up in the
    order `tarjama models path` uses: $TARJAMA_MODELS, the user's data folder
    ($XDG_DATA_HOME or ~/.local/share, then tarjama/models), then the starter models
    ($TARJAMA_BUNDLED_MODELS, else share/tarjama/models beside the library's prefix, else
    /usr/share/tarjama/models). Raises TarjamaError(ERR_NOTFOUND) naming where it looked."""
    if not pair or pair.startswith(".") or not all(c.isalnum() or c in "._-" for c in pair):
        raise TarjamaError(ERR_ARG, f"bad model name '{pair[:80]}' (expected e.g. ar-en)")
    roots = []
    if os.environ.get("TARJAMA_MODELS"):
        roots.append(os.environ["TARJAMA_MODELS"])
    xdg = os.environ.get("XDG_DATA_HOME", "")
    home = os.environ.get("HOME", "")
    if xdg.startswith("/"):
        roots.append(os.path.join(xdg, "tarjama/models"))
    elif home.startswith("/"):
        roots.append(os.path.join(home, ".local/share/tarjama/models"))
    bundled = os.environ.get("TARJAMA_BUNDLED_MODELS")
    if bundled is not None:
        if bundled:
            roots.append(bundled)
    else:
        roots.extend(_bundled_roots())
    for root in roots:
        d = os.path.join(root, pair)
        if os.path.isdir(d):
            return d
    raise TarjamaError(ERR_NOTFOUND, f"no installed model '{pair}' (looked in "
                       + ", ".join(os.path.join(r, pair) for r in roots) + ")")


def _bundled_roots():
    roots = []
    lib = os.environ.get("TARJAMA_LIBRARY")
    if lib:
        # A build tree (build/libtarjama.so -> models/) or an install prefix
        # (PREFIX/lib[/triplet]/libtarjama.so -> PREFIX/share/tarjama/models).
        d = os.path.dirname(os.path.realpath(lib))
        roots += [os.path.join(os.path.dirname(d), "models"),
                  os.path.join(os.path.dirname(d), "share/tarjama/models"),
                  os.path.join(os.path.dirname(os.path.dirname(d)), "share/tarjama/models")]
    roots += ["/usr/local/share/tarjama/models", "/usr/share/tarjama/models"]
    return roots


class Model:
    """An opened model: Model("models/ar-en") (a model directory) or Model("ar-en") (an installed
    model, see find_model). Close it with .close() or a with block."""

    def __init__(self, path_or_pair):
        path = os.fspath(path_or_pair)
        if not os.path.isdir(path) and os.sep not in path:
            path = find_model(path)
        self._handle = None
        self.path = path
        handle = ctypes.c_void_p()
        err = _Error()
        st = _lib().tj_model_open(os.fsencode(path), ctypes.byref(handle), ctypes.byref(err))
        if st != OK:
            raise TarjamaError(st, err.message.decode("utf-8", "replace"))
        self._handle = handle

    def close(self):
        if self._handle is not None:
            _lib().tj_model_close(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None) is not None and _LIB is not None:
            self.close()

    def _opened(self):
        if self._handle is None:
            raise TarjamaError(ERR_ARG, "the model is closed")
        return self._handle

    def info(self):
        """tj_model_get_info as a dict (what `tarjama info` prints)."""
        info = _Info()
        _lib().tj_model_get_info(self._opened(), ctypes.byref(info))
        out = {}
        for name, _ in _Info._fields_:
            v = getattr(info, name)
            out[name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        return out

    def translate_document(self, data, format="html", target_lang=None, doubt=None, beam=1,
                           shortlist=True, threads=0):
        """Translates a whole document (str or UTF-8 bytes) keeping its form: format "html"
        (markup kept; target_lang "ar"/"en" sets lang= and dir= on the root; doubt=LOGPROB marks
        doubtful sentences' blocks with data-tj-doubt), "srt" or "vtt" (timings kept), "text".
        Returns the same type it was given."""
        lib = _lib()
        if not hasattr(lib, "tj_translate_document"):
            raise TarjamaError(ERR_UNSUPPORTED, "this libtarjama has no tj_translate_document")
        fmt = lib.tj_format_from_name(str(format).encode())
        if fmt < 0:
            raise TarjamaError(ERR_ARG, f"unknown document format '{format}'")
        data_b = _utf8(data)
        opt = _Options()
        lib.tj_options_default(ctypes.byref(opt))
        opt.beam_size, opt.use_shortlist, opt.threads = beam, 1 if shortlist else 0, threads
        dopt = _DocOptions(fmt, target_lang.encode() if target_lang else None,
                           0 if doubt is None else 1, 0.0 if doubt is None else doubt)
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _Error()
        st = lib.tj_translate_document(self._opened(), ctypes.byref(opt), ctypes.byref(dopt),
                                       data_b, len(data_b), ctypes.byref(out),
                                       ctypes.byref(out_len), ctypes.byref(err))
        if st != OK:
            raise TarjamaError(st, err.message.decode("utf-8", "replace"))
        try:
            result = ctypes.string_at(out, out_len.value)
        finally:
            lib.tj_free(out)
        return result.decode("utf-8") if isinstance(data, str) else result

    def translate_scored(self, text, split="paragraph", beam=1, shortlist=True, threads=0):
        """Translates a text sentence by sentence with quality scores: a list of dicts with
        line (1-based), source, translation, logprob (the model's mean token log-probability of
        its own translation; low = doubtful) and copied (nothing to translate)."""
        lib = _lib()
        if not hasattr(lib, "tj_translate_scored"):
            raise TarjamaError(ERR_UNSUPPORTED, "this libtarjama has no tj_translate_scored")
        if split not in _SPLITS:
            raise TarjamaError(ERR_ARG, f"bad split '{split}' (expected paragraph or line)")
        data = _utf8(text)
        opt = _Options()
        lib.tj_options_default(ctypes.byref(opt))
        opt.beam_size, opt.use_shortlist, opt.threads = beam, 1 if shortlist else 0, threads
        opt.split = _SPLITS[split]
        out = ctypes.POINTER(_Scored)()
        n = ctypes.c_size_t()
        err = _Error()
        st = lib.tj_translate_scored(self._opened(), ctypes.byref(opt), data, len(data),
                                     ctypes.byref(out), ctypes.byref(n), ctypes.byref(err))
        if st != OK:
            raise TarjamaError(st, err.message.decode("utf-8", "replace"))
        try:
            return [{"line": out[i].line, "source": out[i].source.decode("utf-8"),
                     "translation": out[i].translation.decode("utf-8"),
                     "logprob": out[i].logprob, "copied": bool(out[i].copied)}
                    for i in range(n.value)]
        finally:
            lib.tj_scored_free(out, n)

    def translate(self, texts, beam=1, split="paragraph", shortlist=True, normalize=1.0,
                  max_length_factor=2.0, threads=0):
        """Translates a list of texts (str or UTF-8 bytes) into a list of str, one per text.
        A bare str is translated as a list of one and returned as a str. split="paragraph": each
        line of a text is a paragraph, split into sentences; "line": each line is one sentence."""
        single = isinstance(texts, (str, bytes))
        items = [texts] if single else list(texts)
        if split not in _SPLITS:
            raise TarjamaError(ERR_ARG, f"bad split '{split}' (expected paragraph or line)")
        opt = _Options()
        _lib().tj_options_default(ctypes.byref(opt))
        opt.beam_size = beam
        opt.normalize = normalize
        opt.max_length_factor = max_length_factor
        opt.use_shortlist = 1 if shortlist else 0
        opt.split = _SPLITS[split]
        opt.threads = threads
        n = len(items)
        if n == 0:
            return "" if single else []
        encoded = [_utf8(t) for t in items]
        c_texts = (ctypes.c_char_p * n)(*encoded)
        out = (ctypes.c_void_p * n)()
        err = _Error()
        st = _lib().tj_translate(self._opened(), ctypes.byref(opt), c_texts, n, out,
                                 ctypes.byref(err))
        if st != OK:
            raise TarjamaError(st, err.message.decode("utf-8", "replace"))
        result = []
        try:
            for p in out:
                result.append(ctypes.string_at(p).decode("utf-8"))
        finally:
            for p in out:
                _lib().tj_free(p)
        return result[0] if single else result


def detect_confidence(text):
    """(language, share of letters in the winning script): language is "ar", "en", "mixed" or
    "unknown" (no letters)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    conf = ctypes.c_float()
    lang = _lib().tj_detect_language(data, len(data), ctypes.byref(conf))
    return _LANGS.get(lang, "unknown"), conf.value


def detect(text):
    """The language of a text: "ar", "en", "mixed" or "unknown"."""
    return detect_confidence(text)[0]
