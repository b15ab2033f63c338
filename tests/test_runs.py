"""Run records: per-site rows and outcomes, ``govcrawl runs``, the JSON run report and the exit codes, on a
replayed world with a good site, a site with a broken report page and a dead site (every page a 502)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.errors import ROBOTS_UNAVAILABLE, TIMEOUT
from crawler.replay import ReplayServer, ReplayWorld
from crawler.runs import LIST_FIELDS, SITE_FIELDS, SiteAccount
from tests.conftest import ROOT, column_site, put

COLUMN = "/zwgk/zfxxgknb/"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="PubDate" content="{date}">
<title>{title}_人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div><h1>{title}</h1>
<div class="TRS_Editor">{body}</div>
<div class="footer">版权所有：人民政府办公室 陇ICP备05000003号</div></body></html>"""
GOOD, BROKEN, DEAD = "www.goodtown.gov.cn", "www.brokentown.gov.cn", "www.deadtown.gov.cn"
COUNTIES = {GOOD: ("goodtown", "良田县"), BROKEN: ("brokentown", "断桥县"), DEAD: ("deadtown", "寂静县")}
ENTRIES = ((2020, f"{COLUMN}202101/t20210120_2020.html", "2021-01-20"),
           (2019, f"{COLUMN}202001/t20200115_2019.html", "2020-01-15"))


def report_page(county: str, year: int, date: str) -> str:
    paragraphs = [
        f"本报告根据《中华人民共和国政府信息公开条例》要求，由{county}人民政府办公室编制。本报告中所列数据的统计期限自{year}年1月1日起至"
        f"{year}年12月31日止。",
        "一、总体情况",
        f"{year}年，{county}坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开，全年主动公开政府信息"
        f"{1100 + year % 100}条，其中通过政府门户网站公开{900 + year % 100}条。",
        "二、收到和处理政府信息公开申请情况",
        f"全年共收到政府信息公开申请{20 + year % 10}件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼。",
        "三、存在的主要问题及改进情况",
        "一是部分单位信息更新不够及时；二是政策解读形式较为单一。下一步将加强业务培训，完善考核机制。",
        f"{county}人民政府办公室",
    ]
    return PAGE.format(date=date, title=f"{county}{year}年政府信息公开工作年度报告",
                       body="".join(f"<p>{p}</p>" for p in paragraphs))


def seed(host: str) -> str:
    site_id, county = COUNTIES[host]
    return (f"- {{id: {site_id}, name: {county}人民政府, region: 甘肃省{county}, url: 'http://{host}/', "
            f"template: generic}}\n")


def crawl(folder: Path, hosts: tuple[str, ...], proxy: str) -> subprocess.CompletedProcess[str]:
    """``govcrawl crawl`` of the sites of ``hosts`` into ``folder/c.db`` (again and again: one corpus)."""
    seeds = folder / "s.yaml"
    seeds.write_text("".join(seed(h) for h in hosts), "utf-8")
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds), "--db",
                           str(folder / "c.db"), "--delay", "0", "--proxy", proxy],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def govcrawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("runs-world")
    for host in (GOOD, BROKEN):
        county = COUNTIES[host][1]
        column_site(root, host, PAGE, county, COLUMN, ENTRIES)
        for year, path, date in ENTRIES:
            put(root, host, path, report_page(county, year, date))
    put(root, BROKEN, "_replay.yaml", f"routes:\n  '{ENTRIES[1][1]}': {{status: 500}}\n")
    # A dead application behind a live front server: robots.txt is served, every page answers 502.
    put(root, DEAD, "robots.txt", "User-agent: *\nDisallow: /private/\n")
    put(root, DEAD, "_replay.yaml", "routes:\n  '/robots.txt': {file: robots.txt}\n  '/*': {status: 502}\n")
    server = ReplayServer(ReplayWorld(root)).start_background()
    folder = tmp_path_factory.mktemp("runs-crawl")
    first = crawl(folder, (GOOD, BROKEN, DEAD), server.url)
    first_requests = list(server.requests)
    second = crawl(folder, (GOOD, BROKEN, DEAD), server.url)
    yield {"folder": folder, "db": folder / "c.db", "first": first, "second": second, "requests": first_requests,
           "server": server}
    server.stop()


