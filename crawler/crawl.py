"""Run one crawl of a seed list: one Scrapy crawler per CMS family, one SQLite corpus, one run record."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import store
from crawler.browser import launch_options
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

    def line(self) -> str:
        return (f"run {self.run_id} {self.status}: {self.pages} pages fetched, {self.reports_new} new reports, "
                f"{self.reports_seen} seen again, {self.errors} errors")


def crawl_settings(db_path: str | Path, run_id: int | None, proxy: str | None, delay: float | None,
                   log_level: str) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, object] = {"GOVCRAWL_DB": str(db_path), "GOVCRAWL_RUN_ID": run_id, "LOG_LEVEL": log_level,
                                    "LOG_INSTALL_ROOT_HANDLER": True}
    if proxy:
        overrides["GOVCRAWL_PROXY"] = proxy
        overrides["PLAYWRIGHT_LAUNCH_OPTIONS"] = launch_options(proxy)
    if delay is not None:
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(seeds: list[Seed], db_path: str | Path, *, seeds_file: str = "", proxy: str | None = None,
              delay: float | None = None, log_level: str = "INFO") -> CrawlSummary:
    """Crawl ``seeds`` into ``db_path``; a site that fails is recorded and the others go on."""
    db = store.open_db(db_path)
    store.save_sites(db, seeds)
    run_id = store.start_run(db, seeds_file, [s.id for s in seeds])
    db.close()
    settings = crawl_settings(db_path, run_id, proxy, delay, log_level)
    process = CrawlerProcess(settings)
    groups: dict[str, list[Seed]] = defaultdict(list)
    for seed in seeds:
        groups[seed.template].append(seed)
    crawlers = []
    for spider_name, group in groups.items():
        crawler = process.create_crawler(spider_name)
        crawlers.append(crawler)
        process.crawl(crawler, seed_list=group)
    status = "finished"
    try:
        process.start()
    except KeyboardInterrupt:
        status = "interrupted"
    stats = [c.stats.get_stats() if c.stats else {} for c in crawlers]
    if any(s.get("finish_reason") not in (None, "finished") for s in stats):
        status = next(s["finish_reason"] for s in stats if s.get("finish_reason") not in (None, "finished"))
    summary = CrawlSummary(
        run_id=run_id,
        status=status,
        pages=sum(s.get("govcrawl/pages", 0) for s in stats),
        reports_new=sum(s.get("govcrawl/reports_new", 0) for s in stats),
        reports_seen=sum(s.get("govcrawl/reports_seen", 0) for s in stats),
        errors=sum(s.get("govcrawl/errors", 0) + s.get("govcrawl/reports_empty", 0) for s in stats),
    )
    db = store.open_db(db_path)
    own: Counter[str] = Counter()
    for crawler_stats in stats:
        own.update({k: v for k, v in crawler_stats.items() if k.startswith("govcrawl/") and isinstance(v, int | float)})
    store.finish_run(db, run_id, status, {"pages": summary.pages, "reports_new": summary.reports_new,
                                          "reports_seen": summary.reports_seen, "errors": summary.errors},
                     dict(own))
    db.close()
    return summary
