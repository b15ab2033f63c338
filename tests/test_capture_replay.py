"""WARC captures answered through the replay server, as a crawl's HTTP proxy sees them (crawler/capture_replay.py)."""

from __future__ import annotations

import gzip
import json
import urllib.request
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.capture_replay import CaptureWorld, CompositeWorld, ReplayMissMiddleware, open_world
from crawler.errors import REPLAY_MISSING
from crawler.replay import ReplayConfigError, ReplayServer, ReplayWorld, World
from crawler.warc import NOT_MODIFIED

SITE = "http://www.example.gov.cn"
EARLY, LATE = "2024-03-01T08:00:00Z", "2024-05-01T08:00:00Z"
PAGE = "<html><body>永昌县2014年政府信息公开工作年度报告</body></html>".encode("gbk")
ETAG, LAST_MODIFIED = '"5e3a-1b"', "Wed, 21 Jan 2015 08:00:00 GMT"
LISTING = {b"page=1&size=10": {"page": 1, "rows": ["2014年报"]},
           b"page=2&size=10": {"page": 2, "rows": ["2013年报"]}}
DATA = json.dumps({"年报": list(range(50))}, ensure_ascii=False).encode("utf-8")


class Warc:
    """A WARC 1.1 file written as our crawler writes them: records gzipped one by one, each answer with its request."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=path.name.endswith(".gz"), warc_version="1.1")

    def response(self, url: str, payload: bytes, headers: list[tuple[str, str]], date: str = EARLY,
                 status: str = "200 OK", method: str = "GET", body: bytes = b"") -> ArcWarcRecord:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(url, "response", payload=BytesIO(payload), length=len(payload),
                                                http_headers=http, warc_headers_dict={"WARC-Date": date})
        self._write(record, method, body)
        return record

    def revisit(self, url: str, original: ArcWarcRecord, headers: list[tuple[str, str]], date: str = LATE,
                status: str = "200 OK", refers_to: bool = True, refers_to_uri: str = "", refers_to_date: str = "",
                digest: str = "", profile: str = "") -> None:
        """A revisit of ``original``; the ``refers_to*`` and ``digest`` given instead point elsewhere."""
        orig = original.rec_headers.get_header
        record = self.writer.create_revisit_record(
            url, digest or orig("WARC-Payload-Digest"), refers_to_uri or orig("WARC-Target-URI"),
            refers_to_date or orig("WARC-Date"), http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date, **({"WARC-Refers-To": orig("WARC-Record-ID")} if refers_to else {})})
        if profile:
            record.rec_headers.replace_header("WARC-Profile", profile)
        self._write(record, "GET", b"")

    def conversion(self, url: str, html: bytes, date: str = LATE) -> None:
        self.writer.write_record(self.writer.create_warc_record(
            url, "conversion", payload=BytesIO(html), length=len(html), warc_content_type="text/html",
            warc_headers_dict={"WARC-Date": date}))

    def _write(self, record: ArcWarcRecord, method: str, body: bytes) -> None:
        header = record.rec_headers.get_header
        url = header("WARC-Target-URI")
        target = url.split(SITE, 1)[-1] or "/"
        request = self.writer.create_warc_record(
            url, "request", payload=BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(f"{method} {target} HTTP/1.1", [("Host", "www.example.gov.cn")],
                                          is_http_request=True),
            warc_headers_dict={"WARC-Concurrent-To": header("WARC-Record-ID"), "WARC-Date": header("WARC-Date")})
        self.writer.write_record(record)
        self.writer.write_record(request)

    def close(self) -> Path:
        self.fh.close()
        return Path(self.fh.name)


def html(extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return [("Content-Type", "text/html; charset=GBK"), *(extra or [])]


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    warc = Warc(tmp_path / "crawl-1.warc.gz")
    warc.writer.write_record(warc.writer.create_warcinfo_record("crawl-1.warc.gz", {"software": "govcrawl"}))
    warc.response(f"{SITE}/index.html", PAGE, html([
        ("Server", "nginx/1.20"), ("ETag", ETAG), ("Last-Modified", LAST_MODIFIED), ("Content-Length", "99999"),
        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]))
    warc.conversion(f"{SITE}/index.html", b"<html><body>rendered DOM</body></html>")
    warc.conversion(f"{SITE}/rendered-only.html", b"<html><body>rendered DOM</body></html>")
    for body, rows in LISTING.items():
        warc.response(f"{SITE}/api/list?col=4171", json.dumps(rows, ensure_ascii=False).encode(),
                      [("Content-Type", "application/json")], method="POST", body=body)
    warc.response(f"{SITE}/data.json", gzip.compress(DATA),
                  [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
    warc.response(f"{SITE}/gone.html", b"<html><body>404</body></html>", html(), status="404 Not Found")
    # A later capture written first: WARC-Date decides, then the order written.
    warc.response(f"{SITE}/news.html", b"news of May", html(), date=LATE)
    warc.response(f"{SITE}/news.html", b"news of March", html(), date=EARLY)
    warc.response(f"{SITE}/tie.html", b"first", html(), date=LATE)
    warc.response(f"{SITE}/tie.html", b"second", html(), date=LATE)
    # Revisits: found by WARC-Refers-To, else by target URI and date, else by payload digest; and a 304. Each one's
    # other pointers lead elsewhere or nowhere, so only the lookup it tests finds its original.
    unknown = "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    by_date = warc.response(f"{SITE}/by-date.html", b"page by date", html([("X-Capture", "first")]))
    warc.revisit(f"{SITE}/by-date.html", by_date, html([("X-Capture", "second")]), refers_to=False, digest=unknown)
    by_id = warc.response(f"{SITE}/by-id.html", b"page by id", html([("X-Capture", "first")]))
    warc.revisit(f"{SITE}/by-id.html", by_id, html([("X-Capture", "second")]), refers_to_uri=f"{SITE}/by-date.html",
                 refers_to_date=EARLY, digest=unknown)
    by_digest = warc.response(f"{SITE}/original.html", b"same bytes elsewhere", html())
    warc.revisit(f"{SITE}/copy.html", by_digest, html([("X-Capture", "copy")]), refers_to=False,
                 refers_to_uri=f"{SITE}/never-captured.html", refers_to_date="2020-01-01T00:00:00Z")
    unchanged = warc.response(f"{SITE}/unchanged.html", b"unchanged page",
                              html([("ETag", '"u1"'), ("X-Capture", "first")]))
    warc.revisit(f"{SITE}/unchanged.html", unchanged, [("ETag", '"u1"'), ("X-Capture", "304")],
                 status="304 Not Modified", profile=NOT_MODIFIED)
    return warc.close()


@pytest.fixture
def server(capture: Path) -> Iterator[ReplayServer[World]]:
    srv: ReplayServer[World] = ReplayServer(open_world([capture]), mark_missing=True).start_background()
    yield srv
    srv.stop()


def fetch(server: ReplayServer[Any], url: str, data: bytes | None = None, method: str | None = None,
          **headers: str) -> tuple[int, Any, bytes]:
    """One request through the server as an HTTP proxy: status, headers, the exact bytes of the body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with opener.open(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def test_serves_status_headers_and_bytes_as_captured(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/index.html")
    assert (status, body) == (200, PAGE)  # the capture's bytes, not the conversion's rendered DOM written after
    assert headers["Content-Type"] == "text/html; charset=GBK"
    assert headers.get_all("Server") == ["nginx/1.20"]  # the site's, once: not the replay server's own too
    assert headers.get_all("Content-Length") == [str(len(PAGE))]  # the server's own, not the captured 99999
    assert (headers["ETag"], headers["Last-Modified"]) == (ETAG, LAST_MODIFIED)
    assert headers["Set-Cookie"] == "a=1, b=2"


def test_host_is_case_insensitive_and_default_port_optional(server: ReplayServer[World]) -> None:
    assert fetch(server, "http://WWW.Example.gov.cn:80/index.html")[2] == PAGE


def test_conditional_get_with_captured_validators_is_304(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/index.html", If_None_Match=ETAG)
    assert (status, body, headers["ETag"]) == (304, b"", ETAG)
    assert fetch(server, f"{SITE}/index.html", If_Modified_Since=LAST_MODIFIED)[0] == 304
    assert fetch(server, f"{SITE}/index.html", If_None_Match='"other"')[0] == 200
    assert fetch(server, f"{SITE}/index.html", If_Modified_Since="Tue, 20 Jan 2015 08:00:00 GMT")[0] == 200


def test_post_list_api_matched_by_body(server: ReplayServer[World]) -> None:
    for form, rows in LISTING.items():
        status, _, body = fetch(server, f"{SITE}/api/list?col=4171", data=form)
        assert (status, json.loads(body)) == (200, rows)
    assert fetch(server, f"{SITE}/api/list?col=4171", data=b"page=3&size=10")[0] == 404
    assert fetch(server, f"{SITE}/api/list?col=4171")[0] == 404  # a GET is another request than the POSTs


def test_gzip_payload_is_served_still_compressed(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/data.json")
    assert (status, headers["Content-Encoding"], headers["Content-Length"]) == (200, "gzip", str(len(body)))
    assert gzip.decompress(body) == DATA


def test_head_answers_the_get_without_body(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/index.html", method="HEAD")
    assert (status, body, headers["ETag"]) == (200, b"", ETAG)


def test_latest_capture_wins(server: ReplayServer[World]) -> None:
    assert fetch(server, f"{SITE}/news.html")[2] == b"news of May"
    assert fetch(server, f"{SITE}/tie.html")[2] == b"second"


@pytest.mark.parametrize(("path", "payload", "tag"), [
    ("/by-id.html", b"page by id", "second"),
    ("/by-date.html", b"page by date", "second"),
    ("/copy.html", b"same bytes elsewhere", "copy"),
])
def test_identical_payload_revisit_has_its_headers_and_the_original_bytes(
        server: ReplayServer[World], path: str, payload: bytes, tag: str) -> None:
    status, headers, body = fetch(server, SITE + path)
    assert (status, body, headers["X-Capture"]) == (200, payload, tag)


def test_not_modified_revisit_answers_the_original(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/unchanged.html")
    assert (status, body, headers["X-Capture"], headers["ETag"]) == (200, b"unchanged page", "first", '"u1"')
    assert fetch(server, f"{SITE}/unchanged.html", If_None_Match='"u1"')[0] == 304


def test_missing_is_a_marked_404_and_logged_with_its_referer(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/not-captured.html?page=2", Referer=f"{SITE}/index.html")
    assert (status, headers["X-Govcrawl-Replay"]) == (404, "missing")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"not-captured.html?page=2" in body
    assert fetch(server, f"{SITE}/rendered-only.html")[0] == 404  # a conversion record is never an answer
    assert [(s.target, s.referer, s.status) for s in server.misses] == [
        ("/not-captured.html?page=2", f"{SITE}/index.html", 404), ("/rendered-only.html", "", 404)]
    assert len(server.requests) == 2


def test_a_captured_404_is_the_sites_and_not_a_miss(server: ReplayServer[World]) -> None:
    status, headers, body = fetch(server, f"{SITE}/gone.html")
    assert (status, body, headers["X-Govcrawl-Replay"]) == (404, b"<html><body>404</body></html>", None)
    assert not server.misses


def test_composite_of_a_warc_folder_and_saved_portals(tmp_path: Path, capture: Path) -> None:
    nested = tmp_path / "captures" / "2024" / "05"
    nested.mkdir(parents=True)
    capture.rename(nested / capture.name)
    portals = tmp_path / "portals"
    (portals / "www.example.gov.cn").mkdir(parents=True)
    (portals / "www.example.gov.cn" / "index.html").write_bytes(b"saved index")
    (portals / "www.example.gov.cn" / "about.html").write_bytes(b"saved about")
    (portals / "www.other.gov.cn").mkdir()
    (portals / "www.other.gov.cn" / "index.html").write_bytes(b"other portal")
    world = open_world([tmp_path / "captures", portals])
    assert isinstance(world, CompositeWorld)
    assert [type(w) for w in world.worlds] == [CaptureWorld, ReplayWorld]
    server = ReplayServer(world, mark_missing=True).start_background()
    try:
        assert fetch(server, f"{SITE}/index.html")[2] == PAGE  # the capture, asked first
        assert fetch(server, f"{SITE}/about.html")[2] == b"saved about"
        assert fetch(server, "http://www.other.gov.cn/")[2] == b"other portal"
        assert fetch(server, f"{SITE}/gone.html")[2] == b"<html><body>404</body></html>"  # a real answer stops
        status, headers, _ = fetch(server, "http://www.unknown.gov.cn/")
        assert (status, headers["X-Govcrawl-Replay"]) == (502, "missing")  # the saved world's unknown host
        assert fetch(server, f"{SITE}/nowhere.html")[0] == 404
        assert [s.host + s.target for s in server.misses] == ["www.unknown.gov.cn/", "www.example.gov.cn/nowhere.html"]
    finally:
        server.stop()


def test_plain_warc_file(tmp_path: Path) -> None:
    warc = Warc(tmp_path / "one.warc")
    warc.response(f"{SITE}/index.html", PAGE, html())
    world = open_world([warc.close()])
    assert isinstance(world, CaptureWorld)
    assert world.reply("www.example.gov.cn", "/index.html").body == PAGE


def test_bad_paths_are_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a capture")
    (tmp_path / "empty").mkdir()
    (tmp_path / "garbage.warc.gz").write_bytes(b"GET / HTTP/1.1\r\n\r\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "cut.warc.gz").write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:30])
    (tmp_path / "no-uri.warc").write_bytes(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
                                           b"WARC-Date: 2024-03-01T08:00:00Z\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n")
    (tmp_path / "no-date.warc").write_bytes(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
                                            b"WARC-Target-URI: http://a.gov.cn/\r\nContent-Type: application/http\r\n"
                                            b"Content-Length: 19\r\n\r\nHTTP/1.1 200 OK\r\n\r\n\r\n\r\n")
    (tmp_path / "empty.warc").write_bytes(b"")
    for bad in ("missing-folder", "notes.txt", "empty", "garbage.warc.gz", "broken", "no-uri.warc", "no-date.warc",
                "empty.warc"):
        with pytest.raises(ReplayConfigError) as raised:
            open_world([tmp_path / bad])
        assert bad in str(raised.value)
    with pytest.raises(ReplayConfigError, match="nothing to replay"):
        open_world([])


class Recorder(scrapy.Spider):
    name = "recorder"
    failed: list[tuple[str | None, str, str, str]]

    def fetch_failed(self, site_id: str | None, url: str, kind: str, reason: str) -> None:
        self.failed.append((site_id, url, kind, reason))


def as_scrapy(server: ReplayServer[World], url: str, referer: str | None = None) -> tuple[scrapy.Request, Response]:
    """A request and the response the replay server really sent to it, as the downloader hands them over."""
    request = scrapy.Request(url, meta={"site_id": "yongchang"}, headers={"Referer": referer} if referer else None)
    status, headers, body = fetch(server, url, Referer=referer) if referer else fetch(server, url)
    return request, Response(url, status=status, headers=dict(headers.items()), body=body)


def test_miss_middleware_records_and_drops_replay_gaps(server: ReplayServer[World]) -> None:
    with pytest.raises(NotConfigured):
        ReplayMissMiddleware.from_crawler(get_crawler(Recorder))
    crawler = get_crawler(Recorder, {"GOVCRAWL_REPLAY": True})
    spider = Recorder.from_crawler(crawler)
    spider.failed = []
    crawler.spider = spider
    middleware = ReplayMissMiddleware.from_crawler(crawler)
    for url, referer in ((f"{SITE}/lost.html", f"{SITE}/index.html"), (f"{SITE}/lost2.html", None)):
        request, response = as_scrapy(server, url, referer)
        with pytest.raises(IgnoreRequest):
            middleware.process_response(request, response)
    assert spider.failed == [
        ("yongchang", f"{SITE}/lost.html", REPLAY_MISSING, f"not in the capture (referrer {SITE}/index.html)"),
        ("yongchang", f"{SITE}/lost2.html", REPLAY_MISSING, "not in the capture (referrer none)")]
    assert crawler.stats is not None and crawler.stats.get_value("govcrawl/replay/missing") == 2
    request, response = as_scrapy(server, f"{SITE}/gone.html")
    assert middleware.process_response(request, response) is response  # the site's own 404 goes on


def test_a_capture_gone_since_indexed_is_a_server_error(tmp_path: Path) -> None:
    warc = Warc(tmp_path / "one.warc.gz")
    warc.response(f"{SITE}/index.html", PAGE, html())
    server = ReplayServer(open_world([warc.close()])).start_background()
    try:
        (tmp_path / "one.warc.gz").unlink()
        status, _, body = fetch(server, f"{SITE}/index.html")
        assert (status, b"one.warc.gz" in body) == (500, True)
    finally:
        server.stop()
