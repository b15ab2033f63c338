"""Reports published as RTF (crawler/rtf.py): typed from the bytes, their text in the code page the file
declares, paragraphs and table rows as for DOCX, and taken by a page that only points to the file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.documents import DOCUMENT_TYPES, document_text, rtf_text, sniff
from crawler.rtf import rtf_paragraphs
from crawler.text import clean_line
from crawler.urls import DOCUMENT_EXT
from pipelines.file_text import report_files, take_text
from tests.conftest import FIXTURES, PORTALS
from tests.test_attachments import page_item, record

WORD_RTF = PORTALS / "www.jinchang.gov.cn" / "attach" / "0" / "5d3e8a1c7b2f4e6d9a0c1b2e3f4a5b6c.rtf"
WORD_TEXT = FIXTURES / "attachments" / "jinchang_gtj_2017.txt"
HEAD = rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\froman\fcharset0 Times New Roman;}{\f1\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}"


def gbk(text: str) -> bytes:
    """Text as RTF writes it in a GBK font: each byte a \\'xx escape."""
    return b"".join(b"\\'%02x" % b for b in text.encode("gbk"))


def texts(data: bytes) -> list[str]:
    return [p.text for p in rtf_paragraphs(data)]


def test_word_rtf_of_a_report_reads_as_written() -> None:
    data = WORD_RTF.read_bytes()
    # what the file puts the reader through: Word's code page, a running header, a PAGE field, escapes split
    # over Word's line breaks, table rows
    assert b"\\ansicpg936" in data and b"{\\header " in data and b"PAGE" in data and b"\\row" in data
    assert b"\\'\r\n" not in data and any(line.startswith(b"\\'") for line in data.split(b"\r\n")[1:])
    assert sniff(data) == "rtf"
    result = document_text(data)
    assert result.status == "ok"
    expected = WORD_TEXT.read_text("utf-8").splitlines()
    assert [p.text for p in result.paragraphs] == expected
    assert [p.row for p in result.paragraphs] == ["\t" in line for line in expected]


def test_the_older_rtf_of_the_fixture_world_reads_too() -> None:
    data = (PORTALS / "www.jinchang.gov.cn" / "attach" / "0" / "8b1c2f0e5a7d4b3c9e6f1a2b3c4d5e6f.rtf").read_bytes()
    body = (FIXTURES / "expected" / "bodies" / "jinchang" / "2017.txt").read_text("utf-8").split("\n")
    assert texts(data) == ["金昌市2017年政府信息公开工作年度报告", *(line for line in body if line)]


def test_sniff_rtf_from_its_bytes_whatever_its_name() -> None:
    assert sniff(HEAD + b"x}") == "rtf"
    assert sniff(b"\xef\xbb\xbf\r\n" + HEAD + b"x}") == "rtf"  # a byte-order mark and a line end before it
    assert sniff(b"{\\rtf1\\ansi\\mac x}") == "rtf"
    assert sniff(b"{\\rt not rtf}") == "unknown"
    assert "rtf" in DOCUMENT_TYPES and DOCUMENT_EXT.search("/attach/0/report.RTF")


def test_bytes_in_the_code_page_of_the_font_or_the_document() -> None:
    report = "政府信息公开工作年度报告"
    # GBK under \ansicpg936, in an ANSI font (fcharset0) and in the GB2312 font (fcharset134)
    assert texts(HEAD + b"\\f0 " + gbk(report) + b"\\par \\f1 " + gbk(report) + b"\\par}") == [report, report]
    # a Western document (cp1252) whose Chinese is in the font Word names for double-byte text (\dbch\af1)
    western = rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Times;}{\f1\fcharset134 SimSun;}}"
    assert texts(western + b"{\\loch\\af0\\hich\\af0\\dbch\\af1\\loch\\f0 " + gbk(report) + b"} caf\\'e9\\par}") == [
        report + " café"]
    # Big5 in a Traditional Chinese font, under its own \cpg
    big5 = "".join(f"\\'{b:02x}" for b in "資訊公開".encode("big5")).encode()
    assert texts(rb"{\rtf1\ansi{\fonttbl{\f2\fcharset136 MingLiU;}}\f2 " + big5 + b"\\par}") == ["資訊公開"]
    # raw GBK bytes, as some converters write them, and a trail byte written as the ASCII letter it is
    lead, trail = "癆".encode("gbk")
    assert chr(trail).isascii()
    assert texts(HEAD + b"\\f1 " + "年度报告".encode("gbk") + b"\\'%02x" % lead + bytes([trail]) + b"\\par}") == [
        "年度报告癆"]


def test_unicode_escapes_and_their_fallbacks() -> None:
    high = ord("高")  # above 32767: RTF writes it as a negative number
    astral = "𠀀"  # beyond the BMP: a surrogate pair
    pair = astral.encode("utf-16-le")
    units = [int.from_bytes(pair[i:i + 2], "little") for i in (0, 2)]
    signed = [u - 65536 for u in units]
    data = (HEAD + b"\\uc2\\u25253\\'b1\\'a8\\u21578\\'b8\\'e6\\par"  # 报告, each with its two GBK fallback bytes
            + b"{\\uc1\\u%d?\\u%d?\\u%d?}\\par" % (high - 65536, signed[0], signed[1])
            + b"\\ldblquote \\u20844?\\u24320?\\rdblquote\\emdash\\par}")
    assert texts(data) == ["报告", "高" + astral, "“公开”—"]


