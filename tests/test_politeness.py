"""Politeness and trap guards on a small portal built for the purpose (TRS-style markup)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.replay import ReplayServer, ReplayWorld
from tests.conftest import crawl_one_site

HOST = "www.lintao.gov.cn"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_临洮县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a></div>{body}
<div class="footer">版权所有：临洮县人民政府 陇ICP备05000001号</div></body></html>"""
REPORT = """<div class="TRS_Editor"><p>根据《中华人民共和国政府信息公开条例》规定，现公布临洮县{year}年政府信息公开工作年度报告。</p>
<p>一、总体情况</p><p>{year}年，临洮县认真贯彻落实政务公开工作要点，全年主动公开政府信息{n}条，其中通过政府网站公开{n}条，
通过政务新媒体公开信息{n}条，收到政府信息公开申请{n}件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼。</p>
<p>附件：<a href="./P0{year}0120.pdf">{year}年统计表.pdf</a></p></div>"""


def write(root: Path, path: str, text: str) -> None:
    target = root / HOST / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    write(root, "robots.txt", "User-agent: *\nCrawl-delay: 0.2\nDisallow: /search/\n")
    write(root, "index.html", PAGE.format(title="首页", body='<a href="/zwgk/index.html">政务公开</a>'))
    write(root, "zwgk/index.html", PAGE.format(
        title="政务公开", body='<a href="/zwgk/zfxxgknb/index.html">政府信息公开年报</a>'))
    reports = "".join(
        f'<li><a href="./202{i}01/t202{i}0120_{i}.html">临洮县{2019 + i}年政府信息公开工作年度报告</a><span>202{i}-01-20</span></li>'
        for i in range(3))
    pager = "".join(f'<a href="list.jsp?pageNo={n}&amp;sort=date">{n}</a>' for n in range(1, 61))
    write(root, "zwgk/zfxxgknb/index.html", PAGE.format(title="政府信息公开年报", body=(
        f"<ul>{reports}</ul>"
        '<a href="/search/index.html?q=年报">临洮县2018年政府信息公开工作年度报告（检索）</a>'
        '<a href="./2020/index.html">2020年</a>'
        '<a href="index.html?date=2020-01-02">下一页</a>'
        f'<div class="pager">{pager}</div>')))
    write(root, "zwgk/zfxxgknb/list.html", PAGE.format(title="列表", body="<ul><li>无</li></ul>"))
    # A server that answers any sub-path with the same year page, whose link goes one folder deeper.
    write(root, "zwgk/zfxxgknb/year.html", PAGE.format(title="2020年", body='<a href="./2020/index.html">2020年</a>'))
    for i in range(3):
        write(root, f"zwgk/zfxxgknb/202{i}01/P0{2019 + i}0120.pdf", f"%PDF-1.4 statistics {2019 + i}")
        write(root, f"zwgk/zfxxgknb/202{i}01/t202{i}0120_{i}.html",
              PAGE.format(title=f"临洮县{2019 + i}年政府信息公开工作年度报告", body=REPORT.format(year=2019 + i, n=100 + i)))
    (root / HOST / "_replay.yaml").write_text(
        "routes:\n"
        "  '/zwgk/zfxxgknb/list.jsp*': {file: zwgk/zfxxgknb/list.html}\n"
        "  '/zwgk/zfxxgknb/2020/*': {file: zwgk/zfxxgknb/year.html}\n", "utf-8")
    return root


@pytest.fixture(scope="module")
def crawl(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    server = ReplayServer(ReplayWorld(world)).start_background()
    db, result = crawl_one_site(tmp_path_factory.mktemp("seeds"), f"{{id: lintao, name: 临洮县人民政府, "
                                f"region: 甘肃省定西市临洮县, url: 'http://{HOST}/', template: generic}}",
                                "--proxy", server.url)
    server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = list(Database(db)["runs"].rows)
    yield {"db": Database(db), "requests": server.requests, "stats": json.loads(run["stats"])}


def test_reports_are_found_despite_the_traps(crawl: dict) -> None:
    titles = sorted(r["title"] for r in crawl["db"]["reports"].rows)
    assert titles == [f"临洮县{y}年政府信息公开工作年度报告" for y in (2019, 2020, 2021)]


def test_robots_disallow_is_obeyed(crawl: dict) -> None:
    assert not [s for s in crawl["requests"] if s.target.startswith("/search/")]


def test_crawl_delay_spaces_every_request_to_the_host(crawl: dict) -> None:
    """Every request the host sees — robots.txt, pages, the attachment — comes at least the Crawl-delay after
    the one before, as the server measures it: the crawl counts the delay from the end of the last answer, so
    no load on either side can bring two arrivals closer (the crawl itself asked for no delay at all)."""
    seen = crawl["requests"]
    assert seen[0].target == "/robots.txt"
    assert any(s.target.endswith(".pdf") for s in seen)
    gaps = [b.at - a.at for a, b in itertools.pairwise(seen)]
    assert len(gaps) >= 8
    assert min(gaps) >= 0.2
    assert crawl["stats"][f"govcrawl/crawl_delay/{HOST}"] == 0.2


def test_calendar_query_is_never_fetched(crawl: dict) -> None:
    assert not [s for s in crawl["requests"] if "date=" in s.target]
    assert crawl["stats"]["govcrawl/trap/calendar"] >= 1


def test_query_explosion_is_bounded_and_counted(crawl: dict) -> None:
    fetched = {s.target for s in crawl["requests"] if s.target.startswith("/zwgk/zfxxgknb/list.jsp")}
    assert 0 < len(fetched) <= 40
    assert crawl["stats"]["govcrawl/trap/query_explosion"] >= 1


def test_ever_deeper_paths_stop(crawl: dict) -> None:
    deep = [s.target for s in crawl["requests"] if s.target.startswith("/zwgk/zfxxgknb/2020/")]
    assert deep and max(t.count("2020") for t in deep) <= 3
    assert crawl["stats"]["govcrawl/trap/deep_path"] >= 1
