"""The corpus database (SQLite through sqlite-utils): sites, fetched pages, reports and their provenance.

Library functions used by the store pipeline, the exporter and the CLI alike. Writes are upserts keyed on
stable identities, so running the same crawl again adds no duplicate rows.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler import versions
from crawler.clock import now
from crawler.documents import DOCUMENT_TYPES
from crawler.errors import OTHER
from crawler.items import ReportPage
from crawler.seeds import Seed

# Export contract: other tools read these names. Add fields at the end; never rename or drop one.
EXPORT_FIELDS = (
    "url", "urls", "site_id", "title", "body", "region", "agency", "report_year", "publish_date",
    "attachments", "tables", "flags", "sha256", "fetched_at", "kind", "search_text", "level", "edition",
    "version", "withdrawn_at",
)
# What saving a report was (save_report): a report not known, the same text again, a new text of a known report.
NEW, SEEN, CHANGED = "new", "seen", "changed"


FTS_COLUMNS = ("title", "body", "search_text")


def body_key(body: list[str]) -> str:
    """Identity of a report's text: NFKC-folded with white space removed, so layout differences don't split it."""
    folded = unicodedata.normalize("NFKC", "".join(body))
    return hashlib.sha256("".join(folded.split()).encode("utf-8")).hexdigest()


def report_key(item: ReportPage) -> str:
    """A report's identity: its text (body_key). A report whose text is still locked in its file (a scan awaiting
    OCR) has none, so it is known by that file's bytes, or by its URL when the file could not be fetched."""
    if item.body:
        return body_key(item.body)
    files = [f["sha256"] for f in item.attachment_files if f.get("sha256") and f.get("type") in DOCUMENT_TYPES]
    return hashlib.sha256((f"file:{files[0]}" if files else f"url:{item.url}").encode("utf-8")).hexdigest()


def open_db(path: str | Path) -> Database:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.enable_wal()
    ensure_schema(db)
    return db


# Where the record of a row's bytes is in the capture (crawler/warc.py: Pointer.columns()).
WARC_COLUMNS: dict[str, type] = {"warc_file": str, "warc_offset": int, "warc_record_id": str}
# Table → (columns, primary key). A column added here is added to existing databases on open.
SCHEMA: dict[str, tuple[dict[str, type], str | tuple[str, ...]]] = {
    "sites": ({"id": str, "name": str, "region": str, "url": str, "template": str, "report_column": str,
               "allowed_domains": str, "updated_at": str, "detected_template": str, "detected_reasons": str,
               "detected_at": str, "column_url": str, "column_via": str}, "id"),
    "runs": ({"id": int, "started_at": str, "finished_at": str, "seeds_file": str, "sites": str, "status": str,
              "pages": int, "reports_new": int, "reports_seen": int, "errors": int, "stats": str, "sites_ok": int,
              "sites_partial": int, "sites_failed": int, "outcome": str, "crawl_id": int}, "id"),
    # One row per run and per site of it (crawler/runs.py: outcomes, failing_since).
    "run_sites": ({"run_id": int, "site_id": str, "pages": int, "not_modified": int, "reports_new": int,
                   "reports_seen": int, "reports_changed": int, "reports_withdrawn": int, "errors": int,
                   "errors_by_kind": str, "started_at": str, "finished_at": str, "duration_s": float,
                   "outcome": str, "reason": str}, ("run_id", "site_id")),
    "pages": ({"url": str, "site_id": str, "status": int, "fetched_at": str, "sha256": str, "content_type": str,
               "length": int, "run_id": int, "etag": str, "last_modified": str, **WARC_COLUMNS}, "url"),
    "reports": ({"id": str, "url": str, "site_id": str, "title": str, "body": str, "region": str, "agency": str,
                 "report_year": int, "publish_date": str, "attachments": str, "tables": str, "flags": str,
                 "evidence": str, "sha256": str, "fetched_at": str, "kind": str, "template": str,
                 "extracted_by": str, "first_seen": str, "last_seen": str, "search_text": str, "page_meta": str,
                 "level": str, "edition": str, "outline": str, "metadata_evidence": str, "version": int,
                 "withdrawn_at": str, "last_checked": str}, "id"),
    "report_urls": ({"report_id": str, "url": str, "site_id": str, "fetched_at": str, "page_sha256": str,
                     "list_title": str, "list_date": str, "referer": str, "first_seen": str, "last_seen": str,
                     "found_via": str, "withdrawn_at": str, "last_checked": str, **WARC_COLUMNS},
                    ("report_id", "url")),
    # Every text a report had (crawler/versions.py: what changed from the one before); ``current`` marks one.
    "report_versions": ({"report_id": str, "version": int, "hash": str, "sha256": str, "body": str, "tables": str,
                         "url": str, "fetched_at": str, "changes": str, "current": int, **WARC_COLUMNS},
                        ("report_id", "version")),
    "listings": ({"site_id": str, "url": str, "title": str, "list_date": str, "kind": str, "reason": str,
                  "list_url": str, "first_seen": str, "last_seen": str}, ("site_id", "url")),
    "errors": ({"id": int, "run_id": int, "site_id": str, "url": str, "reason": str, "at": str, "kind": str}, "id"),
    "report_stats": ({"report_id": str, "table_name": str, "row_label": str, "column_label": str, "value": float},
                     ("report_id", "table_name", "row_label", "column_label")),
    "attachment_files": ({"report_id": str, "url": str, "name": str, "filename": str, "type": str, "sha256": str,
                          "size": int, "status": str, "path": str, "etag": str, "last_modified": str, **WARC_COLUMNS},
                         ("report_id", "url")),
    # The records of the WARC files (crawler/warc.py), by URL: a revisit names the response it stands for.
    "captures": ({"record_id": str, "run_id": int, "url": str, "method": str, "request_digest": str, "status": int,
                  "record_type": str, "payload_digest": str, "warc_date": str, "warc_file": str, "warc_offset": int,
                  "warc_length": int, "original_id": str, "original_uri": str, "original_date": str}, "record_id"),
}


