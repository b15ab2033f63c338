"""Statistical tables of 2019+ reports as numbers (pipelines/tables.py).

Inputs: the hand-written bodies of the fixture reports (tables as tab-joined rows, both templates), and the table
part of seed doc 004 (铁岭市 2019, flattened to one cell per line by a mirror, '?' for lost spaces) in
tests/fixtures/tables/. Expected numbers are copied by hand from those sources.
"""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.items import ReportPage
from pipelines.tables import EDITION_NAMES, TablesPipeline, parse_tables
from tests.conftest import FIXTURES

BODIES = FIXTURES / "expected" / "bodies"
SEED_004 = FIXTURES / "tables" / "seed004-tieling-2019-flattened.txt"

APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
REVIEW = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
TRIAL_ROWS = (  # the 23 rows of the 2019 trial template
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开",
    "（三）不予公开 1.属于国家秘密", "（三）不予公开 2.其他法律行政法规禁止公开", "（三）不予公开 3.危及“三安全一稳定”",
    "（三）不予公开 4.保护第三方合法权益", "（三）不予公开 5.属于三类内部事务信息", "（三）不予公开 6.属于四类过程性信息",
    "（三）不予公开 7.属于行政执法案卷", "（三）不予公开 8.属于行政查询事项",
    "（四）无法提供 1.本机关不掌握相关政府信息", "（四）无法提供 2.没有现成信息需要另行制作",
    "（四）无法提供 3.补正后申请内容仍不明确",
    "（五）不予处理 1.信访举报投诉类申请", "（五）不予处理 2.重复申请", "（五）不予处理 3.要求提供公开出版物",
    "（五）不予处理 4.无正当理由大量反复申请", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理", "（七）总计", "四、结转下年度继续办理",
)
OTHER_2021 = (  # 2021: （六） in three items, 25 rows
    "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "（六）其他处理 3.其他",
)
ROWS_2021 = (*TRIAL_ROWS[:20], *OTHER_2021, *TRIAL_ROWS[21:])
Z = [0, 0, 0, 0, 0, 0, 0]


def lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def grid(columns: tuple[str, ...], rows: dict[str, list]) -> dict:
    return {row: dict(zip(columns, values, strict=True)) for row, values in rows.items()}


def applications(rows: tuple[str, ...], values: list[list[int]]) -> dict:
    return grid(APPLICANTS, dict(zip(rows, values, strict=True)))


def review(values: list[int | None]) -> dict:
    return grid(REVIEW, {"行政复议": values[:5], "未经复议直接起诉": values[5:10], "复议后起诉": values[10:]})


def clean(edition: str, active: dict, apps: dict, rev: dict) -> dict:
    checked = len(apps) + 2 * len(APPLICANTS) + 3  # a row total per row, two column identities, three in review
    return {"edition": EDITION_NAMES[edition], "active": active, "applications": apps, "review_litigation": rev, "unknown": [],
            "unread": [], "identities_checked": checked, "failed_identities": [], "consistent": True}


SEED_004_TABLES = clean(
    "2019",
    {
        "规章": {"本年新制作数量": 13, "本年新公开数量": 13, "对外公开总数量": 90},
        "规范性文件": {"本年新制作数量": 327, "本年新公开数量": 300, "对外公开总数量": 1109},
        "行政许可": {"上一年项目数量": 653, "本年增/减": 52, "处理决定数量": 821198},
        "其他对外管理服务事项": {"上一年项目数量": 727, "本年增/减": 233, "处理决定数量": 3083},
        "行政处罚": {"上一年项目数量": 562, "本年增/减": 102, "处理决定数量": 139194},
        "行政强制": {"上一年项目数量": 81, "本年增/减": 16, "处理决定数量": 812},
        "行政事业性收费": {"上一年项目数量": 80, "本年增/减": 7},
        "政府集中采购": {"采购项目数量": 85, "采购总金额": 82577588},
    },
    applications(TRIAL_ROWS, [
        [33, 2, 0, 0, 7, 0, 42], Z,
        [27, 2, 0, 0, 4, 0, 33], Z,
        [3, 0, 0, 0, 0, 0, 3], Z, Z, [1, 0, 0, 0, 0, 0, 1], Z, Z, Z, Z,
        [2, 0, 0, 0, 3, 0, 5], Z, Z,
        Z, Z, Z, Z, Z,
        Z,
        [33, 2, 0, 0, 7, 0, 42],
        Z,
    ]),
    review([0] * 15),
)

