"""A file is downloaded once per run, though two crawlers of the run (one per template) meet it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database

from crawler.replay import ReplayServer, ReplayWorld
from tests.conftest import ROOT

COUNTY, CITY = "www.huining.gov.cn", "www.baiyin.gov.cn"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="nav"><a href="/">首页</a></div>{body}<div class="footer">版权所有：{title}</div></body></html>"""
REPORT = ("<div class='TRS_Editor'><p>本报告根据《中华人民共和国政府信息公开条例》要求，由会宁县人民政府办公室编制。"
          "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。</p><p>一、总体情况</p>"
          "<p>2021年，会宁县全年主动公开政府信息1520条，其中通过政府网站公开1210条，通过政务新媒体公开310条，"
          "收到政府信息公开申请23件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼案件。</p>"
          "<p>附件：<a href='/zwgk/nb/P020220118000000000001.pdf'>2021年政府信息公开情况统计表.pdf</a></p></div>")


def write(root: Path, host: str, path: str, text: str) -> None:
    target = root / host / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")


def test_a_file_two_sites_link_is_fetched_once_per_run(tmp_path: Path) -> None:
    root = tmp_path / "world"
    report = "/zwgk/nb/202201/t20220118_301.html"
    for host, name in ((COUNTY, "会宁县人民政府"), (CITY, "白银市人民政府")):
        write(root, host, "robots.txt", "User-agent: *\nDisallow: /search/\n")
        write(root, host, "index.html", PAGE.format(title=name, body='<a href="/zwgk/nb/index.html">政府信息公开年报</a>'))
    entry = f'<li><a href="http://{COUNTY}{report}">会宁县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-18</span></li>'
    for host in (COUNTY, CITY):  # the city's column lists the county's report, on the county's site
        write(root, host, "zwgk/nb/index.html", PAGE.format(title="政府信息公开年报", body=f"<ul>{entry}</ul>"))
    write(root, COUNTY, report.lstrip("/"), PAGE.format(title="会宁县人民政府2021年政府信息公开工作年度报告", body=REPORT))
    write(root, COUNTY, "zwgk/nb/P020220118000000000001.pdf", "%PDF-1.4 统计表")
    seeds = tmp_path / "s.yaml"
    seeds.write_text(
        f"- {{id: huining, name: 会宁县人民政府, region: 甘肃省白银市会宁县, url: 'http://{COUNTY}/', template: generic}}\n"
        f"- {{id: baiyin, name: 白银市人民政府, region: 甘肃省白银市, url: 'http://{CITY}/', template: trs_wcm,\n"
        "   allowed_domains: [baiyin.gov.cn, huining.gov.cn]}\n", "utf-8")
    server = ReplayServer(ReplayWorld(root)).start_background()
    try:
        result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds), "--db",
                                 str(tmp_path / "c.db"), "--proxy", server.url, "--delay", "0"], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    pages = [s for s in server.requests if s.target == report]
    files = [s for s in server.requests if s.target.endswith(".pdf")]
    assert len(pages) == 2  # each crawler read the report page (one per template)
    assert len(files) == 1  # the file once
    rows = list(Database(tmp_path / "c.db")["attachment_files"].rows)
    assert [(r["status"], r["size"]) for r in rows] == [("ok", len("%PDF-1.4 统计表".encode()))]
