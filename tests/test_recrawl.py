"""Incremental recrawls on a replayed world: report pages revalidated with conditional GETs (304s, no pipeline
work), a changed report kept as a new version with what changed, removed reports marked withdrawn — by a 404 and
by leaving their list — never deleted."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.replay import ReplayServer, ReplayWorld
from tests.conftest import ROOT, column_site, put
from tests.test_runs import PAGE, report_page

HOST, SITE, COUNTY = "www.qingshui.gov.cn", "qingshui", "清水县"
COLUMN = "/zwgk/zfxxgknb/"
ENTRIES = [(2022, f"{COLUMN}202301/t20230120_2022.html", "2023-01-20"),
           (2021, f"{COLUMN}202201/t20220118_2021.html", "2022-01-18"),
           (2020, f"{COLUMN}202101/t20210120_2020.html", "2021-01-20"),
           (2019, f"{COLUMN}202001/t20200115_2019.html", "2020-01-15")]
CHANGED, GONE, UNLISTED = ENTRIES[0], ENTRIES[1], ENTRIES[2]


def crawl(folder: Path, proxy: str) -> subprocess.CompletedProcess[str]:
    seeds = folder / "s.yaml"
    seeds.write_text(f"- {{id: {SITE}, name: {COUNTY}人民政府, region: 甘肃省{COUNTY}, url: 'http://{HOST}/', "
                     f"template: generic}}\n", "utf-8")
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds), "--db",
                           str(folder / "c.db"), "--delay", "0", "--proxy", proxy],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def report_requests(server: ReplayServer) -> dict[str, tuple[str, int]]:
    """Each report page's request as the server saw it: the If-None-Match sent, the status answered."""
    paths = {path for _, path, _ in ENTRIES}
    return {seen.target: (seen.if_none_match, seen.status) for seen in server.requests if seen.target in paths}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("recrawl-world")
    column_site(root, HOST, PAGE, COUNTY, COLUMN, ENTRIES)
    for year, path, date in ENTRIES:
        put(root, HOST, path, report_page(COUNTY, year, date))
    server = ReplayServer(ReplayWorld(root)).start_background()
    folder = tmp_path_factory.mktemp("recrawl")
    runs = {}
    for name in ("first", "unchanged"):
        server.requests.clear()
        runs[name] = (crawl(folder, server.url), report_requests(server))
    # The site changes: one report's text is corrected, one page is removed, one report leaves the list.
    year, path, date = CHANGED
    corrected = report_page(COUNTY, year, date).replace("全年共收到政府信息公开申请", "全年共收到并办结政府信息公开申请")
    put(root, HOST, path, corrected)
    (root / HOST / GONE[1].lstrip("/")).unlink()
    column_site(root, HOST, PAGE, COUNTY, COLUMN, [e for e in ENTRIES if e is not UNLISTED])
    server.requests.clear()
    runs["changed"] = (crawl(folder, server.url), report_requests(server))
    yield {"db": folder / "c.db", "runs": runs}
    server.stop()


def test_every_run_finishes_ok(world: dict) -> None:
    for name, (result, _) in world["runs"].items():
        assert result.returncode == 0, (name, result.stderr[-2000:])


def test_unchanged_report_pages_answer_304_to_their_validators(world: dict) -> None:
    first, again = world["runs"]["first"][1], world["runs"]["unchanged"][1]
    assert set(first) == set(again) == {path for _, path, _ in ENTRIES}
    assert all(sent == "" and status == 200 for sent, status in first.values())
    assert all(sent.startswith('"') and status == 304 for sent, status in again.values()), again
    db = Database(world["db"])
    row = next(db.query("SELECT * FROM run_sites WHERE run_id = 2"))
    assert (row["not_modified"], row["reports_new"], row["reports_seen"], row["reports_changed"]) == (4, 0, 4, 0)
    # A text each, and the one the third run found changed: the checks of the second added none.
    assert db.table("report_versions").count == len(ENTRIES) + 1
    assert db.execute("SELECT count(*) FROM report_urls WHERE last_checked IS NOT NULL").fetchone()[0] == 4


def test_a_changed_report_keeps_both_versions_and_says_what_changed(world: dict) -> None:
    db = Database(world["db"])
    url = f"http://{HOST}{CHANGED[1]}"
    report = next(db.query("SELECT r.* FROM reports r JOIN report_urls u ON u.report_id = r.id WHERE u.url = ?",
                           [url]))
    assert report["version"] == 2 and "全年共收到并办结政府信息公开申请" in report["body"]
    versions = list(db.query("SELECT * FROM report_versions WHERE report_id = ? ORDER BY version", [report["id"]]))
    assert [(v["version"], v["current"]) for v in versions] == [(1, 0), (2, 1)]
    assert "全年共收到政府信息公开申请" in versions[0]["body"] and versions[1]["body"] == report["body"]
    [change] = json.loads(versions[1]["changes"])["paragraphs"]
    assert change["op"] == "replace" and "全年共收到并办结" in change["new"][0] and "全年共收到政府" in change["old"][0]
    row = next(db.query("SELECT * FROM run_sites WHERE run_id = 3"))
    assert (row["reports_changed"], row["reports_withdrawn"], row["reports_new"]) == (1, 2, 0)


def test_removed_reports_are_marked_withdrawn_not_deleted(world: dict) -> None:
    db = Database(world["db"])
    assert world["runs"]["changed"][1][GONE[1]][1] == 404
    withdrawn = {r["url"]: r["withdrawn_at"] for r in db.query(
        "SELECT u.url, r.withdrawn_at FROM reports r JOIN report_urls u ON u.report_id = r.id")}
    assert len(withdrawn) == 4  # nothing deleted
    gone = {f"http://{HOST}{GONE[1]}", f"http://{HOST}{UNLISTED[1]}"}
    assert {url for url, at in withdrawn.items() if at} == gone
    exported = subprocess.run([sys.executable, "-m", "crawler", "export", "--db", str(world["db"])], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=True).stdout
    records = {r["url"]: r for r in map(json.loads, exported.splitlines())}
    assert {url for url, r in records.items() if r["withdrawn_at"]} == gone
    assert records[f"http://{HOST}{CHANGED[1]}"]["version"] == 2