def ensure_schema(db: Database) -> None:
    """Create missing tables, add missing columns (older corpora upgrade in place), indexes and FTS."""
    for name, (columns, pk) in SCHEMA.items():
        table = db.table(name)
        if not table.exists():
            foreign_keys = [("report_id", "reports", "id")] if name == "report_urls" else None
            table.create(columns, pk=pk, foreign_keys=foreign_keys)
            continue
        existing = table.columns_dict
        for column, kind in columns.items():
            if column not in existing:
                table.add_column(column, kind)
    db.table("pages").create_index(["site_id"], if_not_exists=True)
    db.table("report_urls").create_index(["url"], if_not_exists=True)
    db.table("reports").create_index(["site_id", "report_year"], if_not_exists=True)
    db.table("report_versions").create_index(["hash"], if_not_exists=True)
    db.table("captures").create_index(["url", "method", "request_digest"], if_not_exists=True)
    fts = db.table("reports").detect_fts()
    if not fts or "search_text" not in db.table(fts).columns_dict:
        # trigram tokens let FTS find Chinese words, which have no spaces between them; search_text makes a
        # Traditional-script copy findable by Simplified words (an older index without it is rebuilt).
        db.table("reports").enable_fts(FTS_COLUMNS, tokenize="trigram", create_triggers=True, replace=bool(fts))


def save_sites(db: Database, seeds: list[Seed]) -> None:
    rows = [{**s.as_row(), "allowed_domains": json.dumps(list(s.domains)), "updated_at": now()} for s in seeds]
    db.table("sites").upsert_all(rows, pk="id")


def save_detected_template(db: Database, site_id: str, template: str, reasons: list[str]) -> None:
    """What ``template: auto`` took a site for, and why."""
    db.table("sites").update(site_id, {"detected_template": template, "detected_at": now(),
                                 "detected_reasons": json.dumps(reasons, ensure_ascii=False)})


def save_column(db: Database, site_id: str, url: str, via: str) -> None:
    """Where a site's annual-report column was found, and how (links, the seed's report_column, usual paths)."""
    db.table("sites").update(site_id, {"column_url": url, "column_via": via})


def save_listings(db: Database, site_id: str, list_url: str, entries: list[dict[str, str | None]]) -> None:
    """Entries of a column's list page with their kind: the reports, and what was seen and left."""
    seen = now()
    rows = [{"site_id": site_id, "url": e["url"], "title": e["title"], "list_date": e["date"], "kind": e["kind"],
             "reason": e["reason"], "list_url": list_url, "last_seen": seen} for e in entries]
    db.table("listings").upsert_all(rows, pk=("site_id", "url"))
    db.execute("UPDATE listings SET first_seen = ? WHERE site_id = ? AND first_seen IS NULL", [seen, site_id])


def start_run(db: Database, seeds_file: str, site_ids: list[str]) -> int:
    table = db.table("runs")
    table.insert({"started_at": now(), "seeds_file": seeds_file, "sites": json.dumps(site_ids), "status": "running",
                  "pages": 0, "reports_new": 0, "reports_seen": 0, "errors": 0})
    return table.last_pk  # type: ignore[return-value]


