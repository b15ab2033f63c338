"""One saved page read as a crawl reads it (crawler/reading.py) and ``govcrawl extract``, the command over it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from scrapy.settings import Settings

from crawler.reading import PageError, read_file, read_page, stages
from crawler.replay import ReplayWorld
from crawler.store import EXPORT_FIELDS, item_record
from tests.conftest import FIXTURES, PORTALS, ROOT

EXPECTED = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted((FIXTURES / "expected").glob("*.yaml"))}
REPORTS = [report for spec in EXPECTED.values() for report in spec["reports"]]
# A crawl reads these reports' text from their downloaded file; reading a page downloads nothing.
IN_FILE = [report for report in REPORTS if "from_attachment" in (report.get("flags") or [])]
ON_PAGE = [report for report in REPORTS if report not in IN_FILE]
# Chrome's "Save as > Webpage, Complete" of a wendeng report: re-encoded in UTF-8 with its own charset meta before
# the page's gb2312 one, the "saved from" comment, resources in a _files folder, links made absolute, and the DOM
# as the scripts left it (a date and a hit counter written in, <tbody> in every table).
SAVED_AS = FIXTURES / "saved" / "wendeng-t20170121_1093472.html"
SAVED_AS_URL = "http://www.wendeng.gov.cn/zwgk/zfxxgknb/201701/t20170121_1093472.html"


def served(url: str) -> bytes:
    """The page's bytes as its portal serves them: what a download or a colleague's copy holds."""
    parts = urlsplit(url)
    reply = ReplayWorld(PORTALS).reply(parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else ""))
    assert reply.status == 200, url
    return reply.body


def govcrawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def report_of(url: str) -> dict:
    return next(report for report in REPORTS if report["url"] == url)


def assert_is_the_crawls(record: dict, report: dict) -> None:
    """The fields a crawl of the fixture world must give the report (tests/fixtures/expected)."""
    lines = record["body"].split("\n")
    assert (record["title"], record["report_year"], record["publish_date"]) == (
        report["title"], report["report_year"], str(report["publish_date"]))
    assert (lines[0], lines[-1]) == (report["first_line"], report["last_line"])
    assert (record["agency"], record["level"]) == (report["agency"], report["level"])
    # Without a seed a region is as the page names it; a crawl qualifies a town with its seed's region.
    assert record["region"] and report["region"].endswith(record["region"])
    assert set(report.get("flags") or []) <= set(record["flags"])
    if "attachments" in report:
        assert sorted(record["attachments"]) == sorted(report["attachments"] or [])


def saved(tmp_path: Path, url: str) -> Path:
    path = tmp_path / Path(urlsplit(url).path).name
    path.write_bytes(served(url))
    return path


@pytest.mark.parametrize("report", ON_PAGE, ids=[r["url"].split("//")[1] for r in ON_PAGE])
def test_every_report_page_of_the_fixture_world_saved_and_read_alone_gives_the_crawls_record(
        tmp_path: Path, report: dict) -> None:
    assert_is_the_crawls(item_record(read_file(saved(tmp_path, report["url"]), url=report["url"]).item), report)


@pytest.mark.parametrize("report", IN_FILE, ids=[r["url"].split("//")[1] for r in IN_FILE])
def test_a_page_that_points_to_its_file_lists_the_file_and_downloads_nothing(tmp_path: Path, report: dict) -> None:
    record = item_record(read_file(saved(tmp_path, report["url"]), url=report["url"]).item)
    assert set(report["attachments"]) <= set(record["attachments"])
    assert "from_attachment" not in record["flags"] and report["first_line"] not in record["body"]


@pytest.mark.parametrize("url, declared", [
    ("http://www.wendeng.gov.cn/zwgk/zfxxgknb/201603/t20160325_868132.html", b"charset=gb2312"),  # GBK bytes
    ("http://www.jinchang.gov.cn/col/col2391/art/2020/art_efa0925f8722c8b27220fbc609c74908.html", b'charset="utf-8"'),
])
def test_extract_prints_the_record_in_the_export_contract(tmp_path: Path, url: str, declared: bytes) -> None:
    raw = served(url)
    assert declared in raw[:1000]
    path = tmp_path / "page.html"
    path.write_bytes(raw)
    result = govcrawl("extract", str(path), "--url", url)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert tuple(record) == EXPORT_FIELDS
    assert record["url"] == url and record["urls"] == [url] and record["site_id"] is None
    assert_is_the_crawls(record, report_of(url))
    text = govcrawl("extract", str(path), "--url", url, "--text")
    assert text.returncode == 0 and text.stdout == record["body"] + "\n"


def test_a_browsers_save_as_page_gives_the_crawls_record_at_its_file_url() -> None:
    result = govcrawl("extract", str(SAVED_AS))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == SAVED_AS.resolve().as_uri()
    assert_is_the_crawls(record, report_of(SAVED_AS_URL))  # its links were made absolute: the attachment too
    assert "2024年3月8日" not in record["body"] and "1386" not in record["body"]  # what the scripts wrote is chrome
    assert f"{SAVED_AS}: read as trs_wcm (" in result.stderr
    same = govcrawl("extract", str(SAVED_AS), "--url", SAVED_AS_URL, "--template", "trs_wcm")
    assert json.loads(same.stdout)["body"] == record["body"] and "read as" not in same.stderr


def test_a_named_charset_is_read_as_the_headers_would_be(tmp_path: Path) -> None:
    """GBK bytes under a copied template's wrong <meta charset=utf-8>: read as GBK when told, no repair needed;
    left to the page's word, the decode stage repairs them, as in a crawl."""
    url = "http://www.wendeng.gov.cn/zwgk/zfxxgknb/201603/t20160325_868132.html"
    path = tmp_path / "page.html"
    path.write_bytes(served(url).replace(b"charset=gb2312", b"charset=utf-8", 1))
    told = read_file(path, url=url, charset="gbk").item
    left = read_file(path, url=url).item
    assert told.body == left.body and told.title == report_of(url)["title"]
    assert "encoding_repaired" not in told.flags and "encoding_repaired" in left.flags


