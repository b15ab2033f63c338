"""The long table of statistics (crawler/store.py: report_stats), written from a report's parsed tables."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from crawler import store
from crawler.items import ReportPage
from pipelines.tables import parse_tables
from tests.conftest import FIXTURES

BODY = (FIXTURES / "expected" / "bodies" / "jinchang" / "2021.txt").read_text("utf-8").splitlines()


def report(body: list[str], tables: dict | None) -> ReportPage:
    item = ReportPage(site_id="jinchang", site_name="金昌市人民政府", region="甘肃省金昌市",
                      url="http://www.jinchang.gov.cn/col/col2391/art/2022/art_1.html", status=200,
                      fetched_at="2026-11-21T08:00:00+00:00", page_sha256="ab" * 32, html="", template="hanweb_jpaas")
    item.body, item.tables, item.report_year = body, tables, 2021
    return item


def value(db: Database, table: str, row: str, column: str) -> float | None:
    [(found,)] = db.execute('SELECT value FROM report_stats WHERE table_name = ? AND row_label = ? AND column_label = ?',
                            [table, row, column]).fetchall()
    return found


def test_every_cell_is_a_row_sql_can_sum(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    tables = parse_tables(BODY)
    store.save_report(db, report(BODY, tables))
    report_id = store.body_key(BODY)
    counts = dict(db.execute('SELECT table_name, COUNT(*) FROM report_stats WHERE report_id = ? GROUP BY table_name',
                             [report_id]).fetchall())
    assert counts == {"active": 10, "applications": 25 * 7, "review_litigation": 15}
    assert value(db, "applications", "一、本年新收政府信息公开申请数量", "总计") == 76
    assert value(db, "active", "行政事业性收费", "本年收费金额（单位：万元）") == 1863.74
    # 不予公开 by reason, summed in SQL: 1 + 3 + 1 + 3 + 1 = 9
    [(withheld,)] = db.execute("SELECT SUM(value) FROM report_stats WHERE row_label LIKE '（三）不予公开 %' "
                               "AND column_label = '总计'").fetchall()
    assert withheld == 9


def test_a_save_replaces_the_reports_rows(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    tables = parse_tables(BODY)
    assert tables is not None
    store.save_report(db, report(BODY, tables))
    tables["applications"] = {"一、本年新收政府信息公开申请数量": {"自然人": 63, "总计": None}}  # read anew
    store.save_report(db, report(BODY, tables))
    assert db["report_stats"].count == 10 + 2 + 15
    assert value(db, "applications", "一、本年新收政府信息公开申请数量", "总计") is None  # unknown: NULL
    store.save_report(db, report(BODY, None))
    assert db["report_stats"].count == 0