def finish_run(db: Database, run_id: int, status: str, counts: dict[str, int], stats: dict[str, object]) -> None:
    """Close a run with its counts and govcrawl's own stats (trap guards, rendered pages, crawl delays)."""
    db.table("runs").update(run_id, {"finished_at": now(), "status": status, **counts,
                               "stats": json.dumps(stats, ensure_ascii=False, sort_keys=True)})


def save_page(db: Database, row: dict[str, Any]) -> bool:
    """One row per URL. True when the URL had no row of the row's run yet: a page the run fetches twice (a column
    read plainly, then rendered by the browser) is one page of it. (Run-less crawls, ``scrapy crawl``, count as
    one run.)"""
    table = db.table("pages")
    known = table.count_where("url = ? AND run_id IS ?", [row["url"], row.get("run_id")])
    table.upsert(row, pk="url")
    return not known


def save_error(db: Database, run_id: int | None, site_id: str | None, url: str, reason: str,
               kind: str = OTHER) -> None:
    """A request that failed or was cut, with the kind of it (crawler/errors.py)."""
    db.table("errors").insert({"run_id": run_id, "site_id": site_id, "url": url, "reason": reason, "at": now(),
                               "kind": kind})


# The meta tags the national standard for government sites puts on detail pages (GB/T 39735 / 政府网站发展指引).
STANDARD_META = ("sitename", "sitedomain", "siteidcode", "columnname", "columntype", "articletitle", "pubdate",
                 "contentsource", "keywords", "description")


def _canonical(urls: list[str]) -> str:
    return min(urls, key=lambda u: (len(u), u))


def resolve_report(db: Database, item: ReportPage) -> tuple[str, str, bool]:
    """The report an item is, what saving it is (NEW, SEEN, CHANGED), and whether its text is the report's current
    one. A report keeps the id it got first, so that citing it holds across versions: a text any report had is that
    report (an older text served again is seen, the current one unchanged); a different text at a URL of a report
    of the same year (or an unknown one) is a new version of it; anything else is a new report."""
    key = report_key(item)
    if hit := next(db.query("SELECT report_id, current FROM report_versions WHERE hash = ? ORDER BY current DESC "
                            "LIMIT 1", [key]), None):
        return hit["report_id"], SEEN, bool(hit["current"])
    if db.table("reports").count_where("id = ?", [key]):
        return key, SEEN, True  # a corpus from before versions
    for row in db.query("SELECT r.id, r.report_year FROM report_urls u JOIN reports r ON r.id = u.report_id "
                        "WHERE u.url = ? ORDER BY u.last_seen DESC", [item.url]):
        if row["report_year"] is None or item.report_year is None or row["report_year"] == item.report_year:
            return row["id"], CHANGED, True
    return key, NEW, True


def save_report(db: Database, item: ReportPage) -> str:
    """Store a cleaned report (one transaction); the same text found at another URL adds that URL, a new text of
    a known report adds a version (resolve_report). Returns NEW, SEEN or CHANGED."""
    with db.atomic():
        return _save_report(db, item)


def _save_report(db: Database, item: ReportPage) -> str:
    report_id, outcome, current = resolve_report(db, item)
    seen_at = now()
    db.table("report_urls").upsert(
        {"report_id": report_id, "url": item.url, "site_id": item.site_id, "fetched_at": item.fetched_at,
         "page_sha256": item.page_sha256, "list_title": item.list_title, "list_date": item.list_date,
         "referer": item.referer, "last_seen": seen_at, "found_via": item.found_via, "withdrawn_at": None,
         **item.capture()},
        pk=("report_id", "url"),
    )
    db.execute("UPDATE report_urls SET first_seen = ? WHERE report_id = ? AND url = ? AND first_seen IS NULL",
               [seen_at, report_id, item.url])
    if not current:  # an older text served again: the report's current text stays
        db.execute("UPDATE reports SET withdrawn_at = NULL, last_seen = ? WHERE id = ?", [seen_at, report_id])
        return outcome
    urls = [r["url"] for r in db.table("report_urls").rows_where("report_id = ?", [report_id])]
    canonical = _canonical(urls)
    body = "\n".join(item.body)
    row = {
        "id": report_id, "url": canonical, "title": item.title, "body": body, "region": item.region,
        "agency": item.agency, "report_year": item.report_year, "publish_date": item.publish_date,
        "attachments": json.dumps(item.attachments, ensure_ascii=False),
        "tables": json.dumps(item.tables, ensure_ascii=False) if item.tables is not None else None,
        "flags": json.dumps(sorted(item.flags)), "evidence": json.dumps(item.evidence, ensure_ascii=False),
        "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "kind": item.kind, "template": item.template,
        "search_text": item.search_text,
        "extracted_by": item.extracted_by, "last_seen": seen_at,
        "page_meta": json.dumps({k: item.meta[k] for k in STANDARD_META if k in item.meta}, ensure_ascii=False),
        "level": item.level, "edition": item.edition, "outline": json.dumps(item.outline, ensure_ascii=False),
        "metadata_evidence": json.dumps(item.metadata_evidence, ensure_ascii=False), "withdrawn_at": None,
    }
    if outcome == NEW or item.url == canonical:
        row.update(site_id=item.site_id, fetched_at=item.fetched_at)
    if outcome == NEW:
        row.update(first_seen=seen_at, version=1)
        db.table("reports").insert(row)
        _add_version(db, report_id, 1, item, None)
    else:
        if outcome == CHANGED:
            previous = _current_version(db, report_id)
            row["version"] = version = int(previous["version"]) + 1
            _add_version(db, report_id, version, item, versions.changes(
                previous["body"].split("\n") if previous["body"] else [], item.body,
                json.loads(previous["tables"]) if previous["tables"] else None, item.tables))
        db.table("reports").update(report_id, row)
    save_stats(db, report_id, item.tables)
    save_attachment_files(db, report_id, item.attachment_files)
    return outcome


