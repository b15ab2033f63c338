from __future__ import annotations

import pytest

from crawler.dates import parse_date
from crawler.items import Paragraph, ReportPage
from pipelines.metadata import MetadataPipeline


def page(**fields: object) -> ReportPage:
    base = dict(site_id="wendeng", site_name="威海市文登区人民政府", region="山东省威海市文登区",
                url="http://www.wendeng.gov.cn/a.html", status=200, fetched_at="2026-11-21T00:00:00+00:00",
                page_sha256="0" * 64, html="", template="generic")
    return ReportPage(**{**base, **fields})


@pytest.mark.parametrize(("text", "expected"), [
    ("发布日期:2017-01-21 10:24:00", "2017-01-21"),
    ("2024年01月21日", "2024-01-21"),
    ("二〇一七年一月八日", "2017-01-08"),
    ("一七年一月八日", "2017-01-08"),
    ("二〇二〇年十二月三十一日", "2020-12-31"),
    ("2019-02-30", None),
    ("无日期", None),
])
def test_dates(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_meta_tags_win_and_the_site_suffix_goes() -> None:
    item = page(meta={"pubdate": "2020-03-31 09:00", "contentsource": "铁岭市人民政府办公室"},
                page_title="铁岭市2019年度政府信息公开工作报告_铁岭市人民政府", list_date="2020-04-01",
                body=["本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。"])
    MetadataPipeline().process_item(item)
    assert item.title == "铁岭市2019年度政府信息公开工作报告"
    assert item.publish_date == "2020-03-31"
    assert item.report_year == 2019
    assert item.agency == "铁岭市人民政府办公室"
    assert item.kind == "annual_report"


def test_seed_001_case_date_line_and_issuer_from_title() -> None:
    item = page(page_title="威海市文登区政务服务中心2016年政府信息公开工作年度报告",
                paragraphs=[Paragraph("威海市文登区政务服务中心2016年政府信息公开工作年度报告"),
                            Paragraph("发布日期:2017-01-21 10:24:00"), Paragraph("根据……")],
                body=["根据……", "一七年一月八日"])
    MetadataPipeline().process_item(item)
    assert (item.publish_date, item.report_year) == ("2017-01-21", 2016)
    assert item.agency == "威海市文登区政务服务中心"


def test_year_from_the_statistics_period_and_signature_date() -> None:
    item = page(page_title="政府信息公开工作年度报告", list_title="政府信息公开工作年度报告",
                body=["本报告中所列数据的统计期限自2014年1月1日起，至2014年12月31日止。", "二〇一五年三月二十日"])
    MetadataPipeline().process_item(item)
    assert item.report_year == 2014
    assert item.publish_date == "2015-03-20"
    assert item.agency == "威海市文登区人民政府"  # nothing better than the seed's name


def test_year_before_publication_as_last_resort() -> None:
    item = page(list_title="永昌县政府信息公开年报", list_date="2016-01-22", body=["正文。"])
    MetadataPipeline().process_item(item)
    assert (item.report_year, item.publish_date) == (2015, "2016-01-22")
