"""Reports published as attachments: file types from bytes, text of PDF/DOCX/DOC, the attachments pipeline's
choice, the store, and a crawl of a small portal whose reports live in files (built here, replayed on loopback)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import docx
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlite_utils import Database

from crawler import store
from crawler.documents import doc_text, document_text, docx_text, pdf_text, sniff
from crawler.items import Paragraph, ReportPage
from crawler.replay import ReplayServer, ReplayWorld
from pipelines.attachments import link_texts, served_name
from pipelines.extract import extract
from pipelines.file_text import MIN_OWN_TEXT, own_text, report_files, take_text
from tests.conftest import FIXTURES, column_site, crawl_one_site

FONT, SIZE, LEFT, TOP, LEADING = "STSong-Light", 10.5, 72, 770, 16
WIDTH = A4[0] - 2 * LEFT
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

REPORT_2019 = [
    "金川区2019年政府信息公开工作年度报告",
    "本报告由金川区人民政府办公室根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制，"
    "本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。",
    "一、总体情况",
    "2019年，金川区深入贯彻落实新修订的《条例》，围绕区委、区政府中心工作，坚持以公开为常态、不公开为例外，"
    "全面推进决策、执行、管理、服务、结果公开，全年主动公开政府信息2356条，其中通过政府网站公开1987条。",
    "二、收到和处理政府信息公开申请情况",
    "全年共收到政府信息公开申请38件，其中当面申请6件，网络申请27件，信函申请5件，已全部按期办结。",
    "三、政府信息公开行政复议、行政诉讼情况",
    "全年未发生因政府信息公开引起的行政复议和行政诉讼。",
    "四、存在的主要问题及改进情况",
    "一是部分单位对政府信息公开工作重视不够，信息更新不及时；二是公开内容的深度和广度有待加强，"
    "政策解读形式单一。下一步，我区将加强业务培训，完善考核机制，推动政府信息公开工作提质增效。",
    "金川区人民政府办公室",
    "2020年1月15日",
]
REPORT_2016 = [
    "金川区2016年政府信息公开工作年度报告",
    "本年报依据《中华人民共和国政府信息公开条例》编制，统计期限自2016年1月1日起至2016年12月31日止。",
    "一、概述",
    "2016年，金川区以推进政府信息公开为抓手，不断完善工作机制，拓宽公开渠道，全年主动公开政府信息1642条，"
    "受理政府信息公开申请15件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼。",
    "二、存在的主要问题及改进措施",
    "部分单位公开信息不够及时，我区将进一步加强督促检查，提高公开质量。",
    "金川区人民政府办公室",
    "2017年1月20日",
]
REPORT_2020: list[str | list[str]] = [
    "金川区2020年政府信息公开工作年度报告",
    "本报告依据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室印发的年度报告格式编制。",
    "一、总体情况",
    "2020年，金川区坚持以人民为中心的发展思想，全面推进基层政务公开标准化规范化建设，全年主动公开政府信息2614条。",
    "二、主动公开政府信息情况",
    ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
    ["规章", "0", "0", "0"],
    ["规范性文件", "3", "3", "27"],
    "三、收到和处理政府信息公开申请情况",
    "全年收到政府信息公开申请41件，办结41件，其中予以公开29件，部分公开7件，不予公开5件。",
    "四、存在的主要问题及改进情况",
    "公开内容的针对性和实用性有待提高，我区将进一步加强业务培训和工作指导。",
    "金川区人民政府办公室",
    "2021年1月20日",
]
ERROR_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
              "<body><h1>对不起，您访问的页面不存在或已被删除！</h1><a href=\"/\">返回首页</a></body></html>")


def wrap(text: str) -> list[str]:
    """The lines a word processor breaks a paragraph into at the page's text width."""
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, FONT, SIZE) > WIDTH:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a Chinese text layer (CID font, no font file needed): paragraphs wrapped, page numbers below."""
    out = BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for number, paragraphs in enumerate(pages, 1):
        sheet.setFont(FONT, SIZE)
        y = TOP
        for paragraph in paragraphs:
            for line in wrap(paragraph):
                sheet.drawString(LEFT, y, line)
                y -= LEADING
        sheet.drawCentredString(A4[0] / 2, 40, f"- {number} -")
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A scan: each page one photographed image, no text layer."""
    page = Image.new("L", (620, 877), 255)
    pen = ImageDraw.Draw(page)
    for y in range(90, 800, 28):
        pen.rectangle((70, y, 550 if y % 140 else 300, y + 12), fill=30)  # lines of print, as a scanner sees them
    out = BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for _ in range(2):
        sheet.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def word(blocks: list[str | list[str]]) -> bytes:
    """A DOCX with paragraphs, and consecutive list blocks as one table."""
    document = docx.Document()
    rows: list[list[str]] = []
    for block in [*blocks, ""]:
        if isinstance(block, list):
            rows.append(block)
            continue
        if rows:
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, text in enumerate(row):
                    table.cell(i, j).text = text
            rows = []
        if block:
            document.add_paragraph(block)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def lines_of(blocks: list[str | list[str]]) -> list[str]:
    return ["\t".join(b) if isinstance(b, list) else b for b in blocks]


