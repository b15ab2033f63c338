"""Crawl progress and where the log goes: a live display on a terminal, plain ``progress:`` lines otherwise.

One ``Board`` per run watches every crawler of it (one per CMS family). Its counts are the crawlers' stats read
through ``Tally``, the same figures the summary line and the ``runs`` row are made of, so the display, the
progress lines, the summary, ``runs`` and the stats never disagree.

Scrapy installs a root log handler from each crawler's settings, and a crawler made later replaces the one before
(scrapy/crawler.py: ``Crawler._update_root_log_handler``), so nothing attached to it lasts. A run turns Scrapy's
handler off (``LOG_INSTALL_ROOT_HANDLER = False``) and installs its own (``logs_to``): the whole log to a file,
and the screen's share either printed above the live display by the same console that draws it (rich), so a log
line never lands on the display's line, or written to standard error when that is not a terminal.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from scrapy import signals as scrapy_signals

from crawler import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import StatsCollector

    from crawler.items import ReportPage

LOGGER = "govcrawl.progress"
log = logging.getLogger(LOGGER)
LOG_EVERY = 15.0  # seconds between plain progress lines
REDRAW_EVERY = 0.25  # seconds between redraws of the live display
BAR_WIDTH = 30
MIN_BAR_WIDTH = 8
IN_FLIGHT_SHOWN = 8  # sites named on the display's second line; the rest are counted


@dataclass(frozen=True)
class Tally:
    """A run's counts, from its crawlers' stats. ``pages`` is the number of distinct URLs that answered during the
    run (pipelines/store.py counts a URL once per run, robots.txt and attachment files included): the rows of
    ``pages`` the run wrote."""

    pages: int = 0
    reports_new: int = 0
    reports_seen: int = 0
    errors: int = 0

    @property
    def reports(self) -> int:
        return self.reports_new + self.reports_seen

    @classmethod
    def of(cls, stats: Iterable[Mapping[str, Any]]) -> Tally:
        listed = list(stats)

        def total(*keys: str) -> int:
            return sum(int(s.get(key, 0)) for s in listed for key in keys)

        return cls(pages=total("govcrawl/pages"), reports_new=total("govcrawl/reports_new"),
                   reports_seen=total("govcrawl/reports_seen"),
                   errors=total("govcrawl/errors", "govcrawl/reports_empty"))


def clock_time(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class Board:
    """What a run has done so far: sites done and in flight (from the crawlers' signals), the tally (from their
    stats), the elapsed time."""

    def __init__(self, site_ids: Iterable[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.sites = list(dict.fromkeys(site_ids))
        self.done: set[str] = set()
        self.in_flight: dict[str, None] = {}  # sites with a request scheduled and not done, in the order they began
        self.reports_of: Counter[str] = Counter()
        self._stats: list[StatsCollector] = []
        self._clock = clock
        self.started = clock()

    def watch(self, crawler: Crawler, site_ids: Iterable[str]) -> None:
        """Follow one crawler of the run, which crawls ``site_ids``."""
        own = list(site_ids)

        def opened(spider: Any) -> None:
            self._stats.append(crawler.stats)

        def closed(spider: Any, reason: str) -> None:
            for site_id in own:
                self.finish(site_id)

        crawler.signals.connect(opened, scrapy_signals.spider_opened, weak=False)
        crawler.signals.connect(closed, scrapy_signals.spider_closed, weak=False)
        crawler.signals.connect(self.scheduled, scrapy_signals.request_scheduled)
        crawler.signals.connect(self.scraped, scrapy_signals.item_scraped)
        crawler.signals.connect(self.finish, signals.site_finished)

    def scheduled(self, request: Any, **_: Any) -> None:
        """A site is in flight from its first request until it is done."""
        site_id = request.meta.get("site_id")
        if site_id and site_id not in self.done:
            self.in_flight.setdefault(site_id, None)

    def scraped(self, item: ReportPage, **_: Any) -> None:
        if item.holds_report:
            self.reports_of[item.site_id] += 1

    def finish(self, site_id: str) -> None:
        if site_id in self.done:
            return
        self.done.add(site_id)
        self.in_flight.pop(site_id, None)
        log.info("site %s done: %d reports", site_id, self.reports_of[site_id])

    def tally(self) -> Tally:
        return Tally.of(stats.get_stats() for stats in self._stats)

    def elapsed(self) -> float:
        return self._clock() - self.started

    def eta(self) -> float | None:
        """Seconds left, at the pace sites have been finishing; None before the first is done."""
        if not self.done:
            return None
        return self.elapsed() / len(self.done) * (len(self.sites) - len(self.done))

    def line(self) -> str:
        tally = self.tally()
        return (f"sites {len(self.done)}/{len(self.sites)} · pages fetched {tally.pages} · "
                f"reports found {tally.reports} · errors {tally.errors}")


class Display(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class PlainLines:
    """Not a terminal: a ``progress:`` log line every LOG_EVERY seconds and at the end (and the board's line per
    site done)."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self._loop: Any = None

    def start(self) -> None:
        from twisted.internet import task  # the reactor is installed by now (CrawlerProcess.crawl)

        self._loop = task.LoopingCall(lambda: log.info("progress: %s", self.board.line()))
        self._loop.start(LOG_EVERY, now=False)

    def stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        log.info("progress: %s", self.board.line())