JINCHANG_2021_TABLES = clean(
    "2021",
    {
        "规章": {"本年制发件数": 1, "本年废止件数": 1, "现行有效件数": 7},
        "行政规范性文件": {"本年制发件数": 12, "本年废止件数": 15, "现行有效件数": 81},
        "行政许可": {"本年处理决定数量": 18426},
        "行政处罚": {"本年处理决定数量": 5987},
        "行政强制": {"本年处理决定数量": 203},
        "行政事业性收费": {"本年收费金额（单位：万元）": 1863.74},
    },
    applications(ROWS_2021, [
        [63, 6, 1, 0, 4, 2, 76], [2, 1, 0, 0, 0, 0, 3],
        [30, 3, 1, 0, 2, 1, 37], [5, 1, 0, 0, 0, 0, 6],
        Z, [1, 0, 0, 0, 0, 0, 1], Z, [2, 1, 0, 0, 0, 0, 3], [1, 0, 0, 0, 0, 0, 1], [3, 0, 0, 0, 0, 0, 3],
        [1, 0, 0, 0, 0, 0, 1], Z,
        [9, 2, 0, 0, 1, 1, 13], [2, 0, 0, 0, 0, 0, 2], [1, 0, 0, 0, 0, 0, 1],
        [2, 0, 0, 0, 0, 0, 2], [1, 0, 0, 0, 0, 0, 1], Z, [1, 0, 0, 0, 0, 0, 1], Z,
        [2, 0, 0, 0, 0, 0, 2], Z, Z,
        [61, 7, 1, 0, 3, 2, 74],
        [4, 0, 0, 0, 1, 0, 5],
    ]),
    review([2, 1, 0, 1, 4, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1]),
)

WEIHAI_2019_TABLES = clean(
    "2019",
    {
        "规章": {"本年新制作数量": 3, "本年新公开数量": 3, "对外公开总数量": 52},
        "规范性文件": {"本年新制作数量": 21, "本年新公开数量": 21, "对外公开总数量": 186},
        "行政许可": {"上一年项目数量": 1287, "本年增/减": -46, "处理决定数量": 236518},
        "其他对外管理服务事项": {"上一年项目数量": 512, "本年增/减": 18, "处理决定数量": 48210},
        "行政处罚": {"上一年项目数量": 3862, "本年增/减": -105, "处理决定数量": 21674},
        "行政强制": {"上一年项目数量": 156, "本年增/减": 0, "处理决定数量": 1893},
        "行政事业性收费": {"上一年项目数量": 47, "本年增/减": -6},
        "政府集中采购": {"采购项目数量": 1164, "采购总金额": 186352.70},
    },
    applications(TRIAL_ROWS, [
        [317, 33, 1, 1, 8, 3, 363], [6, 1, 0, 0, 1, 0, 8],
        [96, 14, 1, 1, 6, 2, 120], [21, 3, 0, 0, 1, 0, 25],
        [2, 0, 0, 0, 0, 0, 2], [1, 0, 0, 0, 0, 0, 1], [3, 0, 0, 0, 0, 0, 3], [7, 2, 0, 0, 0, 0, 9],
        [4, 0, 0, 0, 0, 0, 4], [11, 1, 0, 0, 0, 0, 12], [5, 0, 0, 0, 0, 0, 5], [9, 0, 0, 0, 0, 0, 9],
        [88, 9, 0, 0, 2, 1, 100], [17, 2, 0, 0, 0, 0, 19], [6, 0, 0, 0, 0, 0, 6],
        [12, 0, 0, 0, 0, 0, 12], [9, 0, 0, 0, 0, 0, 9], [2, 0, 0, 0, 0, 0, 2], [3, 0, 0, 0, 0, 0, 3],
        [4, 0, 0, 0, 0, 0, 4],
        [14, 1, 0, 0, 0, 0, 15],
        [314, 32, 1, 1, 9, 3, 360],
        [9, 2, 0, 0, 0, 0, 11],
    ]),
    review([18, 3, 2, 1, 24, 9, 1, 3, 2, 15, 5, 0, 1, 1, 7]),
)


