"""Search (crawler/search.py, ``govcrawl search``): words of one and two characters, which the trigram index
cannot find, in either script, ranked, with snippets, filters and JSON; the index follows the reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.search import query_of, search, spaced, sync, unspaced
from tests.conftest import ROOT
from tests.test_store import report

REVIEW = ["一、总体情况", "2021年，本级共收到行政复议申请3件，行政诉讼2件。", "二、收费情况", "本年度未收取任何费用。"]
OTHER = ["一、总体情况", "2021年，主动公开政府信息1200条。", "二、依申请公开情况", "收到申请15件。"]
TRADITIONAL = ["一、總體情況", "2021年，本級共收到行政復議申請1件。", "二、主動公開政府資訊情況"]


@pytest.fixture
def db(tmp_path: Path) -> Database:
    corpus = store.open_db(tmp_path / "c.db")
    store.save_report(corpus, report("http://www.tieling.gov.cn/a/review.html", body=REVIEW, report_year=2021,
                                     level="city"))
    store.save_report(corpus, report("http://www.tieling.gov.cn/a/other.html", body=OTHER, report_year=2020,
                                     level="city"))
    store.save_report(corpus, report("http://www.example.org/mirror.html", body=TRADITIONAL, site_id="mirror",
                                     region="台湾", report_year=2021, level="county",
                                     title="鐵嶺市2021年度政府資訊公開工作報告"))
    return corpus


def test_two_character_words_the_trigram_index_misses_are_found(db: Database) -> None:
    assert [r["url"] for r in db.table("reports").search("复议")] == []
    assert [h.url for h in search(db, "诉讼")] == ["http://www.tieling.gov.cn/a/review.html"]
    assert {h.url for h in search(db, "复议")} == {"http://www.tieling.gov.cn/a/review.html",
                                                  "http://www.example.org/mirror.html"}
    assert [h.url for h in search(db, "收")] and not search(db, "诉复")


def test_either_script_finds_the_other(db: Database) -> None:
    assert "http://www.example.org/mirror.html" in {h.url for h in search(db, "行政复议")}
    assert "http://www.tieling.gov.cn/a/review.html" in {h.url for h in search(db, "行政復議")}


def test_every_word_is_required_and_the_title_ranks_first(db: Database) -> None:
    assert [h.url for h in search(db, "复议 诉讼")] == ["http://www.tieling.gov.cn/a/review.html"]
    store.save_report(db, report("http://www.tieling.gov.cn/a/fees.html", body=["一、总体情况", "无。"],
                                 title="铁岭市收费清单公开报告", report_year=2021))
    hits = search(db, "收费")
    assert [h.url for h in hits] == ["http://www.tieling.gov.cn/a/fees.html", "http://www.tieling.gov.cn/a/review.html"]


def test_snippets_mark_the_words_in_readable_text(db: Database) -> None:
    hit = search(db, "诉讼")[0]
    assert "收到行政复议申请3件，行政<mark>诉讼</mark>" in hit.snippet
    assert " " not in hit.snippet.replace("<mark>", "").replace("</mark>", "")


def test_filters(db: Database) -> None:
    assert {h.url for h in search(db, "复议", year=2021, level="county")} == {
        "http://www.example.org/mirror.html"}
    assert {h.url for h in search(db, "复议", region="铁岭")} == {
        "http://www.tieling.gov.cn/a/review.html"}
    assert search(db, "复议", site="nowhere") == []


def test_the_index_follows_changed_and_new_reports(db: Database) -> None:
    assert sync(db) == 3 and sync(db) == 0  # each report indexed once
    store.save_report(db, report("http://www.tieling.gov.cn/a/other.html", body=[*OTHER, "无行政复议。"],
                                 report_year=2020, level="city"))
    assert sync(db) == 1
    assert "http://www.tieling.gov.cn/a/other.html" in {h.url for h in search(db, "复议")}


def test_queries_and_spacing() -> None:
    assert query_of("复议  收费") == '"复 议" AND "收 费"'
    assert query_of("2021年 ICP") == '"2021 年" AND "ICP"'
    with pytest.raises(ValueError, match="nothing to search"):
        query_of("，。")
    assert unspaced(spaced("本级 收到 2021年")) == "本级收到2021年"


def test_the_command(db: Database, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crawler", "search", "--db", str(tmp_path / "c.db"), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    found = run("复议", "--json", "--year", "2021")
    assert found.returncode == 0 and "2 reports found" in found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert {h["url"] for h in hits} == {"http://www.tieling.gov.cn/a/review.html", "http://www.example.org/mirror.html"}
    assert all("<mark>" in h["snippet"] and h["rank"] < 0 for h in hits)
    plain = run("诉讼")
    assert plain.returncode == 0 and "行政[诉讼]" in plain.stdout
    assert run("，").returncode == 2
