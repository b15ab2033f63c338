"""Run records: one ``run_sites`` row per run and per site of it, the run's outcome, its JSON report.

A site's outcome, from what its requests came to during the run:

- ``failed``: the site yielded nothing usable, no page of it answered with a status below 400 in the run nor in
  the earlier runs of its crawl (a resumed crawl, crawler/frontier.py) (its home page
  or robots.txt failed: dns, connection, timeout, robots_unavailable, an error status; or every request failed);
  ``reason`` names the failure of its seed URL (or its host's robots.txt), else its first failure;
- ``partial``: pages answered but the site has rows in ``errors`` (any kind);
- ``ok``: pages answered and nothing was recorded in ``errors``.

A run's outcome, which is its exit code (crawler/cli.py): ``ok`` (0) the run finished and no site failed,
partial ones included; ``sites_failed`` (3) it finished and some site failed; ``failed`` (1) it failed, was
interrupted, or is still running. Every run crawls every seed again, so a failed site is retried by the next;
``failing_since`` names the first of the consecutive runs in which it failed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlite_utils import Database

from crawler import store
from crawler.clock import now

OK, PARTIAL, FAILED = "ok", "partial", "failed"
RUN_OK, RUN_SITES_FAILED, RUN_FAILED = "ok", "sites_failed", "failed"
EXIT_CODES = {RUN_OK: 0, RUN_SITES_FAILED: 3, RUN_FAILED: 1}
NOT_REACHED = "the run ended before the site was crawled"
LIST_FIELDS = ("id", "started_at", "finished_at", "status", "outcome", "sites_ok", "sites_partial", "sites_failed",
               "pages", "reports_new", "errors")
SITE_FIELDS = ("site_id", "outcome", "reason", "failing_since", "pages", "not_modified", "reports_new",
               "reports_seen", "reports_changed", "reports_withdrawn", "errors", "errors_by_kind", "started_at",
               "finished_at", "duration_s")


@dataclass
class SiteAccount:
    """What one site's requests came to during a run, fed by the store pipeline (pipelines/store.py)."""

    site_id: str
    seed_url: str
    started_at: str | None = None
    started: float | None = None
    finished_at: str | None = None  # when the site last had nothing in flight (signals.site_finished)
    finished: float | None = None
    pages: int = 0  # distinct URLs of the site that answered during the run (robots.txt is the host's, not counted)
    usable: int = 0  # of them, answered with a status below 400
    not_modified: int = 0
    reports_new: int = 0
    reports_seen: int = 0
    reports_changed: int = 0
    reports_withdrawn: int = 0
    resumed: int = 0  # visits of the site done by earlier runs of the crawl (a resumed crawl)
    errors: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (url, kind, reason)

    def begin(self) -> None:
        """A request of the site was scheduled: the site's time runs from its first."""
        if self.started is None:
            self.started, self.started_at = time.monotonic(), now()

    def page(self, status: int, first: bool) -> None:
        """An answer; ``first`` when its URL had no page row of the run yet (store.save_page)."""
        self.begin()
        if first:
            self.pages += 1
            self.usable += status < 400
            self.not_modified += status == 304

    def failed(self, url: str, kind: str, reason: str) -> None:
        self.begin()
        self.errors[kind] += 1
        self.failures.append((url, kind, reason))

    def done(self) -> None:
        self.finished, self.finished_at = time.monotonic(), now()

    def report(self, outcome: str) -> None:
        """A report stored: new, seen (the same text, or a page revalidated unchanged) or changed (crawler/store.py:
        save_report)."""
        setattr(self, f"reports_{outcome}", getattr(self, f"reports_{outcome}") + 1)

    def outcome(self) -> tuple[str, str | None]:
        if not self.usable and not self.resumed:
            seed = urlsplit(self.seed_url)
            own = (self.seed_url.rstrip("/"), f"{seed.scheme}://{seed.netloc}/robots.txt")
            first = next((f for f in self.failures if f[0].rstrip("/") in own),
                         self.failures[0] if self.failures else None)
            return FAILED, f"{first[1]}: {first[0]}: {first[2]}" if first else "no page of the site answered"
        if self.errors:
            return PARTIAL, "errors: " + ", ".join(f"{kind} {n}" for kind, n in sorted(self.errors.items()))
        return OK, None

    def row(self, run_id: int) -> dict[str, Any]:
        """Its ``run_sites`` row; one never done (the crawl closed first) finishes now."""
        outcome, reason = self.outcome()
        finished = self.finished or time.monotonic()
        return {"run_id": run_id, "site_id": self.site_id, "pages": self.pages, "not_modified": self.not_modified,
                "reports_new": self.reports_new, "reports_seen": self.reports_seen,
                "reports_changed": self.reports_changed, "reports_withdrawn": self.reports_withdrawn,
                "errors": sum(self.errors.values()),
                "errors_by_kind": json.dumps(dict(sorted(self.errors.items()))),
                "started_at": self.started_at, "finished_at": self.finished_at or now(),
                "duration_s": round(finished - self.started, 3) if self.started is not None else 0.0,
                "outcome": outcome, "reason": reason}