@pytest.mark.parametrize("make, args, message", [
    (None, [], "{path}: no such file"),
    (lambda p: p.mkdir(), [], "{path}: not a file"),
    (lambda p: p.write_bytes(b""), [], "{path}: not an HTML page (the file is empty)"),
    (lambda p: p.write_bytes((PORTALS / "www.jiayuguan.gov.cn/upload/file/2022/01/25/1643079652318744.pdf")
                             .read_bytes()), [], "{path}: not an HTML page (a PDF file)"),
    (lambda p: p.write_bytes(b"\x00\x01\x02binary\xff"), [], "{path}: not an HTML page (no markup where an HTML page"),
    (lambda p: p.write_bytes(served(SAVED_AS_URL)), ["--template", "dedecms"],
     "--template dedecms: no such CMS family (known: auto, generic, "),
    (lambda p: p.write_bytes(served(SAVED_AS_URL)), ["--charset", "gbk2"], "--charset gbk2: not a character encoding"),
])
def test_bad_input_is_named_with_exit_code_2(tmp_path: Path, make: Callable[[Path], object] | None, args: list[str],
                                             message: str) -> None:
    path = tmp_path / "saved.html"
    if make:
        make(path)
    result = govcrawl("extract", str(path), *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {message.format(path=path)}"), result.stderr


def test_the_stages_are_the_settings_stages_in_order() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    names = [type(stage.__self__).__name__ for stage in stages(settings)]  # type: ignore[attr-defined]
    assert names == ["DecodePipeline", "ExtractPipeline", "FileTextPipeline", "CleanPipeline", "RepairPipeline",
                     "TablesPipeline", "MetadataPipeline", "ScriptPipeline", "FlagPipeline"]
    settings.set("GOVCRAWL_REPORT_STAGES", [])
    raw = served(SAVED_AS_URL)
    extracted = read_page(raw, SAVED_AS_URL, settings=settings).item
    assert extracted.paragraphs and not extracted.body  # the body is the clean stage's: not run, not there


def test_a_saved_page_error_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(PageError, match="no such file") as caught:
        read_file(tmp_path / "missing.html")
    assert str(tmp_path / "missing.html") in str(caught.value)
