"""Store: every fetched page and every cleaned report into the SQLite corpus (crawler/store.py)."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals as scrapy_signals

from crawler import frontier, runs, signals, store
from crawler.clock import now
from crawler.errors import NO_REPORT_TEXT, OTHER, STUB
from crawler.items import TEXT_IN_FILE, WARC_META, ReportPage
from crawler.revisit import validators

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlite_utils import Database

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("GOVCRAWL_DB")
        self.run_id: int | None = crawler.settings.getint("GOVCRAWL_RUN_ID") or None
        self.db: Database | None = None
        self.accounts: dict[str, runs.SiteAccount] = {}  # the run_sites rows of the run (crawler/runs.py)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.page_fetched, scrapy_signals.response_received)
        crawler.signals.connect(pipeline.request_scheduled, scrapy_signals.request_scheduled)
        crawler.signals.connect(pipeline.fetch_failed, signals.fetch_failed)
        crawler.signals.connect(pipeline.template_chosen, signals.template_chosen)
        crawler.signals.connect(pipeline.list_read, signals.list_read)
        crawler.signals.connect(pipeline.column_found, signals.column_found)
        crawler.signals.connect(pipeline.site_finished, signals.site_finished)
        crawler.signals.connect(pipeline.report_checked, signals.report_checked)
        crawler.signals.connect(pipeline.report_gone, signals.report_gone)
        return pipeline

    def open_spider(self) -> None:
        self.db = store.open_db(self.path)
        sites = getattr(self.crawler.spider, "sites", {})
        store.save_sites(self.db, list(sites.values()))
        done = frontier.done_by_site(self.db, self.crawler.settings.getint("GOVCRAWL_CRAWL_ID"))
        self.accounts = {seed.id: runs.SiteAccount(seed.id, seed.url, resumed=done.get(seed.id, 0))
                         for seed in sites.values()}

    def close_spider(self) -> None:
        if self.db is not None:
            if self.run_id is not None:
                runs.save_sites(self.db, self.run_id, list(self.accounts.values()))
            self.db.close()

    def site_finished(self, site_id: str) -> None:
        if (account := self.accounts.get(site_id)) is not None:
            account.done()
            if self.db is not None and self.run_id is not None:
                runs.save_sites(self.db, self.run_id, [account])

    def request_scheduled(self, request: Request) -> None:
        if (account := self.accounts.get(request.meta.get("site_id") or "")) is not None:
            account.begin()

    def page_fetched(self, response: Response, request: Request) -> None:
        if self.db is None:
            return
        row = {"url": response.url, "site_id": request.meta.get("site_id"), "status": response.status,
               "fetched_at": now(), "run_id": self.run_id}
        if response.status != 304:  # a 304 keeps what the page's row says of the bytes stored
            row.update(sha256=hashlib.sha256(response.body).hexdigest(), length=len(response.body),
                       content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"))
        row.update({k: v for k, v in validators(response).items() if v or response.status != 304})
        row.update(request.meta.get(WARC_META) or {})  # where its answer is in the capture (crawler/warc.py)
        first = store.save_page(self.db, row)
        if (account := self.accounts.get(request.meta.get("site_id") or "")) is not None:
            account.page(response.status, first)
        if first:  # pages fetched: the distinct URLs that answered during the run (crawler/progress.py: Tally)
            self.crawler.stats.inc_value("govcrawl/pages")

    def fetch_failed(self, site_id: str | None, url: str, reason: str, kind: str = OTHER) -> None:
        if self.db is not None:
            store.save_error(self.db, self.run_id, site_id, url, reason, kind)
        if (account := self.accounts.get(site_id or "")) is not None:
            account.failed(url, kind, reason)

    def report_checked(self, site_id: str, url: str, warc: dict[str, Any] | None = None) -> None:
        """A stored report's page revalidated unchanged: a check (last_checked), no new version."""
        if self.db is not None and store.record_check(self.db, url, warc=warc) is not None:
            self.crawler.stats.inc_value("govcrawl/reports_seen")
            if (account := self.accounts.get(site_id)) is not None:
                account.report(store.SEEN)

    def report_gone(self, site_id: str, url: str) -> None:
        """A stored report's page answered 404/410: withdrawn there (never deleted)."""
        if self.db is not None and (withdrawn := store.mark_withdrawn(self.db, url)):
            self.crawler.stats.inc_value("govcrawl/reports_withdrawn", len(withdrawn))
            if (account := self.accounts.get(site_id)) is not None:
                account.reports_withdrawn += len(withdrawn)

    def template_chosen(self, site_id: str, template: str, reasons: list[str]) -> None:
        if self.db is not None:
            store.save_detected_template(self.db, site_id, template, reasons)

    def column_found(self, site_id: str, url: str, via: str) -> None:
        if self.db is not None:
            store.save_column(self.db, site_id, url, via)

    def list_read(self, site_id: str, list_url: str, entries: list[dict]) -> None:
        if self.db is not None:
            store.save_listings(self.db, site_id, list_url, entries)

    def record_problems(self, item: ReportPage) -> None:
        """The errors rows the stages found on the page (a stub, a page read flattened), one log line each."""
        assert self.crawler.stats is not None
        for kind, reason in item.problems:
            self.crawler.stats.inc_value("govcrawl/errors")
            self.crawler.stats.inc_value(f"govcrawl/errors/{kind}")
            log.warning("site %s: %s: %s (%s)", item.site_id, item.url, reason, kind)
            self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=item.site_id, url=item.url,
                                                reason=reason, kind=kind)

    def process_item(self, item: ReportPage) -> ReportPage:
        """Store the report and mark its visit done in one transaction (crawler/frontier.py): a crash before
        the commit leaves both undone, and the resumed crawl fetches the page again."""
        assert self.db is not None
        with self.db.atomic():
            self.save(item)
            if item.visit_key:
                frontier.mark(self.db, item.visit_key, frontier.DONE)
        return item

    def save(self, item: ReportPage) -> None:
        assert self.db is not None
        self.record_problems(item)
        if any(kind == STUB for kind, _ in item.problems):  # no report: recorded as what it is instead
            return
        if not item.holds_report:
            self.crawler.stats.inc_value("govcrawl/reports_empty")
            self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=item.site_id, url=item.url,
                                                reason="no report text could be extracted", kind=NO_REPORT_TEXT)
            return
        outcome = store.save_report(self.db, item)
        self.crawler.stats.inc_value(f"govcrawl/reports_{outcome}")
        if (account := self.accounts.get(item.site_id)) is not None:
            account.report(outcome)
        for flag in ("from_attachment", *TEXT_IN_FILE):
            if flag in item.flags:
                self.crawler.stats.inc_value(f"govcrawl/reports/{flag}")