def save_sites(db: Database, run_id: int, accounts: list[SiteAccount]) -> None:
    """The sites' rows of the run, replaced as they change (a site finished, then the crawl closed)."""
    db.table("run_sites").upsert_all([a.row(run_id) for a in accounts], pk=("run_id", "site_id"))


def close(db: Database, run_id: int, status: str) -> str:
    """Count the run's sites by outcome (a site of it with no row was never reached: failed) and set its
    outcome; returns it."""
    run = db.table("runs").get(run_id)
    rows = {r["site_id"]: r for r in db.table("run_sites").rows_where("run_id = ?", [run_id])}
    missing = [{"run_id": run_id, "site_id": site_id, "pages": 0, "not_modified": 0, "reports_new": 0,
                "reports_seen": 0, "reports_changed": 0, "reports_withdrawn": 0, "errors": 0, "errors_by_kind": "{}",
                "finished_at": now(), "duration_s": 0.0, "outcome": FAILED, "reason": NOT_REACHED}
               for site_id in json.loads(run["sites"] or "[]") if site_id not in rows]
    db.table("run_sites").insert_all(missing, pk=("run_id", "site_id"))
    counts = Counter([r["outcome"] for r in rows.values()] + [FAILED] * len(missing))
    outcome = RUN_FAILED if status != "finished" else RUN_SITES_FAILED if counts[FAILED] else RUN_OK
    db.table("runs").update(run_id, {"sites_ok": counts[OK], "sites_partial": counts[PARTIAL],
                                     "sites_failed": counts[FAILED], "outcome": outcome})
    return outcome


def withdraw_unlisted(db: Database, run_id: int, since: str) -> int:
    """Mark withdrawn the reports gone from their lists (crawler/store.py: withdraw_unlisted) at the sites of a
    finished run whose lists were all read: ok, or partial with only attachments failing (a list page that failed
    would make its reports look gone). ``since``: when the crawl started. Returns how many were withdrawn."""
    total = 0
    for row in db.query("SELECT site_id FROM run_sites WHERE run_id = ? AND outcome != ?", [run_id, FAILED]):
        site_id = row["site_id"]
        if db.table("errors").count_where("run_id = ? AND site_id = ? AND reason NOT LIKE 'attachment:%'",
                                          [run_id, site_id]):
            continue
        if withdrawn := store.withdraw_unlisted(db, site_id, since):
            total += len(withdrawn)
            db.execute("UPDATE run_sites SET reports_withdrawn = reports_withdrawn + ? "
                       "WHERE run_id = ? AND site_id = ?", [len(withdrawn), run_id, site_id])
    return total


def exit_code(outcome: str | None) -> int:
    return EXIT_CODES.get(outcome or RUN_FAILED, 1)


def list_runs(db: Database) -> list[dict[str, Any]]:
    """Every run, newest first, in ``LIST_FIELDS``."""
    return [{name: row.get(name) for name in LIST_FIELDS}
            for row in db.query("SELECT * FROM runs ORDER BY id DESC")]


def failing_since(db: Database, run_id: int, site_id: str) -> int | None:
    """The first run of the unbroken series of runs, up to ``run_id``, in which the site failed; runs that did
    not crawl the site do not break it. None when the site did not fail in ``run_id``."""
    since = None
    for run in db.query("SELECT id, sites FROM runs WHERE id <= ? ORDER BY id DESC", [run_id]):
        row = next(db.query("SELECT outcome FROM run_sites WHERE run_id = ? AND site_id = ?", [run["id"], site_id]),
                   None)
        if row is None and site_id not in json.loads(run["sites"] or "[]"):
            continue
        if row is None or row["outcome"] != FAILED:
            break
        since = run["id"]
    return since


class UnknownRun(LookupError):
    pass


def run_report(db: Database, run_id: int) -> dict[str, Any]:
    """One run: its row, its errors by kind and its sites (``SITE_FIELDS``), the content of ``runs show N
    --json`` and of the run's report file."""
    if not db.table("runs").count_where("id = ?", [run_id]):
        raise UnknownRun(f"no run {run_id}")
    run = db.table("runs").get(run_id)
    by_kind = {r["kind"]: r["n"] for r in db.query(
        "SELECT kind, count(*) AS n FROM errors WHERE run_id = ? GROUP BY kind ORDER BY kind", [run_id])}
    sites = []
    for row in db.query("SELECT * FROM run_sites WHERE run_id = ? ORDER BY site_id", [run_id]):
        row["errors_by_kind"] = json.loads(row["errors_by_kind"] or "{}")
        row["failing_since"] = failing_since(db, run_id, row["site_id"])
        sites.append({name: row.get(name) for name in SITE_FIELDS})
    return {**{name: run.get(name) for name in LIST_FIELDS}, "seeds_file": run["seeds_file"],
            "reports_seen": run["reports_seen"], "errors_by_kind": by_kind, "sites": sites}


def report_path(db_path: str | Path, run_id: int) -> Path:
    """Where a run's JSON report goes: beside the database, ``<db stem>.run-<N>.json``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.run-{run_id}.json")


def write_report(db: Database, db_path: str | Path, run_id: int) -> Path:
    path = report_path(db_path, run_id)
    path.write_text(json.dumps(run_report(db, run_id), ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path
