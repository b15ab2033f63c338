"""Run one crawl of a seed list: one Scrapy crawler per CMS family, one SQLite corpus, one run record."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import log_scrapy_info

from crawler import frontier, runs, search, store
from crawler.capture_replay import open_world
from crawler.lock import corpus_lock
from crawler.progress import Board, Screen, Tally, logs_to, screen
from crawler.replay import ReplayServer
from crawler.seeds import Seed

log = logging.getLogger(__name__)


@dataclass
class CrawlSummary:
    run_id: int
    status: str
    pages: int
    reports_new: int
    reports_seen: int
    errors: int
    outcome: str = runs.RUN_FAILED  # crawler/runs.py: ok, sites_failed, failed
    report: Path | None = None  # the run's JSON report (crawler/runs.py: report_path)
    # A replayed crawl: the requests its capture lacked (the browser's included), as (URL, referrer).
    replay_missing: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        missing = f", {len(self.replay_missing)} requests not in the capture" if self.replay_missing else ""
        return (f"run {self.run_id} {self.status}: {self.pages} pages fetched, {self.reports_new} new reports, "
                f"{self.reports_seen} seen again, {self.errors} errors{missing}")

    @property
    def exit_code(self) -> int:
        return runs.exit_code(self.outcome)


@dataclass(frozen=True)
class Capture:
    """Whether a crawl keeps its raw capture (crawler/warc.py), and where (None: ``warc/`` beside the corpus)."""

    enabled: bool = True
    folder: str | None = None


def crawl_settings(db_path: str | Path, run_id: int | None, proxy: str | None, delay: float | None,
                   log_level: str, allow_private: bool = False, crawl_id: int | None = None,
                   capture: Capture | None = None) -> Settings:
    """The run's settings. Its log handlers are the run's own (crawler/progress.py: logs_to), not Scrapy's."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, object] = {"GOVCRAWL_DB": str(db_path), "GOVCRAWL_RUN_ID": run_id,
                                    "GOVCRAWL_CRAWL_ID": crawl_id or run_id, "LOG_LEVEL": log_level,
                                    "LOG_INSTALL_ROOT_HANDLER": False, "GOVCRAWL_ALLOW_PRIVATE": allow_private}
    if proxy:
        overrides["GOVCRAWL_PROXY"] = proxy
    if delay is not None:
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if capture is not None:
        overrides.update(GOVCRAWL_WARC=capture.enabled, GOVCRAWL_WARC_DIR=capture.folder)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(seeds: list[Seed], db_path: str | Path, *, seeds_file: str = "", proxy: str | None = None,
              delay: float | None = None, log_level: str = "INFO", log_file: str | Path | None = None,
              shown: Screen | None = None, allow_private: bool = False, wait: float = 0.0,
              waiting: Callable[[str], None] | None = None, fresh: bool = False,
              capture: Capture | None = None, replay: Sequence[Path] = ()) -> CrawlSummary:
    """Crawl ``seeds`` into ``db_path``; a site that fails is recorded and the others go on. The log at
    ``log_level`` goes to ``log_file`` (appended); ``shown`` is the screen: the progress display and the log
    records it shows (default: standard error, crawler/progress.py: screen). Private and local targets are
    refused unless ``allow_private`` (crawler/targets.py). One run at a time holds the corpus: a busy one
    raises ``CorpusBusy``, or is waited for up to ``wait`` seconds (crawler/lock.py: corpus_lock). A run after
    one that did not finish resumes its crawl, unless ``fresh`` (crawler/frontier.py). With ``replay`` (WARC
    files, folders of them, saved-portal folders) every request is answered from those captures by a replay
    server on loopback, and nothing is fetched from the network (crawler/capture_replay.py)."""
    with corpus_lock(db_path, wait, waiting):
        if not replay:
            return _crawl(seeds, db_path, seeds_file, proxy, delay, log_level, log_file, shown, allow_private,
                          fresh, capture)
        server = ReplayServer(open_world(replay), mark_missing=True).start_background()
        try:
            summary = _crawl(seeds, db_path, seeds_file, server.url, delay, log_level, log_file, shown,
                             allow_private, fresh, capture or Capture(enabled=False), replayed=True)
        finally:
            server.stop()
        summary.replay_missing = [(f"http://{seen.host}{seen.target}", seen.referer) for seen in server.misses]
        return summary


def _crawl(seeds: list[Seed], db_path: str | Path, seeds_file: str, proxy: str | None, delay: float | None,
           log_level: str, log_file: str | Path | None, shown: Screen | None, allow_private: bool,
           fresh: bool, capture: Capture | None, replayed: bool = False) -> CrawlSummary:
    db = store.open_db(db_path)
    store.save_sites(db, seeds)
    run_id = store.start_run(db, seeds_file, [s.id for s in seeds])
    crawl_id = frontier.begin(db, run_id, fresh)
    db.close()
    settings = crawl_settings(db_path, run_id, proxy, delay, log_level, allow_private, crawl_id, capture)
    settings.set("GOVCRAWL_REPLAY", replayed, priority="cmdline")
    shown = shown or screen()
    process = CrawlerProcess(settings)  # configures logging (dictConfig): the run's handlers go in after it
    groups: dict[str, list[Seed]] = defaultdict(list)
    for seed in seeds:
        groups[seed.template].append(seed)
    board = Board(s.id for s in seeds)
    status = "finished"
    with logs_to(settings, Path(log_file) if log_file else None, shown):
        log_scrapy_info(settings)
        log.info("run %d: %d sites of %s into %s%s", run_id, len(seeds), seeds_file or "a seed list", db_path,
                 f", resuming the crawl of run {crawl_id}" if crawl_id != run_id else "")
        crawlers = []
        broken: list[str] = []  # a crawler that could not start or crashed: the run failed, whatever else ran
        for spider_name, group in groups.items():
            crawler = process.create_crawler(spider_name)
            board.watch(crawler, [s.id for s in group])
            crawlers.append(crawler)
            process.crawl(crawler, seed_list=group).addErrback(lambda failure, name: broken.append(name), spider_name)
        display = shown.display(board)
        display.start()
        try:
            process.start()
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            display.stop()
    if broken:
        status = "failed"
        log.error("run %d failed: the %s crawl stopped on an error (see the log above)", run_id, ", ".join(broken))
    stats = [c.stats.get_stats() if c.stats else {} for c in crawlers]
    if any(s.get("finish_reason") not in (None, "finished") for s in stats):
        status = next(s["finish_reason"] for s in stats if s.get("finish_reason") not in (None, "finished"))
    tally = Tally.of(stats)
    summary = CrawlSummary(run_id=run_id, status=status, pages=tally.pages, reports_new=tally.reports_new,
                           reports_seen=tally.reports_seen, errors=tally.errors)
    db = store.open_db(db_path)
    own: Counter[str] = Counter()
    for crawler_stats in stats:
        own.update({k: v for k, v in crawler_stats.items() if k.startswith("govcrawl/") and isinstance(v, int | float)})
    store.finish_run(db, run_id, status, {"pages": summary.pages, "reports_new": summary.reports_new,
                                          "reports_seen": summary.reports_seen, "errors": summary.errors},
                     dict(own))
    summary.outcome = runs.close(db, run_id, status)
    since = frontier.crawl_started(db, crawl_id) if status == "finished" else None
    if since and (withdrawn := runs.withdraw_unlisted(db, run_id, since)):
        log.info("run %d: %d reports are gone from their lists: marked withdrawn", run_id, withdrawn)
    summary.report = runs.write_report(db, db_path, run_id)
    search.sync(db)  # the word index follows the reports (crawler/search.py)
    db.close()
    return summary
