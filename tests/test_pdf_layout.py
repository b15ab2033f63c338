"""Reports published only as PDF: paragraphs rebuilt from the lines a word processor wrapped, running headers,
footers and page numbers dropped, statistical tables kept as rows (crawler/pdf_layout.py).

The hand-written bodies of the fixture world are typeset as county offices export them from Word
(tests/typeset.py) and must read back exactly; each rule is also pinned on lines written out by hand.
"""

from __future__ import annotations

from io import BytesIO
from itertools import pairwise

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from crawler.documents import pdf_text
from crawler.pdf_layout import Cell, Line, drop_running_lines, join_tables, reflow
from tests.typeset import LAYOUTS, report_bodies, typeset

BODIES = {name: (title, body) for name, title, body in report_bodies()}
LEFT, RIGHT, SIZE = 90.0, 505.0, 12.0  # a page of 小四 text: 34 characters a line


def raw_lines(data: bytes) -> list[list[str]]:
    """Each page's lines of text as the PDF holds them, for checking what a case puts the reader through."""
    with pdfplumber.open(BytesIO(data)) as pdf:
        return [(page.extract_text() or "").splitlines() for page in pdf.pages]


def line(text: str, top: float, x0: float = LEFT, x1: float | None = None, size: float = SIZE,
         first: float = SIZE) -> Line:
    """A line as a page sets it: by default it starts at the left edge and runs as far as its characters take it."""
    width = sum(SIZE / 2 if ch.isascii() else SIZE for ch in text)
    return Line(text, x0, x1 if x1 is not None else x0 + width, top, size, first)


@pytest.mark.parametrize(("body", "layout"), [
    ("bodies/weihai/czj-2021.txt", 0),  # 2021 tables, a row broken across pages, justified, first-line indents
    ("bodies/weihai/weihai-2020.txt", 1),  # no indents, ragged (a paragraph's end told by the sentence it closes), a page border
    ("bodies/jinchang/2017.txt", 2),  # header (issuer, date) on later pages only, page numbers at the outer edge
    ("bodies/xiangan/xiangan-2021.txt", 3),  # lines broken as Unicode breaks them, 小五 tables, 1/3
    ("bodies/yuncheng/2020.txt", 4),  # the table's header row repeated on each page, 第1页/共3页
    ("bodies/weihai/weihai-2018.txt", 5),  # justified with numbers and a URL, a bare page number
])
def test_word_exports_of_the_fixture_reports_read_back_as_written(body: str, layout: int) -> None:
    title, lines = BODIES[body]
    data = typeset(title, lines, LAYOUTS[layout])
    pages = raw_lines(data)
    assert len(pages) >= 3 and sum(map(len, pages)) > 1.5 * len(lines)  # paragraphs ran over several lines
    result = pdf_text(data)
    assert result.status == "ok"
    assert [p.text for p in result.paragraphs] == [title, *lines]
    assert [p.row for p in result.paragraphs] == [False, *("\t" in line for line in lines)]


def table_rows(data: bytes) -> list[list[str]]:
    """Each page's table rows as the PDF draws them, cells tab-joined."""
    with pdfplumber.open(BytesIO(data)) as pdf:
        return [["\t".join(c or "" for c in r) for t in page.find_tables() for r in t.extract()] for page in pdf.pages]


def test_the_cases_put_the_reader_through_what_they_say() -> None:
    title, lines = BODIES["bodies/weihai/czj-2021.txt"]
    data = typeset(title, lines, LAYOUTS[0])
    pages = raw_lines(data)
    assert all(page[0] == title for page in pages)  # the running header
    assert [page[-1] for page in pages] == [f"- {n} -" for n in range(1, len(pages) + 1)]
    assert sum(map(len, table_rows(data))) == sum("\t" in line for line in lines) + 1  # a row broke: two parts
    title, lines = BODIES["bodies/yuncheng/2020.txt"]
    rows = table_rows(typeset(title, lines, LAYOUTS[4]))
    seen = [set(r for page in rows[:n] for r in page) for n in range(len(rows))]
    assert any(page and page[0] in seen[n] for n, page in enumerate(rows) if n)  # a header row, again
    title, lines = BODIES["bodies/weihai/weihai-2020.txt"]
    with pdfplumber.open(BytesIO(typeset(title, lines, LAYOUTS[1]))) as pdf:
        assert all(any(r["width"] > 500 and r["height"] > 750 for r in page.rects) for page in pdf.pages)  # a border


def locked(user_password: str, font: str, lines: list[str]) -> bytes:
    """A PDF encrypted as many portals' are: an owner password against editing, and a user password or none."""
    out = BytesIO()
    sheet = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption(user_password, ownerPassword="owner", canModify=0))
    sheet.setFont(font, 12)
    for n, text in enumerate(lines):
        sheet.drawString(72, 750 - 20 * n, text)
    sheet.save()
    return out.getvalue()