def site_rows(db: Path, run_id: int) -> dict[str, dict]:
    return {r["site_id"]: r for r in Database(db)["run_sites"].rows_where("run_id = ?", [run_id])}


def test_a_run_with_a_failed_site_exits_3_and_says_so(world: dict) -> None:
    first = world["first"]
    assert first.returncode == 3, first.stderr[-3000:]
    assert (world["folder"] / "c.run-1.json").is_file() and (world["folder"] / "c.run-2.json").is_file()
    assert world["second"].returncode == 3, world["second"].stderr[-3000:]


def test_each_site_has_its_outcome_and_counts(world: dict) -> None:
    rows = site_rows(world["db"], 1)
    assert {site: row["outcome"] for site, row in rows.items()} == {
        "goodtown": "ok", "brokentown": "partial", "deadtown": "failed"}
    db = Database(world["db"])
    for host, (site_id, _) in COUNTIES.items():  # pages: the distinct URLs of the site the server was asked
        asked = {seen.target for seen in world["requests"] if seen.host == host and seen.target != "/robots.txt"}
        assert rows[site_id]["pages"] == len(asked) > 0, site_id
        errors = list(db["errors"].rows_where("run_id = 1 AND site_id = ?", [site_id]))
        assert rows[site_id]["errors"] == len(errors), site_id
        kinds = json.loads(rows[site_id]["errors_by_kind"])
        assert sum(kinds.values()) == len(errors) and set(kinds) == {e["kind"] for e in errors}, site_id
        assert rows[site_id]["not_modified"] == 0 and rows[site_id]["reports_changed"] == 0
        assert rows[site_id]["started_at"] <= rows[site_id]["finished_at"]
    assert (rows["goodtown"]["reports_new"], rows["goodtown"]["errors"], rows["goodtown"]["reason"]) == (2, 0, None)
    assert (rows["brokentown"]["reports_new"], json.loads(rows["brokentown"]["errors_by_kind"])) == (1, {"http": 1})
    assert rows["brokentown"]["reason"] == "errors: http 1"
    assert rows["deadtown"]["reports_new"] == 0
    assert rows["deadtown"]["reason"] == f"http: http://{DEAD}/: HTTP 502"
    assert set(json.loads(rows["deadtown"]["errors_by_kind"])) == {"http"}


def test_the_second_run_counts_reports_seen_again(world: dict) -> None:
    rows = site_rows(world["db"], 2)
    assert {s: (r["outcome"], r["reports_new"], r["reports_seen"]) for s, r in rows.items()} == {
        "goodtown": ("ok", 0, 2), "brokentown": ("partial", 0, 1), "deadtown": ("failed", 0, 0)}


