"""Text that a site controls, bounded and kept: invalid bytes and control characters inside a paragraph, absurd
titles and overlong fields, and a body nested deeper than libxml2 keeps (recorded as ``too_deep``, stored whole).
The pure functions on bytes and pages, then a crawl of a small portal of such pages (built here, on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlite_utils import Database

from crawler.errors import TOO_DEEP
from crawler.html import parse_document
from crawler.items import ReportPage
from crawler.reading import read_page, stages
from crawler.replay import ReplayServer, ReplayWorld
from crawler.text import FIELD_BOUNDS, FIELD_CUT, bounded, clean_line, without_controls
from pipelines.decode import decode, reread
from pipelines.extract import extract
from pipelines.metadata import bound_fields
from tests.conftest import crawl_one_site
from tests.test_stubs import PAGE, report_text

HOST = "www.boundtown.gov.cn"
SITE = f"http://{HOST}"
COLUMN = "/zwgk/zfxxgknb/"
URL = f"{SITE}{COLUMN}202001/t20200115_1.html"
TITLE = "漳源县2019年政府信息公开工作年度报告"

# A paragraph as a careless CMS stores it: a byte that is no character, C0 and C1 controls, a stray GBK lead byte.
BEFORE, AFTER = "全年主动公开政府信息1234条，", "其中通过政府门户网站公开986条，依申请公开28件。"
BROKEN_GBK = BEFORE.encode("gbk") + b"\xff\x00\x01\x85\x1b\x81" + AFTER.encode("gbk")
BROKEN_UTF8 = BEFORE.encode() + b"\xff\xfe\x07\xc2\x85\xc2\x9f\x1b" + AFTER.encode() + b"\xe4\xb8"


def page_bytes(paragraph: bytes, charset: str) -> bytes:
    """A report page in ``charset`` whose second paragraph is ``paragraph`` (bytes as served)."""
    head, tail = PAGE.format(date="2020-01-15", title=TITLE, body="<p>一、总体情况</p><p>\0</p>" + "".join(
        f"<p>{p}</p>" for p in report_text(2019)[3:])).replace('charset="utf-8"', f'charset="{charset}"').split("\0")
    return head.encode(charset) + paragraph + tail.encode(charset)


# -- invalid bytes and control characters ---------------------------------------------------------------------

def test_invalid_gbk_is_replaced_and_the_rest_of_the_paragraph_read_in_step() -> None:
    assert AFTER not in BROKEN_GBK.decode("gb18030", "replace")  # a plain reading is shifted a byte from there on
    assert decode(BROKEN_GBK, "gbk") == f"{BEFORE}\ufffd\ufffd{AFTER}"


def test_invalid_utf8_is_replaced_and_controls_removed() -> None:
    assert decode(BROKEN_UTF8, "utf-8") == f"{BEFORE}\ufffd\ufffd{AFTER}\ufffd"


def test_tab_and_line_breaks_stay_and_latin1_mojibake_keeps_its_c1_characters() -> None:
    assert without_controls("一\t二\r\n三\x0c四\x7f五\x85六") == "一\t二\r\n三四五六"
    mojibake = "政府".encode().decode("latin-1")  # æ\x94¿åº\x9c: to be repaired, not stripped
    assert without_controls(mojibake) == mojibake


def test_reread_only_a_double_byte_page_with_invalid_bytes() -> None:
    assert reread(BROKEN_GBK, BROKEN_GBK.decode("gb18030", "replace"), "gb18030") == f"{BEFORE}\ufffd\ufffd{AFTER}"
    clean = "一、总体情况".encode("gbk")
    assert reread(clean, "一、总体情况\x01", "gb18030") == "一、总体情况"


@pytest.mark.parametrize(("raw", "charset"), [(page_bytes(BROKEN_GBK, "gbk"), "gbk"),
                                              (page_bytes(BROKEN_GBK, "gbk"), None),
                                              (page_bytes(BROKEN_UTF8, "utf-8"), "utf-8")])
def test_the_paragraph_is_kept_whole_through_every_stage(raw: bytes, charset: str | None) -> None:
    item = read_page(raw, URL, charset=charset).item
    [line] = [line for line in item.body if line.startswith(BEFORE)]
    assert line.replace("\ufffd", "") == BEFORE + AFTER
    assert "lost_characters" in item.flags
    assert item.body[0] == "一、总体情况" and item.body[-1] == report_text(2019)[-1]


# -- titles and fields within bounds --------------------------------------------------------------------------

ABSURD = "漳源县人民政府 政府信息公开 " * 8000  # a 100 kB <title>
SERVED = clean_line(f"{ABSURD}_漳源县人民政府")  # the page's <title> as the page writes it (PAGE adds the suffix)


def titled(title: str, heading: str = "") -> bytes:
    page = PAGE.format(date="2020-01-15", title=title, body="".join(f"<p>{p}</p>" for p in report_text(2019)))
    return page.replace(f"<h1>{title}</h1>", heading).encode("utf-8")


def run(raw: bytes, list_title: str | None = None) -> ReportPage:
    item = ReportPage(site_id="s", site_name="漳源县人民政府", region="甘肃省定西市漳源县", url=URL, status=200,
                      fetched_at="", page_sha256="", html=raw.decode("utf-8"), raw=raw, template="generic",
                      body_selectors=("div.TRS_Editor",), list_title=list_title, encoding="utf-8")
    for stage in stages():
        item = stage(item)
    return item


def test_an_absurd_title_gives_way_to_the_page_heading() -> None:
    item = run(titled(ABSURD, f"<h1>{TITLE}</h1>"))
    assert item.title == TITLE and item.body == report_text(2019)


def test_an_absurd_title_gives_way_to_the_list_entry_title() -> None:
    item = run(titled(ABSURD), list_title=TITLE)
    assert item.title == TITLE and item.metadata_evidence["title"] == "list page link"
    assert item.evidence[FIELD_CUT]["page_title"] == len(SERVED) and item.body == report_text(2019)


def test_an_absurd_title_with_nothing_else_is_cut_to_its_bound() -> None:
    item = run(titled(ABSURD))
    assert item.title == bounded(SERVED, "title") and len(item.title) <= FIELD_BOUNDS["title"]
    assert FIELD_CUT in item.flags and item.body == report_text(2019)


def test_a_title_within_its_bound_is_kept_unmarked() -> None:
    item = run(titled(TITLE))
    assert item.title == TITLE and FIELD_CUT not in item.flags


def test_meta_values_are_bounded_and_the_cut_marked() -> None:
    source = "漳源县人民政府办公室" * 300
    raw = titled(TITLE).replace(b"<title>", f'<meta name="ContentSource" content="{source}"><title>'.encode())
    result = extract(raw.decode("utf-8"), URL, ("div.TRS_Editor",))
    assert result.meta["contentsource"] == source[:FIELD_BOUNDS["page_meta"]]
    assert result.cut == {"meta:contentsource": len(source)}


def test_bound_fields_cuts_each_field_a_site_controls_and_marks_it() -> None:
    item = ReportPage(site_id="s", site_name="n", region="甘" * 500, url=URL, status=200, fetched_at="",
                      page_sha256="", html="", template="generic", list_title="年报" * 400, title=TITLE,
                      agency="办公室" * 100, attachment_files=[{"url": f"{URL}.pdf", "name": "附件" * 300},
                                                                 {"url": f"{URL}.doc", "name": "统计表.doc"}])
    bound_fields(item)
    assert (len(item.region), len(item.list_title or ""), len(item.agency or "")) == (
        FIELD_BOUNDS["region"], FIELD_BOUNDS["list_title"], FIELD_BOUNDS["agency"])
    assert item.title == TITLE
    assert [f["name"] for f in item.attachment_files] == ["附件" * 127 + "附", "统计表.doc"]
    assert item.evidence[FIELD_CUT] == {"region": 500, "list_title": 800, "agency": 300, "attachment_name": 600}


# -- a body nested deeper than libxml2 keeps --------------------------------------------------------------

DEPTH = 10_000


def deep_page(year: int) -> str:
    page = PAGE.format(date=f"{year + 1}-01-20", title=f"漳源县{year}年政府信息公开工作年度报告",
                       body="".join(f"<p>{p}</p>" for p in report_text(year)))
    return page.replace('<div class="TRS_Editor">', "<div>" * DEPTH + '<div class="TRS_Editor">').replace(
        '</div>\n<div class="footer">', "</div>" * (DEPTH + 1) + '\n<div class="footer">')


def test_a_body_inside_ten_thousand_divs_is_read_whole_and_marked_too_deep() -> None:
    item = read_page(deep_page(2022).encode("utf-8"), URL).item
    assert item.body == report_text(2022)
    assert [kind for kind, _ in item.problems] == [TOO_DEEP]


def test_tables_a_parser_gives_row_groups_stay_under_the_depth_limit() -> None:
    """Each table's <tbody> (a parser's, not the page's) counts as a level: 37 × (div, 2 tables) once reached
    exactly libxml2's 256 levels."""
    document = parse_document("<html><body>" + "<div><table><tr><td><table><tr><td>" * 37 + "政府信息公开</body></html>")
    assert document.deep and "政府信息公开" in document.tree.text_content()
    assert max(sum(1 for _ in el.iterancestors()) for el in document.tree.iter()) + 1 < 256


