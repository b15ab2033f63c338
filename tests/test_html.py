"""crawler/html.py: a page's tree as a browser builds it, at any depth; libxml2's own where that is the same."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.html import FLAT_SOFT_DEPTH, flatten, parse_document
from pipelines.extract import paragraphs_of

REPORT = ("<p>　　2021年，我县认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息3216条。</p>"
          "<p>　　一、总体情况</p><table><tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>12</td></tr></table>")
HEADER = ('<div class="top"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/hdjl/">互动交流</a></div>')
FOOTER = '<div class="footer"><p>主办单位：某某县人民政府办公室</p><p>网站标识码：3707240002 鲁ICP备05018273号-1</p></div>'


def depth(tree: etree._Element) -> int:
    """Elements on the longest path from the root down (iteratively: the trees under test are deep)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        el, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in el if isinstance(child.tag, str))
    return deepest


def text_of(el: etree._Element) -> str:
    return "".join(el.itertext())


def test_a_page_that_parses_fine_is_libxml2s_tree() -> None:
    """No second parse for a well-formed page, nor for one with comments or a counter script after </html>."""
    page = (f"<!DOCTYPE html><html><head><title>报告</title></head><body>{HEADER}<div id='zoom'>{REPORT}</div>"
            f"{FOOTER}</body></html>\n<!-- Published by TRS WCM 2022-01-25 -->\n"
            "<script>var _hmt = _hmt || [];</script>\n")
    document = parse_document(page)
    assert not document.rebuilt and document.html is page
    assert "3216条" in text_of(document.tree.get_element_by_id("zoom"))


def test_content_after_an_early_html_end_tag_stays_in_the_body() -> None:
    page = (f"<html><head><title>报告</title></head><body>{HEADER}</body></html>\n"
            f"<div class='TRS_Editor'>{REPORT}</div>{FOOTER}</body></html>")
    document = parse_document(page)
    assert document.rebuilt
    body = document.tree.find("body")
    assert [el.get("class") for el in body] == ["top", "TRS_Editor", "footer"]
    assert body.cssselect("div.TRS_Editor tr")[1].xpath("string()") == "行政规范性文件12"


def test_a_second_body_and_what_follows_the_first_join_the_one_body() -> None:
    for page in (f"<html><body class='a'>{HEADER}</body><body class='b'><div id='UCAP-CONTENT'>{REPORT}</div></body></html>",
                 f"<html><body>{HEADER}</body><div id='UCAP-CONTENT'>{REPORT}</div></html>"):
        document = parse_document(page)
        assert document.rebuilt
        assert [child.tag for child in document.tree] == ["head", "body"]
        assert document.tree.find("body").find(".//*[@id='UCAP-CONTENT']") is not None


def test_what_stands_in_a_table_outside_its_cells_moves_before_the_table() -> None:
    """Between two rows, or in a row between two cells: a browser puts it before the table."""
    text = "根据《中华人民共和国政府信息公开条例》规定，现公布本年度报告。"
    for stray, marker in ((f"</tr><div class='TRS_Editor'>{REPORT}</div><tr>", "3216条"),
                          (f"</td><div class='TRS_Editor'>{REPORT}</div><td>", "3216条"), (f"</tr>{text}<tr>", "现公布")):
        page = f"<html><body><table class='layout'><tr><td>{HEADER}{stray}{FOOTER}</td></tr></table></body></html>"
        document = parse_document(page)
        assert document.rebuilt, stray
        layout = document.tree.find_class("layout")[0]
        assert marker in "".join(layout.xpath("preceding::text()")), stray
        assert marker not in layout.xpath("string()"), stray


def test_nested_forms_parse_fine() -> None:
    """An ASP.NET page's form around everything with a search widget's form inside: libxml2 loses nothing."""
    page = (f"<html><body><form id='aspnetForm' method='post'><div class='header'><form action='/search.aspx'>"
            f"<input name='kw'></form></div><div class='article_content'>{REPORT}</div>{FOOTER}</form></body></html>")
    document = parse_document(page)
    assert not document.rebuilt
    assert "3216条" in text_of(document.tree.find_class("article_content")[0])


def deep_page(levels: int) -> str:
    return (f"<html><body>{HEADER}" + "<div>" * levels + f"<div id='zoom'>{REPORT}</div>" + "</div>" * levels
            + f"{FOOTER}</body></html>")


