"""Report versions (crawler/versions.py, crawler/store.py): a recrawl that finds a report's text changed keeps both
texts under the report's first id; a report gone from its site is marked withdrawn, never deleted."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from crawler import store
from crawler.clock import frozen
from crawler.items import ReportPage
from crawler.versions import changes, summary

URL = "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/202003/t20200331_4105829.html"
MIRROR = "http://www.ln.gov.cn/zfxxgk/tieling/t20200331.html"
LIST = "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/index.html"
BODY = ["一、总体情况", "2019年，铁岭市政府信息公开工作稳步推进。", "二、主动公开政府信息情况",
        "全年主动公开政府信息1234条。"]
# The report corrected: the count of information made public, and a paragraph added at the end.
CORRECTED = ["一、总体情况", "2019年，铁岭市政府信息公开工作稳步推进。", "二、主动公开政府信息情况",
             "全年主动公开政府信息1243条。", "三、收到和处理政府信息公开申请情况"]
TABLES = {"主动公开": {"规章": {"本年新制作数量": 13.0, "本年新公开数量": 13.0, "对外公开总数量": 87.0},
                       "规范性文件": {"本年新制作数量": 21.0, "本年新公开数量": 21.0, "对外公开总数量": 240.0}}}
CORRECTED_TABLES = {"主动公开": {"规章": {"本年新制作数量": 13.0, "本年新公开数量": 13.0, "对外公开总数量": 88.0},
                                 "规范性文件": {"本年新制作数量": 21.0, "本年新公开数量": 21.0,
                                                "对外公开总数量": 240.0}}}


def report(url: str = URL, body: list[str] = BODY, tables: dict | None = TABLES, **extra: object) -> ReportPage:
    item = ReportPage(site_id="tieling", site_name="铁岭市人民政府", region="辽宁省铁岭市", url=url, status=200,
                      fetched_at="2026-11-21T08:00:00+00:00", page_sha256="ab" * 32, html="", template="generic",
                      list_title="铁岭市2019年度政府信息公开工作报告", list_date="2020-03-31", referer=LIST)
    item.body, item.title, item.agency = list(body), "铁岭市2019年度政府信息公开工作报告", "铁岭市人民政府"
    item.report_year, item.publish_date, item.kind, item.tables = 2019, "2020-03-31", "annual_report", tables
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def stat(db: Database, report_id: str, row: str, column: str) -> float | None:
    [(value,)] = db.execute("SELECT value FROM report_stats WHERE report_id = ? AND table_name = '主动公开' "
                            "AND row_label = ? AND column_label = ?", [report_id, row, column]).fetchall()
    return value


def test_a_replaced_paragraph() -> None:
    assert changes(BODY, CORRECTED[:4], None, None) == {"paragraphs": [
        {"op": "replace", "old_at": 3, "new_at": 3, "old": ["全年主动公开政府信息1234条。"],
         "new": ["全年主动公开政府信息1243条。"]}], "cells": []}


def test_an_inserted_and_a_deleted_paragraph() -> None:
    inserted = [*BODY[:2], "（一）信息公开平台建设", *BODY[2:]]
    assert changes(BODY, inserted, TABLES, TABLES)["paragraphs"] == [
        {"op": "insert", "old_at": 2, "new_at": 2, "old": [], "new": ["（一）信息公开平台建设"]}]
    assert changes(BODY, BODY[1:], None, None)["paragraphs"] == [
        {"op": "delete", "old_at": 0, "new_at": 0, "old": ["一、总体情况"], "new": []}]
    assert changes(BODY, list(BODY), None, None) == {"paragraphs": [], "cells": []}


def test_changed_added_and_removed_cells_sorted_and_other_values_ignored() -> None:
    old = {"主动公开": {"规章": {"本年新制作数量": 13.0, "对外公开总数量": 87.0}}, "note": "单位：件"}
    new = {"主动公开": {"规章": {"本年新制作数量": 13.0, "对外公开总数量": None}, "规范性文件": {"本年新制作数量": 21}},
           "行政复议": {"维持": {"总计": 2}}, "note": "单位：条"}
    assert changes(BODY, BODY, old, new)["cells"] == [
        {"table": "主动公开", "row": "规章", "column": "对外公开总数量", "old": 87.0, "new": None},
        {"table": "主动公开", "row": "规范性文件", "column": "本年新制作数量", "old": None, "new": 21},
        {"table": "行政复议", "row": "维持", "column": "总计", "old": None, "new": 2},
    ]
    assert changes(BODY, BODY, old, None)["cells"] == [  # the tables went: every cell removed
        {"table": "主动公开", "row": "规章", "column": "对外公开总数量", "old": 87.0, "new": None},
        {"table": "主动公开", "row": "规章", "column": "本年新制作数量", "old": 13.0, "new": None},
    ]


def test_summary() -> None:
    assert summary(changes(BODY, CORRECTED, TABLES, CORRECTED_TABLES)) == (
        "1 paragraph changed, 1 added; 1 table cell changed")
    assert summary(changes(BODY, BODY[2:], None, None)) == "2 paragraphs removed"
    assert summary(changes(BODY, ["一、总体情况", "二、工作情况", "三、主动公开", "四、依申请公开", "五、其他"], None, None)) == (
        "3 paragraphs changed, 1 added")
    assert summary(changes(BODY, BODY, None, None)) == "no paragraph changed"


def test_the_same_text_twice_is_seen_with_one_version(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    assert store.save_report(db, report()) == store.NEW
    assert store.save_report(db, report()) == store.SEEN
    report_id = store.body_key(BODY)
    assert [(v["version"], v["current"], v["hash"], v["url"], v["changes"])
            for v in store.report_versions(db, report_id)] == [(1, 1, report_id, URL, None)]
    assert db.table("reports").get(report_id)["version"] == 1


def test_a_changed_text_at_the_same_url_is_a_new_version_of_the_same_report(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report())
    corrected = report(body=CORRECTED, tables=CORRECTED_TABLES, fetched_at="2027-01-05T08:00:00+00:00")
    assert store.save_report(db, corrected) == store.CHANGED
    report_id = store.body_key(BODY)  # the id it got first
    first, second = store.report_versions(db, report_id)
    assert (first["version"], first["current"], first["body"]) == (1, 0, "\n".join(BODY))
    assert (second["version"], second["current"], second["hash"]) == (2, 1, store.body_key(CORRECTED))
    assert second["fetched_at"] == "2027-01-05T08:00:00+00:00"
    assert second["changes"] == {
        "paragraphs": [{"op": "replace", "old_at": 3, "new_at": 3, "old": ["全年主动公开政府信息1234条。"],
                        "new": ["全年主动公开政府信息1243条。", "三、收到和处理政府信息公开申请情况"]}],
        "cells": [{"table": "主动公开", "row": "规章", "column": "对外公开总数量", "old": 87.0, "new": 88.0}]}
    assert db["reports"].count == 1
    row = db.table("reports").get(report_id)
    assert (row["body"], row["version"]) == ("\n".join(CORRECTED), 2)
    assert row["fetched_at"] == "2027-01-05T08:00:00+00:00"
    assert stat(db, report_id, "规章", "对外公开总数量") == 88.0
    assert db["report_stats"].count == 6
    assert [r["url"] for r in db.table("reports").search("收到和处理")] == [URL]
    assert store.save_report(db, corrected) == store.SEEN
    assert len(store.report_versions(db, report_id)) == 2


def test_the_old_text_at_a_mirror_is_seen_and_the_mirror_joins_the_report(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report())
    store.save_report(db, report(body=CORRECTED, tables=CORRECTED_TABLES))
    assert store.save_report(db, report(MIRROR, site_id="ln")) == store.SEEN  # the province still has the first
    report_id = store.body_key(BODY)
    assert {(r["report_id"], r["url"]) for r in db["report_urls"].rows} == {(report_id, URL), (report_id, MIRROR)}
    assert db["reports"].count == 1 and db["report_versions"].count == 2
    row = db.table("reports").get(report_id)
    assert (row["body"], row["version"]) == ("\n".join(CORRECTED), 2)  # the current text stays
    assert [v["current"] for v in store.report_versions(db, report_id)] == [0, 1]


def test_another_years_report_at_the_same_url_is_a_new_report(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report())
    body_2020 = ["一、总体情况", "2020年，铁岭市政府信息公开工作稳步推进。"]
    assert store.save_report(db, report(body=body_2020, report_year=2020)) == store.NEW
    assert sorted((r["report_year"], r["version"]) for r in db["reports"].rows) == [(2019, 1), (2020, 1)]
    assert db["report_urls"].count_where("url = ?", [URL]) == 2
    assert len(store.report_versions(db, store.body_key(body_2020))) == 1


def test_a_corpus_from_before_versions_gets_its_first_version_when_a_report_changes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = store.open_db(path)
    store.save_report(old, report())
    old["report_versions"].drop()
    for column in ("version", "withdrawn_at", "last_checked"):
        old.execute(f"ALTER TABLE reports DROP COLUMN {column}")
    for column in ("withdrawn_at", "last_checked"):
        old.execute(f"ALTER TABLE report_urls DROP COLUMN {column}")
    db = store.open_db(path)
    report_id = store.body_key(BODY)
    assert db["report_versions"].count == 0 and db.table("reports").get(report_id)["version"] is None
    [record] = store.export_records(db)
    assert (record["version"], record["withdrawn_at"]) == (1, None)
    assert store.save_report(db, report()) == store.SEEN
    assert store.save_report(db, report(body=CORRECTED, tables=CORRECTED_TABLES)) == store.CHANGED
    first, second = store.report_versions(db, report_id)
    assert (first["version"], first["hash"], first["body"], first["current"]) == (1, report_id, "\n".join(BODY), 0)
    assert json.loads(first["tables"]) == TABLES
    assert second["version"] == 2 and second["changes"]["cells"] == [
        {"table": "主动公开", "row": "规章", "column": "对外公开总数量", "old": 87.0, "new": 88.0}]
    assert db.table("reports").get(report_id)["version"] == 2


def test_a_report_is_withdrawn_when_all_its_urls_are_and_saving_it_again_clears_that(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report())
    store.save_report(db, report(MIRROR, site_id="ln"))
    report_id = store.body_key(BODY)
    assert store.mark_withdrawn(db, URL, at="2027-01-05T08:00:00+00:00") == []
    assert store.mark_withdrawn(db, URL, at="2027-02-01T08:00:00+00:00") == []  # already withdrawn there
    assert db.table("report_urls").get((report_id, URL))["withdrawn_at"] == "2027-01-05T08:00:00+00:00"
    assert db.table("reports").get(report_id)["withdrawn_at"] is None  # the mirror still has it
    assert store.mark_withdrawn(db, MIRROR, at="2027-01-06T08:00:00+00:00") == [report_id]
    assert store.mark_withdrawn(db, MIRROR) == []
    assert store.mark_withdrawn(db, "http://www.tieling.gov.cn/nowhere.html") == []
    assert db.table("reports").get(report_id)["withdrawn_at"] == "2027-01-06T08:00:00+00:00"
    assert db["reports"].count == 1 and db["report_urls"].count == 2 and db["report_versions"].count == 1
    [record] = store.export_records(db)
    assert list(record)[-2:] == ["version", "withdrawn_at"]
    assert (record["version"], record["withdrawn_at"]) == (1, "2027-01-06T08:00:00+00:00")
    assert store.save_report(db, report(MIRROR, site_id="ln")) == store.SEEN  # published again
    assert db.table("reports").get(report_id)["withdrawn_at"] is None
    assert db.table("report_urls").get((report_id, MIRROR))["withdrawn_at"] is None
    assert db.table("report_urls").get((report_id, URL))["withdrawn_at"] == "2027-01-05T08:00:00+00:00"


def test_an_old_text_served_again_clears_the_reports_withdrawal(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report())
    store.save_report(db, report(body=CORRECTED, tables=CORRECTED_TABLES))
    report_id = store.body_key(BODY)
    assert store.mark_withdrawn(db, URL, at="2027-01-05T08:00:00+00:00") == [report_id]
    assert store.save_report(db, report(MIRROR, site_id="ln")) == store.SEEN
    assert db.table("reports").get(report_id)["withdrawn_at"] is None


def test_reports_gone_from_a_list_read_again_are_withdrawn(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    since, before, during = "2027-01-05T00:00:00+00:00", "2026-11-21T08:00:00+00:00", "2027-01-05T08:00:00+00:00"
    failed_list = "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/index_1.html"
    links = "http://www.tieling.gov.cn/tieling/zwgk/index.html"
    urls = {name: f"http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/t{n}.html"
            for n, name in enumerate(["listed", "gone", "failed", "unlisted", "elsewhere"])}
    referers = {"listed": LIST, "gone": LIST, "failed": failed_list, "unlisted": LIST, "elsewhere": links}
    for name, url in urls.items():
        store.save_report(db, report(url, body=[*BODY, f"（{name}）"], referer=referers[name]))
    db.table("pages").insert_all([
        {"url": LIST, "site_id": "tieling", "status": 200, "fetched_at": during},
        {"url": failed_list, "site_id": "tieling", "status": 503, "fetched_at": during},
        {"url": links, "site_id": "tieling", "status": 200, "fetched_at": during}])
    db.table("listings").insert_all([
        {"site_id": "tieling", "url": urls["listed"], "list_url": failed_list, "last_seen": during},  # on page 2 now
        {"site_id": "tieling", "url": urls["gone"], "list_url": LIST, "last_seen": before},
        {"site_id": "tieling", "url": urls["failed"], "list_url": failed_list, "last_seen": before},
        {"site_id": "ln", "url": urls["elsewhere"], "list_url": LIST, "last_seen": before}])
    gone = store.body_key([*BODY, "（gone）"])
    assert store.withdraw_unlisted(db, "ln", since) == []
    assert store.withdraw_unlisted(db, "tieling", since) == [gone]
    assert store.withdraw_unlisted(db, "tieling", since) == []
    assert [r["url"] for r in db["report_urls"].rows_where("withdrawn_at IS NOT NULL")] == [urls["gone"]]
    assert [r["id"] for r in db["reports"].rows_where("withdrawn_at IS NOT NULL")] == [gone]
    assert db["reports"].count == 5


def test_a_report_revalidated_unchanged_is_checked(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    with frozen("2026-11-21T08:00:00+00:00"):
        store.save_report(db, report())
    report_id = store.body_key(BODY)
    assert store.record_check(db, URL, at="2027-01-05T08:00:00+00:00") == report_id
    assert store.record_check(db, MIRROR) is None
    url_row, row = db.table("report_urls").get((report_id, URL)), db.table("reports").get(report_id)
    assert (url_row["last_checked"], url_row["last_seen"]) == ("2027-01-05T08:00:00+00:00",) * 2
    assert (row["last_checked"], row["last_seen"]) == ("2027-01-05T08:00:00+00:00",) * 2
    assert row["first_seen"] == "2026-11-21T08:00:00+00:00" and db["report_versions"].count == 1
    with frozen("2027-02-01T08:00:00+00:00"):
        assert store.record_check(db, URL) == report_id
    assert db.table("reports").get(report_id)["last_checked"] == "2027-02-01T08:00:00+00:00"