def test_runs_lists_the_runs_newest_first(world: dict) -> None:
    db = str(world["db"])
    listed = govcrawl("runs", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [list(r) for r in rows] == [list(LIST_FIELDS)] * 2
    assert [(r["id"], r["status"], r["outcome"], r["sites_ok"], r["sites_partial"], r["sites_failed"])
            for r in rows] == [(2, "finished", "sites_failed", 1, 1, 1), (1, "finished", "sites_failed", 1, 1, 1)]
    corpus = Database(db)
    for row in rows:
        run = corpus.table("runs").get(row["id"])
        assert (row["pages"], row["reports_new"], row["errors"]) == (run["pages"], run["reports_new"], run["errors"])
    assert rows[1]["reports_new"] == 3 and rows[0]["reports_new"] == 0
    text = govcrawl("runs", "--db", db)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["run", "started", "finished", "status", "outcome", "ok", "partial", "failed",
                                "pages", "new", "errors"]
    assert [line.split() for line in lines[1:]] == [[str(r[name]) for name in LIST_FIELDS] for r in rows]


def test_runs_show_json_is_the_report_file(world: dict) -> None:
    shown = govcrawl("runs", "show", "1", "--db", str(world["db"]), "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report == json.loads((world["folder"] / "c.run-1.json").read_text("utf-8"))
    assert list(report) == [*LIST_FIELDS, "seeds_file", "reports_seen", "errors_by_kind", "sites"]
    assert [list(site) for site in report["sites"]] == [list(SITE_FIELDS)] * 3
    assert [(s["site_id"], s["outcome"], s["failing_since"]) for s in report["sites"]] == [
        ("brokentown", "partial", None), ("deadtown", "failed", 1), ("goodtown", "ok", None)]
    errors = Database(world["db"])["errors"]
    assert report["errors_by_kind"] == {k: errors.count_where("run_id = 1 AND kind = ?", [k])
                                        for k in report["errors_by_kind"]}
    assert sum(report["errors_by_kind"].values()) == report["errors"]
    assert report["sites"][0]["errors_by_kind"] == {"http": 1}


def test_a_site_failing_again_names_the_run_it_began_failing(world: dict) -> None:
    report = json.loads((world["folder"] / "c.run-2.json").read_text("utf-8"))
    assert {s["site_id"]: s["failing_since"] for s in report["sites"]} == {
        "brokentown": None, "deadtown": 1, "goodtown": None}
    text = govcrawl("runs", "--db", str(world["db"]), "show", "2")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("run 2: finished, outcome sites_failed; ")
    assert lines[1].startswith("sites 1 ok, 1 partial, 1 failed; ")
    [dead] = [line for line in lines if line.startswith("deadtown ")]
    cells = dead.split()  # site, outcome, pages, 304, new, seen, errors, seconds, failing since, reason
    assert cells[:2] == ["deadtown", "failed"] and cells[-5:] == ["1", "http:", f"http://{DEAD}/:", "HTTP", "502"]


def test_an_unknown_run_is_bad_input(world: dict) -> None:
    shown = govcrawl("runs", "show", "9", "--db", str(world["db"]))
    assert (shown.returncode, shown.stderr.strip()) == (2, f"error: {world['db']}: no run 9")


def test_partial_sites_alone_exit_0(world: dict, tmp_path: Path) -> None:
    result = crawl(tmp_path, (GOOD, BROKEN), world["server"].url)
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = Database(tmp_path / "c.db")["runs"].rows
    assert (run["outcome"], run["sites_ok"], run["sites_partial"], run["sites_failed"]) == ("ok", 1, 1, 0)


def test_the_outcome_rules() -> None:
    robots_down = SiteAccount("s", "http://www.a.gov.cn/")
    robots_down.failed("http://www.a.gov.cn/robots.txt", ROBOTS_UNAVAILABLE, "robots.txt answered HTTP 503")
    robots_down.page(500, first=True)
    assert robots_down.outcome() == ("failed", "robots_unavailable: http://www.a.gov.cn/robots.txt: "
                                               "robots.txt answered HTTP 503")
    walked = SiteAccount("s", "http://www.a.gov.cn/")
    walked.failed("http://www.a.gov.cn/nb/1.html", TIMEOUT, "no answer")
    walked.page(200, first=True)
    assert walked.outcome() == ("partial", "errors: timeout 1")
    silent = SiteAccount("s", "http://www.a.gov.cn/")
    assert silent.outcome() == ("failed", "no page of the site answered")
    fine = SiteAccount("s", "http://www.a.gov.cn/")
    fine.page(200, first=True)
    fine.page(200, first=False)
    assert fine.outcome() == ("ok", None) and (fine.pages, fine.row(1)["pages"]) == (1, 1)
