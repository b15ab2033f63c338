"""Crawl the whole bundled portal world through the replay server and check the exported corpus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import yaml
from sqlite_utils import Database

from crawler.recording import differences
from crawler.replay import ReplayServer
from tests.conftest import FIXTURES, ROOT

EXPECTED = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted((FIXTURES / "expected").glob("*.yaml"))}
# Chrome as it appears on a line of its own (written here independently of pipelines/data/chrome.yaml).
CHROME_LINE = re.compile(
    r"ICP备\s*\d|公网安备\s*\d|网站标识码|版权所有|(主办|承办)单位\s*[:：]|扫一扫在手机|打印本页|关闭窗口|"
    r"^(网站地图|联系我们)|^(当前位置|您的位置|分享到|上一篇|下一篇|责任编辑|浏览次数)\s*[:：]|^【?字号"
)


def govcrawl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**clean_env, **(env or {})})


def counts(db_path: Path) -> dict[str, int]:
    db = Database(db_path)
    return {t: db[t].count for t in ("sites", "pages", "reports", "report_urls")}


@pytest.fixture(scope="module", params=["auto", "family"])
def crawl(request: pytest.FixtureRequest, replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo seeds crawled as they are (template: auto), and again with each site's family named."""
    folder = tmp_path_factory.mktemp(f"e2e-{request.param}")
    seeds = ROOT / "seeds" / "demo.yaml"
    if request.param == "family":
        listed = yaml.safe_load(seeds.read_text("utf-8"))
        for site in listed["sites"]:
            site["template"] = EXPECTED[site["id"]]["family"]
        seeds = folder / "family.yaml"
        seeds.write_text(yaml.safe_dump(listed, allow_unicode=True), "utf-8")
    db = folder / "corpus.db"
    result = govcrawl("crawl", "--seeds", str(seeds), "--db", str(db), "--proxy", replay.url, "--delay", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    exported = govcrawl("export", "--db", str(db), "--format", "jsonl")
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    requests = list(replay.requests)
    replay.requests.clear()
    return {"db": db, "result": result, "records": records, "requests": requests, "mode": request.param,
            "seeds": seeds}


def record_for(records: list[dict], url: str) -> dict:
    found = [r for r in records if url in r["urls"]]
    assert len(found) == 1, f"{url}: {len(found)} records"
    return found[0]


def test_every_seed_has_an_expected_file() -> None:
    seeds = yaml.safe_load((ROOT / "seeds" / "demo.yaml").read_text("utf-8"))["sites"]
    assert sorted(s["id"] for s in seeds) == sorted(EXPECTED)


@pytest.mark.parametrize("site_id", sorted(EXPECTED))
def test_exactly_the_expected_reports(crawl: dict, site_id: str) -> None:
    expected = EXPECTED[site_id]
    records = [r for r in crawl["records"] if r["site_id"] == site_id]
    found_urls = {u for r in records for u in r["urls"]}
    want = {u for r in expected["reports"] for u in [r["url"], *(r.get("also_at") or [])]}
    assert found_urls == want, f"missing {want - found_urls}, unexpected {found_urls - want}"
    for report in expected["reports"]:
        record = record_for(crawl["records"], report["url"])
        assert record["title"] == report["title"]
        assert record["report_year"] == report["report_year"]
        assert record["publish_date"] == str(report["publish_date"])
        lines = record["body"].split("\n")
        assert lines[0] == report["first_line"], report["url"]
        assert lines[-1] == report["last_line"], report["url"]
        assert set(report.get("flags") or []) <= set(record["flags"]), report["url"]
        assert (record["region"], record["agency"], record["level"]) == (
            report["region"], report["agency"], report["level"]), report["url"]
        assert record["sha256"]
        if "attachments" in report:
            assert sorted(record["attachments"]) == sorted(report["attachments"] or []), report["url"]


@pytest.mark.parametrize("site_id", sorted(EXPECTED))
def test_no_distractor_becomes_a_record(crawl: dict, site_id: str) -> None:
    urls = {u for r in crawl["records"] for u in r["urls"]}
    for distractor in EXPECTED[site_id].get("distractors") or []:
        assert distractor["url"] not in urls


@pytest.mark.parametrize("site_id", sorted(EXPECTED))
def test_robots_disallowed_paths_are_never_fetched(crawl: dict, site_id: str) -> None:
    requested = {(seen.host, unquote(seen.target)) for seen in crawl["requests"]}
    disallowed = EXPECTED[site_id].get("disallowed") or []
    assert disallowed, "each fixture site must carry a robots.txt trap"
    for url in disallowed:
        parts = urlsplit(url)
        target = unquote(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert (parts.hostname, target) not in requested, url
    hosts = {host for host, _ in requested}
    assert urlsplit(disallowed[0]).hostname in hosts  # the site was crawled, so the check means something


@pytest.mark.parametrize("site_id", sorted(EXPECTED))
def test_traps_are_bounded(crawl: dict, site_id: str) -> None:
    for trap in EXPECTED[site_id].get("traps") or []:
        parts = urlsplit(trap["url"])
        on_host = [urlsplit(s.target) for s in crawl["requests"] if s.host == parts.hostname]
        if trap["kind"] == "deep_path":
            prefix = parts.path.rsplit("/", 1)[0]
            hits = [t for t in on_host if t.path.startswith(prefix)]
        else:  # a calendar or a query explosion: the same path with the trap's query keys
            keys = {k for k, _ in parse_qsl(parts.query)}
            hits = [t for t in on_host if t.path == parts.path and keys <= {k for k, _ in parse_qsl(t.query)}]
        assert len(hits) <= 3, f"{trap['kind']} trap at {trap['url']} fetched {len(hits)} times"


def test_no_chrome_line_in_any_body(crawl: dict) -> None:
    for record in crawl["records"]:
        for line in record["body"].split("\n"):
            assert not CHROME_LINE.search(line), f"{record['url']}: {line!r}"


def test_the_body_repeated_on_one_page_is_one_record(crawl: dict) -> None:
    yongchang = [r for r in crawl["records"] if r["site_id"] == "yongchang" and r["report_year"] == 2014]
    assert len(yongchang) == 1
    body = yongchang[0]["body"]
    first = body.split("\n")[0]
    assert body.count(first) == 1
    assert "repeat_removed" in yongchang[0]["flags"]


def test_auto_detects_each_sites_family(crawl: dict) -> None:
    if crawl["mode"] != "auto":
        pytest.skip("only template: auto detects")
    detected = {row["id"]: row["detected_template"] for row in Database(crawl["db"])["sites"].rows}
    assert detected == {site_id: expected["family"] for site_id, expected in EXPECTED.items()}


def test_a_report_published_twice_is_one_record_with_both_urls(crawl: dict) -> None:
    for expected in EXPECTED.values():
        for report in expected["reports"]:
            if also := report.get("also_at"):
                assert set(record_for(crawl["records"], report["url"])["urls"]) == {report["url"], *also}


def test_standard_meta_tags_are_kept_as_provenance(crawl: dict) -> None:
    metas = [json.loads(r["page_meta"]) for r in Database(crawl["db"])["reports"].rows]
    assert any(m.get("siteidcode") and m.get("sitename") for m in metas)


def test_listings_keep_what_was_not_followed_with_its_kind(crawl: dict) -> None:
    listings = {row["url"]: row for row in Database(crawl["db"])["listings"].rows}
    key_points = [k for expected in EXPECTED.values() for k in expected.get("key_points") or []]
    assert key_points, "the fixture world carries a 要点落实情况报告"
    for entry in key_points:
        assert listings[entry["url"]]["kind"] == "key_points"
    for expected in EXPECTED.values():
        for report in expected["reports"]:
            if report["url"] in listings:
                assert listings[report["url"]]["kind"] == "annual_report"


def test_hijacked_copy_is_flagged_not_clean(crawl: dict) -> None:
    spam = [r for r in crawl["records"] if "即时比分" in r["body"] or "即时比分" in (r["title"] or "")]
    assert spam, "the fixture world carries a hijacked copy"
    assert all("tampered" in r["flags"] for r in spam)


def test_progress_lines_when_not_a_terminal(crawl: dict) -> None:
    stderr = crawl["result"].stderr
    assert re.search(rf"progress: sites \d+/{len(EXPECTED)} · pages fetched \d+ · reports found \d+ · errors \d+", stderr)
    assert re.search(r"run \d+ finished: \d+ pages fetched, \d+ new reports", stderr)


def test_one_count_of_pages_everywhere(crawl: dict) -> None:
    """The last progress line, the summary, the run's row, its stats and the pages table agree: the distinct URLs
    that answered during the run, robots.txt included, a URL fetched twice counted once."""
    db = Database(crawl["db"])
    runs = {row["id"]: row for row in db["runs"].rows}
    first, latest = runs[min(runs)], runs[max(runs)]  # the crawl of the fixture, and a recrawl if one ran since
    stderr = crawl["result"].stderr
    progress = re.findall(r"progress: sites (\d+)/\d+ · pages fetched (\d+)", stderr)
    assert progress[-1] == (str(len(EXPECTED)), str(first["pages"]))
    assert f"run {first['id']} finished: {first['pages']} pages fetched," in stderr
    for run in (first, latest):
        assert run["pages"] == json.loads(run["stats"])["govcrawl/pages"]
    pages = [row["url"] for row in db["pages"].rows_where("run_id = ?", [latest["id"]])]
    assert latest["pages"] == len(pages)  # a page's row belongs to the last run that fetched it
    hosts = {urlsplit(url).netloc for url in pages}
    assert sorted(urlsplit(url).netloc for url in pages if urlsplit(url).path == "/robots.txt") == sorted(hosts)


def test_recrawl_through_the_proxy_variable_adds_no_rows(crawl: dict, replay: ReplayServer) -> None:
    """A second crawl of the same world changes nothing, the kinds of its listings included: a report kept by
    its page's own title (its list title cut short) answers 304 and is not decided again, and stays a report."""
    def kinds() -> dict[str, str]:
        return {row["url"]: row["kind"] for row in Database(crawl["db"])["listings"].rows}
    before, kinds_before = counts(crawl["db"]), kinds()
    result = govcrawl("crawl", "--seeds", str(crawl["seeds"]), "--db", str(crawl["db"]), "--delay", "0",
                      env={"http_proxy": replay.url})
    assert result.returncode == 0, result.stderr[-3000:]
    assert counts(crawl["db"]) == before
    assert kinds() == kinds_before
    assert re.search(r"finished: \d+ pages fetched, 0 new reports, [1-9]\d* seen again", result.stderr)
    runs = list(Database(crawl["db"])["runs"].rows)
    assert [r["status"] for r in runs] == ["finished", "finished"]


def test_csv_export_matches_jsonl(crawl: dict, tmp_path: Path) -> None:
    out = tmp_path / "reports.csv"
    result = govcrawl("export", "--db", str(crawl["db"]), "--format", "csv", "-o", str(out))
    assert result.returncode == 0
    assert f"exported {len(crawl['records'])} reports" in result.stderr


def test_a_dead_report_link_is_an_error_row_not_a_record(crawl: dict) -> None:
    dead = "http://www.yuncheng.gov.cn/art/2018/3/29/art_1281_352117.html"  # listed, answers 404
    errors = {row["url"]: row for row in Database(crawl["db"])["errors"].rows}
    assert errors[dead]["reason"] == "HTTP 404" and errors[dead]["site_id"] == "yuncheng"
    assert dead not in {u for r in crawl["records"] for u in r["urls"]}


def test_a_column_read_short_is_tried_again_and_the_run_says_what_found_what(crawl: dict) -> None:
    """jingning's column lists 2022, 2021, 2019 and 2018 (its pager is a form): the hole at 2020 brings the
    fallbacks, and the page URL forms find the rest; each report found so keeps the way it was found."""
    for site_id, expected in EXPECTED.items():
        if not (fallback := expected.get("fallback")):
            continue
        rows = {row["url"]: row for row in Database(crawl["db"])["report_urls"].rows if row["site_id"] == site_id}
        assert {u for u, row in rows.items() if row["found_via"] == fallback["found_via"]} == set(fallback["urls"])
        [run] = [r for r in Database(crawl["db"])["runs"].rows][:1]
        stats = json.loads(run["stats"])
        name = fallback["found_via"].replace(":", "/")
        assert stats[f"govcrawl/{name}/{site_id}"] == len(fallback["urls"])
        assert stats[f"govcrawl/year_gaps/{site_id}"] >= 1


def test_how_each_site_s_column_was_found(crawl: dict) -> None:
    """By links from the home page, or (jingning: no link leads to its disclosure section) by the usual paths."""
    sites = {row["id"]: row for row in Database(crawl["db"])["sites"].rows}
    for site_id in EXPECTED:
        assert sites[site_id]["column_url"], site_id
    assert sites["jingning"]["column_via"] == "usual_path"
    assert sites["longxi"]["column_via"] == "links"  # through 政务信息, a label no rule names exactly


def test_year_folders_are_walked_and_never_stored(crawl: dict) -> None:
    urls = {u for r in crawl["records"] for u in r["urls"]}
    for expected in EXPECTED.values():
        for folder in expected.get("folders") or []:
            assert folder not in urls


def test_a_cut_short_title_is_decided_on_its_page(crawl: dict) -> None:
    """tongwei's list titles end in "…": each report was kept by its page's own title, and the 通知 about
    compiling reports that looked the same in the list was dropped, its listing corrected."""
    listings = {row["url"]: row for row in Database(crawl["db"])["listings"].rows if row["site_id"] == "tongwei"}
    for distractor in EXPECTED["tongwei"]["distractors"]:
        row = listings[distractor["url"]]
        assert row["kind"] == "other" and row["title"] == distractor["title"]
        assert "decided on the page's own title" in row["reason"]
    for report in EXPECTED["tongwei"]["reports"]:
        assert listings[report["url"]]["kind"] == "annual_report"


def test_the_crawls_capture_replays_to_its_records(crawl: dict, tmp_path: Path) -> None:
    """The whole world crawled again from its own capture, every family and the browser's pages included, the
    proxy variables at a closed port: the same records, field by field, and no request the capture lacks."""
    capture = crawl["db"].parent / "warc"
    assert list(capture.glob("*.warc.gz")) and not list(capture.glob("*.open"))
    dead = "http://127.0.0.1:9"
    result = govcrawl("crawl", "--seeds", str(crawl["seeds"]), "--replay", str(capture), "--db",
                      str(tmp_path / "replayed.db"), "--delay", "0", env={"http_proxy": dead, "https_proxy": dead})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not in the capture" not in result.stderr, result.stderr[-3000:]
    exported = govcrawl("export", "--db", str(tmp_path / "replayed.db"), "--format", "jsonl")
    replayed = [json.loads(line) for line in exported.stdout.splitlines()]
    diff = differences(crawl["records"], replayed)
    assert not diff, "\n".join(diff)