class LiveDisplay:
    """A terminal: a bar of sites done with the run's counts, rate and ETA, and the sites in flight beneath it,
    redrawn in place from the reactor; log lines are printed above it by the same console."""

    def __init__(self, board: Board, console: Console) -> None:
        self.board = board
        self.console = console
        # stdout is left alone: it may be a pipe or a file while standard error is the terminal.
        self.live = Live(self.render(), console=console, auto_refresh=False, redirect_stdout=False,
                         redirect_stderr=True)
        self._loop: Any = None

    def render(self) -> Group:
        board, tally = self.board, self.board.tally()
        finished = len(board.done) == len(board.sites)
        elapsed = board.elapsed()
        rate = tally.pages / elapsed if elapsed > 0 else 0.0
        eta = board.eta()
        timing = clock_time(elapsed) if finished else f"ETA {clock_time(eta) if eta is not None else '…'}"
        figures = Text(f"{len(board.done)}/{len(board.sites)} sites · {tally.pages} pages · {tally.reports} reports"
                       f" · {tally.errors} errors · {rate:.1f} pages/s · {timing}", no_wrap=True, overflow="ellipsis")
        row = Table.grid(padding=(0, 1))
        bar_width = min(BAR_WIDTH, self.console.width - figures.cell_len - 1)  # the figures first on a narrow screen
        if bar_width >= MIN_BAR_WIDTH:
            row.add_row(ProgressBar(total=max(len(board.sites), 1), completed=len(board.done), width=bar_width),
                        figures)
        else:
            row.add_row(figures)
        if finished:
            return Group(row)
        names = list(board.in_flight)
        more = len(names) - IN_FLIGHT_SHOWN
        shown = ", ".join(names[:IN_FLIGHT_SHOWN]) + (f" +{more}" if more > 0 else "")
        return Group(row, Text(f"in flight: {shown or '…'}", no_wrap=True, overflow="ellipsis"))

    def redraw(self) -> None:
        self.live.update(self.render(), refresh=True)

    def start(self) -> None:
        from twisted.internet import task  # the reactor is installed by now (CrawlerProcess.crawl)

        self.live.start()
        self._loop = task.LoopingCall(self.redraw)
        self._loop.start(REDRAW_EVERY, now=True)

    def stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.redraw()
        self.live.stop()


class ConsoleHandler(logging.Handler):
    """Log records printed by the console that draws the live display: above it, each on a line of its own."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(Text(self.format(record)), soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)


class RecordedElsewhere(logging.Filter):
    """Scrapy's download handler warns of a response cut at DOWNLOAD_MAXSIZE or lost mid-body before it raises;
    the spider then logs the same failure as the one line of its errors row (``SiteSpider.fetch_failed``), so
    the handler's copy goes."""

    LOGGER = "scrapy.core.downloader.handlers.http11"
    SAID_AGAIN = ("download max size", "Got data loss")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(words in record.getMessage() for words in self.SAID_AGAIN)


class ScreenFilter(logging.Filter):
    """What the screen shows of the log: records of ``level`` and above, and the progress lines where no live
    display tells the same."""

    def __init__(self, level: int, progress: bool) -> None:
        super().__init__()
        self.level = level
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or (self.progress and record.name == LOGGER)


@dataclass(frozen=True)
class Screen:
    """Where the run shows itself: ``console`` (standard error); a live display when it is a terminal."""

    console: Console
    level: int  # log records shown on screen from this level up (and the progress lines, without a live display)

    @property
    def interactive(self) -> bool:
        return self.console.is_terminal

    def display(self, board: Board) -> Display:
        return LiveDisplay(board, self.console) if self.interactive else PlainLines(board)


def screen(level: str | None = None, console: Console | None = None) -> Screen:
    """Standard error as the run's screen. On a terminal it shows errors only unless ``level`` says otherwise:
    the display tells the rest; elsewhere (cron, a pipe) the log at ``level``, INFO by default."""
    console = console or Console(stderr=True)
    default = "ERROR" if console.is_terminal else "INFO"
    return Screen(console, logging.getLevelName(level or default))


@contextmanager
def logs_to(settings: Settings, log_file: Path | None, shown: Screen) -> Iterator[None]:
    """Install the run's log handlers on the root logger for the ``with`` block: the whole log at LOG_LEVEL to
    ``log_file`` (appended: an operator's cron job keeps every run), the screen's share to ``shown``."""
    formatter = logging.Formatter(fmt=settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT"))
    handlers: list[logging.Handler] = []
    file_level = logging.getLevelName(settings.get("LOG_LEVEL"))
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        to_file.setLevel(file_level)
        to_file.setFormatter(formatter)
        handlers.append(to_file)
    to_screen = ConsoleHandler(shown.console) if shown.interactive else logging.StreamHandler(shown.console.file)
    to_screen.setFormatter(formatter)
    to_screen.addFilter(ScreenFilter(shown.level, progress=not shown.interactive))
    handlers.append(to_screen)
    root = logging.getLogger()
    level_before = root.level
    root.setLevel(min(file_level, shown.level, logging.INFO))  # INFO: the progress lines
    for handler in handlers:
        root.addHandler(handler)
    said_again = RecordedElsewhere()
    logging.getLogger(RecordedElsewhere.LOGGER).addFilter(said_again)
    try:
        yield
    finally:
        logging.getLogger(RecordedElsewhere.LOGGER).removeFilter(said_again)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level_before)
