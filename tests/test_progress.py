"""The run's progress: the board's counts, the live display, where the log goes, and the display on a real terminal."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from scrapy import Request, Spider
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from sqlite_utils import Database

from crawler import signals
from crawler.items import ReportPage
from crawler.progress import Board, LiveDisplay, Tally, logs_to, screen
from crawler.replay import ReplayServer
from tests.conftest import ROOT
from tests.terminal import run_in_terminal

# A log record as the run's log format writes it (Scrapy's LOG_FORMAT), written here independently of it.
LOG_RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.\-]+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ")
FIGURES = re.compile(r"(\d+)/(\d+) sites · (\d+) pages · (\d+) reports · (\d+) errors · \d+\.\d pages/s · \d+:\d\d:\d\d")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def report(site_id: str, body: list[str], flags: list[str] | None = None) -> ReportPage:
    return ReportPage(site_id=site_id, site_name="", region="", url=f"http://{site_id}.gov.cn/nb.html", status=200,
                      fetched_at="", page_sha256="", html="", template="generic", body=body, flags=flags or [])


def scheduled(crawler: Crawler, site_id: str | None, url: str) -> None:
    request = Request(url, meta={"site_id": site_id} if site_id else {})
    crawler.signals.send_catch_log(scrapy_signals.request_scheduled, request=request, spider=crawler.spider)


@pytest.fixture
def run() -> tuple[Board, Clock, Crawler, Crawler]:
    """A board over two crawlers (two CMS families) of three sites, both opened."""
    clock = Clock()
    board = Board(["yongchang", "jinchang", "wendeng"], clock=clock)
    first, second = get_crawler(Spider), get_crawler(Spider)
    board.watch(first, ["yongchang", "jinchang"])
    board.watch(second, ["wendeng"])
    for crawler in (first, second):
        crawler.signals.send_catch_log(scrapy_signals.spider_opened, spider=Spider("x"))
    return board, clock, first, second


def test_the_tally_is_the_stats_of_every_crawler_of_the_run() -> None:
    tally = Tally.of([{"govcrawl/pages": 40, "govcrawl/reports_new": 3, "govcrawl/errors": 2},
                      {"govcrawl/pages": 9, "govcrawl/reports_seen": 1, "govcrawl/reports_empty": 1}])
    assert (tally.pages, tally.reports, tally.errors) == (49, 4, 3)


def test_the_board_counts_from_the_stats_and_follows_the_sites(run: tuple[Board, Clock, Crawler, Crawler]) -> None:
    board, clock, first, second = run
    scheduled(first, "yongchang", "http://www.yongchang.gov.cn/")
    scheduled(second, "wendeng", "http://www.wendeng.gov.cn/")
    scheduled(first, None, "http://www.yongchang.gov.cn/robots.txt")  # no site: nothing is in flight for it
    assert list(board.in_flight) == ["yongchang", "wendeng"]
    first.stats.inc_value("govcrawl/pages", 30)
    second.stats.inc_value("govcrawl/pages", 12)
    first.stats.inc_value("govcrawl/reports_new", 2)
    first.signals.send_catch_log(scrapy_signals.item_scraped, item=report("yongchang", ["一、总体情况"]),
                                 response=None, spider=first.spider)
    first.signals.send_catch_log(scrapy_signals.item_scraped, item=report("yongchang", [], ["needs_ocr"]),
                                 response=None, spider=first.spider)
    first.signals.send_catch_log(scrapy_signals.item_scraped, item=report("yongchang", []), response=None,
                                 spider=first.spider)  # no text: the store does not keep it
    assert board.eta() is None
    clock.now += 30
    first.signals.send_catch_log(signals.site_finished, site_id="yongchang")
    assert board.line() == "sites 1/3 · pages fetched 42 · reports found 2 · errors 0"
    assert board.reports_of["yongchang"] == 2 and list(board.in_flight) == ["wendeng"]
    assert board.eta() == pytest.approx(60.0)  # 30 s a site, two to go
    second.signals.send_catch_log(scrapy_signals.spider_closed, spider=second.spider, reason="finished")
    assert board.done == {"yongchang", "wendeng"} and not board.in_flight


def test_the_live_display_shows_the_bar_the_counts_and_the_sites_in_flight(
        run: tuple[Board, Clock, Crawler, Crawler]) -> None:
    board, clock, first, second = run
    scheduled(first, "jinchang", "http://www.jinchang.gov.cn/")
    scheduled(second, "wendeng", "http://www.wendeng.gov.cn/")
    first.stats.inc_value("govcrawl/pages", 50)
    first.stats.inc_value("govcrawl/errors", 4)
    clock.now += 10
    first.signals.send_catch_log(signals.site_finished, site_id="yongchang")
    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system=None)
    with console.capture() as captured:
        console.print(LiveDisplay(board, console).render())
    bar, flight = captured.get().splitlines()
    assert bar.startswith("━") and bar.endswith("1/3 sites · 50 pages · 0 reports · 4 errors · 5.0 pages/s · ETA 0:00:20")
    assert flight == "in flight: jinchang, wendeng"
    narrow = Console(file=io.StringIO(), width=70, force_terminal=True, color_system=None)
    with narrow.capture() as captured:
        narrow.print(LiveDisplay(board, narrow).render())
    assert captured.get().splitlines()[0].startswith("1/3 sites · 50 pages")  # no room for the bar: figures first


def test_the_log_goes_to_its_file_and_the_screen_gets_its_share(tmp_path: Path) -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.set("LOG_LEVEL", "INFO")
    shown = io.StringIO()
    log_file = tmp_path / "logs" / "govcrawl.log"
    before = list(logging.getLogger().handlers)
    with logs_to(settings, log_file, screen("WARNING", Console(file=shown, force_terminal=False))):
        logging.getLogger("scrapy.core.engine").info("Spider opened")
        logging.getLogger("auto").warning("site tieling: http://www.tieling.gov.cn/x.html failed: HTTP 404")
        logging.getLogger("govcrawl.progress").info("progress: sites 1/9 · pages fetched 20")
        logging.getLogger("scrapy.core.scraper").debug("Scraped from <200 http://www.tieling.gov.cn/>")
    assert logging.getLogger().handlers == before
    written = log_file.read_text("utf-8")
    assert "Spider opened" in written and "HTTP 404" in written and "progress: sites 1/9" in written
    assert "Scraped from" not in written  # below the log's level
    lines = shown.getvalue().splitlines()
    assert [LOG_RECORD.sub("", line) for line in lines] == [
        "site tieling: http://www.tieling.gov.cn/x.html failed: HTTP 404", "progress: sites 1/9 · pages fetched 20"]
    assert all(LOG_RECORD.match(line) for line in lines)


def test_a_crawl_on_a_terminal_keeps_its_display_whole_below_the_log(replay: ReplayServer, tmp_path: Path) -> None:
    """A real crawl under a pseudo-terminal, read back from the screen: every log line starts a line of its own,
    the display is left once, whole, below the last of them, and its figures are the database's."""
    db = tmp_path / "corpus.db"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    screen_lines = run_in_terminal(
        [sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--site", "wendeng", "--site",
         "tieling", "--db", str(db), "--proxy", replay.url, "--delay", "0", "--log-level", "INFO"], ROOT, env)
    assert screen_lines.returncode == 0, "\n".join(screen_lines.lines[-30:])
    lines = screen_lines.lines
    for line in lines:
        assert [m.start() for m in LOG_RECORD.finditer(line)] in ([], [0]), f"glued: {line!r}"
    displays = [i for i, line in enumerate(lines) if FIGURES.search(line)]
    assert len(displays) == 1, [lines[i] for i in displays]  # redrawn in place: one copy left
    at = displays[0]
    assert sum(bool(LOG_RECORD.match(line)) for line in lines[:at]) >= 20  # Scrapy's INFO, above it
    assert any(re.search(r"\[govcrawl\.progress\] INFO: site wendeng done: \d+ reports$", line) for line in lines[:at])
    assert not any(LOG_RECORD.match(line) for line in lines[at:])
    assert lines[at].startswith("━")
    after = [line for line in lines[at + 1:] if line]
    assert after[0].startswith("run 1 finished: ") and after[1] == f"full log in {db.with_suffix('.log')}"
    done, total, pages, reports, errors = map(int, FIGURES.search(lines[at]).groups())  # type: ignore[union-attr]
    corpus = Database(db)
    run_row = next(corpus["runs"].rows)
    assert (done, total) == (2, 2)
    assert pages == run_row["pages"] == corpus["pages"].count_where("run_id = ?", [run_row["id"]])
    assert (reports, errors) == (run_row["reports_new"] + run_row["reports_seen"], run_row["errors"])
    assert f"{pages} pages fetched" in after[0]