def test_a_pdf_locked_against_editing_reads_and_one_locked_with_a_password_is_unreadable() -> None:
    lines = ["Annual Report on Government Information Disclosure 2021", "Jinchang Municipal People's Government",
             "Information disclosed on our own initiative: 2356 items."]
    result = pdf_text(locked("", "Helvetica", lines))
    assert (result.status, " ".join(p.text for p in result.paragraphs)) == ("ok", " ".join(lines))
    result = pdf_text(locked("secret", "Helvetica", lines))
    assert (result.status, result.detail) == ("unreadable", "encrypted with a password")


def test_glyphs_with_no_character_to_them_are_glyph_codes_not_text() -> None:
    # reportlab leaves a CID font's character collection (Adobe-GB1) unencrypted in an encrypted file, so the
    # reader cannot map the glyphs back to characters: as with any CID font without a Unicode map
    result = pdf_text(locked("", "STSong-Light", ["金昌市2021年政府信息公开工作年度报告全年主动公开政府信息"] * 20))
    assert result.status == "needs_ocr" and "glyph codes" in (result.detail or "")


@pytest.mark.parametrize("number", ["1", "- 2 -", "— 3 —", "·4·", "第 5 页", "第 1 页 共 3 页", "第1页/共3页",
                                    "共3页 第2页", "1/3", "Page 2 of 3", "－ 12 －"])
def test_page_numbers_in_their_usual_forms_are_dropped(number: str) -> None:
    page = [line("一、总体情况", 100), line("全年主动公开政府信息2356条。", 130), line(number, 800, x0=290)]
    assert drop_running_lines([page]) == [page[:2]]


def test_a_line_at_the_foot_of_a_page_that_is_no_page_number_is_kept() -> None:
    for text in ("2022年1月26日", "18426", "金川区人民政府办公室", "1.5万元"):
        page = [line("全年主动公开政府信息2356条。", 100), line(text, 800)]
        assert drop_running_lines([page]) == [page]


def test_running_headers_and_footers_repeat_at_the_same_height() -> None:
    header, footer = "金昌市2021年政府信息公开工作年度报告", "金昌市人民政府办公室　2022年1月"
    body = ["全年主动公开政府信息2356条。", "（一）依申请公开。", "二、存在的主要问题及改进情况"]
    pages = [[line(header, 50, x0=220), line(text, 120), line(footer, 790), line(f"- {n} -", 810)]
             for n, text in enumerate(body, 1)]
    pages[2].insert(2, line("2022年1月26日", 600))  # the signature date: at the page's foot but not repeated there
    kept = drop_running_lines(pages)
    assert [[x.text for x in page] for page in kept] == [body[:1], body[1:2], [body[2], "2022年1月26日"]]
    # the same text lower down on one page is body text, not the running header
    pages[1].insert(1, line(header, 400, x0=220))
    assert line(header, 400, x0=220) in drop_running_lines(pages)[1]


def test_on_a_page_of_its_own_a_header_in_the_margin_goes_and_a_note_under_the_text_stays() -> None:
    body = [line(f"第{n}行正文，全年主动公开政府信息。", 120 + 20 * n) for n in range(5)]
    header = line("金昌市人民政府办公室", 50, x0=240, size=9)  # 小五, in the top margin
    note = line("注：本表数据统计截至2021年12月31日。", 120 + 20 * 5, size=9)  # 小五, right under the text
    assert drop_running_lines([[header, *body, note]]) == [[*body, note]]
    assert drop_running_lines([[line(header.text, 50, x0=240), *body]]) == [[line(header.text, 50, x0=240), *body]]


def test_a_line_runs_on_when_the_next_lines_first_piece_would_not_have_fitted() -> None:
    url = "www.jinchang.gov.cn）查阅和下载。"
    lines = [
        line("一、总体情况", 100),
        line("本报告电子版可在金昌市人民政府门户网站（", 130, x0=LEFT + 2 * SIZE, x1=RIGHT - 4 * SIZE),
        line(url, 150, first=9.5 * SIZE),  # the URL could not break: the line before wrapped, 4 characters short
        line("全年共收到政府信息公开申请38件，其中当面申请6件。", 170, x0=LEFT + 2 * SIZE, x1=RIGHT - 3 * SIZE),
        line("网络申请27件。", 190),  # a Chinese character would have fitted: the line before ended a paragraph
        line("（一）主动公开。全年主动公开政府信息2356条，其中通过政府网站", 210, x1=RIGHT),
        line("1.5万余条，已全部按期办结。", 230, first=1.5 * SIZE),  # a number, not a heading 1.
        line("（二）依申请公开。", 250),
        line("金昌市人民政府办公室", 280, x0=RIGHT - 12 * SIZE, x1=RIGHT - 2 * SIZE),
        line("2022年1月26日", 300, x0=RIGHT - 8 * SIZE, x1=RIGHT - 2 * SIZE),
    ]
    assert [p.text for p in reflow([lines])] == [
        "一、总体情况", "本报告电子版可在金昌市人民政府门户网站（" + url,
        "全年共收到政府信息公开申请38件，其中当面申请6件。", "网络申请27件。",
        "（一）主动公开。全年主动公开政府信息2356条，其中通过政府网站1.5万余条，已全部按期办结。",
        "（二）依申请公开。", "金昌市人民政府办公室", "2022年1月26日"]