@pytest.mark.parametrize(("source", "expected"), [
    (SEED_004, SEED_004_TABLES),
    (BODIES / "jinchang" / "2021.txt", JINCHANG_2021_TABLES),
    (BODIES / "weihai" / "weihai-2019.txt", WEIHAI_2019_TABLES),
], ids=["seed004-flattened", "jinchang-2021", "weihai-2019"])
def test_every_number_of_a_report(source: Path, expected: dict) -> None:
    assert parse_tables(lines(source)) == expected


# Every other 2019+ fixture report: (file, edition, 一 总计, （七）总计 总计, 四 总计, 行政复议 总计, a number of 主动公开).
FIXTURE_REPORTS = [
    ("jinchang/2019", "2019", 54, 53, 3, 3, ("政府集中采购", "采购总金额", 31846.52)),
    ("jinchang/2020", "2019", 69, 69, 3, 4, ("行政许可", "本年增/减", 16)),
    ("jiayuguan/2019", "2019", 28, 28, 1, 1, ("行政处罚", "本年增/减", -42)),
    ("jiayuguan/2020", "2019", 38, 37, 2, 2, ("政府集中采购", "采购总金额", 16934.71)),
    ("jiayuguan/2021", "2021", 42, 43, 1, 2, ("行政事业性收费", "本年收费金额（单位：万元）", 926.45)),
    ("weihai/czj-2019", "2019", 13, 13, 0, 1, ("行政事业性收费", "本年增/减", -1)),
    ("weihai/czj-2021", "2021", 17, 18, 0, 0, ("行政规范性文件", "现行有效件数", 29)),
    ("weihai/jyj-2020", "2019", 20, 21, 0, 1, ("其他对外管理服务事项", "本年增/减", 1)),
    ("weihai/weihai-2020", "2019", 419, 422, 8, 20, ("行政许可", "处理决定数量", 251367)),
    ("weihai/weihai-2021", "2021", 501, 495, 14, 18, ("行政许可", "本年处理决定数量", 268314)),
    ("xiangan/xiangan-2019", "2019", 45, 44, 3, 4, ("行政许可", "本年增/减", 37)),
    ("xiangan/xiangan-2021", "2021", 54, 55, 2, 5, ("行政事业性收费", "本年收费金额（单位：万元）", 812.46)),
    ("xiangan/dadeng-2020", "2019", 8, 7, 1, 0, ("其他对外管理服务事项", "处理决定数量", 1562)),
    ("yuncheng/2020", "2019", 31, 32, 1, 1, ("行政处罚", "处理决定数量", 526)),
    ("yuncheng/2021", "2021", 50, 50, 1, 3, ("行政规范性文件", "本年废止件数", 4)),
    ("yuncheng/bgs2019", "2019", 7, 7, 0, 0, ("政府集中采购", "采购总金额", 186.4)),
]


@pytest.mark.parametrize(("name", "edition", "received", "processed", "carried_out", "reviews", "active"),
                         FIXTURE_REPORTS, ids=[r[0] for r in FIXTURE_REPORTS])
def test_fixture_reports_read_whole_and_consistent(name: str, edition: str, received: int, processed: int,
                                                   carried_out: int, reviews: int, active: tuple) -> None:
    tables = parse_tables(lines(BODIES / f"{name}.txt"))
    assert tables is not None and tables["edition"] == EDITION_NAMES[edition]
    rows = TRIAL_ROWS if edition == "2019" else ROWS_2021
    assert list(tables["applications"]) == list(rows)
    assert all(list(cells) == list(APPLICANTS) for cells in tables["applications"].values())
    assert tables["applications"]["一、本年新收政府信息公开申请数量"]["总计"] == received
    assert tables["applications"]["（七）总计"]["总计"] == processed
    assert tables["applications"]["四、结转下年度继续办理"]["总计"] == carried_out
    assert tables["review_litigation"]["行政复议"]["总计"] == reviews
    row, column, value = active
    assert tables["active"][row][column] == value
    assert len(tables["active"]) == (8 if edition == "2019" else 6)
    assert tables["identities_checked"] == len(rows) + 2 * 7 + 3
    assert (tables["consistent"], tables["failed_identities"], tables["unknown"], tables["unread"]) == (True, [], [], [])


def test_reports_before_2019_and_other_text_have_no_tables() -> None:
    assert parse_tables(lines(BODIES / "jinchang" / "2018.txt")) is None
    assert parse_tables(lines(BODIES / "xiangan" / "xiangan-2016.txt")) is None
    assert parse_tables(["一、总体情况", "2019年，我县政府信息公开工作稳步推进。"]) is None
    assert parse_tables([]) is None


