from __future__ import annotations

from typing import Any

import pytest

from crawler.dates import parse_date
from crawler.items import Paragraph, ReportPage
from pipelines.metadata import MetadataPipeline


def page(**fields: Any) -> ReportPage:
    base: dict[str, Any] = dict(site_id="wendeng", site_name="威海市文登区人民政府", region="山东省威海市文登区",
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
    assert item.agency == "铁岭市人民政府"  # the report of a place; ContentSource only ran the page
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


@pytest.mark.parametrize(("title", "body", "seed_region", "expected"), [
    ("永昌县2014年政府信息公开工作年度报告",
     ["本年报以《中华人民共和国政府信息公开条例》……为依据，由永昌县人民政府办公室编制。"], "甘肃省金昌市永昌县",
     ("永昌县", "永昌县人民政府办公室", "department")),
    ("威海市文登区政务服务中心2016年政府信息公开工作年度报告", ["根据……"], "山东省威海市文登区",
     ("威海市文登区", "威海市文登区政务服务中心", "department")),
    ("厦门市翔安区内厝镇人民政府2015年政府信息公开工作要点落实情况报告", ["……"], "福建省厦门市翔安区",
     ("厦门市翔安区内厝镇", "厦门市翔安区内厝镇人民政府", "town")),
    ("新圩镇人民政府2016年政府信息公开工作年度报告", ["……"], "福建省厦门市翔安区",
     ("厦门市翔安区新圩镇", "新圩镇人民政府", "town")),
    ("雲城區人民政府2014年政府信息公開工作年度報告", ["……"], "广东省云浮市云城区",
     ("云城区", "云城区人民政府", "county")),
    ("铁岭市2019年度政府信息公开工作报告",
     ["按照《条例》要求，特编制铁岭市人民政府2019年度政府信息公开工作报告。"], "辽宁省铁岭市",
     ("铁岭市", "铁岭市人民政府", "city")),
    ("辽宁省人民政府2019年政府信息公开工作年度报告", ["……"], "辽宁省", ("辽宁省", "辽宁省人民政府", "province")),
    ("区政府办公室2019年政府信息公开工作年度报告", ["……"], "广东省云浮市云城区",
     ("云浮市云城区", "区政府办公室", "department")),
    ("金昌市2018年政府信息公开工作年度报告", ["……"], "甘肃省金昌市", ("金昌市", "金昌市人民政府", "city")),
])
def test_region_agency_and_level(title: str, body: list[str], seed_region: str, expected: tuple) -> None:
    item = page(page_title=title, region=seed_region, body=body)
    MetadataPipeline().process_item(item)
    assert (item.region, item.agency, item.level) == expected


def test_edition_and_outline() -> None:
    trial = ["一、总体情况", "2019年，……", "二、主动公开政府信息情况", "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量",
             "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
             "六、其他需要报告的事项"]
    item = page(page_title="金昌市2019年政府信息公开工作年度报告", body=trial)
    MetadataPipeline().process_item(item)
    assert item.edition == "trial_2019"
    assert [(s["number"], s["section"]) for s in item.outline] == [
        ("一", "overview"), ("二", "active"), ("三", "requests"), ("四", "review"), ("五", "problems"), ("六", "other")]
    old = ["一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开收费及减免情况",
           "五、因政府信息公开申请行政复议、提起行政诉讼情况", "六、存在的主要问题和改进措施"]
    item = page(page_title="永昌县2014年政府信息公开工作年度报告", body=old)
    MetadataPipeline().process_item(item)
    assert item.edition == "six_part_2008"
    assert [s["section"] for s in item.outline] == ["overview", "active", "requests", "fees", "review", "problems"]
    new = ["一、总体情况", "信息内容\t本年制发件数\t本年废止件数\t现行有效件数"]
    item = page(page_title="金昌市2021年政府信息公开工作年度报告", body=new)
    MetadataPipeline().process_item(item)
    assert item.edition == "template_2021"


def test_evidence_names_the_sources() -> None:
    item = page(meta={"pubdate": "2020-03-31 09:00", "articletitle": "铁岭市2019年度政府信息公开工作报告"},
                page_title="铁岭市2019年度政府信息公开工作报告", body=["正文。"])
    MetadataPipeline().process_item(item)
    assert item.metadata_evidence == {"title": "meta:ArticleTitle", "publish_date": "meta:pubdate",
                                      "report_year": "title", "region": "title", "agency": "title place + 人民政府"}


def test_a_signature_names_the_agency_when_the_title_names_a_place() -> None:
    item = page(page_title="金昌市2021年政府信息公开工作年度报告",
                body=["根据……现公布2021年度金昌市政府信息公开工作年度报告。", "……", "金昌市人民政府办公室", "2022年1月20日"])
    MetadataPipeline().process_item(item)
    assert (item.agency, item.level, item.metadata_evidence["agency"]) == ("金昌市人民政府办公室", "department", "signature")


def test_compiler_named_before_the_verb() -> None:
    item = page(page_title="铁岭市2018年政府信息公开工作年度报告",
                body=["依据《条例》和《辽宁省人民政府办公厅关于做好2018年政府信息公开工作年度报告编制和发布工作的通知》要求，"
                      "铁岭市人民政府办公室编制了本报告。"])
    MetadataPipeline().process_item(item)
    assert (item.agency, item.level) == ("铁岭市人民政府办公室", "department")


def test_a_place_named_as_publisher_means_its_government() -> None:
    item = page(page_title="永昌县2016年政府信息公开工作年度报告",
                body=["根据《条例》，现公布永昌县2016年政府信息公开工作年度报告。"])
    MetadataPipeline().process_item(item)
    assert (item.agency, item.level) == ("永昌县人民政府", "county")
