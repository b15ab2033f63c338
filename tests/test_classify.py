from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawler.classify import ANNUAL_REPORT, KEY_POINTS, OTHER, classify_title

CASES = [
    ("永昌县2014年政府信息公开工作年度报告", ANNUAL_REPORT),
    ("铁岭市2019年度政府信息公开工作报告", ANNUAL_REPORT),
    ("威海市文登区政务服务中心2016年政府信息公开工作年度报告", ANNUAL_REPORT),
    ("雲城區人民政府2014年政府信息公開工作年度報告", ANNUAL_REPORT),
    ("文登区教育局2017年政府信息公开年度报告", ANNUAL_REPORT),
    ("2020年度永昌县政府信息公开年报", ANNUAL_REPORT),
    ("内厝镇2018年政务公开工作年度报告", ANNUAL_REPORT),
    ("厦门市翔安区内厝镇人民政府2015年政府信息公开工作要点落实情况报告", KEY_POINTS),
    ("关于做好2018年政府信息公开工作年度报告编制发布工作的通知", OTHER),
    ("政府信息公开工作年度报告制度", OTHER),
    ("我县召开政府信息公开年报编制培训会", OTHER),
    ("《永昌县2019年政府信息公开工作年度报告》解读", OTHER),
    ("2016年政务公开工作要点", OTHER),
    ("永昌县2017年财政决算报告", OTHER),
    ("铁岭市2018年统计年报", OTHER),
    ("2019年政府工作报告", OTHER),
    ("政府信息公开年报", OTHER),  # the column's name: no year, not a report
    ("", OTHER),
]


@pytest.mark.parametrize(("title", "kind"), CASES)
def test_kinds(title: str, kind: str) -> None:
    assert classify_title(title).kind == kind


def test_spacing_inside_titles_is_ignored() -> None:
    assert classify_title("永昌县 2014 年 政府信息公开 工作年度报告").kind == ANNUAL_REPORT


KEY_POINTS_SUBJECT = "威海市文登区人民政府关于2021年政务公开工作要点落实情况的"
REPORT_SUBJECT = "威海市文登区人民政府关于2021年度政府信息公开工作年度报告"


@pytest.mark.parametrize(("title", "kind"), [
    # one subject, the kind from the type word the title ends in
    (KEY_POINTS_SUBJECT + "报告", KEY_POINTS),
    (KEY_POINTS_SUBJECT + "函", KEY_POINTS),
    (KEY_POINTS_SUBJECT + "说明", KEY_POINTS),
    (KEY_POINTS_SUBJECT + "通知", OTHER),
    (KEY_POINTS_SUBJECT + "通报", OTHER),
    (KEY_POINTS_SUBJECT + "公告", OTHER),
    (KEY_POINTS_SUBJECT + "复函", OTHER),
    (REPORT_SUBJECT + "的公示", OTHER),
    (REPORT_SUBJECT + "编制说明", OTHER),
    # the type word before a trailer: site-name suffix, document number, note, file extension, ellipsis
    (KEY_POINTS_SUBJECT + "函_威海市文登区人民政府", KEY_POINTS),
    (KEY_POINTS_SUBJECT + "通知（文政办字〔2021〕8号）", OTHER),
    (KEY_POINTS_SUBJECT + "通报 - 威海市文登区人民政府门户网站", OTHER),
    ("威海市文登区2021年政府信息公开工作年度报告（征求意见稿）", OTHER),
    ("威海市文登区2021年政府信息公开工作年度报告.pdf", ANNUAL_REPORT),
    ("威海市文登区2021年政务公开工作要点落实情况的函…", KEY_POINTS),
    # Traditional script
    ("關於2021年政務公開工作要點落實情況的函", KEY_POINTS),
    ("關於2021年政務公開工作要點落實情況的通報", OTHER),
])
def test_the_type_word_a_title_ends_in_says_what_it_is(title: str, kind: str) -> None:
    assert classify_title(title).kind == kind


def test_the_reason_names_the_type_word() -> None:
    assert classify_title(KEY_POINTS_SUBJECT + "通知_威海市文登区人民政府").reason.startswith("ends in 通知")


TITLES = Path(__file__).parent / "fixtures" / "titles.tsv"


def _labelled_titles() -> list[tuple[str, str, str]]:
    with TITLES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["title"], row["kind"], row["note"]) for row in rows]


def test_labelled_title_set_is_large_and_uses_only_known_kinds() -> None:
    rows = _labelled_titles()
    assert len(rows) >= 300
    assert {kind for _, kind, _ in rows} == {ANNUAL_REPORT, KEY_POINTS, OTHER}
    titles = [title for title, _, _ in rows]
    assert len(set(titles)) == len(titles), "duplicate titles in the labelled set"


@pytest.mark.parametrize("kind", [ANNUAL_REPORT, KEY_POINTS])
def test_precision_and_recall_on_labelled_titles(kind: str) -> None:
    rows = _labelled_titles()
    predicted = [(title, label, note, classify_title(title)) for title, label, note in rows]
    false_pos = [(t, label, note, got) for t, label, note, got in predicted if got.kind == kind and label != kind]
    false_neg = [(t, label, note, got) for t, label, note, got in predicted if got.kind != kind and label == kind]
    true_pos = sum(1 for _, label, _, got in predicted if got.kind == kind and label == kind)
    precision = true_pos / (true_pos + len(false_pos)) if true_pos + len(false_pos) else 0.0
    recall = true_pos / (true_pos + len(false_neg)) if true_pos + len(false_neg) else 0.0
    wrong = "\n".join(
        f"  {t!r}: labelled {label}, classified {got.kind} ({got.reason}){f'  [{note}]' if note else ''}"
        for t, label, note, got in false_pos + false_neg
    )
    assert (precision, recall) == (1.0, 1.0), (
        f"{kind}: precision {precision:.3f}, recall {recall:.3f}; misclassified:\n{wrong}"
    )
