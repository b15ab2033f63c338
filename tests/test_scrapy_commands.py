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


def test_scrapy_crawl_with_a_seed_file(replay: ReplayServer, tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    result = scrapy("crawl", "auto", "-a", "seeds=seeds/demo.yaml", "-a", "site=wendeng",
                    "-s", f"GOVCRAWL_DB={db}", "-s", f"GOVCRAWL_PROXY={replay.url}", "-s", "DOWNLOAD_DELAY=0",
                    "-s", "AUTOTHROTTLE_START_DELAY=0")
    assert result.returncode == 0, result.stderr[-2000:]
    titles = {row["title"] for row in Database(db)["reports"].rows}
    assert "威海市文登区政务服务中心2016年政府信息公开工作年度报告" in titles
    assert {row["site_id"] for row in Database(db)["reports"].rows} == {"wendeng"}
