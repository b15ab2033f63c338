from __future__ import annotations

from typing import Any

import pytest

from crawler.dates import leading_date, parse_date
from crawler.items import Paragraph, ReportPage
from pipelines.metadata import UNKNOWN, MetadataPipeline, labelled_dates, page_text, report_year


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
    ("二ＯＯ八年一月一日", "2008-01-01"),  # full-width letter O typed for 〇
    ("２０２２年３月１日", "2022-03-01"),  # full-width digits
    ("２０２２－０３－０１", "2022-03-01"),  # ... and separators
    ("发布日期：２０２２／０３／０１　１０：２４", "2022-03-01"),
    ("２０２２年３月１日起至２０２２年１２月３１日止", "2022-03-01"),
    ("２０１９－０２－３０", None),
    ("2019-02-30", None),
    ("无日期", None),
])
def test_dates(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_a_leading_date_is_the_one_the_text_starts_with() -> None:
    assert leading_date("：２０２２年３月１日 10:00") == "2022-03-01"
    assert leading_date(" [2019-01-25]") == "2019-01-25"
    assert leading_date("为2020年3月1日") is None  # 本报告发布日期为…: prose, not a labelled value


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


# A directory detail page's metadata table as xxgk portals write it (labels padded with ASCII and U+3000 spaces),
# with no PubDate meta; the body is signed with the written date.
DIRECTORY_TABLE = """<table class="xxgk-info">
<tr><td class="t1"><b>索 引 号：</b></td><td class="t2">113710000043883012/2019-00003</td>
    <td class="t1"><b>主题分类：</b></td><td class="t2">综合政务\\政务公开</td></tr>
<tr><td class="t1"><b>发布机构：</b></td><td class="t2">威海市教育局</td>
    <td class="t1"><b>成文日期：</b></td><td class="t2">2019年01月23日</td></tr>
<tr><td class="t1"><b>标　　题：</b></td><td class="t2" colspan="3">威海市教育局2018年政府信息公开工作年度报告</td></tr>
<tr><td class="t1"><b>发文字号：</b></td><td class="t2"></td>
    <td class="t1"><b>发 布 日 期：</b></td><td class="t2">2019年01月25日</td></tr>
<tr><td class="t1"><b>有 效 性：</b></td><td class="t2">有效</td></tr>
</table>"""
REPORT_BODY = """<div class="xxgk_content"><p>根据《中华人民共和国政府信息公开条例》要求，现公布威海市教育局2018年政府信息公开工作
年度报告。</p><p>一、概述</p><p style="text-align:right">威海市教育局</p><p style="text-align:right">2019年1月23日</p></div>"""


def directory_page(meta_block: str) -> str:
    return (f"<html><head><title>威海市教育局2018年政府信息公开工作年度报告_威海市人民政府</title></head><body>"
            f"<div class=\"crumb\">当前位置：首页 &gt; 政府信息公开</div>{meta_block}"
            f"<h1>威海市教育局2018年政府信息公开工作年度报告</h1>{REPORT_BODY}</body></html>")


@pytest.mark.parametrize("meta_block", [
    DIRECTORY_TABLE,
    # label and value in one cell; 成文日期 after 发布日期
    "<table><tr><td>发布日期：2019-01-25</td><td>成文日期：2019-01-23</td><td>有效性：有效</td></tr></table>",
    # <span> pairs without colons, in Traditional script
    '<div class="info"><span class="k">發布機構</span><span>威海市教育局</span><span class="k">成文日期</span>'
    '<span>2019-01-23</span><span class="k">發佈時間</span><span>2019-01-25 15:36</span></div>',
    # one line of spans, full-width digits
    "<div><span>来源：威海市教育局</span>　<span>成文时间：２０１９－０１－２３</span>　<span>发布时间：２０１９－０１－２５</span></div>",
    # a definition list
    "<dl><dt>成文日期</dt><dd>二〇一九年一月二十三日</dd><dt>公开日期</dt><dd>2019年1月25日</dd></dl>",
])
def test_a_labelled_date_is_taken_by_its_labels_meaning(meta_block: str) -> None:
    html = directory_page(meta_block)
    dated = labelled_dates(page_text(html))
    assert (dated["published"].date, dated["written"].date) == ("2019-01-25", "2019-01-23")
    item = page(html=html, page_title="威海市教育局2018年政府信息公开工作年度报告",
                body=["根据……现公布威海市教育局2018年政府信息公开工作年度报告。", "一、概述", "威海市教育局", "2019年1月23日"])
    MetadataPipeline().process_item(item)
    assert item.publish_date == "2019-01-25"
    assert item.metadata_evidence["publish_date"].startswith("label ")
    assert item.metadata_evidence["written_date"].startswith("2019-01-23 (label ")


def test_the_directory_table_label_beats_the_list_date_and_the_signature() -> None:
    item = page(html=directory_page(DIRECTORY_TABLE), list_date="2019-01-28",
                page_title="威海市教育局2018年政府信息公开工作年度报告", body=["……", "威海市教育局", "2019年1月23日"])
    MetadataPipeline().process_item(item)
    assert (item.publish_date, item.metadata_evidence["publish_date"]) == ("2019-01-25", "label 发布日期")
    assert item.metadata_evidence["written_date"] == "2019-01-23 (label 成文日期)"


def test_the_written_date_is_never_the_publish_date() -> None:
    # Only 成文日期 labelled, no list date: the signature is that same date, so the publish date is not known.
    only_written = DIRECTORY_TABLE.replace("2019年01月25日", "")
    item = page(html=directory_page(only_written), page_title="威海市教育局2018年政府信息公开工作年度报告",
                body=["……", "威海市教育局", "2019年1月23日"])
    MetadataPipeline().process_item(item)
    assert item.publish_date is None
    assert "written date" in item.metadata_evidence["publish_date"]


@pytest.mark.parametrize(("text", "expected"), [
    ("时间：2017-01-21 10:24:00 来源：文登区政务服务中心", {"published": "2017-01-21"}),
    ("日期：二〇一七年一月二十一日", {"published": "2017-01-21"}),
    # a bare 时间/日期 inside a longer word labels another date
    ("会议时间：2017年3月1日", {}),
    ("更新时间：2021-05-06 生效日期：2017-01-01", {}),
    # a label in prose, the date not right after it
    ("本报告发布时间为2017年3月31日。", {}),
    ("发布日期：\n有 效 性：有效", {}),
])
def test_which_dates_a_text_labels(text: str, expected: dict[str, str]) -> None:
    assert {what: d.date for what, d in labelled_dates(text).items()} == expected


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


def test_year_from_a_statistics_period_in_full_width_digits() -> None:
    item = page(page_title="文登区政府信息公开工作年度报告",
                body=["本报告所列数据统计期限自２０２１年１月１日起至２０２１年１２月３１日止。"])
    MetadataPipeline().process_item(item)
    assert (item.report_year, item.metadata_evidence["report_year"]) == (2021, "statistics period sentence")


def test_an_annual_report_naming_no_agency_is_the_seeds() -> None:
    item = page(page_title="2014年政府信息公开工作年度报告", body=["一、概述", "……"])
    MetadataPipeline().process_item(item)
    assert (item.kind, item.agency, item.level) == ("annual_report", "威海市文登区人民政府", "county")
    assert item.metadata_evidence["agency"] == "seed name"


def test_year_before_publication_only_for_an_annual_report() -> None:
    assert report_year("政府信息公开年报", ["正文。"], "2016-01-22", guess=True) == (2015, "year before the publish date")
    assert report_year("政府信息公开年报", ["正文。"], "2016-01-22", guess=False) == (None, UNKNOWN)


def test_nothing_is_guessed_on_a_page_that_is_not_an_annual_report() -> None:
    # A year-less title is not classed a report (it reads as a column's name): no year, no agency from the seed.
    item = page(list_title="永昌县政府信息公开年报", list_date="2016-01-22", body=["正文。"])
    MetadataPipeline().process_item(item)
    assert (item.kind, item.publish_date) == ("other", "2016-01-22")
    assert (item.report_year, item.agency, item.level) == (None, None, None)
    assert (item.metadata_evidence["report_year"], item.metadata_evidence["agency"]) == (UNKNOWN, UNKNOWN)


@pytest.mark.parametrize(("fields", "expected"), [
    # the year and the office the notice's title names
    (dict(page_title="威海市人民政府办公室关于印发2020年威海市政务公开工作要点的通知",
          body=["各区市人民政府，……现将《2020年威海市政务公开工作要点》印发给你们，请认真贯彻落实。"]),
     (2020, "title", "威海市人民政府办公室", "title")),
    # a statistics bulletin: the title names a place, not who issued it; ContentSource does
    (dict(page_title="威海市2021年国民经济和社会发展统计公报", meta={"contentsource": "威海市统计局"},
          body=["2021年，全市经济运行稳中向好。"]),
     (2021, "title", "威海市统计局", "meta:ContentSource")),
    (dict(page_title="威海市2021年国民经济和社会发展统计公报", body=["2021年，全市经济运行稳中向好。"]),
     (2021, "title", None, UNKNOWN)),
    # a circular signed at its foot; no year anywhere
    (dict(page_title="关于进一步规范政府信息公开工作年度报告发布工作的通知",
          body=["各镇人民政府、街道办事处：……", "威海市文登区人民政府办公室", "2020年12月1日"]),
     (None, UNKNOWN, "威海市文登区人民政府办公室", "signature")),
])
def test_a_page_that_is_not_a_report_keeps_what_it_says(fields: dict[str, Any], expected: tuple) -> None:
    item = page(**fields)
    MetadataPipeline().process_item(item)
    evidence = item.metadata_evidence
    assert item.kind != "annual_report"
    assert (item.report_year, evidence["report_year"], item.agency, evidence["agency"]) == expected


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
    ("威海市文登区人民政府关于2019年度政府信息公开工作情况的报告", ["……"], "山东省威海市文登区",
     ("威海市文登区", "威海市文登区人民政府", "county")),  # the issuer stands before 关于
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
