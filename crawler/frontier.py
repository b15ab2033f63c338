"""The crawl's frontier, kept in the corpus's database so that a crawl survives anything, ``kill -9`` included.

Every request the walk means to make is a ``frontier`` row before it is scheduled: its ``Visit``
(crawler/visits.py, plain data: a browser request is rebuilt from it, never unpickled) and its state —
``pending``, ``in_flight`` once the downloader has it (``attempts`` counts each time), ``done`` once its callback
has run and the writes that depend on it are committed (a report page: with its report, in one transaction,
pipelines/store.py), ``failed`` with the error that ended it. A page's callback records the visits it finds
before its own row is done, so a crash between the two repeats the page, never loses what it leads to; the
corpus's writes are upserts keyed on stable identities, so a repeated page stores nothing twice.

A crawl is the runs that share a ``crawl_id`` (``runs.crawl_id``): a run after one that did not finish resumes
its crawl — its pending and in-flight visits are requested again, nothing done is — unless it is ``fresh``; a
run after a finished one starts a new crawl, with an empty frontier.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals as scrapy_signals
from w3lib.url import canonicalize_url

from crawler import store
from crawler.clock import now
from crawler.visits import Visit

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from sqlite_utils import Database

PENDING, IN_FLIGHT, DONE, FAILED = "pending", "in_flight", "done", "failed"
OPEN = (PENDING, IN_FLIGHT)
TABLE = "frontier"
COLUMNS: dict[str, type] = {"key": str, "crawl_id": int, "site_id": str, "url": str, "role": str, "visit": str,
                            "state": str, "attempts": int, "last_error": str, "added_at": str, "updated_at": str}
KEY = "frontier_key"  # the request meta holding its row's key
# What a site's walk knows that is no visit (``auto``'s scores of the families): kept for a resumed crawl.
STATE = "frontier_state"
STATE_COLUMNS: dict[str, type] = {"site_id": str, "name": str, "value": str, "crawl_id": int}


def visit_key(visit: Visit) -> str:
    """A visit's row: the site, and what Scrapy's duplicate filter tells requests apart by (method, canonical URL,
    body), and whether the browser fetches it (a column read plainly, then rendered, is two visits)."""
    parts = (visit.site_id, visit.method, canonicalize_url(visit.url), visit.body or "", str(visit.browser))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def ensure_table(db: Database) -> None:
    table = db.table(TABLE)
    if not table.exists():
        table.create(COLUMNS, pk="key")
        table.create_index(["site_id", "state"])
    if not db.table(STATE).exists():
        db.table(STATE).create(STATE_COLUMNS, pk=("site_id", "name"))


def begin(db: Database, run_id: int, fresh: bool = False) -> int:
    """The crawl run ``run_id`` belongs to (set as its ``crawl_id``): the crawl of the run before it when that
    run did not finish (a run still marked running died: it is marked interrupted) and left visits, unless
    ``fresh``; else a new crawl, its own id, with the frontier emptied."""
    ensure_table(db)
    before = next(db.query("SELECT id, status, crawl_id FROM runs WHERE id < ? ORDER BY id DESC LIMIT 1",
                           [run_id]), None)
    if before is not None and before["status"] == "running":
        db.table("runs").update(before["id"], {"status": "interrupted", "finished_at": now()})
    resume = (not fresh and before is not None and before["status"] != "finished"
              and db.table(TABLE).count_where("crawl_id = ?", [before["crawl_id"] or before["id"]]) > 0)
    if resume:
        assert before is not None
        crawl_id = int(before["crawl_id"] or before["id"])
    else:
        crawl_id = run_id
        db.execute(f"DELETE FROM {TABLE}")
        db.execute(f"DELETE FROM {STATE}")
    db.table("runs").update(run_id, {"crawl_id": crawl_id})
    return crawl_id


def crawl_started(db: Database, crawl_id: int) -> str | None:
    """When the crawl's first run started."""
    row = next(db.query("SELECT started_at FROM runs WHERE id = ?", [crawl_id]), None)
    return row["started_at"] if row else None


def mark(db: Database, key: str, state: str, error: str | None = None) -> None:
    """A visit done or failed; a row already failed stays so (its errback said why, then the callback ended)."""
    db.execute(f"UPDATE {TABLE} SET state = ?, last_error = coalesce(?, last_error), updated_at = ? "
               f"WHERE key = ? AND state IN (?, ?)", [state, error, now(), key, *OPEN])