def test_a_body_inside_ten_thousand_nested_divs_keeps_its_container_and_the_page_after_it() -> None:
    document = parse_document(deep_page(10_000))
    assert document.rebuilt
    zoom = document.tree.get_element_by_id("zoom")
    assert [_.xpath("string()") for _ in zoom.iter("tr")] == ["规章0", "行政规范性文件12"]
    assert document.tree.find_class("footer")  # nothing after the deep part is lost either
    assert depth(document.tree) < 256 // 2  # the wrapper chain collapsed; room to spare under libxml2's 256


def test_flattening_is_linear_a_chain_of_wrappers_collapses_to_one() -> None:
    """The depth the flattened page keeps does not grow with the chain (so neither lexbor's nor libxml2's work
    does), and the chain's tags leave nothing: each wraps one block, which breaks the lines itself."""
    for levels in (300, 1_000, 10_000):
        flat = flatten(deep_page(levels))
        assert flat.count("<div>") == FLAT_SOFT_DEPTH - 1  # the bare wrappers below the soft depth, as written
        assert "<br>" not in flat
    assert len({depth(parse_document(deep_page(levels)).tree) for levels in (300, 1_000, 10_000)}) == 1


def test_an_unwrapped_wrapper_with_text_after_its_block_keeps_the_line_break() -> None:
    levels = 1_000
    page = ("<html><body>" + "<div>" * levels + "<p>各乡镇政府信息公开情况如下：</p>"
            + "".join(f"</div>第{n}乡镇主动公开信息。" for n in range(levels)) + "</body></html>")
    lines = [p.text for p in paragraphs_of(parse_document(page).tree.find("body"))]
    assert lines == ["各乡镇政府信息公开情况如下：", *(f"第{n}乡镇主动公开信息。" for n in range(levels))]


def test_unclosed_blocks_ten_thousand_deep_keep_every_line_in_order() -> None:
    """A page that opens a <div> for every paragraph and closes none: nothing to collapse; past the maximum depth
    the blocks become line breaks, so every paragraph stays a line of its own."""
    lines = [f"第{n}条 依申请公开办理情况。" for n in range(10_000)]
    page = "<html><body><div id='zoom'>" + "".join(f"<div>{line}" for line in lines) + f"</div>{FOOTER}</body></html>"
    document = parse_document(page)
    zoom = document.tree.get_element_by_id("zoom")
    got = [s.strip() for s in zoom.itertext() if s.strip()]
    assert got[:len(lines)] == lines
    assert depth(document.tree) < 256


def test_tables_nested_past_the_depth_limit_are_flattened_again_after_the_html5_parser() -> None:
    """The HTML5 parser gives every table a <tbody> the page did not write, so it nests deeper than flatten
    counted: its serialisation is flattened again before libxml2 reads it."""
    levels = 200
    page = ("<html><body>" + "<table><tr><td>" * levels + "<p>第二百层的单元格：本年度主动公开政府信息。</p>"
            + "</td></tr></table>" * levels + "</body></html>")
    document = parse_document(page)
    assert document.rebuilt and depth(document.tree) < 256
    assert "第二百层的单元格：本年度主动公开政府信息。" in text_of(document.tree)


# Random nesting of the elements portals nest, with report text between them: any depth, any balance.
OPEN = ["<div>", "<div class='wrap'>", "<span>", "<p>", "<font color='#333333'>", "<table><tr><td>", "<ul><li>"]
CLOSE = ["</div>", "</span>", "</p>", "</font>", "</td></tr></table>", "</li></ul>"]
pieces = st.lists(st.one_of(st.sampled_from(OPEN), st.sampled_from(CLOSE),
                            st.sampled_from(["政府信息公开", "第一条。", "3216", "依申请公开"])), max_size=120)
repeat = st.integers(min_value=1, max_value=400)


def words(html: str) -> list[str]:
    return re.findall(r"政府信息公开|第一条。|3216|依申请公开", html)


@settings(max_examples=150, deadline=None)
@given(pieces, repeat)
@example(["<div>"], 254)  # html, body and 254 elements: libxml2's very limit, which it reaches without an error
def test_any_nesting_keeps_all_text_in_order_under_the_depth_limit(parts: list[str], times: int) -> None:
    page = "<html><body>" + "".join(parts) * times + "</body></html>"
    document = parse_document(page)
    assert words(text_of(document.tree)) == words(page)
    assert depth(document.tree) < 256


@settings(max_examples=150, deadline=None)
@given(pieces)
def test_flattening_leaves_a_page_within_the_soft_depth_as_written(parts: list[str]) -> None:
    page = "".join(parts)
    if page.count("<") < FLAT_SOFT_DEPTH:  # fewer tags than the soft depth: nothing can nest that deep
        assert flatten(page) == page
