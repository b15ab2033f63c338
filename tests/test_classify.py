from __future__ import annotations

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