def _current_version(db: Database, report_id: str) -> dict[str, Any]:
    """The report's current version; a report stored before versions existed gets its version 1 first."""
    if row := next(db.query("SELECT * FROM report_versions WHERE report_id = ? AND current = 1", [report_id]), None):
        return row
    stored = db.table("reports").get(report_id)
    first = {"report_id": report_id, "version": 1, "hash": report_id, "sha256": stored["sha256"],
             "body": stored["body"], "tables": stored["tables"], "url": stored["url"],
             "fetched_at": stored["fetched_at"], "changes": None, "current": 1}
    db.table("report_versions").insert(first, pk=("report_id", "version"))
    return first


def _add_version(db: Database, report_id: str, version: int, item: ReportPage, change: dict | None) -> None:
    body = "\n".join(item.body)
    db.execute("UPDATE report_versions SET current = 0 WHERE report_id = ?", [report_id])
    db.table("report_versions").insert(
        {"report_id": report_id, "version": version, "hash": report_key(item),
         "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "body": body,
         "tables": json.dumps(item.tables, ensure_ascii=False) if item.tables is not None else None,
         "url": item.url, "fetched_at": item.fetched_at,
         "changes": json.dumps(change, ensure_ascii=False) if change is not None else None, "current": 1,
         **item.capture()},
        pk=("report_id", "version"))


def report_versions(db: Database, report_id: str) -> list[dict[str, Any]]:
    """A report's texts, oldest first, each with what changed from the one before."""
    return [{**row, "changes": json.loads(row["changes"]) if row["changes"] else None} for row in db.query(
        "SELECT * FROM report_versions WHERE report_id = ? ORDER BY version", [report_id])]


def record_check(db: Database, url: str, at: str | None = None, warc: dict[str, Any] | None = None) -> str | None:
    """A stored report's page revalidated unchanged (a 304, or the same bytes): checked now, no new version, the
    URL's row pointing at the capture of the check (``warc``: a revisit record). The report's id, or None when
    the URL is no report's."""
    row = next(db.query("SELECT report_id FROM report_urls WHERE url = ? ORDER BY last_seen DESC", [url]), None)
    if row is None:
        return None
    at = at or now()
    with db.atomic():
        db.execute("UPDATE report_urls SET last_checked = ?, last_seen = ? WHERE url = ?", [at, at, url])
        if warc:
            db.execute("UPDATE report_urls SET warc_file = ?, warc_offset = ?, warc_record_id = ? WHERE url = ?",
                       [warc["warc_file"], warc["warc_offset"], warc["warc_record_id"], url])
        db.execute("UPDATE reports SET last_checked = ?, last_seen = ? WHERE id = ?", [at, at, row["report_id"]])
    return str(row["report_id"])


def mark_withdrawn(db: Database, url: str, at: str | None = None) -> list[str]:
    """A report URL that answered 404/410, or is gone from its list: withdrawn there, with the date, never
    deleted; a report all of whose URLs are withdrawn is withdrawn. The ids of the reports newly withdrawn."""
    at = at or now()
    with db.atomic():
        ids = [r["report_id"] for r in db.query(
            "SELECT report_id FROM report_urls WHERE url = ? AND withdrawn_at IS NULL", [url])]
        db.execute("UPDATE report_urls SET withdrawn_at = ? WHERE url = ? AND withdrawn_at IS NULL", [at, url])
        gone = [i for i in ids if not db.table("report_urls").count_where(
            "report_id = ? AND withdrawn_at IS NULL", [i])]
        for report_id in gone:
            db.execute("UPDATE reports SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL", [at, report_id])
    return gone


