"""A crawler that cannot start fails the run: exit 1, a clear line, the run recorded as failed — never a quiet 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database

from tests.conftest import ROOT

# The run's settings with a downloader middleware that does not exist: Scrapy cannot build the crawler.
BROKEN = """
import sys
import crawler.crawl as run
made = run.crawl_settings
def broken(*args, **kwargs):
    settings = made(*args, **kwargs)
    settings.set("DOWNLOADER_MIDDLEWARES", {"crawler.no_such_module.Middleware": 50}, priority="cmdline")
    return settings
run.crawl_settings = broken
from crawler.cli import main
sys.argv = ["govcrawl", *sys.argv[1:]]
main()
"""


def test_a_crawler_that_cannot_start_fails_the_run(tmp_path: Path) -> None:
    seeds = tmp_path / "s.yaml"
    seeds.write_text("- {id: a, name: 甲县人民政府, region: 甲省甲县, url: 'http://www.a.gov.cn/', template: generic}\n",
                     "utf-8")
    db = tmp_path / "c.db"
    result = subprocess.run([sys.executable, "-c", BROKEN, "crawl", "--seeds", str(seeds), "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "run 1 failed: the generic crawl stopped on an error" in result.stderr
    assert [r["status"] for r in Database(db)["runs"].rows] == ["failed"]