def test_a_shallow_page_is_not_too_deep() -> None:
    assert read_page(titled(TITLE), URL).item.problems == []


# -- a crawl of such pages -----------------------------------------------------------------------------------

ENTRIES = {  # year → (path, list date)
    2022: (f"{COLUMN}202301/t20230120_1.html", "2023-01-20"),
    2019: (f"{COLUMN}202001/t20200115_2.html", "2020-01-15"),
    2018: (f"{COLUMN}201901/t20190118_3.html", "2019-01-18"),
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    root = tmp_path_factory.mktemp("bounds-world")

    def write(path: str, content: bytes) -> None:
        target = root / HOST / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    write("robots.txt", b"User-agent: *\n")
    write("index.html", PAGE.format(date="", title="首页", body=f'<a href="{COLUMN}index.html">政府信息公开年报</a>')
          .encode())
    entries = "".join(f'<li><a href="{path}">漳源县{year}年政府信息公开工作年度报告</a><span>{date}</span></li>'
                      for year, (path, date) in ENTRIES.items())
    write(f"{COLUMN}index.html", PAGE.format(date="", title="政府信息公开年报", body=f"<ul>{entries}</ul>").encode())
    write(ENTRIES[2022][0], deep_page(2022).encode())
    write(ENTRIES[2019][0], page_bytes(BROKEN_GBK, "gbk"))
    write(ENTRIES[2018][0], titled(ABSURD).replace(b"2019", b"2018"))
    (root / HOST / "_replay.yaml").write_text(
        f"routes:\n  '{ENTRIES[2019][0]}': {{headers: {{Content-Type: 'text/html; charset=GBK'}}}}\n", "utf-8")
    server = ReplayServer(ReplayWorld(root)).start_background()
    db, result = crawl_one_site(tmp_path_factory.mktemp("bounds-crawl"), f"{{id: boundtown, name: 漳源县人民政府, "
                                f"region: 甘肃省定西市漳源县, url: '{SITE}/', template: generic}}", "--proxy", server.url)
    server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    yield Database(db)


def report(db: Database, year: int) -> dict:
    [row] = [r for r in db["reports"].rows if r["report_year"] == year]
    return row


def test_the_deep_body_is_stored_exactly_with_one_too_deep_row(crawl: Database) -> None:
    assert report(crawl, 2022)["body"] == "\n".join(report_text(2022))
    rows = list(crawl["errors"].rows_where("kind = ?", [TOO_DEEP]))
    assert [(r["url"], r["site_id"]) for r in rows] == [(SITE + ENTRIES[2022][0], "boundtown")]


def test_the_broken_paragraph_is_stored_with_the_rest_of_it(crawl: Database) -> None:
    row = report(crawl, 2019)
    [line] = [line for line in row["body"].split("\n") if line.startswith(BEFORE)]
    assert line == f"{BEFORE}\ufffd\ufffd{AFTER}" and "lost_characters" in json.loads(row["flags"])


def test_the_absurd_title_is_not_the_stored_title(crawl: Database) -> None:
    row = report(crawl, 2018)
    assert row["title"] == "漳源县2018年政府信息公开工作年度报告"
    assert FIELD_CUT in json.loads(row["flags"])
    assert row["body"] == "\n".join(line.replace("2019", "2018") for line in report_text(2019))
