"""Export the corpus as JSONL or CSV (fields: crawler.store.EXPORT_FIELDS), or its raw capture as a WACZ."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TextIO

from sqlite_utils import Database

from crawler.store import EXPORT_FIELDS, export_records

TEXT_FORMATS = ("jsonl", "csv")
FORMATS = (*TEXT_FORMATS, "wacz")  # wacz: a zip file, written by export_wacz


class ArchiveError(Exception):
    """The corpus's capture cannot be packaged: no finished WARC file, or py-wacz refused them."""


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
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown text export format {fmt!r}: use one of {', '.join(TEXT_FORMATS)}")
    return write_jsonl(db, out) if fmt == "jsonl" else write_csv(db, out)


def report_pages(db: Database) -> list[dict]:
    """One WACZ page per report: its URL, title and the time of its capture (the latest response record of the
    URL in ``captures``; the report's ``fetched_at`` when the corpus indexes no capture of it)."""
    captured = "captures" in db.table_names()
    pages = []
    for row in db.query("SELECT url, title, fetched_at FROM reports ORDER BY site_id, report_year, url"):
        warc_date = db.execute("SELECT max(warc_date) FROM captures WHERE url = ? AND record_type = 'response'",
                               [row["url"]]).fetchone()[0] if captured else None
        pages.append({"url": row["url"], "ts": warc_date or row["fetched_at"], "title": row["title"]})
    return pages


def export_wacz(db: Database, db_path: Path, out: Path, warc_dir: Path | None = None) -> int:
    """Package the corpus's WARC files (in ``warc_dir``, by default ``warc/`` beside ``db_path``) as the WACZ
    ``out``; the number of reports."""
    from crawler.wacz import WaczError, warc_files_of, warc_folder, write_wacz  # py-wacz loads slowly

    warcs = warc_files_of(db_path, warc_dir)
    if not warcs:
        raise ArchiveError(f"no finished WARC files (*.warc.gz) in {warc_dir or warc_folder(db_path)}: "
                           "nothing to package")
    pages = report_pages(db)
    try:
        write_wacz(warcs, out, pages, title=f"govcrawl corpus {Path(db_path).name}")
    except WaczError as exc:
        raise ArchiveError(str(exc)) from exc
    return len(pages)