def test_a_number_that_does_not_add_up_is_named() -> None:
    body = [line.replace("（一）予以公开\t30\t", "（一）予以公开\t31\t") for line in lines(BODIES / "jinchang" / "2021.txt")]
    tables = parse_tables(body)
    assert tables is not None and tables["consistent"] is False
    assert tables["applications"]["（一）予以公开"]["自然人"] == 31
    assert tables["failed_identities"] == ["applications: （七）=Σ办理结果 [自然人]",
                                           "applications: 总计=Σ申请人 [（一）予以公开]"]


def test_pipeline_sets_tables_and_flags_the_inconsistent() -> None:
    def page(body: list[str]) -> ReportPage:
        item = ReportPage(site_id="jinchang", site_name="金昌市人民政府", region="甘肃省金昌市",
                          url="http://www.jinchang.gov.cn/a.html", status=200, fetched_at="2026-01-01T00:00:00+00:00",
                          page_sha256="0" * 64, html="", template="hanweb_jpaas")
        item.body = body
        return TablesPipeline().process_item(item)

    body = lines(BODIES / "jinchang" / "2021.txt")
    item = page(body)
    assert item.tables == JINCHANG_2021_TABLES and item.flags == []
    item = page([line.replace("\t1\t4\t1\t0\t0\t0\t1\t", "\t1\t5\t1\t0\t0\t0\t1\t") for line in body])
    assert item.flags == ["tables_inconsistent"]
    assert item.evidence["tables_inconsistent"] == ["review_litigation: 总计=Σ结果 [行政复议]"]


def test_rows_not_read_are_reported() -> None:
    body = lines(BODIES / "jinchang" / "2019.txt")
    at = body.index("规范性文件\t14\t14\t96")
    body.insert(at + 1, "地方性法规\t0\t0\t12")  # a row the template does not have
    body = [line for line in body if not line.startswith("四、结转下年度继续办理")]
    body = [line.replace("（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t4\t", "（二）部分公开\t4\t4\t")
            for line in body]  # a cell too many
    tables = parse_tables(body)
    assert tables is not None
    assert tables["unread"] == ["active: 地方性法规: 3 numbers", "applications: （二）部分公开: 8 numbers for 7 columns",
                                "applications: no row （二）部分公开", "applications: no row 四、结转下年度继续办理"]
    assert "地方性法规" not in tables["active"] and len(tables["applications"]) == 21
    # without 四 and （二）, the column identities cannot be checked; the row totals still are
    assert tables["identities_checked"] == 21 + 3 and tables["consistent"]


# Flattened text: where cells were lost, the identities decide where they were.

def seed_cells() -> list[str]:
    return [line for line in lines(SEED_004) if line.strip()]


def test_a_lost_cell_of_a_flattened_row_is_placed_by_the_identities() -> None:
    body = seed_cells()
    at = body.index("一、本年新收政府信息公开申请数量")
    assert body[at + 1:at + 8] == ["33?", "2", "0?", "0?", "7", "0?", "42"]
    for damaged in (body[:at + 5] + body[at + 6:], [*body[:at + 5], "?", *body[at + 6:]]):  # dropped, or a lone '?'
        tables = parse_tables(damaged)
        assert tables is not None
        assert tables["applications"]["一、本年新收政府信息公开申请数量"] == {
            "自然人": 33, "商业企业": 2, "科研机构": 0, "社会公益组织": 0, "法律服务机构": None, "其他": 0, "总计": 42}
        assert tables["unknown"] == [["applications", "一、本年新收政府信息公开申请数量", "法律服务机构"]]
        assert tables["consistent"] and tables["identities_checked"] == SEED_004_TABLES["identities_checked"] - 2


def test_a_stray_question_mark_beside_a_full_row_is_no_cell() -> None:
    body = seed_cells()
    at = body.index("一、本年新收政府信息公开申请数量")
    tables = parse_tables([*body[:at + 3], "?", *body[at + 3:]])  # 8 cells for 7 columns, one of them a lone '?'
    assert tables == SEED_004_TABLES