def test_what_is_not_body_text_is_skipped_and_a_fields_result_kept() -> None:
    data = (HEAD + b"{\\stylesheet{\\s15 header;}}{\\info{\\title " + gbk("标题") + b"}{\\author x}}"
            + b"{\\header \\pard " + gbk("页眉：金昌市人民政府") + b"\\par}{\\footer \\pard{\\field{\\*\\fldinst PAGE}"
            + b"{\\fldrslt 1}}\\par}{\\*\\generator Microsoft Word 14.0;}{\\*\\unknowndest " + gbk("不可见") + b"}"
            + b"{\\pict\\pngblip 89504e470d0a1a0a}{\\object{\\*\\objdata 0105}{\\result " + gbk("嵌入对象") + b"}}"
            + b"\\pard " + gbk("详见") + b"{\\field{\\*\\fldinst HYPERLINK \"http://www.gov.cn\"}{\\fldrslt "
            + gbk("中国政府网") + b"}}\\par x" + gbk("正文") + b"\\bin4 {}\\\\" + gbk("完") + b"\\par}")
    assert texts(data) == ["详见中国政府网", "x正文完"]


def test_tables_as_rows_one_cell_per_cell_defined() -> None:
    def cell(text: str) -> bytes:
        return b"\\pard\\intbl " + gbk(text) + b"\\cell "

    row_def = b"\\trowd\\trgaph108\\cellx3000\\cellx5000\\cellx7000 "
    merged_def = b"\\trowd\\clvmgf\\cellx3000\\clmgf\\cellx5000\\clmrg\\cellx7000 "
    data = (HEAD + b"\\pard " + gbk("主要数据见下表：") + b"\\par "
            + merged_def + cell("主动公开") + cell("政府信息") + b"\\pard\\intbl\\cell \\row "
            + b"\\trowd\\clvmrg\\cellx3000\\cellx5000\\cellx7000 " + b"\\pard\\intbl\\cell "
            + cell("单位") + cell("条") + b"\\row "
            + row_def + b"\\pard\\intbl " + gbk("其中：") + b"\\par " + gbk("网站公开") + b"\\cell " + cell("条")
            + cell("587") + b"\\row "
            + row_def + b"\\pard\\intbl\\cell\\pard\\intbl\\cell\\pard\\intbl\\cell\\row "  # an empty row
            + b"\\pard " + gbk("三、依申请公开") + b"\\par}")
    result = rtf_paragraphs(data)
    assert [(p.text, p.row) for p in result] == [
        ("主要数据见下表：", False), ("主动公开\t政府信息", True), ("\t单位\t条", True), ("其中：网站公开\t条\t587", True),
        ("三、依申请公开", False)]


def test_a_broken_rtf_gives_what_it_holds_a_hostile_one_is_unreadable() -> None:
    whole = WORD_RTF.read_bytes()
    cut = whole[: len(whole) // 2]  # a download cut short: no closing braces
    expected = WORD_TEXT.read_text("utf-8").splitlines()
    got = [p.text for p in rtf_paragraphs(cut)]
    assert got[:-1] == expected[: len(got) - 1] and got[-1] and expected[len(got) - 1].startswith(got[-1])
    deep = rtf_text(b"{\\rtf1" + b"{" * 100_000 + b"x")
    assert deep.status == "unreadable" and "nested" in (deep.detail or "")
    scan = document_text(HEAD + b"{\\pict\\jpegblip ffd8ffe000104a464946}\\par}")
    assert (scan.status, scan.detail) == ("needs_ocr", "RTF holds no text (a pasted scan)")


def test_a_pointer_page_takes_its_text_from_the_rtf(tmp_path: Path) -> None:
    files = [record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.rtf", WORD_RTF.read_bytes(), "金川区年报.rtf"),
             {**record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P2.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
              "type": "ole"}]
    assert [r["url"] for r in report_files(files, "http://www.jinchuan.gov.cn/zwgk/t1.html")] == [files[0]["url"]]
    item = page_item("<p>详见附件。</p>", files)
    take_text(item)
    assert [p.text for p in item.paragraphs] == WORD_TEXT.read_text("utf-8").splitlines()
    assert (item.extracted_by, item.flags) == ("attachment:rtf", ["from_attachment"])


ALPHABET = st.characters(codec="utf-8", categories=["Lo", "Nd", "Lu", "Ll", "Po", "Ps", "Pe", "Sm", "So"])


def escape(text: str, rng: st.DataObject) -> bytes:
    """``text`` as an RTF writer escapes it: ASCII as is, GBK as \\'xx bytes, anything else as \\uN? (two units
    beyond the BMP), a line break between any two tokens now and then (readers ignore them)."""
    out = []
    for ch in text:
        if ch in "\\{}":
            token = b"\\" + ch.encode()
        elif ch.isascii():
            token = ch.encode()
        else:
            try:
                token = gbk(ch)
            except UnicodeEncodeError:
                raw = ch.encode("utf-16-le")
                units = [int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw), 2)]
                token = b"".join(b"\\u%d?" % (u - 65536 if u > 32767 else u) for u in units)
        out.append(token + (b"\r\n" if rng.draw(st.booleans()) and rng.draw(st.booleans()) else b""))
    return b"".join(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(ALPHABET, min_size=1, max_size=40), min_size=1, max_size=5), st.data())
def test_any_text_escaped_as_rtf_writers_escape_it_reads_back(paragraphs: list[str], rng: st.DataObject) -> None:
    data = HEAD + b"\\uc1\\f1 " + b"".join(escape(p, rng) + b"\\par " for p in paragraphs) + b"}"
    assert texts(data) == [clean_line(p) for p in paragraphs if clean_line(p)]
