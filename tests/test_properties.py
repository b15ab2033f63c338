"""Properties of the extractor and the cleaner on arbitrary input (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.chrome import chrome_rules
from crawler.dates import parse_date
from crawler.items import Paragraph
from pipelines.clean import clean_body
from pipelines.extract import extract, prose_weight
from pipelines.repair import restore_white_space
from pipelines.tables import parse_tables
from tests.conftest import FIXTURES

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


# Clauses of report prose, and the words of chrome rules a report may mention in passing.
CLAUSES = ["群众可通过政府门户网站查阅政府信息", "全年主动公开政府信息12563条", "其中政策文件358条", "市政府网站设立了政策解读专栏",
           "依申请公开办理及时规范", "进一步完善了政府信息公开工作机制", "各县区政府和市直部门同步开展了业务培训",
           "对涉及群众切身利益的重大决策及时予以公开", "通过新闻发布会、政务微博等渠道回应社会关切", "在市政务服务中心设立查阅点",
           "确保公众能够快捷、方便地获取政府信息", "按照省政务公开办的统一部署", "配备了电脑和查阅设备", "全年共接待查阅群众1200余人次"]
CHROME_WORDS = ["扫描二维码", "扫一扫", "扫码查看", "用手机扫描", "版权所有", "Copyright", "©", "All Rights Reserved", "主办单位：",
                "承办单位：", "技术支持：", "打印本页", "关闭窗口", "【打印】", "ICP备", "公网安备", "网站标识码", "当前位置：",
                "您的位置：", "分享到：", "浏览次数：", "责任编辑：", "上一篇：", "首页 > ", "建议使用1024×768分辨率",
                "【字号：大 中 小】", "附件下载", "相关链接", "微信公众号", "地址：", "电话：", "发布日期：", "来源："]


@st.composite
def prose_with_chrome_words(draw: st.DrawFn) -> str:
    """Over 80 characters of report prose, with chrome words put anywhere in it (at its start too)."""
    clauses = draw(st.lists(st.sampled_from(CLAUSES), min_size=5, max_size=14, unique=True)
                   .filter(lambda picked: len("".join(picked)) + len(picked) > 80))
    marks = draw(st.lists(st.sampled_from("，，，。；"), min_size=len(clauses) - 1, max_size=len(clauses) - 1))
    text = "".join(c + m for c, m in zip(clauses, [*marks, "。"], strict=True))
    for word in draw(st.lists(st.sampled_from(CHROME_WORDS), min_size=1, max_size=2)):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + word + text[at:]
    return text


@settings(max_examples=300, deadline=None)
@given(prose_with_chrome_words(), st.lists(st.sampled_from(LINES[:6]), max_size=6), st.integers(0, 6),
       st.lists(st.sampled_from(LINES[14:24]), max_size=4), st.lists(st.sampled_from(LINES[14:30]), max_size=4),
       st.sampled_from([None, "family"]), st.one_of(st.none(), st.sampled_from(LINES[7:9])))
def test_a_paragraph_of_prose_is_never_removed_as_chrome(text: str, report: list[str], at: int, lead: list[str],
                                                       tail: list[str], family: str | None, title: str | None) -> None:
    """Wherever the chrome words sit in it and wherever it stands in the body (first, last, between the page's
    chrome lines), a paragraph of running text stays; extraction and attachments count it as text."""
    body = [*report[:at], text, *report[at:]]
    page = [Paragraph(line, linked=line in LINES[14:16]) for line in [*lead, *body, *tail]]
    assert text in clean_body(page, title, "trs_wcm" if family else None)[0]
    assert not chrome_rules().is_chrome(text, edge=True) and prose_weight(Paragraph(text)) == len(text)


# Lines of a copy that lost its spaces in an encoding round trip, and lines whose '?' is no lost space.
DAMAGED = ["特编制铁岭市人民政府2019年度政府信息公开工作报告。?", "一、总体情况?", "?(三)深入推进重点部门的信息公开?", "33?", "?0", "?",
           "市政府网站设立专栏同步公开。 ?", "规章\t?13\t?\t90", "申请人询问该信息是否属于政府信息公开的范围?", "1?109",
           "详见 http://www.tieling.gov.cn/search?q=年报", "Is it open? Yes.", "铁岭市政府?信息公开办公室", "二、主动公开政府信息情况"]
damaged_line = st.one_of(st.sampled_from(DAMAGED), st.text(alphabet="?？ 。，：、一二三政府信息公开是否0123ab", min_size=1, max_size=14)
                         .map(lambda t: " ".join(t.split())).filter(bool))


def bare(lines: list[str]) -> list[str]:
    """The lines without '?' and white space, the empty ones left out."""
    return [k for k in ("".join(ch for ch in line if ch != "?" and not ch.isspace()) for line in lines) if k]


@settings(max_examples=300, deadline=None)
@given(st.lists(damaged_line, max_size=24))
def test_restoring_lost_spaces_takes_out_question_marks_only_and_is_idempotent(lines: list[str]) -> None:
    restored, removed = restore_white_space(lines)
    assert bare(restored) == bare(lines)
    assert removed == sum(line.count("?") for line in lines) - sum(line.count("?") for line in restored)
    assert restore_white_space(restored) == (restored, 0)


SEED_004_CELLS = [line for line in (FIXTURES / "tables" / "seed004-tieling-2019-flattened.txt").read_text("utf-8")
                  .splitlines() if line.strip()]


@st.composite
def seed_004_damaged_otherwise(draw: st.DrawFn) -> list[str]:
    """Seed 004's tables with their '?' moved about, in the shapes the tables stage reads: at either edge of
    other number cells or of none, and lone '?' cells (a lost value, or a lost line break) after numbers."""
    out = []
    for line in SEED_004_CELLS:
        number = line.strip("? ")
        if not number.isdigit():
            out.append(line)
            continue
        out.append(draw(st.sampled_from(["{}", "?{}", "{}?"])).format(number))
        if draw(st.integers(0, 9)) == 0:
            out.append("?")
    return out


@settings(max_examples=40, deadline=None)
@given(seed_004_damaged_otherwise())
def test_the_tables_read_the_same_numbers_and_unknowns_with_lost_spaces_taken_out(body: list[str]) -> None:
    assert parse_tables(restore_white_space(body)[0]) == parse_tables(body)


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


FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "-": "－", "/": "／", ".": "．"})
DATE_FORMS = ["{y}-{m:02d}-{d:02d}", "{y}年{m}月{d}日", "{y}年{m:02d}月{d:02d}日", "{y}/{m}/{d}", "{y}.{m:02d}.{d:02d}"]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2039, 12, 31)), st.sampled_from(DATE_FORMS),
       st.sampled_from(["", "发布日期：", "成文日期: ", "（", "于"]), st.sampled_from(["", " 10:24", "。", "印发"]))
def test_a_date_in_full_width_digits_reads_as_in_ascii(day: date, form: str, before: str, after: str) -> None:
    text = before + form.format(y=day.year, m=day.month, d=day.day) + after
    assert parse_date(text) == day.isoformat()
    assert parse_date(text.translate(FULL_WIDTH)) == day.isoformat()
