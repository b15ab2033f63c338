"""Crawl progress: a live status line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy import signals as scrapy_signals
from twisted.internet import task

from crawler import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger("govcrawl.progress")
LOG_EVERY = 15.0  # seconds between plain progress lines


@dataclass
class Board:
    """Counts shared by every crawler of one run (one per CMS family)."""

    sites_total: int = 0
    sites_done: set[str] = field(default_factory=set)
    pages: int = 0
    reports: int = 0
    errors: int = 0
    per_site: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        return (f"sites {len(self.sites_done)}/{self.sites_total} · pages fetched {self.pages} · "
                f"reports found {self.reports} · errors {self.errors}")


def _clear_status_line(record: logging.LogRecord) -> bool:
    """Log filter on a terminal: wipe the status line so a log message starts on a clean line."""
    sys.stderr.write("\r\033[K")
    return True


class Progress:
    board: ClassVar[Board] = Board()

    def __init__(self, crawler: Crawler, interactive: bool) -> None:
        self.crawler = crawler
        self.interactive = interactive
        self._last_draw = 0.0
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler, sys.stderr.isatty())
        if ext.interactive:
            for handler in logging.getLogger().handlers:
                handler.addFilter(_clear_status_line)
        handlers: tuple[tuple[Callable[..., Any], object], ...] = (
            (ext.opened, scrapy_signals.spider_opened), (ext.closed, scrapy_signals.spider_closed),
            (ext.page, scrapy_signals.response_received), (ext.report, scrapy_signals.item_scraped),
            (ext.error, signals.fetch_failed), (ext.site_done, signals.site_finished),
        )
        for method, signal in handlers:
            crawler.signals.connect(method, signal)
        return ext

    def opened(self, spider: Any) -> None:
        self.board.sites_total += len(getattr(spider, "sites", {}))
        if not self.interactive:
            self._loop = task.LoopingCall(lambda: log.info("progress: %s", self.board.line()))
            self._loop.start(LOG_EVERY, now=False)
        self.draw()

    def closed(self, spider: Any) -> None:
        for site_id in getattr(spider, "sites", {}):
            self.board.sites_done.add(site_id)
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.draw(force=True)
        if self.interactive:
            sys.stderr.write("\n")
        else:
            log.info("progress: %s", self.board.line())

    def page(self, request: Any, **_: Any) -> None:
        if request.meta.get("site_id"):
            self.board.pages += 1
            self.draw()

    def report(self, item: Any, **_: Any) -> None:
        if getattr(item, "body", None):
            self.board.reports += 1
            self.board.per_site[item.site_id] += 1
            self.draw()

    def error(self, site_id: str | None, url: str, reason: str) -> None:
        self.board.errors += 1
        self.draw()

    def site_done(self, site_id: str) -> None:
        self.board.sites_done.add(site_id)
        if not self.interactive:
            log.info("site %s done: %d reports", site_id, self.board.per_site[site_id])
        self.draw()

    def draw(self, force: bool = False) -> None:
        if not self.interactive:
            return
        now = time.monotonic()
        if force or now - self._last_draw > 0.1:
            self._last_draw = now
            sys.stderr.write("\r\033[K" + self.board.line())
            sys.stderr.flush()