def withdraw_unlisted(db: Database, site_id: str, since: str) -> list[str]:
    """Reports gone from their lists: the list page that linked a report URL was read again since ``since`` (the
    crawl's start) and no list page of the site shows the URL any more (a report moved to page 2 is still
    listed; one linked from elsewhere, never listed, is not judged). Marked as mark_withdrawn does; the ids of
    the reports newly withdrawn."""
    rows = db.query(
        "SELECT DISTINCT u.url FROM report_urls u JOIN pages p ON p.url = u.referer "
        "WHERE u.site_id = ? AND u.withdrawn_at IS NULL AND p.fetched_at >= ? AND p.status < 400 "
        "AND EXISTS (SELECT 1 FROM listings l WHERE l.site_id = u.site_id AND l.url = u.url) "
        "AND NOT EXISTS (SELECT 1 FROM listings l WHERE l.site_id = u.site_id AND l.url = u.url "
        "AND l.last_seen >= ?)", [site_id, since, since])
    return [report_id for row in list(rows) for report_id in mark_withdrawn(db, row["url"])]


def save_attachment_files(db: Database, report_id: str, files: list[dict[str, Any]]) -> None:
    """The files a report links (pipelines/attachments.py), one row per URL."""
    columns = [c for c in SCHEMA["attachment_files"][0] if c != "report_id"]
    db.table("attachment_files").upsert_all([{"report_id": report_id, **{c: f.get(c) for c in columns}} for f in files],
                                      pk=("report_id", "url"))


def stored_file(db: Database, url: str) -> dict[str, Any] | None:
    """The copy the corpus holds of a file (an attachment, a report published as a file), while the file is still
    on disk: what a 304 for its URL keeps."""
    for row in db.query("SELECT * FROM attachment_files WHERE url = ? AND sha256 IS NOT NULL AND path IS NOT NULL "
                        "ORDER BY rowid DESC", [url]):
        if Path(row["path"]).is_file():
            return row
    return None


def save_stats(db: Database, report_id: str, tables: dict | None) -> None:
    """The report's table cells as long rows SQL can aggregate: every {row: {column: value}} grid of ``tables``
    (pipelines/tables.py), an unknown cell as NULL. They replace the rows of the report's previous save."""
    db.table("report_stats").delete_where("report_id = ?", [report_id])
    rows = [{"report_id": report_id, "table_name": name, "row_label": row, "column_label": column, "value": value}
            for name, grid in (tables or {}).items() if isinstance(grid, dict)
            for row, cells in grid.items() for column, value in cells.items()]
    db.table("report_stats").insert_all(rows, pk=("report_id", "table_name", "row_label", "column_label"))


def item_record(item: ReportPage) -> dict[str, Any]:
    """A report read but not stored, in the export contract's shape (what ``govcrawl extract`` prints): its one URL
    is its canonical URL, its text version 1 (as storing it would make it); a page read outside a crawl has no
    site and no fetch time (null)."""
    body = "\n".join(item.body)
    record = {
        "url": item.url, "urls": [item.url], "site_id": item.site_id or None, "title": item.title, "body": body,
        "region": item.region, "agency": item.agency, "report_year": item.report_year,
        "publish_date": item.publish_date, "attachments": item.attachments, "tables": item.tables,
        "flags": sorted(item.flags), "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "fetched_at": item.fetched_at or None, "kind": item.kind, "search_text": item.search_text,
        "level": item.level, "edition": item.edition, "version": 1, "withdrawn_at": None,
    }
    return {name: record[name] for name in EXPORT_FIELDS}


def export_records(db: Database) -> Iterator[dict[str, Any]]:
    """Reports in the export contract's shape (EXPORT_FIELDS), ordered by site, year and URL."""
    for row in db.query("SELECT * FROM reports ORDER BY site_id, report_year, url"):
        urls = [r["url"] for r in db.query(
            "SELECT url FROM report_urls WHERE report_id = ? ORDER BY first_seen, url", [row["id"]])]
        record = {
            **{name: row.get(name) for name in EXPORT_FIELDS},
            "urls": urls,
            "version": row["version"] or 1,  # a report stored before versions has its one text
            "attachments": json.loads(row["attachments"] or "[]"),
            "tables": json.loads(row["tables"]) if row["tables"] else None,
            "flags": json.loads(row["flags"] or "[]"),
        }
        yield {name: record[name] for name in EXPORT_FIELDS}
