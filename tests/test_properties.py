"""Properties of the extractor and the cleaner on arbitrary input (hypothesis)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.items import Paragraph
from pipelines.clean import clean_body
from pipelines.extract import extract

# Lines of the kinds a page yields: report text, headings, headings lists, titles, table rows, chrome, noise.
LINES = [
    "根据《中华人民共和国政府信息公开条例》规定，现公布本县2019年政府信息公开工作年度报告。",
    "一、总体情况", "二、主动公开政府信息情况", "（一）加强组织领导", "1.完善工作机制", "六、其他需要报告的事项",
    "一、总体情况,二、主动公开政府信息情况,三、存在的主要问题及改进情况,",
    "永昌县2019年政府信息公开工作年度报告", "雲城區人民政府2014年政府信息公開工作年度報告",
    "信息内容\t本年新制作数量\t本年新公开数量", "规章\t13\t13\t90", "?0", "0?", "无。?",
    "当前位置：首页 > 政务公开", "【打印本页】【关闭窗口】", "扫一扫在手机上查看当前页面", "版权所有：某某县人民政府",
    "地址：某某县府前街1号", "相關詞條", "聯絡我們", "序号 标题 发文字号 成文日期 发布日期", "附件下载", "相关解读",
    "发布日期：2017-01-21 10:24:00", "统计表.rtf", "二〇二二年一月二十六日", "某某县人民政府办公室", "|", "目录",
]
line = st.one_of(st.sampled_from(LINES), st.text(min_size=1, max_size=40))
paragraphs = st.lists(st.tuples(line, st.booleans()), max_size=40).map(
    lambda rows: [Paragraph(text, linked=linked, row="\t" in text) for text, linked in rows])
titles = st.one_of(st.none(), st.sampled_from(LINES[7:9]), st.text(max_size=30))
TAGS = ["p", "div", "td", "tr", "table", "span", "a", "br", "li", "ul", "h1", "script", "style", "!--", "meta"]
markup = st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=20),
                            st.sampled_from(TAGS).map(lambda t: f"<{t}>"), st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
                            st.just('<div id="zoom">'), st.just('<div style="display:none">')), max_size=60).map("".join)


def chars(lines: list[str]) -> Counter[str]:
    return Counter(ch for text in lines for ch in text if not ch.isspace())


@settings(max_examples=300, deadline=None)
@given(paragraphs, titles)
def test_cleaning_never_adds_text_and_is_idempotent(page: list[Paragraph], title: str | None) -> None:
    body, _ = clean_body(page, title)
    assert not chars(body) - chars([p.text for p in page])  # every character of the body was in the page
    again, flags = clean_body([Paragraph(text, row="\t" in text) for text in body], title)
    assert again == body and "repeat_removed" not in flags


@settings(max_examples=200, deadline=None)
@given(markup, st.sampled_from([(), ("#zoom",), ("div.TRS_Editor", "#zoom")]))
def test_extraction_and_cleaning_never_raise_on_arbitrary_markup(html: str, selectors: tuple[str, ...]) -> None:
    result = extract(html, "http://a.gov.cn/x.html", selectors)
    body, _ = clean_body(result.paragraphs, result.page_title)
    assert isinstance(body, list)
    assert not chars(body) - chars([p.text for p in result.paragraphs])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_extraction_never_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(extract(text, "http://a.gov.cn/", ("#zoom",)).paragraphs, list)
