"""The raw capture (crawler/warc.py): WARC files of a real crawl of the fixture world, the records its rows point
to, revisits on a recrawl, the browser's responses, and files a killed crawl left open."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import socket
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from crawler.replay import ReplayServer
from crawler.warc import NOT_MODIFIED, OPEN, SUFFIX, WarcFiles, recover
from tests.conftest import ROOT

SITES = ("tongwei", "yongchang", "jinchang")  # a list API asked by POST; a column the browser renders; attachments
WARCIO = Path(sys.executable).with_name("warcio")
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def crawl(db: Path, proxy: str, *extra: str) -> subprocess.CompletedProcess[str]:
    sites = [arg for site in SITES for arg in ("--site", site)]
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", *sites, "--db",
                           str(db), "--proxy", proxy, "--delay", "0", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def records(path: Path) -> list[tuple[int, ArcWarcRecord, bytes]]:
    """Each record of a file with its offset and its content (payload, or a warcinfo's fields)."""
    with path.open("rb") as data:
        iterator, found = ArchiveIterator(data), []
        for record in iterator:
            content = record.content_stream().read()  # before the offset is asked, which moves the stream on
            found.append((iterator.get_record_offset(), record, content))
        return found


@pytest.fixture(scope="module")
def captured(replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("warc")
    db = folder / "c.db"
    first = crawl(db, replay.url)
    assert first.returncode == 0, first.stderr[-2000:]
    files_after_first = sorted((folder / "warc").iterdir())
    again = crawl(db, replay.url)
    assert again.returncode == 0, again.stderr[-2000:]
    return {"db": db, "warc": folder / "warc", "first": files_after_first}


def test_every_file_is_closed_and_passes_warcio_check(captured: dict) -> None:
    files = sorted(captured["warc"].iterdir())
    assert len(files) == 2 and all(f.name.endswith(SUFFIX) for f in files)  # one per run, none left .open
    for path in files:
        check = subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout[-2000:]
        assert "digest pass" in check.stdout and "fail" not in check.stdout
        first = records(path)[0][1]
        assert first.rec_type == "warcinfo" and first.rec_headers.get_header("WARC-Filename") == path.name


def test_the_warcinfo_names_the_tool_and_the_crawl(captured: dict) -> None:
    path = captured["first"][0]
    with path.open("rb") as data:
        info = next(iter(ArchiveIterator(data)))
        text = info.content_stream().read().decode("utf-8")
    assert "software: govcrawl/" in text and "warcio" in text and "format: WARC File Format 1.1" in text
    assert "isPartOf: govcrawl run 1" in text and "robots: obey" in text and "DOWNLOAD_DELAY=0.0" in text


def test_rows_point_to_their_records(captured: dict) -> None:
    db = Database(captured["db"])
    checked = 0
    for table in ("pages", "report_urls", "report_versions", "attachment_files"):
        rows = list(db[table].rows)
        assert rows and all(r["warc_file"] for r in rows), table
        for row in rows:
            with (captured["warc"] / row["warc_file"]).open("rb") as data:
                data.seek(row["warc_offset"])
                record = next(iter(ArchiveIterator(data)))
            assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
            checked += 1
    assert checked > 40


def test_a_report_version_points_to_the_bytes_it_was_read_from(captured: dict) -> None:
    db = Database(captured["db"])
    for version in db["report_versions"].rows:
        page = next(db.query("SELECT sha256 FROM pages WHERE url = ?", [version["url"]]), None)
        with (captured["warc"] / version["warc_file"]).open("rb") as data:
            data.seek(version["warc_offset"])
            record = next(iter(ArchiveIterator(data)))
            assert record.rec_type == "response"
            payload = record.content_stream().read()
        if page is not None and page["sha256"]:
            assert hashlib.sha256(payload).hexdigest() == page["sha256"]


def test_requests_are_kept_with_their_responses_post_bodies_included(captured: dict) -> None:
    found = records(captured["first"][0])
    by_id = {r.rec_headers.get_header("WARC-Record-ID"): r for _, r, _ in found}
    requests = [(r, body) for _, r, body in found if r.rec_type == "request"]
    assert requests and all(r.rec_headers.get_header("WARC-Concurrent-To") in by_id for r, _ in requests)
    posts = [(r, body) for r, body in requests if r.http_headers.protocol == "POST"]
    assert posts and all("dataproxy.jsp" in r.rec_headers.get_header("WARC-Target-URI") for r, _ in posts)
    assert all(b"columnid=" in body.lower() for _, body in posts), [body for _, body in posts]
    robots = [r for r, _ in requests if r.rec_headers.get_header("WARC-Target-URI").endswith("/robots.txt")]
    assert {r.http_headers.get_header("Host") for r in robots} == {"www.tongwei.gov.cn", "www.yongchang.gov.cn", "www.jinchang.gov.cn"}


def test_the_browser_page_is_its_responses_and_its_rendered_dom(captured: dict) -> None:
    everything = records(captured["first"][0])
    found = [r for _, r, _ in everything]
    conversions = [(r, dom) for _, r, dom in everything if r.rec_type == "conversion"]
    assert len(conversions) == 1
    url = conversions[0][0].rec_headers.get_header("WARC-Target-URI")
    assert "yongchang" in url and b"<html" in conversions[0][1].lower()
    refers = conversions[0][0].rec_headers.get_header("WARC-Refers-To")
    answers = {r.rec_headers.get_header("WARC-Record-ID"): r for r in found if r.rec_type in ("response", "revisit")}
    assert refers in answers and answers[refers].rec_headers.get_header("WARC-Target-URI") == url
    # The page's own scripts, asked by the browser and not by the crawl, are in the capture too.
    scripts = {r.rec_headers.get_header("WARC-Target-URI") for r in found if r.rec_type in ("response", "revisit")
               and r.rec_headers.get_header("WARC-Target-URI").endswith(".js")}
    assert scripts


def test_a_recrawl_writes_revisits_not_the_bytes_again(captured: dict) -> None:
    second = next(p for p in sorted(captured["warc"].iterdir()) if p not in captured["first"])
    found = [(r, payload) for _, r, payload in records(second)]
    assert all(payload == b"" for r, payload in found if r.rec_type == "revisit")  # headers only
    answers = [r for r, _ in found if r.rec_type in ("response", "revisit")]
    revisits = [r for r in answers if r.rec_type == "revisit"]
    profiles = {r.rec_headers.get_header("WARC-Profile") for r in revisits}
    assert profiles == {NOT_MODIFIED, IDENTICAL}
    assert len(revisits) == len(answers)  # nothing changed in the world: no payload written twice
    first_ids = {r.rec_headers.get_header("WARC-Record-ID"): r for _, r, _ in records(captured["first"][0])}
    for revisit in revisits:
        original = first_ids[revisit.rec_headers.get_header("WARC-Refers-To")]
        assert original.rec_type == "response"
        assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == original.rec_headers.get_header(
            "WARC-Target-URI")
        assert revisit.rec_headers.get_header("WARC-Payload-Digest") == original.rec_headers.get_header(
            "WARC-Payload-Digest")
    not_modified = [r for r in revisits if r.rec_headers.get_header("WARC-Profile") == NOT_MODIFIED]
    assert not_modified and all(r.http_headers.get_statuscode() == "304" for r in not_modified)


def test_no_warc_writes_nothing_and_warc_dir_moves_it(replay: ReplayServer, tmp_path: Path) -> None:
    off = crawl(tmp_path / "a.db", replay.url, "--no-warc")
    assert off.returncode == 0 and not (tmp_path / "warc").exists()
    assert Database(tmp_path / "a.db")["captures"].count == 0
    elsewhere = tmp_path / "capture"
    moved = crawl(tmp_path / "b.db", replay.url, "--warc-dir", str(elsewhere))
    assert moved.returncode == 0 and len(list(elsewhere.glob(f"*{SUFFIX}"))) == 1
    both = crawl(tmp_path / "c.db", replay.url, "--no-warc", "--warc-dir", str(elsewhere))
    assert both.returncode == 2 and "contradict" in both.stderr


def _response(builder: WarcFiles, url: str, size: int) -> ArcWarcRecord:
    payload = os.urandom(size)  # incompressible: the files' sizes are the payloads'
    http = StatusAndHeaders("200 OK", [("Content-Type", "application/octet-stream")], protocol="HTTP/1.1")
    return builder.builder.create_warc_record(url, "response", payload=BytesIO(payload), length=size,
                                              http_headers=http)


def test_files_rotate_by_size_each_with_its_warcinfo(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, {"software": "test"}, max_bytes=50_000)
    for n in range(10):
        files.write([_response(files, f"http://a.example/{n}", 20_000)])
    files.close()
    written = sorted(tmp_path.glob(f"*{SUFFIX}"))
    assert len(written) == 4  # 3 records of 20 kB pass 50 kB: a file holds 3, the tenth opens the fourth
    for path in written:
        kinds = [r.rec_type for _, r, _ in records(path)]
        assert kinds[0] == "warcinfo" and kinds.count("warcinfo") == 1
    assert sum(len(records(p)) - 1 for p in written) == 10


def test_a_file_left_open_by_a_killed_crawl_is_trimmed_to_whole_records(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, {"software": "test"}, max_bytes=10 ** 9)
    pointers = [files.write([_response(files, f"http://a.example/{n}", 1000)])[0] for n in range(3)]
    files.out.close()  # the process dies: the file stays .open, with half a record at its end
    open_file = tmp_path / f"{files.name}{OPEN}"
    with open_file.open("ab") as data:
        data.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))[:700])
    assert recover(tmp_path) == [tmp_path / files.name]
    kept = records(tmp_path / files.name)
    assert [offset for offset, _, _ in kept[1:]] == [p.offset for p in pointers]
    assert subprocess.run([str(WARCIO), "check", str(tmp_path / files.name)]).returncode == 0


def test_a_file_still_being_written_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = re.sub(r"[^a-z0-9.-]", "-", socket.gethostname().split(".")[0].lower())
        name = f"govcrawl-20260101000000000-00001-{sleeper.pid}-{host}{SUFFIX}{OPEN}"
        (tmp_path / name).write_bytes(b"")
        assert recover(tmp_path) == [] and (tmp_path / name).exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert recover(tmp_path) == [tmp_path / name.removesuffix(OPEN)]
