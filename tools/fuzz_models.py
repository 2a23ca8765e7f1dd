#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Random damage to a model directory, to check that tarjama answers every damaged file with a
one-line error (exit 1) or a translation (exit 0) and never crashes. Run it on a sanitizer
build (docs/bad-input.md, "Random damage"):

    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \\
        -DCMAKE_C_FLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
    cmake --build build-asan --target tarjama
    tools/fuzz_models.py build-asan/tarjama ../shared/fixtures/tiny-aren/model [SECONDS] [SEED]

Each trial damages one file of the directory (the others are linked): random bytes, mostly in
the first 64 KiB where the headers and offsets are; a truncation; 8 random bytes in the first
4 KiB; or a 64-bit field set to an extreme value. Then `tarjama translate -m DIR` runs on one
sentence. A trial fails on any exit status other than 0 or 1, a sanitizer report, an exit 1 whose
stderr is not one line starting "tarjama:", or a run longer than 60 s; its directory is kept
under the work folder for a look.
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time


def damage(data, rng):
    d = bytearray(data)
    kind = rng.choice(['bytes', 'bytes', 'truncate', 'header', 'field'])
    if kind == 'bytes':
        for _ in range(rng.randint(1, 20)):
            i = rng.randrange(len(d)) if rng.random() < 0.3 else rng.randrange(min(len(d), 65536))
            d[i] = rng.randrange(256)
    elif kind == 'truncate':
        d = d[:rng.randrange(len(d))]
    elif kind == 'header':
        i = rng.randrange(min(len(d), 4096))
        d[i:i + 8] = bytes(rng.randrange(256) for _ in range(8))
    else:
        i = rng.randrange(0, max(1, min(len(d), 65536) - 8)) & ~7
        d[i:i + 8] = struct.pack('<q', rng.choice([-1, 0, 255, 2**31, 2**32 - 1, 2**40, 2**62]))
    return kind, bytes(d)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tj, src = sys.argv[1], sys.argv[2]
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    files = {f: open(os.path.join(src, f), 'rb').read() for f in sorted(os.listdir(src))}
    root = tempfile.mkdtemp(prefix='tj_fuzz.')
    text = os.path.join(root, 'in.txt')
    with open(text, 'w', encoding='utf-8') as f:
        f.write('وصل الرئيس إلى القاهرة صباح اليوم.\nThe president arrived in Cairo.\n')
    trials = fails = 0
    start = time.time()
    while time.time() - start < secs:
        trials += 1
        work = os.path.join(root, 'trial')
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        target = rng.choice(list(files))
        for name, data in files.items():
            if name == target:
                kind, bad = damage(data, rng)
                with open(os.path.join(work, name), 'wb') as f:
                    f.write(bad)
            else:
                os.symlink(os.path.abspath(os.path.join(src, name)), os.path.join(work, name))
        try:
            r = subprocess.run([tj, 'translate', '-m', work, '--split', 'line', text],
                               capture_output=True, timeout=60, text=True, errors='replace')
            err = r.stderr.strip()
            ok = (r.returncode in (0, 1) and 'Sanitizer' not in err and 'runtime error' not in err
                  and (r.returncode == 0 or ('\n' not in err and err.startswith('tarjama:'))))
            why = 'exit %d: %s' % (r.returncode, err[:300].replace('\n', ' | '))
        except subprocess.TimeoutExpired:
            ok, why = False, 'timeout'
        if not ok:
            fails += 1
            keep = os.path.join(root, 'fail-%d' % trials)
            shutil.copytree(work, keep)
            print('FAIL trial %d (%s, %s): %s; kept in %s' % (trials, target, kind, why, keep))
    print('fuzz_models: %d trials, %d failures' % (trials, fails))
    if not fails:
        shutil.rmtree(root)
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
