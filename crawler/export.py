"""Export the corpus: JSONL, CSV or Parquet records (fields: crawler.store.EXPORT_FIELDS), a BagIt bag of
records, database and capture, or the raw capture as a WACZ."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from crawler.store import EXPORT_FIELDS, export_records

TEXT_FORMATS = ("jsonl", "csv")
FILE_FORMATS = ("parquet", "bagit", "wacz")  # written to -o: a Parquet file, a bag folder, a WACZ zip
FORMATS = (*TEXT_FORMATS, *FILE_FORMATS)
# Parquet column types of the export fields (pyarrow names); ``tables`` (nested, of no fixed shape) is JSON text.
PARQUET_TYPES = {
    "url": "string", "urls": "list<string>", "site_id": "string", "title": "string", "body": "string",
    "region": "string", "agency": "string", "report_year": "int32", "publish_date": "string",
    "attachments": "list<string>", "tables": "json", "flags": "list<string>", "sha256": "string",
    "fetched_at": "timestamp", "kind": "string", "search_text": "string", "level": "string", "edition": "string",
    "version": "int32", "withdrawn_at": "timestamp",
}


@dataclass(frozen=True)
class Selection:
    """Which reports an export holds: all, or those of a site, a region (a part of its name as printed), a year,
    a level, or carrying a flag."""

    site: str | None = None
    region: str | None = None
    year: int | None = None
    level: str | None = None
    flag: str | None = None

    def keeps(self, record: dict[str, Any]) -> bool:
        return ((self.site is None or record["site_id"] == self.site)
                and (self.region is None or self.region in (record["region"] or ""))
                and (self.year is None or record["report_year"] == self.year)
                and (self.level is None or record["level"] == self.level)
                and (self.flag is None or self.flag in record["flags"]))


def selected(db: Database, selection: Selection | None = None) -> Iterator[dict[str, Any]]:
    return (r for r in export_records(db) if selection is None or selection.keeps(r))


class ArchiveError(Exception):
    """The corpus's capture cannot be packaged: no finished WARC file, or py-wacz refused them."""


def write_jsonl(db: Database, out: TextIO, selection: Selection | None = None) -> int:
    count = 0
    for record in selected(db, selection):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(db: Database, out: TextIO, selection: Selection | None = None) -> int:
    """One row per report; list and object fields as JSON text, the body with its line breaks."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    count = 0
    for record in selected(db, selection):
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                         for k, v in record.items()})
        count += 1
    return count


def export(db: Database, fmt: str, out: TextIO, selection: Selection | None = None) -> int:
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown text export format {fmt!r}: use one of {', '.join(TEXT_FORMATS)}")
    return write_jsonl(db, out, selection) if fmt == "jsonl" else write_csv(db, out, selection)


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "json": pa.string(), "int32": pa.int32(), "list<string>": pa.list_(pa.string()),
            "timestamp": pa.timestamp("us", tz="UTC")}[name]


def _arrow_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(value)
    return value


def write_parquet(db: Database, out: Path, selection: Selection | None = None) -> int:
    """The records as one Parquet file (pyarrow): typed columns in the export's order, lists as lists, times as
    UTC timestamps, ``tables`` as JSON text. Written beside ``out`` first, so a failure leaves no half file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, _arrow_type(PARQUET_TYPES[name])) for name in EXPORT_FIELDS])
    records = list(selected(db, selection))
    columns = {name: [_arrow_value(PARQUET_TYPES[name], r[name]) for r in records] for name in EXPORT_FIELDS}
    partial = out.with_name(out.name + ".partial")
    pq.write_table(pa.table(columns, schema=schema), partial)
    partial.replace(out)
    return len(records)


def write_bag(db: Database, db_path: Path, out: Path, warc_dir: Path | None = None,
              selection: Selection | None = None) -> int:
    """A BagIt bag (the bagit library) in the new folder ``out``: the records as JSONL and Parquet, a copy of the
    SQLite corpus, the finished WARC files when there are any, and a bag-info naming the tool, its version, the
    seed lists and the runs. The number of reports."""
    import bagit

    from crawler.wacz import warc_files_of

    if out.exists() and any(out.iterdir()):
        raise ArchiveError(f"{out}: not an empty folder; a bag is made in a new one")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "reports.jsonl").open("w", encoding="utf-8") as jsonl:
        count = write_jsonl(db, jsonl, selection)
    write_parquet(db, out / "reports.parquet", selection)
    with closing(sqlite3.connect(db_path)) as source, closing(sqlite3.connect(out / "corpus.db")) as copy:
        source.backup(copy)  # a consistent copy, even of a corpus in WAL mode
        copy.execute("PRAGMA journal_mode = DELETE")  # opened to be read, it writes no -wal file into the bag
    if warcs := warc_files_of(db_path, warc_dir):
        (out / "warc").mkdir()
        for warc in warcs:
            shutil.copy2(warc, out / "warc" / warc.name)
    runs = list(db.query("SELECT id, started_at, finished_at, status, seeds_file FROM runs ORDER BY id"))
    info = {"Source-Organization": "govcrawl", "External-Identifier": Path(db_path).name,
            "External-Description": f"govcrawl corpus {Path(db_path).name}: {count} government information "
                                    "disclosure annual reports, with the database and the raw capture",
            "Bag-Software-Agent": f"govcrawl {version('govcrawl')} (bagit {version('bagit')})",
            "Govcrawl-Seed-Lists": ", ".join(sorted({r["seeds_file"] for r in runs if r["seeds_file"]})),
            "Govcrawl-Runs": "; ".join(f"{r['id']} {r['started_at']} to {r['finished_at']} {r['status']}"
                                       for r in runs),
            "Govcrawl-Reports": str(count), "Govcrawl-WARC-Files": str(len(warcs))}
    bagit.make_bag(str(out), info, checksums=["sha256"])
    return count


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
    from crawler.wacz import WaczError, warc_files_of, write_wacz  # py-wacz loads slowly
    from crawler.warc import default_folder

    warcs = warc_files_of(db_path, warc_dir)
    if not warcs:
        raise ArchiveError(f"no finished WARC files (*.warc.gz) in {warc_dir or default_folder(db_path)}: "
                           "nothing to package")
    pages = report_pages(db)
    try:
        write_wacz(warcs, out, pages, title=f"govcrawl corpus {Path(db_path).name}")
    except WaczError as exc:
        raise ArchiveError(str(exc)) from exc
    return len(pages)
