"""Export the corpus as JSONL or CSV (fields: crawler.store.EXPORT_FIELDS)."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlite_utils import Database

from crawler.store import EXPORT_FIELDS, export_records

FORMATS = ("jsonl", "csv")


def write_jsonl(db: Database, out: TextIO) -> int:
    count = 0
    for record in export_records(db):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(db: Database, out: TextIO) -> int:
    """One row per report; list and object fields as JSON text, the body with its line breaks."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    count = 0
    for record in export_records(db):
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                         for k, v in record.items()})
        count += 1
    return count


def export(db: Database, fmt: str, out: TextIO) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    return write_jsonl(db, out) if fmt == "jsonl" else write_csv(db, out)