# -- file types and text -------------------------------------------------------------------------------


def test_sniff_tells_the_type_from_the_bytes_not_the_name() -> None:
    assert sniff(pdf([REPORT_2019[:2]])) == "pdf"
    assert sniff(b"\r\n" + pdf([REPORT_2019[:2]])) == "pdf"  # a server's stray bytes before %PDF-
    assert sniff(word(REPORT_2020)) == "docx"
    assert sniff((FIXTURES / "attachments" / "yongchang_2014.doc").read_bytes()) == "doc"
    assert sniff(ERROR_PAGE.encode("utf-8")) == "html"
    assert sniff("\ufeff<html><body>系统维护中</body></html>".encode()) == "html"
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(archive.getvalue()) == "zip"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == "ole"  # an .xls, not a Word file
    assert sniff(b"  \n") == "empty"
    picture = BytesIO()
    Image.new("L", (8, 8)).save(picture, "JPEG")
    assert sniff(picture.getvalue()) == "image"
    assert sniff(b"\x00\x01binary") == "unknown"


def test_pdf_text_layer_reads_back_as_paragraphs_without_page_numbers() -> None:
    data = pdf([REPORT_2019[:6], REPORT_2019[6:]])
    assert any(len(wrap(p)) > 2 for p in REPORT_2019)  # the test means something: paragraphs ran over lines
    result = pdf_text(data)
    assert result.status == "ok"
    assert [p.text for p in result.paragraphs] == REPORT_2019


def test_a_scan_needs_ocr_and_so_does_a_text_layer_of_glyph_codes() -> None:
    result = pdf_text(scanned_pdf())
    assert (result.status, result.paragraphs) == ("needs_ocr", [])
    assert result.detail == "no text layer (2 pages)"
    # GBK bytes shown through a one-byte font: what a reader gets from a PDF whose CJK font has no Unicode map.
    mojibake = "金川区政府信息公开工作年度报告，全年主动公开政府信息二千余条。".encode("gbk").decode("latin-1")
    out = BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for y in range(760, 400, -20):
        sheet.drawString(LEFT, y, mojibake)
    sheet.save()
    result = pdf_text(out.getvalue())
    assert result.status == "needs_ocr" and "glyph codes" in (result.detail or "")


def test_broken_and_hostile_pdfs_are_unreadable_not_a_crash() -> None:
    whole = pdf([REPORT_2019[:4]])
    for data in (whole[:300], whole[:-200], b"%PDF-1.7\n" + b"\xff" * 2000,
                 b"%PDF-1.4\n1 0 obj << /Length 99999999 >> stream\n"):
        result = pdf_text(data)
        assert result.status == "unreadable", data[:20]
        assert result.detail and result.detail.startswith("PDF: ")


def test_docx_paragraphs_and_table_rows_in_document_order() -> None:
    result = docx_text(word(REPORT_2020))
    assert result.status == "ok"
    assert [p.text for p in result.paragraphs] == lines_of(REPORT_2020)
    assert [p.row for p in result.paragraphs] == [isinstance(b, list) for b in REPORT_2020]


