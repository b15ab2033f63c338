from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from crawler import store
from crawler.export import export
from crawler.items import ReportPage

BODY = ["一、总体情况", "2019年，铁岭政府信息公开工作稳步推进。", "二、主动公开政府信息情况"]


def report(url: str, body: list[str] = BODY, site_id: str = "tieling", **extra: object) -> ReportPage:
    item = ReportPage(site_id=site_id, site_name="铁岭市人民政府", region="辽宁省铁岭市", url=url, status=200,
                      fetched_at="2026-11-21T08:00:00+00:00", page_sha256="ab" * 32, html="", template="generic",
                      list_title="铁岭市2019年度政府信息公开工作报告", list_date="2020-03-31")
    item.body, item.title, item.agency = list(body), "铁岭市2019年度政府信息公开工作报告", "铁岭市人民政府"
    item.report_year, item.publish_date, item.kind = 2019, "2020-03-31", "annual_report"
    item.attachments = ["http://www.tieling.gov.cn/P020200331.pdf"]
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def test_same_report_twice_adds_no_rows(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    assert store.save_report(db, report("http://www.tieling.gov.cn/a/t1.html")) == store.NEW
    assert store.save_report(db, report("http://www.tieling.gov.cn/a/t1.html")) == store.SEEN
    assert db.table("reports").count == 1 and db.table("report_urls").count == 1


def test_same_text_at_two_urls_is_one_report_with_both_urls(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report("http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/202003/t20200331_4105829.html"))
    # the same text re-laid-out (spaces, full-width punctuation) on a provincial copy
    relaid = [" 一、总体情况", "2019年， 铁岭政府信息公开工作稳步推进。", "二、主动公开政府信息情况"]
    store.save_report(db, report("http://www.ln.gov.cn/zfxxgk/t1.html", site_id="ln", body=relaid))
    [record] = list(store.export_records(db))
    assert record["url"] == "http://www.ln.gov.cn/zfxxgk/t1.html"  # canonical: the shortest URL
    assert set(record["urls"]) == {"http://www.ln.gov.cn/zfxxgk/t1.html",
                                   "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/202003/t20200331_4105829.html"}
    assert record["site_id"] == "ln"


def test_jsonl_export_contract(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report("http://www.tieling.gov.cn/a/t1.html", flags=["tampered"]))
    out = io.StringIO()
    assert export(db, "jsonl", out) == 1
    record = json.loads(out.getvalue())
    assert list(record) == list(store.EXPORT_FIELDS)
    assert record["body"] == "\n".join(BODY)
    assert record["report_year"] == 2019 and record["publish_date"] == "2020-03-31"
    assert record["attachments"] == ["http://www.tieling.gov.cn/P020200331.pdf"]
    assert record["flags"] == ["tampered"] and record["tables"] is None
    assert record["urls"] == ["http://www.tieling.gov.cn/a/t1.html"]
    assert len(record["sha256"]) == 64 and record["fetched_at"] == "2026-11-21T08:00:00+00:00"


def test_csv_export_keeps_line_breaks_and_lists(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report("http://www.tieling.gov.cn/a/t1.html"))
    out = io.StringIO()
    export(db, "csv", out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["body"].split("\n") == BODY
    assert json.loads(row["urls"]) == ["http://www.tieling.gov.cn/a/t1.html"]


def test_full_text_search_finds_chinese_words(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report("http://www.tieling.gov.cn/a/t1.html"))
    store.save_report(db, report("http://www.tieling.gov.cn/a/t2.html", body=["完全不同的正文内容。"]))
    hits = [r["url"] for r in db.table("reports").search("稳步推进")]
    assert hits == ["http://www.tieling.gov.cn/a/t1.html"]


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store.save_report(store.open_db(path), report("http://www.tieling.gov.cn/a/t1.html"))
    assert store.open_db(path)["reports"].count == 1


def test_an_older_corpus_gains_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = store.open_db(path)
    store.save_report(old, report("http://www.tieling.gov.cn/a/t1.html"))
    old.table("sites").insert({"id": "tieling", "name": "铁岭市人民政府"})
    old.execute("ALTER TABLE sites DROP COLUMN detected_reasons")
    assert "detected_reasons" not in old.table("sites").columns_dict
    reopened = store.open_db(path)
    assert "detected_reasons" in reopened["sites"].columns_dict
    assert reopened["reports"].count == 1 and reopened["sites"].count == 1


def test_a_page_counts_once_per_run(tmp_path: Path) -> None:
    """save_page says whether the URL is new to the run: the count of pages fetched (plainly, then rendered: one)."""
    db = store.open_db(tmp_path / "c.db")
    column = {"url": "http://www.jiayuguan.gov.cn/zwgk/zfxxgknb/index.html", "site_id": "jiayuguan", "status": 200,
              "fetched_at": "2026-11-21T08:00:00+00:00", "sha256": "ab" * 32, "content_type": "text/html",
              "length": 5120}
    assert store.save_page(db, {**column, "run_id": 1}) is True
    assert store.save_page(db, {**column, "run_id": 1, "length": 9731}) is False  # the browser's copy
    assert store.save_page(db, {**column, "run_id": 2}) is True  # the next run fetches it again
    assert store.save_page(db, {**column, "url": "http://www.jiayuguan.gov.cn/robots.txt", "run_id": 2}) is True
    assert [(r["url"].rsplit("/", 1)[1], r["run_id"], r["length"]) for r in db.table("pages").rows] == [
        ("index.html", 2, 5120), ("robots.txt", 2, 5120)]


def test_a_report_read_but_not_stored_is_the_record_the_store_would_export(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    item = report("http://www.tieling.gov.cn/a/t1.html", flags=["lost_characters", "encoding_repaired"],
                  tables={"主动公开": {"规章": {"本年新制作数量": 13.0}}})
    store.save_report(db, item)
    [exported] = list(store.export_records(db))
    assert store.item_record(item) == exported
    outside = store.item_record(report("http://www.tieling.gov.cn/a/t1.html", site_id="", fetched_at=""))
    assert tuple(outside) == store.EXPORT_FIELDS
    assert outside["site_id"] is None and outside["fetched_at"] is None  # a saved page has neither
