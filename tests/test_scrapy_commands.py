"""Scrapy's own commands work from the repository root, as scrapy.cfg promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database

from crawler.replay import ReplayServer
from tests.conftest import ROOT


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_scrapy_list_names_the_family_spiders() -> None:
    result = scrapy("list")
    assert result.returncode == 0, result.stderr
    assert {"auto", "generic", "trs_wcm"} <= set(result.stdout.split())


def test_scrapy_crawl_without_a_seed_list_says_so_in_one_line() -> None:
    result = scrapy("crawl", "generic")
    assert result.returncode == 2
    assert "error: spider 'generic' crawls the sites of a seed list: scrapy crawl generic -a seeds=FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_scrapy_crawl_with_a_bad_seed_list_names_the_fault(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: x, name: X, region: 甘肃省, url: 'ftp://x.gov.cn/', template: generic}\n", "utf-8")
    result = scrapy("crawl", "generic", "-a", f"seeds={bad}")
    assert result.returncode == 2
    assert f"{bad}: entry 1 (id 'x'): field 'url': not an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_family_spider_crawls_every_seed_as_its_family(replay: ReplayServer, tmp_path: Path) -> None:
    """The demo seeds all say template: auto; `scrapy crawl generic` reads them as generic, and says so."""
    db = tmp_path / "generic.db"
    result = scrapy("crawl", "generic", "-a", "seeds=seeds/demo.yaml", "-a", "site=wendeng",
                    "-s", f"GOVCRAWL_DB={db}", "-s", f"GOVCRAWL_PROXY={replay.url}", "-s", "DOWNLOAD_DELAY=0",
                    "-s", "AUTOTHROTTLE_START_DELAY=0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "crawling 1 sites of seeds/demo.yaml as generic, whatever template the seed list names" in result.stderr
    rows = list(Database(db)["reports"].rows)
    assert rows and {row["site_id"] for row in rows} == {"wendeng"}
    assert {row["template"] for row in rows} == {"generic"}


def test_scrapy_crawl_with_a_seed_file(replay: ReplayServer, tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    result = scrapy("crawl", "auto", "-a", "seeds=seeds/demo.yaml", "-a", "site=wendeng",
                    "-s", f"GOVCRAWL_DB={db}", "-s", f"GOVCRAWL_PROXY={replay.url}", "-s", "DOWNLOAD_DELAY=0",
                    "-s", "AUTOTHROTTLE_START_DELAY=0")
    assert result.returncode == 0, result.stderr[-2000:]
    titles = {row["title"] for row in Database(db)["reports"].rows}
    assert "威海市文登区政务服务中心2016年政府信息公开工作年度报告" in titles
    assert {row["site_id"] for row in Database(db)["reports"].rows} == {"wendeng"}