def test_docx_merged_cells_give_one_cell_per_cell_as_html_does() -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "信息内容"  # spans two rows
    table.cell(0, 1).merge(table.cell(0, 2)).text = "第二十条第（一）项"  # spans two columns
    table.cell(1, 1).text, table.cell(1, 2).text = "本年新制作数量", "本年新公开数量"
    for j, text in enumerate(["规章", "0", "0"]):
        table.cell(2, j).text = text
    out = BytesIO()
    document.save(out)
    rows = [p.text for p in docx_text(out.getvalue()).paragraphs]
    assert rows == ["信息内容\t第二十条第（一）项", "\t本年新制作数量\t本年新公开数量", "规章\t0\t0"]


def test_docx_that_is_a_broken_zip_or_a_bomb_is_unreadable() -> None:
    good = word(REPORT_2020)
    assert docx_text(good[: len(good) // 2]).status == "unreadable"
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(201):
                f.write(block)
    result = docx_text(bomb.getvalue())
    assert result.status == "unreadable" and "inflates" in (result.detail or "")


def test_docx_with_only_a_pasted_scan_needs_ocr() -> None:
    document = docx.Document()
    picture = BytesIO()
    Image.new("L", (200, 280), 200).save(picture, "PNG")
    document.add_picture(picture)
    out = BytesIO()
    document.save(out)
    assert docx_text(out.getvalue()).status == "needs_ocr"


def test_legacy_doc_through_antiword() -> None:
    folder = FIXTURES / "attachments"
    result = doc_text((folder / "yongchang_2014.doc").read_bytes())
    assert result.status == "ok", result.detail
    assert [p.text for p in result.paragraphs] == (folder / "yongchang_2014.txt").read_text("utf-8").splitlines()
    assert [p.text for p in result.paragraphs if p.row] == ["指标\t单位\t数量", "主动公开政府信息\t条\t1286",
                                                          "其中：政府网站公开\t条\t1102"]


def test_legacy_doc_without_antiword_needs_conversion(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the converter
    result = document_text((FIXTURES / "attachments" / "yongchang_2014.doc").read_bytes())
    assert (result.status, result.detail) == ("needs_conversion", "antiword is not installed")


def test_a_corrupt_doc_needs_conversion_with_antiwords_reason() -> None:
    data = (FIXTURES / "attachments" / "yongchang_2014.doc").read_bytes()
    result = doc_text(data[:4096])
    assert result.status == "needs_conversion" and result.detail and result.detail.startswith("antiword failed")


def test_an_html_error_page_is_not_a_document() -> None:
    result = document_text(ERROR_PAGE.encode("utf-8"))
    assert (result.status, result.detail) == ("not_a_document", "the file is html")


# -- which page points to its attachment ---------------------------------------------------------------

POINTER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_金川区人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<h1>{title}</h1><div class="info">发布时间：2020-01-15 来源：区政府办</div>
<div class="TRS_Editor">{body}</div>
<div class="footer">版权所有：金昌市金川区人民政府 陇ICP备05000002号</div></body></html>"""


def paragraphs_of(body: str, title: str = "金川区2019年政府信息公开工作年度报告") -> tuple[list[Paragraph], str]:
    result = extract(POINTER_PAGE.format(title=title, body=body), "http://www.jinchuan.gov.cn/zwgk/t1.html",
                     ("div.TRS_Editor",))
    return result.paragraphs, title


@pytest.mark.parametrize("body", [
    "<p>详见附件。</p><p>附件：<a href='P1.pdf'>金川区2019年政府信息公开工作年度报告.pdf</a></p>",
    "<p>根据《中华人民共和国政府信息公开条例》规定，现将《金川区2019年政府信息公开工作年度报告》予以公布，"
    "具体内容请查看附件。</p><p><a href='P1.pdf'>附件下载</a></p>",
    "<p><a href='P1.docx'>金川区2019年政府信息公开工作年度报告（Word版）</a></p>",
    "",
])
def test_a_page_that_only_points_to_its_attachment_has_no_text_of_its_own(body: str) -> None:
    assert own_text(paragraphs_of(body)[0]) == 0


def test_a_report_on_the_page_has_text_of_its_own_even_with_attachments() -> None:
    body = "".join(f"<p>{p}</p>" for p in REPORT_2019[1:]) + "<p>附件：<a href='P1.pdf'>统计表.pdf</a></p>"
    assert own_text(paragraphs_of(body)[0]) >= 2 * MIN_OWN_TEXT  # its running text, headings and signature aside


def test_link_texts_from_the_body_titles_and_script_variables() -> None:
    page = ("<p><a href='./P1.pdf'>金川区2019年报.pdf</a> <a href=\"/up/P2.docx\" title=\"统计表.docx\"><img src=x></a></p>"
            "<script>var att = '<a href=\\\"./P3.pdf\\\">附件3</a>';</script>")
    assert link_texts(page, "http://www.jinchuan.gov.cn/zwgk/t1.html") == {
        "http://www.jinchuan.gov.cn/zwgk/P1.pdf": "金川区2019年报.pdf",
        "http://www.jinchuan.gov.cn/up/P2.docx": "统计表.docx",
        "http://www.jinchuan.gov.cn/zwgk/P3.pdf": "附件3",
    }


def test_served_name_from_content_disposition_or_the_url() -> None:
    url = "http://www.jinchuan.gov.cn/module/download/downfile.jsp?filename=P1.pdf"
    assert served_name(url, b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf") == "年报.pdf"
    assert served_name(url, 'attachment; filename="年报.pdf"'.encode("gbk")) == "年报.pdf"
    assert served_name(url, b'attachment; filename="x.pdf"; filename*=UTF-8\'\'%E5%B9%B4.pdf') == "年.pdf"
    assert served_name("http://a.gov.cn/up/%E5%B9%B4%E6%8A%A5.pdf", None) == "年报.pdf"
    assert served_name(url, None) == "downfile.jsp"


def record(tmp_path: Path, url: str, data: bytes, name: str | None = None) -> dict:
    path = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    path.write_bytes(data)
    kind = sniff(data)
    return {"url": url, "name": name, "filename": url.rsplit("/", 1)[-1], "type": kind,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "status": "not_a_document" if kind == "html" else "ok", "path": str(path)}


def page_item(body: str, files: list[dict]) -> ReportPage:
    paragraphs, title = paragraphs_of(body)
    item = ReportPage(site_id="jinchuan", site_name="金昌市金川区人民政府", region="甘肃省金昌市金川区",
                      url="http://www.jinchuan.gov.cn/zwgk/t1.html", status=200, fetched_at="", page_sha256="",
                      html="", template="generic", list_title=title)
    item.paragraphs, item.page_title, item.attachment_files = paragraphs, title, files
    return item


def test_report_files_put_the_report_before_other_documents(tmp_path: Path) -> None:
    table = record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.pdf", pdf([["统计表"]]), "附件1：统计表.pdf")
    xls = {**record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P2.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "type": "ole"}
    report = record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P3.pdf", pdf([REPORT_2019]),
                    "附件2：金川区2019年政府信息公开工作年度报告.pdf")
    assert [r["url"] for r in report_files([table, xls, report], "http://www.jinchuan.gov.cn/zwgk/t1.html")] == [
        report["url"], table["url"]]


def test_take_text_from_the_attachment_of_a_pointer_page(tmp_path: Path) -> None:
    files = [record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.pdf", pdf([REPORT_2019]), "金川区2019年报.pdf")]
    item = page_item("<p>详见附件。</p>", files)
    take_text(item)
    assert [p.text for p in item.paragraphs] == REPORT_2019
    assert item.extracted_by == "attachment:pdf"
    assert item.flags == ["from_attachment"]
    assert item.evidence["from_attachment"] == {"url": files[0]["url"], "type": "pdf", "filename": "P1.pdf"}


def test_a_page_with_its_own_report_keeps_it(tmp_path: Path) -> None:
    files = [record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.pdf", pdf([REPORT_2016]), "2016年报.pdf")]
    item = page_item("".join(f"<p>{p}</p>" for p in REPORT_2019[1:]), files)
    before = list(item.paragraphs)
    take_text(item)
    assert item.paragraphs == before and item.flags == []


def test_a_scan_is_kept_without_text_and_flagged(tmp_path: Path) -> None:
    files = [record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.pdf", scanned_pdf(), "金川区2019年报.pdf")]
    item = page_item("<p>详见附件。</p>", files)
    take_text(item)
    assert item.paragraphs == [] and item.flags == ["needs_ocr"]
    assert item.evidence["needs_ocr"] == [{"url": files[0]["url"], "detail": "no text layer (2 pages)"}]


def test_an_error_page_in_place_of_the_file_is_flagged_unreadable(tmp_path: Path) -> None:
    files = [record(tmp_path, "http://www.jinchuan.gov.cn/zwgk/P1.pdf", ERROR_PAGE.encode("utf-8"))]
    item = page_item("<p>详见附件。</p>", files)
    take_text(item)
    assert item.paragraphs == [] and item.flags == ["attachment_unreadable"]
    assert item.evidence["attachment_unreadable"] == [{"url": files[0]["url"], "detail": "not_a_document"}]


def test_store_keeps_text_less_reports_apart_and_files_once(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "c.db")
    scans = []
    for n in (1, 2):
        item = page_item("", [record(tmp_path, f"http://www.jinchuan.gov.cn/zwgk/P{n}.pdf", scanned_pdf() + bytes([n]))])
        item.url = f"http://www.jinchuan.gov.cn/zwgk/t{n}.html"
        item.flag("needs_ocr")
        scans.append(item)
    assert [store.save_report(db, s) for s in scans] == [store.NEW, store.NEW]  # two scans are two reports, not one empty text
    assert store.save_report(db, scans[0]) == store.SEEN
    rows = list(db["attachment_files"].rows)
    assert len(rows) == 2 and {r["sha256"] for r in rows} == {s.attachment_files[0]["sha256"] for s in scans}
    assert {r["report_id"] for r in rows} == {store.report_key(s) for s in scans}


# -- a crawl of a portal whose reports live in files ---------------------------------------------------

HOST = "www.jinchuan.gov.cn"
SITE = f"http://{HOST}"
COLUMN = "/zwgk/zfxxgknb/"
BIG = 50 * 1024 * 1024 + 1  # one byte over the default GOVCRAWL_ATTACHMENT_MAX_BYTES
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="PubDate" content="{date}">
<title>{title}_金川区人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div><h1>{title}</h1>
<div class="TRS_Editor">{body}</div>
<div class="footer">版权所有：金昌市金川区人民政府 陇ICP备05000002号</div></body></html>"""
DISPOSITION = "attachment; filename*=UTF-8''%E9%87%91%E5%B7%9D%E5%8C%BA2016%E5%B9%B4%E6%8A%A5.pdf"
FILES = {
    f"{COLUMN}202001/P020200115512345678901.pdf": pdf([REPORT_2019[:6], REPORT_2019[6:]]),
    f"{COLUMN}202101/P020210120498765432101.docx": word(REPORT_2020),
    f"{COLUMN}201801/P020180125300000000001.pdf": scanned_pdf(),
    "/upload/2017/01/P020170120000000000001.pdf": pdf([REPORT_2016]),
    f"{COLUMN}201901/P020190118000000000001.pdf": ERROR_PAGE.encode("utf-8"),
    f"{COLUMN}201601/P020160122000000000001.pdf": ERROR_PAGE.encode("utf-8"),
}
REPORTS = {  # year → (list entry URL, list date)
    2019: (f"{COLUMN}202001/t20200115_101.html", "2020-01-15"),
    2020: (f"{COLUMN}202101/P020210120498765432101.docx", "2021-01-20"),
    2018: (f"{COLUMN}201901/t20190118_88.html", "2019-01-18"),
    2017: (f"{COLUMN}201801/P020180125300000000001.pdf", "2018-01-25"),
    2016: (f"{COLUMN}201701/t20170120_55.html", "2017-01-20"),
    2015: (f"{COLUMN}201601/t20160122_30.html", "2016-01-22"),
}
DOWNLOAD = "/module/download/downfile.jsp?classid=0&filename=P020170120000000000001.pdf"


def write(root: Path, path: str, content: str | bytes) -> None:
    target = root / HOST / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def pointer_page(year: int, href: str) -> str:
    title = f"金川区{year}年政府信息公开工作年度报告"
    return PAGE.format(date=REPORTS[year][1], title=title, body=(
        f"<p>{title}详见附件。</p><p>附件：<a href=\"{href}\">{title}.pdf</a></p>"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("files-world")
    column_site(root, HOST, PAGE, "金川区", COLUMN, ((year, url, date) for year, (url, date) in REPORTS.items()))
    for path, data in FILES.items():
        write(root, path, data)
    write(root, f"{COLUMN}201901/P020190118000000000002.pdf", b"")
    with (root / HOST / f"{COLUMN.strip('/')}/201901/P020190118000000000002.pdf").open("r+b") as big:
        big.write(b"%PDF-1.7\n")
        big.truncate(BIG)
    write(root, REPORTS[2019][0], pointer_page(2019, "./P020200115512345678901.pdf"))
    write(root, REPORTS[2016][0], pointer_page(2016, DOWNLOAD))
    write(root, REPORTS[2015][0], pointer_page(2015, "./P020160122000000000001.pdf"))
    own = "".join(f"<p>{p.replace('2019', '2018').replace('2020', '2019')}</p>" for p in REPORT_2019[1:])
    write(root, REPORTS[2018][0], PAGE.format(date="2019-01-18", title="金川区2018年政府信息公开工作年度报告", body=(
        own + '<p>附件1：<a href="./P020190118000000000001.pdf">2018年政府信息公开情况统计表.pdf</a></p>'
        '<p>附件2：<a href="./P020190118000000000002.pdf">2018年依申请公开原始记录.pdf</a></p>'
        '<p>附件3：<a href="/private/2019/P020190118000000000003.pdf">内部审核意见.pdf</a></p>')))
    (root / HOST / "_replay.yaml").write_text(
        "routes:\n"
        f"  '{DOWNLOAD}': {{status: 302, headers: {{Location: /upload/2017/01/P020170120000000000001.pdf}}}}\n"
        f"  '/upload/2017/01/P020170120000000000001.pdf': {{headers: {{Content-Disposition: \"{DISPOSITION}\"}}}}\n",
        "utf-8")
    return root


@pytest.fixture(scope="module")
def crawl(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    server = ReplayServer(ReplayWorld(world)).start_background()
    folder = tmp_path_factory.mktemp("files-crawl")

    def run() -> subprocess.CompletedProcess[str]:
        return crawl_one_site(folder, f"{{id: jinchuan, name: 金昌市金川区人民政府, region: 甘肃省金昌市金川区, "
                                      f"url: '{SITE}/', template: generic}}", "--proxy", server.url)[1]

    result = run()
    assert result.returncode == 0, result.stderr[-3000:]
    yield {"db": Database(folder / "c.db"), "folder": folder, "requests": list(server.requests), "run": run}
    server.stop()


def report(crawl: dict, year: int) -> dict:
    [row] = [r for r in crawl["db"]["reports"].rows if r["report_year"] == year]
    return row


def files_of(crawl: dict, row: dict) -> dict[str, dict]:
    return {f["url"].removeprefix(SITE): f for f in crawl["db"]["attachment_files"].rows_where("report_id = ?", [row["id"]])}


def assert_file(row: dict, path: str, kind: str) -> None:
    data = FILES[path]
    assert (row["type"], row["status"], row["size"], row["sha256"]) == (
        kind, "ok", len(data), hashlib.sha256(data).hexdigest())
    assert Path(row["path"]).read_bytes() == data


def test_every_report_is_stored_once(crawl: dict) -> None:
    titles = sorted((r["report_year"], r["title"]) for r in crawl["db"]["reports"].rows)
    assert titles == [(year, f"金川区{year}年政府信息公开工作年度报告") for year in sorted(REPORTS)]


def test_a_pointer_page_takes_its_text_from_the_pdf(crawl: dict) -> None:
    row = report(crawl, 2019)
    assert row["body"].split("\n") == REPORT_2019[1:]
    assert json.loads(row["flags"]) == ["from_attachment"]
    assert (row["extracted_by"], row["publish_date"], row["url"]) == (
        "attachment:pdf", "2020-01-15", SITE + REPORTS[2019][0])
    assert row["agency"] == "金川区人民政府办公室" and row["edition"] == "trial_2019"
    [(path, file)] = files_of(crawl, row).items()
    assert file["name"] == "金川区2019年政府信息公开工作年度报告.pdf"
    assert file["filename"] == "P020200115512345678901.pdf"
    assert_file(file, path, "pdf")
    assert Path(file["path"]).is_relative_to(crawl["folder"] / "files")  # next to the database


def test_a_column_entry_that_is_a_docx_is_a_full_report(crawl: dict) -> None:
    row = report(crawl, 2020)
    assert row["body"].split("\n") == lines_of(REPORT_2020)[1:]
    assert json.loads(row["flags"]) == ["from_attachment"]
    assert (row["extracted_by"], row["publish_date"], row["url"]) == (
        "attachment:docx", "2021-01-20", SITE + REPORTS[2020][0])
    [(path, file)] = files_of(crawl, row).items()
    assert file["name"] == "金川区2020年政府信息公开工作年度报告"  # the list entry's text
    assert_file(file, path, "docx")
    [provenance] = crawl["db"]["report_urls"].rows_where("report_id = ?", [row["id"]])
    assert provenance["page_sha256"] == file["sha256"] and provenance["referer"] == f"{SITE}{COLUMN}index.html"
    listing = crawl["db"]["listings"].get(("jinchuan", SITE + REPORTS[2020][0]))
    assert listing["kind"] == "annual_report"


def test_a_redirected_download_link_with_a_served_name(crawl: dict) -> None:
    row = report(crawl, 2016)
    assert row["body"].split("\n") == REPORT_2016[1:]
    assert json.loads(row["flags"]) == ["from_attachment"]
    [(path, file)] = files_of(crawl, row).items()
    assert path == DOWNLOAD and file["filename"] == "金川区2016年报.pdf"
    assert_file(file, "/upload/2017/01/P020170120000000000001.pdf", "pdf")


def test_a_scanned_report_is_kept_without_text_flagged_needs_ocr(crawl: dict) -> None:
    row = report(crawl, 2017)
    assert (row["body"], json.loads(row["flags"]), row["publish_date"]) == ("", ["needs_ocr"], "2018-01-25")
    assert json.loads(row["evidence"])["needs_ocr"] == [
        {"url": SITE + REPORTS[2017][0], "detail": "no text layer (2 pages)"}]
    [(path, file)] = files_of(crawl, row).items()
    assert_file(file, path, "pdf")


def test_an_error_page_in_place_of_the_only_file_keeps_the_report_flagged(crawl: dict) -> None:
    row = report(crawl, 2015)
    assert (row["body"], json.loads(row["flags"])) == ("", ["attachment_unreadable"])
    [file] = files_of(crawl, row).values()
    assert (file["type"], file["status"], file["size"]) == ("html", "not_a_document", len(ERROR_PAGE.encode()))


def test_hostile_attachments_of_a_page_report_are_recorded_and_the_report_stored(crawl: dict) -> None:
    row = report(crawl, 2018)
    assert row["body"].split("\n")[0].startswith("本报告由金川区人民政府办公室")
    assert "from_attachment" not in json.loads(row["flags"]) and row["extracted_by"].startswith("selector")
    files = files_of(crawl, row)
    error = files[f"{COLUMN}201901/P020190118000000000001.pdf"]
    big = files[f"{COLUMN}201901/P020190118000000000002.pdf"]
    private = files["/private/2019/P020190118000000000003.pdf"]
    assert (error["type"], error["status"], error["name"]) == ("html", "not_a_document", "2018年政府信息公开情况统计表.pdf")
    assert (big["status"], big["sha256"], big["path"]) == ("too_large", None, None)
    assert private["status"] == "filtered"  # robots.txt applies to attachments too
    assert not [s for s in crawl["requests"] if s.target.startswith("/private/")]
    errors = {e["url"].removeprefix(SITE): e for e in crawl["db"]["errors"].rows}
    assert (errors[big["url"].removeprefix(SITE)]["kind"], errors[big["url"].removeprefix(SITE)]["site_id"]) == (
        "too_large", "jinchuan")
    assert "/private/2019/P020190118000000000003.pdf" not in errors  # the crawl obeyed robots.txt: nothing failed


def test_a_failed_download_is_one_log_line_not_a_traceback(crawl: dict) -> None:
    log = (crawl["folder"] / "c.log").read_text("utf-8")
    assert "Traceback" not in log
    big = f"{SITE}{COLUMN}201901/P020190118000000000002.pdf"
    assert len([line for line in log.splitlines() if big in line and "WARNING" in line]) == 1


def test_a_second_crawl_adds_no_rows(crawl: dict) -> None:
    tables = ("reports", "report_urls", "attachment_files")
    before = {t: crawl["db"][t].count for t in tables}
    result = crawl["run"]()
    assert result.returncode == 0, result.stderr[-3000:]
    assert {t: crawl["db"][t].count for t in tables} == before
