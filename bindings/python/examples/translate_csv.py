#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Translates one column of a CSV file and writes the file back with the translation in a new
column (COLUMN_en or COLUMN_ar) after the others:

    translate_csv.py --model ar-en --column headline news.csv news-translated.csv

--model is a model directory or an installed pair (ar-en, en-ar). Other columns, quoting and
row order are kept; empty cells stay empty; a cell's line breaks are kept.
"""

import argparse
import csv
import sys

import tarjama


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model directory or pair (ar-en, en-ar)")
    ap.add_argument("--column", required=True, help="header name of the column to translate")
    ap.add_argument("--beam", type=int, default=1, help="beam size (default 1, greedy)")
    ap.add_argument("--batch", type=int, default=64, help="cells translated per library call")
    ap.add_argument("input", help="CSV file with a header row")
    ap.add_argument("output", help="CSV file to write")
    a = ap.parse_args()

    with open(a.input, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or a.column not in rows[0]:
        sys.exit(f"translate_csv: no column '{a.column}' in the header of {a.input}")
    col = rows[0].index(a.column)
    target = "ar" if a.model.rstrip("/").endswith("-ar") else "en"
    out = [rows[0] + [f"{a.column}_{target}"]]
    try:
        with tarjama.Model(a.model) as model:
            body = rows[1:]
            for i in range(0, len(body), a.batch):
                chunk = body[i:i + a.batch]
                cells = [r[col] if col < len(r) else "" for r in chunk]
                for r, t in zip(chunk, model.translate(cells, beam=a.beam)):
                    out.append(r + [t])
    except tarjama.TarjamaError as e:
        sys.exit(f"translate_csv: {e}")
    with open(a.output, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(out)


if __name__ == "__main__":
    main()