def test_a_lost_cell_left_of_equal_numbers_is_placed_by_the_column_identities() -> None:
    body = seed_cells()
    at = body.index("(一)予以公开")
    assert body[at + 1:at + 8] == ["27", "?2", "?0", "?0", "4", "?0", "33"]
    tables = parse_tables(body[:at + 2] + body[at + 3:])  # 商业企业 lost: "27 0 0 4 0 33" reads six ways
    assert tables is not None and tables["consistent"]
    assert tables["applications"]["（一）予以公开"] == {
        "自然人": 27, "商业企业": None, "科研机构": 0, "社会公益组织": 0, "法律服务机构": 4, "其他": 0, "总计": 33}


def test_a_lost_cell_of_the_review_table_is_placed_by_its_totals() -> None:
    body = seed_cells()
    start = body.index("  五、存在的主要问题及改进情况?") - 15  # the seed's 15 numbers, all 0, give way to these
    assert body[start - 1] == "总计" and {cell.strip("? ") for cell in body[start:start + 15]} == {"0"}
    numbers = ["2", "1", "?0", "1?", "1", "0", "0", "?0", "1", "1", "?0", "0", "0", "1"]  # 行政复议 总计 lost
    tables = parse_tables([*body[:start], *numbers, *body[start + 15:]])
    assert tables is not None
    assert tables["review_litigation"] == review([2, 1, 0, 1, None, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1])
    assert tables["unknown"] == [["review_litigation", "行政复议", "总计"]] and tables["consistent"]


def test_question_marks_inside_a_number_make_it_unknown() -> None:
    body = [line.replace(" 1109", "1?109") for line in seed_cells()]
    tables = parse_tables(body)
    assert tables is not None
    assert tables["active"]["规范性文件"] == {"本年新制作数量": 327, "本年新公开数量": 300, "对外公开总数量": None}
    assert tables["unknown"] == [["active", "规范性文件", "对外公开总数量"]]


# Local variants.

SUBTOTALS_2021 = [  # a 2021 table with a 小计 column and subtotal rows (28 × 8), written as its HTML rows come out
    "三、收到和处理政府信息公开申请情况",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
    "自然人\t法人或其他组织\t总计",
    "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t小计",
    "一、本年新收政府信息公开申请数量\t424\t55\t1\t2\t15\t4\t77\t501",
    "二、上年结转政府信息公开申请数量\t7\t1\t0\t0\t0\t0\t1\t8",
    "三、本年度办理结果\t（一）予以公开\t128\t21\t1\t1\t9\t2\t34\t162",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t31\t5\t0\t0\t1\t1\t7\t38",
    "（三）不予公开\t1.属于国家秘密\t1\t0\t0\t0\t0\t0\t0\t1",
    "2.其他法律行政法规禁止公开\t2\t0\t0\t0\t0\t0\t0\t2",
    "3.危及“三安全一稳定”\t1\t0\t0\t0\t0\t0\t0\t1",
    "4.保护第三方合法权益\t12\t4\t0\t0\t0\t0\t4\t16",
    "5.属于三类内部事务信息\t5\t0\t0\t0\t0\t0\t0\t5",
    "6.属于四类过程性信息\t17\t2\t0\t0\t0\t0\t2\t19",
    "7.属于行政执法案卷\t8\t0\t0\t0\t0\t0\t0\t8",
    "8.属于行政查询事项\t13\t1\t0\t0\t0\t0\t1\t14",
    "小计\t59\t7\t0\t0\t0\t0\t7\t66",
    "（四）无法提供\t134\t17\t0\t1\t3\t1\t22\t156",
    "1.本机关不掌握相关政府信息\t104\t14\t0\t1\t3\t1\t19\t123",
    "2.没有现成信息需要另行制作\t19\t2\t0\t0\t0\t0\t2\t21",
    "3.补正后申请内容仍不明确\t11\t1\t0\t0\t0\t0\t1\t12",
    "（五）不予处理\t1.信访举报投诉类申请\t18\t0\t0\t0\t0\t0\t0\t18",
    "2.重复申请\t14\t1\t0\t0\t0\t0\t1\t15",
    "3.要求提供公开出版物\t3\t0\t0\t0\t0\t0\t0\t3",
    "4.无正当理由大量反复申请\t4\t0\t0\t0\t0\t0\t0\t4",
    "5.要求行政机关确认或重新出具已获取信息\t7\t0\t0\t0\t0\t0\t0\t7",
    "小计\t46\t1\t0\t0\t0\t0\t1\t47",
    "（六）其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t9\t1\t0\t0\t0\t0\t1\t10",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t1\t0\t0\t0\t0\t0\t0\t1",
    "3.其他\t12\t2\t0\t0\t1\t0\t3\t15",
    "（七）总计\t420\t54\t1\t2\t14\t4\t75\t495",
    "四、结转下年度继续办理\t11\t2\t0\t0\t1\t0\t3\t14",
    "四、政府信息公开行政复议、行政诉讼情况",
]
WITH_SUBTOTAL = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "小计", "总计")