def done_by_site(db: Database, crawl_id: int) -> dict[str, int]:
    """Visits done so far in the crawl, by site (before a run starts: those of its earlier runs)."""
    ensure_table(db)
    return {r["site_id"]: r["n"] for r in db.query(
        f"SELECT site_id, count(*) AS n FROM {TABLE} WHERE crawl_id = ? AND state = ? GROUP BY site_id",
        [crawl_id, DONE])}


@dataclass(frozen=True)
class Row:
    visit: Visit
    state: str


class Frontier:
    """The frontier of one crawler's sites (settings: GOVCRAWL_DB, GOVCRAWL_CRAWL_ID — set by ``govcrawl crawl``;
    a crawl without one, ``scrapy crawl``, is a crawl of its own that starts over each time)."""

    def __init__(self, db: Database, crawl_id: int) -> None:
        self.db = db
        self.crawl_id = crawl_id

    @classmethod
    def from_crawler(cls, crawler: Crawler, site_ids: list[str]) -> Self:
        db = store.open_db(crawler.settings.get("GOVCRAWL_DB"))
        ensure_table(db)
        crawl_id = crawler.settings.getint("GOVCRAWL_CRAWL_ID")
        if not crawl_id:
            for table in (TABLE, STATE):
                db.execute(f"DELETE FROM {table} WHERE crawl_id = 0 AND site_id IN (SELECT value FROM json_each(?))",
                           [json.dumps(site_ids)])
        frontier = cls(db, crawl_id)
        crawler.signals.connect(frontier.reached_downloader, scrapy_signals.request_reached_downloader)
        crawler.signals.connect(frontier.item_error, scrapy_signals.item_error)
        crawler.signals.connect(frontier.item_dropped, scrapy_signals.item_dropped)
        crawler.signals.connect(frontier.close, scrapy_signals.spider_closed)
        return frontier

    def add(self, visit: Visit) -> str | None:
        """Record a visit before its request is made: its key, or None when the crawl has it already (scheduled,
        fetched or failed, in this run or an earlier run of the crawl)."""
        key = visit_key(visit)
        at = now()
        cursor = self.db.execute(
            f"INSERT OR IGNORE INTO {TABLE} (key, crawl_id, site_id, url, role, visit, state, attempts, added_at, "
            f"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            [key, self.crawl_id, visit.site_id, visit.url, visit.role,
             json.dumps(visit.as_dict(), ensure_ascii=False), PENDING, at, at])
        return key if cursor.rowcount else None

    def rows(self, site_id: str) -> list[Row]:
        """The site's visits in this crawl, in the order they were recorded."""
        return [Row(Visit.from_dict(json.loads(r["visit"])), r["state"]) for r in self.db.query(
            f"SELECT visit, state FROM {TABLE} WHERE site_id = ? ORDER BY rowid", [site_id])]

    def done(self, request: Request) -> None:
        if key := request.meta.get(KEY):
            mark(self.db, key, DONE)

    def failed(self, request: Request, error: str) -> None:
        if key := request.meta.get(KEY):
            mark(self.db, key, FAILED, error)

    def reached_downloader(self, request: Request) -> None:
        if key := request.meta.get(KEY):
            self.db.execute(f"UPDATE {TABLE} SET state = ?, attempts = attempts + 1, updated_at = ? "
                            f"WHERE key = ? AND state IN (?, ?)", [IN_FLIGHT, now(), key, *OPEN])

    def item_error(self, item: Any, response: Any, failure: Any) -> None:
        """A report whose stages failed: its page's visit failed with it (the store never saw it)."""
        if key := getattr(item, "visit_key", None):
            mark(self.db, key, FAILED, f"pipeline: {failure.value!r}"[:500])

    def item_dropped(self, item: Any, **_: Any) -> None:
        if key := getattr(item, "visit_key", None):
            mark(self.db, key, DONE)

    def keep(self, site_id: str, name: str, value: Any) -> None:
        """Keep a site's walk state that is no visit (JSON), for a resumed crawl."""
        self.db.table(STATE).upsert({"site_id": site_id, "name": name, "value": json.dumps(value, ensure_ascii=False),
                                     "crawl_id": self.crawl_id}, pk=("site_id", "name"))

    def kept(self, site_id: str, name: str) -> Any:
        row = next(self.db.query(f"SELECT value FROM {STATE} WHERE site_id = ? AND name = ?", [site_id, name]), None)
        return json.loads(row["value"]) if row else None

    def close(self) -> None:
        self.db.close()
