"""Revisiting stored reports: the validators a report page was served with, sent back as a conditional GET
(RFC 9110: If-None-Match, If-Modified-Since), and what an answer says about the stored report — unchanged (a 304,
or the very bytes stored: the server ignored the validators), or gone (404, 410).

List pages are fetched in full every run: they are how new and withdrawn reports are found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.spidermiddlewares.httperror import HttpError

from crawler.classify import ANNUAL_REPORT

if TYPE_CHECKING:
    from scrapy.http import Response
    from sqlite_utils import Database
    from twisted.python.failure import Failure

GONE = (404, 410)


@dataclass(frozen=True)
class Stored:
    """What the corpus holds of a report's page: its validators and the sha256 of the bytes stored."""

    etag: str | None
    last_modified: str | None
    page_sha256: str | None

    def headers(self) -> dict[str, str]:
        """The conditional request's headers; none when the page came without validators."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def unchanged(self, response: Response) -> bool:
        return response.status == 304 or (
            response.status == 200 and hashlib.sha256(response.body).hexdigest() == self.page_sha256)


def stored_pages(db: Database, site_ids: list[str]) -> dict[str, Stored]:
    """The report pages of these sites the corpus holds (not withdrawn), by URL."""
    if not db.table("report_urls").exists():
        return {}
    rows = db.query(
        "SELECT r.url, p.etag, p.last_modified, r.page_sha256 FROM report_urls r LEFT JOIN pages p ON p.url = r.url "
        "WHERE r.site_id IN (SELECT value FROM json_each(?)) AND r.withdrawn_at IS NULL", [json.dumps(site_ids)])
    return {r["url"]: Stored(r["etag"], r["last_modified"], r["page_sha256"]) for r in rows}


def stored_listings(db: Database, site_ids: list[str]) -> dict[str, dict[str, str | None]]:
    """The listings rows of the reports these sites' corpus holds, by URL: a recrawl that finds a report page
    unchanged does not decide it again, so a cut-short list title read again keeps the kind its page gave it."""
    if not (db.table("listings").exists() and db.table("report_urls").exists()):
        return {}
    rows = db.query(
        "SELECT l.url, l.title, l.list_date AS date, l.kind, l.reason FROM listings l JOIN report_urls r "
        "ON r.site_id = l.site_id AND r.url = l.url WHERE l.site_id IN (SELECT value FROM json_each(?)) "
        "AND r.withdrawn_at IS NULL AND l.kind = ?", [json.dumps(site_ids), ANNUAL_REPORT])
    return {r["url"]: r for r in rows}


def gone(failure: Failure) -> bool:
    """Whether a failed request's page is gone: 404 Not Found or 410 Gone."""
    return isinstance(failure.value, HttpError) and failure.value.response.status in GONE


def validators(response: Response) -> dict[str, str | None]:
    """The validators a response carries, for its ``pages`` row."""
    def header(name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None
    return {"etag": header("ETag"), "last_modified": header("Last-Modified")}
