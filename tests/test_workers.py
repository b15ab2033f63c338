"""The pure stages in worker processes: budgets, failures, and a crawl that goes on while a stage stalls."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database

from crawler.errors import STAGE_FAILED, STAGE_TIMEOUT
from crawler.items import ReportPage
from crawler.replay import ReplayServer, ReplayWorld
from crawler.workers import Failed, StagePool, run_stages
from tests.conftest import ROOT
from tests.slow_stages import MARKER

CLEAN = ("pipelines.extract.ExtractPipeline", "pipelines.clean.CleanPipeline")


def item(body: str) -> ReportPage:
    html = f"<html><body><div class='TRS_Editor'><p>{body}</p></div></body></html>"
    return ReportPage(site_id="a", site_name="A", region="", url="http://www.a.gov.cn/1.html", status=200,
                      fetched_at="", page_sha256="", html=html, template="generic", body_selectors=("div.TRS_Editor",))


TEXT = "2021年，全县主动公开政府信息1520条，其中通过政府网站公开1210条，通过政务新媒体公开310条，均按要求及时发布。"


def test_stages_run_in_order_and_a_raising_stage_is_one_failure() -> None:
    done = run_stages(CLEAN, item(TEXT), budget=10)
    assert isinstance(done, ReportPage) and done.body == [TEXT]
    failed = run_stages(("tests.slow_stages.Raises", *CLEAN), item(MARKER + TEXT), budget=10)
    assert failed == Failed(STAGE_FAILED, "Raises", "Raises: ValueError: a stage's own bug")


def test_a_stage_past_its_budget_is_stopped_inside_the_worker_and_the_worker_serves_on() -> None:
    async def two_pages() -> tuple[object, object]:
        pool = StagePool(1, budget=0.5, preload=["pipelines.extract", "pipelines.clean"])
        try:
            spun = await pool.run(("tests.slow_stages.Spins", *CLEAN), item(MARKER + TEXT))
            after = await pool.run(("tests.slow_stages.Spins", *CLEAN), item(TEXT))
            return spun, after
        finally:
            pool.close()

    spun, after = asyncio.run(two_pages())
    assert isinstance(spun, Failed) and (spun.kind, spun.stage) == (STAGE_TIMEOUT, "Spins")
    assert isinstance(after, ReportPage) and after.body == [TEXT]


def test_a_worker_that_cannot_be_interrupted_is_killed_and_replaced() -> None:
    async def two_pages() -> tuple[object, object, int, int]:
        pool = StagePool(1, budget=0.2, preload=["pipelines.extract"])
        try:
            first_pid = pool.workers[0].process.pid
            stalled = await pool.run(("tests.slow_stages.Stalls",), item(MARKER + TEXT))
            after = await pool.run(("tests.slow_stages.Stalls", *CLEAN), item(TEXT))
            return stalled, after, first_pid or 0, pool.workers[0].process.pid or 0
        finally:
            pool.close()

    stalled, after, before_pid, after_pid = asyncio.run(two_pages())
    assert isinstance(stalled, Failed) and stalled.kind == STAGE_TIMEOUT and stalled.stage == "worker"
    assert before_pid != after_pid
    assert isinstance(after, ReportPage) and after.body == [TEXT]


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="nav"><a href="/">首页</a></div>{body}<div class="footer">版权所有：{site}</div></body></html>"""
REPORT = ("<div class='TRS_Editor'><p>本报告根据《中华人民共和国政府信息公开条例》要求，由{site}办公室编制。{marker}</p>"
          "<p>一、总体情况</p><p>{year}年，{site}全年主动公开政府信息{n}条，其中通过政府网站公开{n}条，"
          "收到政府信息公开申请{year}件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼案件。</p></div>")


def write_site(root: Path, host: str, site: str, years: range, slow_year: int | None = None,
               delay: str = "") -> None:
    folder = root / host
    (folder / "zwgk/nb").mkdir(parents=True)
    (folder / "robots.txt").write_text(f"User-agent: *\n{delay}Disallow: /search/\n", "utf-8")
    (folder / "index.html").write_text(PAGE.format(title=site, site=site, body=(
        '<a href="/zwgk/nb/index.html">政府信息公开年报</a>')), "utf-8")
    entries = "".join(f'<li><a href="/zwgk/nb/{y}.html">{site}{y}年政府信息公开工作年度报告</a><span>{y + 1}-01-20</span></li>'
                      for y in years)
    (folder / "zwgk/nb/index.html").write_text(PAGE.format(title="年报", site=site, body=f"<ul>{entries}</ul>"), "utf-8")
    for y in years:
        body = REPORT.format(site=site, year=y, n=1000 + y, marker=MARKER if y == slow_year else "")
        (folder / f"zwgk/nb/{y}.html").write_text(PAGE.format(title=f"{site}{y}年政府信息公开工作年度报告", site=site,
                                                              body=body), "utf-8")


def test_the_crawl_fetches_on_while_a_stage_stalls_on_one_page(tmp_path: Path) -> None:
    """Host A's 2021 page stalls a stage for 8 s; host B's pages (1 s apart by its Crawl-delay) keep arriving at
    the server meanwhile, the stalled page is one stage_timeout row, and every other report is stored."""
    root = tmp_path / "world"
    write_site(root, "www.huining.gov.cn", "会宁县人民政府", range(2019, 2022), slow_year=2021)
    write_site(root, "www.jingtai.gov.cn", "景泰县人民政府", range(2010, 2020), delay="Crawl-delay: 1\n")
    seeds = tmp_path / "s.yaml"
    seeds.write_text(
        "- {id: huining, name: 会宁县人民政府, region: 甘肃省白银市会宁县, url: 'http://www.huining.gov.cn/', template: generic}\n"
        "- {id: jingtai, name: 景泰县人民政府, region: 甘肃省白银市景泰县, url: 'http://www.jingtai.gov.cn/', template: generic}\n",
        "utf-8")
    db = tmp_path / "c.db"
    server = ReplayServer(ReplayWorld(root)).start_background()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "generic", "-a", f"seeds={seeds}", "-s", f"GOVCRAWL_DB={db}",
             "-s", f"GOVCRAWL_PROXY={server.url}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0",
             "-s", "GOVCRAWL_STAGE_BUDGET=0.2", "-s", "GOVCRAWL_PIPELINE_PROCESSES=1",
             "-s", "GOVCRAWL_REPORT_STAGES=tests.slow_stages.Stalls,pipelines.clean.CleanPipeline,pipelines.metadata.MetadataPipeline"],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    stalled_at = next(s.at for s in server.requests if s.target == "/zwgk/nb/2021.html")
    meanwhile = [s for s in server.requests if s.host == "www.jingtai.gov.cn" and stalled_at + 1 < s.at < stalled_at + 7]
    assert len(meanwhile) >= 3
    jingtai = [s.at for s in server.requests if s.host == "www.jingtai.gov.cn"]
    assert min(b - a for a, b in itertools.pairwise(jingtai)) >= 1.0  # its politeness held meanwhile too
    rows = Database(db)
    errors = [(r["url"], r["kind"]) for r in rows["errors"].rows]
    assert errors == [("http://www.huining.gov.cn/zwgk/nb/2021.html", STAGE_TIMEOUT)]
    years = sorted((r["site_id"], r["report_year"]) for r in rows["reports"].rows)
    assert years == [("huining", 2019), ("huining", 2020)] + [("jingtai", y) for y in range(2010, 2020)]