def test_a_change_of_font_size_parts_the_title_from_the_body_and_a_wrapped_title_stays_whole() -> None:
    big = 22.0
    lines = [Line("金昌市人民政府办公室关于2021年政府信息公开", LEFT, RIGHT, 60, big, big),
             Line("工作年度报告", 240, 372, 90, big, big),
             line("本报告依据《中华人民共和国政府信息公开条例》和上级有关要求编制，所列数据的统计", 130,
                  x0=LEFT + 2 * SIZE, x1=RIGHT),
             line("期限自2021年1月1日起至2021年12月31日止。", 150)]
    assert [p.text for p in reflow([lines])] == [
        "金昌市人民政府办公室关于2021年政府信息公开工作年度报告",
        "本报告依据《中华人民共和国政府信息公开条例》和上级有关要求编制，所列数据的统计期限自2021年1月1日起至2021年12月31日止。"]


def row(texts: list[str], top: float, rooms: list[float] | None = None, edges: tuple[float, ...] = (90, 250, 380, 505)
        ) -> Line:
    cells = tuple(Cell(a, b, text, 10.5, 10.5, room) for (a, b), text, room in
                  zip(pairwise(edges), texts, rooms or [100.0] * len(texts), strict=True))
    return Line("\t".join(texts), edges[0], edges[-1], top, 0.0, row=True, cells=cells)


def test_a_table_row_broken_over_a_page_is_joined_and_a_repeated_header_row_dropped() -> None:
    header = row(["信息内容", "本年制发件数", "现行有效件数"], 600)
    first = [line("二、主动公开政府信息情况", 560), header, row(["规章", "1", "7"], 640),
             row(["（二）部分公开（区分处理的，只计这一", "5", "6"], 700, rooms=[4.0, 100, 100])]
    second = [row(["信息内容", "本年制发件数", "现行有效件数"], 100),
              row(["情形，不计其他情形）", "", ""], 130), row(["行政规范性文件", "12", "81"], 160)]
    joined = join_tables([first, second])
    assert [x.text for x in joined[1]] == ["行政规范性文件\t12\t81"]
    assert joined[0][-1].text == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t5\t6"


def test_a_row_that_only_looks_like_the_rest_of_the_one_before_stays_a_row() -> None:
    # The label before the break left room for more: the row at the top of the next page is a row of its own.
    first = [row(["3.政策解读稿件发布数", "篇", "17"], 700, rooms=[60.0, 100, 100])]
    second = [row(["三、依申请公开情况", "", ""], 100)]
    assert join_tables([first, second]) == [first, second]
    # Another grid altogether is another table.
    assert join_tables([first, [row(["三、依申请公开情况", ""], 100, edges=(90, 300, 505))]])[1] != []


WORDS = ["2021", "12345", "6.8", "www.gov.cn", "0935-8213615", "PDF"]
CHARACTERS = "政府信息公开工作年度报告主动申请办理情况全市按照要求进行完善制度加强平台建设规范管理推进落实重点领域"


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    """A paragraph of report prose running over two lines at least (a document whose paragraphs all fit on one
    line shows no text width): clauses of Chinese with numbers, a URL or a quoted phrase, closed by 。"""
    clauses = []
    for _ in range(draw(st.integers(5, 9))):
        parts = draw(st.lists(st.one_of(st.text(CHARACTERS, min_size=4, max_size=9), st.sampled_from(WORDS),
                                        st.text(CHARACTERS, min_size=2, max_size=4).map(lambda t: f"“{t}”")),
                              min_size=3, max_size=5))
        clauses.append(CHARACTERS[draw(st.integers(0, len(CHARACTERS) - 1))] + "".join(parts))
    return "，".join(clauses) + "。"


@settings(max_examples=25, deadline=None)
@given(st.lists(paragraphs(), min_size=2, max_size=6), st.sampled_from([0, 2, 3, 4, 5]))
def test_any_prose_typeset_with_first_line_indents_reads_back_paragraph_for_paragraph(
        body: list[str], layout: int) -> None:
    title = "某某县2020年政府信息公开工作年度报告"
    result = pdf_text(typeset(title, body, LAYOUTS[layout]))
    assert [p.text for p in result.paragraphs] == [title, *body]