def test_subtotal_column_and_rows() -> None:
    tables = parse_tables(SUBTOTALS_2021)
    assert tables is not None and tables["edition"] == "template_2021" and tables["consistent"]
    apps = tables["applications"]
    assert len(apps) == 28 and all(list(cells) == list(WITH_SUBTOTAL) for cells in apps.values())
    assert apps["一、本年新收政府信息公开申请数量"] == dict(zip(WITH_SUBTOTAL, [424, 55, 1, 2, 15, 4, 77, 501], strict=True))
    assert apps["（三）不予公开"] == dict(zip(WITH_SUBTOTAL, [59, 7, 0, 0, 0, 0, 7, 66], strict=True))
    assert apps["（四）无法提供"] == dict(zip(WITH_SUBTOTAL, [134, 17, 0, 1, 3, 1, 22, 156], strict=True))
    assert apps["（四）无法提供 1.本机关不掌握相关政府信息"]["总计"] == 123
    assert apps["（五）不予处理"]["总计"] == 47 and "（六）其他处理" not in apps
    assert tables["unread"] == [] and tables["unknown"] == []

    broken = [line.replace("小计\t59\t", "小计\t58\t").replace("\t77\t501", "\t78\t501") for line in SUBTOTALS_2021]
    tables = parse_tables(broken)
    assert tables is not None and not tables["consistent"]
    assert sorted(tables["failed_identities"]) == sorted([
        "applications: 一+二=（七）+四 [小计]",
        "applications: （三）不予公开=Σ分项 [自然人]",
        "applications: 总计=Σ申请人 [（三）不予公开]",
        "applications: 小计=Σ法人或其他组织 [一、本年新收政府信息公开申请数量]",
    ])


def test_local_wording_is_matched_to_the_official_labels() -> None:
    reworded = {
        "二、上年结转政府信息公开申请数量": "二、上年度结转政府信息公开申请数量",
        "3.危及“三安全一稳定”": "3.危及国家安全、公共安全、经济安全和社会稳定",  # no keyword left: its number
        "（六）其他处理\t1.": "（六）其他处理1.",  # two labels in one cell
        "（七）总计": "（七）合计",
        "四、结转下年度继续办理": "四、结转下一年度继续办理",
    }
    body = lines(BODIES / "jiayuguan" / "2021.txt")
    for old, new in reworded.items():
        assert sum(old in line for line in body) == 1
        body = [line.replace(old, new) for line in body]
    expected = parse_tables(lines(BODIES / "jiayuguan" / "2021.txt"))
    assert parse_tables(body) == expected


def test_a_copy_in_traditional_script_reads_the_same() -> None:
    body = lines(BODIES / "jinchang" / "2021.txt")
    converter = opencc.OpenCC("s2twp")
    traditional = [converter.convert(line) for line in body]
    assert "資訊內容\t本年制發件數\t本年廢止件數\t現行有效件數" in traditional
    assert parse_tables(traditional) == JINCHANG_2021_TABLES


TABLE_LINES = [*seed_cells()[:120], *lines(BODIES / "jinchang" / "2021.txt")[8:60], "?", "", "\t", "小计", "1?1"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TABLE_LINES), st.text(max_size=30),
                          st.lists(st.sampled_from(["0", "?0", "12", "", "?", "小计", "总计"]), max_size=9)
                          .map("\t".join)), max_size=80))
def test_never_raises(body: list[str]) -> None:
    tables = parse_tables(body)
    if tables is not None:
        assert tables["consistent"] == (not tables["failed_identities"]) and tables["edition"] in ("trial_2019", "template_2021")
        unknown = [[t, r, c] for t in ("active", "applications", "review_litigation")
                   for r, cells in tables[t].items() for c, v in cells.items() if v is None]
        assert tables["unknown"] == unknown
