"""The Simplified search field of Traditional-script copies, in the corpus and its full-text index."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from crawler import store
from crawler.items import ReportPage
from pipelines.script import ScriptPipeline

TRADITIONAL = ["二、主動公開政府信息情況", "繼續抓好區政府入口網站的維護和內容更新，系統進一步最佳化，已經連線到市網上辦事大廳。"]


def report(url: str, body: list[str], title: str) -> ReportPage:
    item = ReportPage(site_id="mirror", site_name="政務百科", region="广东省云浮市云城区", url=url, status=200,
                      fetched_at="2026-11-21T08:00:00+00:00", page_sha256="cd" * 32, html="", template="generic")
    item.body, item.title, item.agency, item.report_year = body, title, "雲城區人民政府", 2014
    return ScriptPipeline().process_item(item)


def test_a_traditional_copy_is_found_by_the_originals_simplified_words(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    store.save_report(db, report("http://baike.example/yc2014.html", TRADITIONAL, "雲城區人民政府2014年政府信息公開工作年度報告"))
    [row] = db.table("reports").rows
    assert row["body"] == "\n".join(TRADITIONAL)  # the copy's own text is stored as served
    assert row["search_text"].startswith("云城区人民政府2014年政府信息公开工作年度报告\n二、主动公开政府信息情况\n")
    assert [r["url"] for r in db.table("reports").search("门户网站")] == ["http://baike.example/yc2014.html"]
    assert [r["url"] for r in db.table("reports").search("系统进一步优化")] == ["http://baike.example/yc2014.html"]
    [record] = store.export_records(db)
    assert "连接到市网上办事大厅" in record["search_text"]


def test_a_simplified_report_has_no_search_field() -> None:
    item = report("http://www.yuncheng.gov.cn/a.html", ["二、主动公开政府信息情况", "继续抓好区政府门户网站的维护。"],
                  "云城区人民政府2014年政府信息公开工作年度报告")
    assert item.search_text is None and item.flags == []


def test_an_older_corpus_gains_the_column_and_a_rebuilt_index(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    columns = dict(store.SCHEMA["reports"][0])
    del columns["search_text"]
    old.table("reports").create(columns, pk="id")
    old.table("reports").insert({"id": "r1", "url": "http://a.gov.cn/1.html", "title": "铁岭市2019年度政府信息公开工作报告",
                           "body": "一、总体情况\n2019年，铁岭政府信息公开工作稳步推进。"})
    old.table("reports").enable_fts(["title", "body"], tokenize="trigram", create_triggers=True)
    old.close()
    db = store.open_db(path)
    assert "search_text" in db.table("reports").columns_dict
    assert [r["id"] for r in db.table("reports").search("稳步推进")] == ["r1"]
    store.save_report(db, report("http://baike.example/yc2014.html", TRADITIONAL, "雲城區人民政府2014年政府信息公開工作年度報告"))
    assert [r["url"] for r in db.table("reports").search("门户网站")] == ["http://baike.example/yc2014.html"]
