"""The headless browser on lists only JavaScript builds: it reaches nothing but the site, keeps the site's
per-host politeness, waits for slow list answers, and hands the list API over to plain requests."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlite_utils import Database

from crawler.replay import ReplayServer, ReplayWorld
from tests.conftest import FIXTURES, PORTALS, ROOT

SITES = ("lintan", "minxian")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    db = tmp_path_factory.mktemp("browser") / "c.db"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    args = [sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db", str(db),
            "--proxy", server.url, "--delay", "0", *(a for s in SITES for a in ("--site", s))]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = list(Database(db)["runs"].rows)
    yield {"requests": list(server.requests), "db": Database(db), "stats": json.loads(run["stats"])}


def expected(site_id: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "expected" / f"{site_id}.yaml").read_text("utf-8"))


def test_the_browser_asks_no_other_host_and_no_picture_or_font(crawl: dict) -> None:
    """The proxy saw every request of the crawl, the browser's and Chromium's own included: none went to the
    analytics and font hosts the shell links, nor to Google's update or time services."""
    assert {s.host for s in crawl["requests"]} == {"www.lintan.gov.cn", "www.minxian.gov.cn"}
    assert [s for s in crawl["requests"] if s.target.startswith("/static/js/")], "the columns were rendered"
    assert not [s for s in crawl["requests"] if s.target.endswith((".png", ".woff", ".jpg", ".gif"))]


def test_the_list_api_is_paged_plainly_once_the_browser_has_shown_it(crawl: dict) -> None:
    api = [s for s in crawl["requests"] if s.target.startswith("/api/list?")]
    by_page = {s.target.split("pageNo=")[1].split("&")[0]: s for s in api}
    assert sorted(by_page) == ["1", "2", "3"] and len(api) == 3
    scrapy_accept = by_page["2"].accept
    assert by_page["1"].accept == "*/*"  # the browser's own XHR revealed the API
    assert scrapy_accept.startswith("text/html") and by_page["3"].accept == scrapy_accept  # the rest, plainly
    assert all(s.agent.startswith("govcrawl/") for s in api)  # the browser says who it is too
    assert crawl["stats"]["govcrawl/list_api/lintan"] == 1


def test_every_request_to_a_host_keeps_its_crawl_delay_the_browser_s_included(crawl: dict) -> None:
    """lintan's robots.txt asks for 0.3 s: every arrival at the server, plain or from the browser (page, script,
    stylesheet, list XHR), comes at least 0.3 s after the one before."""
    seen = [s for s in crawl["requests"] if s.host == "www.lintan.gov.cn"]
    assert len(seen) >= 12
    assert min(b.at - a.at for a, b in itertools.pairwise(seen)) >= 0.3


def test_a_load_more_list_answering_slowly_is_read_to_its_end(crawl: dict) -> None:
    """minxian shows 10 of 13 entries; 加载更多 fetches the rest from an API that answers after 1 and 2 s and
    gives no links (the script builds them), so the browser clicks and waits for each answer."""
    more = [s.target for s in crawl["requests"] if s.target.startswith("/api/more")]
    assert more == ["/api/more?page=2", "/api/more?page=3"]
    found = {row["url"] for row in crawl["db"]["report_urls"].rows if row["site_id"] == "minxian"}
    assert found == {r["url"] for r in expected("minxian")["reports"]}


def test_rendered_sites_are_read_as_js_rendered(crawl: dict) -> None:
    sites = {row["id"]: row for row in crawl["db"]["sites"].rows}
    assert {s: sites[s]["detected_template"] for s in SITES} == {"lintan": "js_rendered", "minxian": "js_rendered"}


def test_ctrl_c_while_the_browser_renders_shuts_down_cleanly(tmp_path: Path) -> None:
    """A terminal's Ctrl-C signals the whole process group: the crawl stops in order and closes the browser,
    whose driver no longer dies under it (it runs in a session of its own)."""
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    db = tmp_path / "c.db"
    crawl = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db", str(db),
                              "--proxy", server.url, "--delay", "0.5", "--site", "lintan", "--site", "minxian"],
                             cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(s.accept == "*/*" for s in server.requests):
            time.sleep(0.1)  # until the browser's scripts are asking for the list
        time.sleep(1.0)
        assert crawl.poll() is None, "the crawl ended before its browser started"
        os.killpg(crawl.pid, signal.SIGINT)
        _, stderr = crawl.communicate(timeout=120)
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
        server.stop()
    assert crawl.returncode == 1  # cut short
    log = "\n".join([stderr, *(p.read_text("utf-8") for p in tmp_path.glob("*.log"))])
    for trouble in ("Future exception was never retrieved", "Connection closed", "Traceback"):
        assert trouble not in log
    assert [row["status"] for row in Database(db)["runs"].rows] != ["running"]
