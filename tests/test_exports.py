"""Parquet and BagIt exports and the export filters, on a real crawl of two fixture sites: every format holds the
same records, field by field; the bag validates with bagit.py and holds the database and the capture."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.export import PARQUET_TYPES
from crawler.replay import ReplayServer
from crawler.store import EXPORT_FIELDS
from tests.conftest import ROOT

BAGIT = Path(sys.executable).with_name("bagit.py")


def govcrawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def corpus(replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("exports")
    db = folder / "c.db"
    crawled = govcrawl("crawl", "--seeds", "seeds/demo.yaml", "--site", "tieling", "--site", "jinchang", "--db",
                       str(db), "--proxy", replay.url, "--delay", "0")
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    exported = govcrawl("export", "--db", str(db))
    return {"db": db, "folder": folder, "records": [json.loads(line) for line in exported.stdout.splitlines()]}


def from_parquet(path: Path) -> list[dict]:
    """Parquet rows back in the export's JSON shape: times as ISO text, ``tables`` parsed."""
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        for name, kind in PARQUET_TYPES.items():
            if kind == "timestamp" and row[name] is not None:
                row[name] = row[name].astimezone(dt.UTC).isoformat()
            elif kind == "json" and row[name] is not None:
                row[name] = json.loads(row[name])
    return rows


def test_every_export_field_has_a_parquet_type() -> None:
    assert list(PARQUET_TYPES) == list(EXPORT_FIELDS)


def test_parquet_round_trips_every_field_with_types(corpus: dict) -> None:
    out = corpus["folder"] / "reports.parquet"
    result = govcrawl("export", "--db", str(corpus["db"]), "--format", "parquet", "-o", str(out))
    assert result.returncode == 0 and f"exported {len(corpus['records'])} reports" in result.stderr
    table = pq.read_table(out)
    assert table.column_names == list(EXPORT_FIELDS)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["report_year"] == "int32" and types["urls"] == "list<element: string>"
    assert types["fetched_at"] == "timestamp[us, tz=UTC]"
    assert any(r["tables"] for r in corpus["records"])  # the nested field is exercised
    assert from_parquet(out) == corpus["records"]
    assert not out.with_name(out.name + ".partial").exists()


def test_csv_round_trips_every_field(corpus: dict) -> None:
    out = corpus["folder"] / "reports.csv"
    assert govcrawl("export", "--db", str(corpus["db"]), "--format", "csv", "-o", str(out)).returncode == 0
    with out.open(encoding="utf-8", newline="") as data:
        rows = list(csv.DictReader(data))
    for row, record in zip(rows, corpus["records"], strict=True):
        for name, value in record.items():
            text = row[name]
            read = json.loads(text) if isinstance(value, list | dict) else (int(text) if isinstance(value, int) else
                                                                          (text or None))
            assert read == value, name


def test_filters_select_the_same_records_in_every_format(corpus: dict) -> None:
    records = corpus["records"]
    wanted = [r for r in records if r["site_id"] == "jinchang" and r["report_year"] == 2021]
    assert wanted and len(wanted) < len(records)
    jsonl = govcrawl("export", "--db", str(corpus["db"]), "--site", "jinchang", "--year", "2021")
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == wanted
    out = corpus["folder"] / "jinchang-2021.parquet"
    govcrawl("export", "--db", str(corpus["db"]), "--format", "parquet", "--site", "jinchang", "--year", "2021", "-o",
             str(out))
    assert from_parquet(out) == wanted
    by_region = govcrawl("export", "--db", str(corpus["db"]), "--region", "铁岭")
    assert {json.loads(line)["site_id"] for line in by_region.stdout.splitlines()} == {"tieling"}


def test_a_bag_validates_and_holds_records_database_and_capture(corpus: dict) -> None:
    bag = corpus["folder"] / "bag"
    result = govcrawl("export", "--db", str(corpus["db"]), "--format", "bagit", "-o", str(bag))
    assert result.returncode == 0, result.stderr[-2000:]
    validated = subprocess.run([str(BAGIT), "--validate", str(bag)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stderr
    assert "is valid" in validated.stderr
    data = bag / "data"
    assert [json.loads(line) for line in (data / "reports.jsonl").read_text("utf-8").splitlines()] == corpus["records"]
    assert from_parquet(data / "reports.parquet") == corpus["records"]
    with sqlite3.connect(data / "corpus.db") as copied:
        assert copied.execute("SELECT count(*) FROM reports").fetchone() == (len(corpus["records"]),)
    warcs = sorted((corpus["db"].parent / "warc").glob("*.warc.gz"))
    assert [w.read_bytes() for w in warcs] == [w.read_bytes() for w in sorted((data / "warc").iterdir())]
    info = (bag / "bag-info.txt").read_text("utf-8")
    assert "Bag-Software-Agent: govcrawl" in info and "Govcrawl-Runs: 1 " in info and "seeds/demo.yaml" in info
    again = govcrawl("export", "--db", str(corpus["db"]), "--format", "bagit", "-o", str(bag))
    assert again.returncode == 1 and "not an empty folder" in again.stderr  # an existing bag is never touched
    assert subprocess.run([str(BAGIT), "--validate", str(bag)], capture_output=True).returncode == 0


def test_a_file_format_needs_its_output(corpus: dict) -> None:
    for fmt, said in (("parquet", "-o FILE.parquet"), ("bagit", "-o DIR"), ("wacz", "-o FILE.wacz")):
        result = govcrawl("export", "--db", str(corpus["db"]), "--format", fmt)
        assert result.returncode == 2 and said in result.stderr
    filtered = govcrawl("export", "--db", str(corpus["db"]), "--format", "wacz", "--site", "tieling", "-o",
                        str(corpus["folder"] / "x.wacz"))
    assert filtered.returncode == 2 and "whole capture" in filtered.stderr
