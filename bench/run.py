"""Benchmarks of govcrawl on the bundled portal world (run: `make bench`; figures go in docs/BENCHMARKS.md).

1. Crawl throughput: pages/s of a full crawl of seeds/demo.yaml through the replay server (no delay).
2. Extraction cost: ms/page of the pipelines (extract, clean, metadata, flags) against trafilatura.extract
   alone on the same report pages, and their ratio, measured in the same run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
import yaml
from sqlite_utils import Database
from w3lib.encoding import html_to_unicode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.items import ReportPage  # noqa: E402
from crawler.replay import ReplayServer, ReplayWorld  # noqa: E402
from pipelines.clean import CleanPipeline  # noqa: E402
from pipelines.extract import ExtractPipeline  # noqa: E402
from pipelines.flags import FlagPipeline  # noqa: E402
from pipelines.metadata import MetadataPipeline  # noqa: E402
from spiders.base import GENERIC_BODY_SELECTORS  # noqa: E402

PORTALS = ROOT / "tests" / "fixtures" / "portals"
CRAWL_RUNS = 3
EXTRACT_ROUNDS = 20


def bench_crawl() -> dict[str, float]:
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    rates, walls, pages = [], [], 0
    try:
        for _ in range(CRAWL_RUNS):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "bench.db"
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db", str(db),
                                "--proxy", server.url, "--delay", "0", "--log-level", "ERROR"],
                               cwd=ROOT, check=True, capture_output=True)
                wall = time.perf_counter() - start
                pages = Database(db)["pages"].count
                walls.append(wall)
                rates.append(pages / wall)
    finally:
        server.stop()
    return {"pages": pages, "wall_s": statistics.median(walls), "pages_per_s": statistics.median(rates)}


def report_pages() -> list[tuple[str, str]]:
    world = ReplayWorld(PORTALS)
    pages = []
    for expected in sorted((ROOT / "tests" / "fixtures" / "expected").glob("*.yaml")):
        for report in yaml.safe_load(expected.read_text("utf-8"))["reports"]:
            parts = urlsplit(report["url"])
            reply = world.reply(parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else ""))
            _, text = html_to_unicode(reply.headers.get("Content-Type"), reply.body)
            pages.append((report["url"], text))
    return pages


def run_pipelines(url: str, html: str) -> ReportPage:
    item = ReportPage(site_id="bench", site_name="bench", region="", url=url, status=200, fetched_at="",
                      page_sha256="", html=html, template="generic", body_selectors=GENERIC_BODY_SELECTORS)
    for stage in (ExtractPipeline(), CleanPipeline(), MetadataPipeline(), FlagPipeline()):
        item = stage.process_item(item)
    return item


def bench_extraction() -> dict[str, float]:
    pages = report_pages()
    ours, theirs = [], []
    for _ in range(EXTRACT_ROUNDS):
        for url, html in pages:
            start = time.perf_counter()
            run_pipelines(url, html)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            trafilatura.extract(html, url=url, include_tables=True, deduplicate=False)
            theirs.append(time.perf_counter() - start)
    ours_ms, theirs_ms = statistics.mean(ours) * 1000, statistics.mean(theirs) * 1000
    return {"pages": len(pages), "pipelines_ms": ours_ms, "trafilatura_ms": theirs_ms, "ratio": ours_ms / theirs_ms}


def main() -> None:
    crawl = bench_crawl()
    extraction = bench_extraction()
    print("| benchmark | figure |")
    print("|---|---|")
    print(f"| full crawl of the fixture world ({crawl['pages']} pages, median of {CRAWL_RUNS}) | "
          f"{crawl['pages_per_s']:.1f} pages/s ({crawl['wall_s']:.1f} s wall, process start included) |")
    print(f"| pipelines (extract+clean+metadata+flags), {extraction['pages']} report pages × {EXTRACT_ROUNDS} | "
          f"{extraction['pipelines_ms']:.2f} ms/page |")
    print(f"| trafilatura.extract alone, same pages | {extraction['trafilatura_ms']:.2f} ms/page |")
    print(f"| ratio pipelines / trafilatura | {extraction['ratio']:.2f} |")


if __name__ == "__main__":
    main()
