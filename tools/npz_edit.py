#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a modified copy of a Marian .npz (stored ZIP of .npy items) for bad-input tests,
without numpy: drop an item, give an item another shape (its data cut or zero-padded to fit), or
set a key of the embedded configuration (special:model.yml).

usage: npz_edit.py IN.npz OUT.npz [--drop NAME] [--shape NAME R,C] [--yaml KEY VALUE] ...
"""
import ast
import struct
import sys
import zipfile


def parse_npy(data):
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy item")
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    return header, data[start + hlen:]


def make_npy(header, payload):
    text = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (
        header["descr"], tuple(header["shape"]))
    # Header padded with spaces so that the data starts at a multiple of 64, ending in newline.
    total = 10 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1") + payload


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst, ops = argv[1], argv[2], argv[3:]
    drop, shapes, yaml = set(), {}, {}
    i = 0
    while i < len(ops):
        if ops[i] == "--drop":
            drop.add(ops[i + 1])
            i += 2
        elif ops[i] == "--shape":
            shapes[ops[i + 1]] = tuple(int(x) for x in ops[i + 2].split(","))
            i += 3
        elif ops[i] == "--yaml":
            yaml[ops[i + 1]] = ops[i + 2]
            i += 3
        else:
            print("unknown option " + ops[i], file=sys.stderr)
            return 2
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in drop:
                continue
            data = zin.read(info)
            if name in shapes:
                header, payload = parse_npy(data)
                size = int(header["descr"][2:])
                n = 1
                for s in shapes[name]:
                    n *= s
                payload = payload[:n * size].ljust(n * size, b"\0")
                header["shape"] = shapes[name]
                data = make_npy(header, payload)
            if name == "special:model.yml" and yaml:
                header, payload = parse_npy(data)
                lines = payload.rstrip(b"\0").decode("utf-8").split("\n")
                for k, v in yaml.items():
                    lines = [(k + ": " + v) if ln.startswith(k + ":") else ln for ln in lines]
                payload = "\n".join(lines).encode("utf-8") + b"\0"
                header["shape"] = (len(payload),)
                data = make_npy(header, payload)
            zout.writestr(info.filename, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
