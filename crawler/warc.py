"""The raw capture: every answer a crawl receives, kept as WARC 1.1 records (warcio), and where each one is.

``WarcCapture`` is a downloader middleware next to the downloader, so it sees each answer as it came: redirects,
errors, robots.txt and attachments included, bodies still compressed. A response is written with its request
(POST bodies included); a payload fetched again unchanged becomes a ``revisit`` record (identical-payload-digest),
a 304 one of the server-not-modified profile, never the bytes again. A page the browser rendered is written as
the responses the browser received (``BrowserCapture``) and its rendered DOM as a ``conversion`` record.

Records are gzipped one by one and each exchange is written with one write, so a crawl killed at any moment
leaves whole records; the file being written is named ``.open`` and the next crawl trims it to its last whole
record and closes it. Files rotate by size. The corpus's ``captures`` table indexes the records by URL, and
``request.meta["warc"]`` tells the pipelines where a page's record is (its report, URL and file rows keep it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import socket
import time
import zlib
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler import store
from crawler.clock import now
from crawler.items import WARC_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from sqlite_utils import Database

log = logging.getLogger(__name__)

WARC_VERSION = "1.1"
SUFFIX, OPEN = ".warc.gz", ".open"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Hop-by-hop and proxy headers are no part of the exchange with the site; a de-chunked body has no chunking.
DROPPED_HEADERS = {"transfer-encoding", "proxy-authorization", "proxy-connection", "connection", "keep-alive"}
# The browser hands over decoded bodies: their encoding and length headers no longer describe them.
DECODED_HEADERS = DROPPED_HEADERS | {"content-encoding", "content-length"}
CAPTURED_TYPES = ("response", "revisit", "conversion")


@dataclass(frozen=True)
class Pointer:
    """Where one record is: its WARC file (a name in the capture folder), offset, length and record id."""

    file: str
    offset: int
    length: int
    record_id: str

    def columns(self) -> dict[str, Any]:
        return {"warc_file": self.file, "warc_offset": self.offset, "warc_record_id": self.record_id}


def payload_digest(payload: bytes) -> str:
    digester = Digester("sha1")
    digester.update(payload)
    return str(digester)


def whole_records_end(path: Path) -> int:
    """The offset after the last whole gzip member of a WARC file: what a crash mid-write leaves is cut off."""
    end = position = 0
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            while chunk:
                try:
                    member.decompress(chunk)
                except zlib.error:
                    return end
                if not member.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(member.unused_data)
                end, chunk = position, member.unused_data
                member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return end


def _writer_alive(path: Path) -> bool:
    """Whether the process named in a file's name (``PREFIX-STAMP-SERIAL-PID-HOST``) still runs here: its file
    is still being written."""
    fields = path.name.removesuffix(SUFFIX + OPEN).split("-", 4)
    if len(fields) < 5 or fields[4] != _host() or not fields[3].isdigit() or int(fields[3]) == os.getpid():
        return False
    try:
        os.kill(int(fields[3]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _host() -> str:
    """This machine's name as file names hold it (WACZ allows lower-case letters, digits, dots and dashes)."""
    return re.sub(r"[^a-z0-9.-]", "-", socket.gethostname().split(".")[0].lower()) or "localhost"


def recover(folder: Path) -> list[Path]:
    """Close the files a killed crawl left open: trimmed to their last whole record, renamed to ``.warc.gz``.
    A file whose writer still runs on this machine is left alone."""
    closed = []
    for path in sorted(folder.glob(f"*{SUFFIX}{OPEN}")):
        if _writer_alive(path):
            continue
        end = whole_records_end(path)
        with path.open("r+b") as data:
            data.truncate(end)
        final = path.with_name(path.name.removesuffix(OPEN))
        path.rename(final)
        log.info("closed %s, left open by an interrupted crawl (%d bytes of whole records)", final.name, end)
        closed.append(final)
    return closed


class WarcFiles:
    """WARC files in one folder, each opened with a ``warcinfo`` record and rotated past ``max_bytes``."""

    def __init__(self, folder: Path, info: dict[str, str], max_bytes: int, prefix: str = "govcrawl") -> None:
        self.folder, self.info, self.max_bytes, self.prefix = folder, info, max_bytes, prefix
        self.builder = WARCWriter(None, gzip=True, warc_version=WARC_VERSION)
        self.serial = 0
        self.name = ""
        self.size = 0
        self.out: Any = None
        folder.mkdir(parents=True, exist_ok=True)
        recover(folder)

    def _open(self) -> None:
        self.close()
        self.serial += 1
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"{int(time.time() * 1000) % 1000:03d}"
        self.name = f"{self.prefix}-{stamp}-{self.serial:05d}-{os.getpid()}-{_host()}{SUFFIX}"
        self.out = (self.folder / f"{self.name}{OPEN}").open("xb")
        self.size = 0
        self._write([self.builder.create_warcinfo_record(self.name, self.info)])

    def write(self, records: list[ArcWarcRecord]) -> list[Pointer]:
        """Write records together (an exchange: its response, then its request) and say where each is."""
        if self.out is None or self.size >= self.max_bytes:
            self._open()
        return self._write(records)

    def _write(self, records: list[ArcWarcRecord]) -> list[Pointer]:
        data, pointers = bytearray(), []
        for record in records:
            buffer = BytesIO()
            WARCWriter(buffer, gzip=True, warc_version=WARC_VERSION).write_record(record)
            member = buffer.getvalue()
            pointers.append(Pointer(self.name, self.size + len(data), len(member),
                                    record.rec_headers.get_header("WARC-Record-ID")))
            data += member
        self.out.write(data)
        self.out.flush()
        self.size += len(data)
        return pointers

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None
            (self.folder / f"{self.name}{OPEN}").rename(self.folder / self.name)


def _status_line(status: int, reason: str | None = None) -> str:
    try:
        phrase = reason or HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"{status} {phrase}".rstrip()


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def body_digest(method: str, body: bytes) -> str:
    """What tells apart two requests of one URL: the sha1 of a POST's body ("" for a request without one)."""
    return hashlib.sha1(body).hexdigest() if body and method.upper() not in ("GET", "HEAD") else ""


@dataclass(frozen=True)
class Exchange:
    """One request and the answer to it, as the site saw and sent them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str | None
    headers: list[tuple[str, str]]
    payload: bytes
    protocol: str = "HTTP/1.1"


class CaptureLog:
    """The capture of one run: WARC files and the ``captures`` rows that index them. The run's crawlers (one
    per family, in one process) share it (``shared``); the last one to stop closes its file."""

    _open: ClassVar[dict[Path, CaptureLog]] = {}

    def __init__(self, db: Database, files: WarcFiles, run_id: int | None) -> None:
        self.db, self.files, self.run_id = db, files, run_id
        self.builder = files.builder
        self.recorded: dict[str, str] = {}  # URL → record id of its latest response this crawl (browser pages)
        self.users = 0

    @classmethod
    def shared(cls, crawler: Crawler) -> CaptureLog:
        folder = capture_folder(crawler.settings).resolve()
        if (capture := cls._open.get(folder)) is None:
            files = WarcFiles(folder, warc_info(crawler), crawler.settings.getint("GOVCRAWL_WARC_MAX_BYTES"))
            run_id = crawler.settings.get("GOVCRAWL_RUN_ID")
            capture = cls._open[folder] = cls(store.open_db(crawler.settings.get("GOVCRAWL_DB")), files,
                                               int(run_id) if run_id is not None else None)
        capture.users += 1
        return capture

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.files.close()
            self._open.pop(self.files.folder.resolve(), None)

    def latest(self, url: str, method: str, digest: str) -> dict[str, Any] | None:
        """The latest response or revisit record of this request, in any crawl of the corpus."""
        rows = self.db.query(
            "SELECT * FROM captures WHERE url = ? AND method = ? AND request_digest = ? "
            "AND record_type IN ('response', 'revisit') ORDER BY warc_date DESC, rowid DESC LIMIT 1",
            [url, method, digest])
        return next(iter(rows), None)

    def exchange(self, exchange: Exchange) -> Pointer:
        """Write a response (or a revisit of an earlier one) and its request; index it."""
        method, digest = exchange.method.upper(), body_digest(exchange.method, exchange.request_body)
        http = StatusAndHeaders(_status_line(exchange.status, exchange.reason), exchange.headers,
                                protocol=exchange.protocol)
        previous = self.latest(exchange.url, method, digest)
        payload = payload_digest(exchange.payload)
        if previous is not None and (exchange.status == 304 or (
                payload == previous["payload_digest"] and exchange.status == previous["status"])):
            record = self.builder.create_revisit_record(
                exchange.url, previous["payload_digest"], previous["original_uri"], previous["original_date"],
                http_headers=http, warc_headers_dict={"WARC-Refers-To": previous["original_id"]})
            if exchange.status == 304:
                record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED)
        else:
            record = self.builder.create_warc_record(exchange.url, "response", payload=BytesIO(exchange.payload),
                                                     length=len(exchange.payload), http_headers=http)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request_line = f"{method} {_target(exchange.url)} {exchange.protocol}"
        host = urlsplit(exchange.url).netloc
        headers = [("Host", host)] + [(k, v) for k, v in exchange.request_headers if k.lower() != "host"]
        request = self.builder.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=StatusAndHeaders(request_line, headers, is_http_request=True),
            warc_headers_dict={"WARC-Concurrent-To": record_id,
                               "WARC-Date": record.rec_headers.get_header("WARC-Date")})
        pointer = self.files.write([record, request])[0]
        self._index(record, pointer, exchange, method, digest, previous)
        self.recorded[exchange.url] = record_id
        return pointer

    def conversion(self, url: str, html: bytes) -> Pointer:
        """A page as the browser rendered it (its DOM), after the responses it was built from."""
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if (original := self.recorded.get(url)) is not None:
            headers["WARC-Refers-To"] = original
        record = self.builder.create_warc_record(url, "conversion", payload=BytesIO(html), length=len(html),
                                                 warc_headers_dict=headers, warc_content_type="text/html")
        pointer = self.files.write([record])[0]
        self._index(record, pointer, None, "GET", "", None)
        return pointer

    def _index(self, record: ArcWarcRecord, pointer: Pointer, exchange: Exchange | None, method: str, digest: str,
               previous: dict[str, Any] | None) -> None:
        headers = record.rec_headers
        date, uri = headers.get_header("WARC-Date"), headers.get_header("WARC-Target-URI")
        original = previous if record.rec_type == "revisit" and previous is not None else {
            "original_id": pointer.record_id, "original_uri": uri, "original_date": date}
        self.db.table("captures").insert({
            "record_id": pointer.record_id, "run_id": self.run_id, "url": uri,
            "method": method, "request_digest": digest, "status": exchange.status if exchange else None,
            "record_type": record.rec_type, "payload_digest": headers.get_header("WARC-Payload-Digest"),
            "warc_date": date, "warc_file": pointer.file, "warc_offset": pointer.offset,
            "warc_length": pointer.length,
            **{key: original[key] for key in ("original_id", "original_uri", "original_date")},
        }, pk="record_id")



def _scrapy_headers(headers: Any) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items()
            for value in values if name.decode("latin-1").lower() not in DROPPED_HEADERS]


def warc_info(crawler: Crawler) -> dict[str, str]:
    settings = crawler.settings
    return {"software": f"govcrawl/{version('govcrawl')} (warcio {version('warcio')}, Scrapy {version('scrapy')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": f"govcrawl run {settings.get('GOVCRAWL_RUN_ID')} (crawl {settings.get('GOVCRAWL_CRAWL_ID')})",
            "hostname": socket.gethostname(), "http-header-user-agent": settings.get("USER_AGENT"),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "settings": (f"DOWNLOAD_DELAY={settings.getfloat('DOWNLOAD_DELAY')} "
                         f"CONCURRENT_REQUESTS_PER_DOMAIN={settings.getint('CONCURRENT_REQUESTS_PER_DOMAIN')} "
                         f"GOVCRAWL_SITE_PAGE_BUDGET={settings.getint('GOVCRAWL_SITE_PAGE_BUDGET')} "
                         f"GOVCRAWL_MAX_HOPS={settings.getint('GOVCRAWL_MAX_HOPS')}"),
            "created": now()}


def default_folder(db_path: str | Path) -> Path:
    """Where a crawl writes its WARC files unless told otherwise (``govcrawl crawl --warc-dir``)."""
    return Path(db_path).parent / "warc"


def capture_folder(settings: Any) -> Path:
    """``GOVCRAWL_WARC_DIR``, else ``warc/`` beside the corpus."""
    return Path(settings.get("GOVCRAWL_WARC_DIR") or default_folder(settings.get("GOVCRAWL_DB")))


class WarcCapture:
    """Downloader middleware: each answer as received into the crawl's WARC files (``GOVCRAWL_WARC``)."""

    def __init__(self, capture: CaptureLog) -> None:
        self.capture = capture
        self.browser = BrowserCapture(capture)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCRAWL_WARC"):
            raise NotConfigured("GOVCRAWL_WARC is off")
        middleware = cls(CaptureLog.shared(crawler))
        crawler.signals.connect(middleware.closed, signal=signals.engine_stopped)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright"):
            pointer = self.capture.conversion(response.url, response.body)
        else:
            pointer = self.capture.exchange(Exchange(
                request.url, request.method, _scrapy_headers(request.headers), request.body or b"",
                response.status, None, _scrapy_headers(response.headers), response.body,
                getattr(response, "protocol", None) or "HTTP/1.1"))
        request.meta[WARC_META] = pointer.columns()
        return response

    def closed(self) -> None:
        self.capture.release()


class BrowserCapture:
    """The responses a rendered page's browser received, written as they come (``page.on("response")``);
    ``settle`` waits for those still being read before the page is closed."""

    def __init__(self, capture: CaptureLog) -> None:
        self.capture = capture
        self.pending: dict[int, set[asyncio.Task[None]]] = {}

    def watch(self, page: Any) -> None:
        tasks = self.pending.setdefault(id(page), set())

        def received(pw_response: Any) -> None:
            task = asyncio.ensure_future(self._write(pw_response))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        page.on("response", received)

    async def settle(self, page: Any) -> None:
        if tasks := self.pending.pop(id(page), None):
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _write(self, pw_response: Any) -> None:
        pw_request = pw_response.request
        try:
            payload = b"" if 300 <= pw_response.status < 400 else await pw_response.body()
            request_headers = await pw_request.all_headers()
            headers = await pw_response.headers_array()
        except Exception as exc:  # the page went away with its body: nothing whole to keep
            log.debug("browser response %s not captured: %s", pw_response.url, exc)
            return
        kept = [(h["name"], h["value"]) for h in headers if h["name"].lower() not in DECODED_HEADERS]
        self.capture.exchange(Exchange(
            pw_response.url, pw_request.method,
            [(k, v) for k, v in request_headers.items() if not k.startswith(":")],
            pw_request.post_data_buffer or b"", pw_response.status, pw_response.status_text or None,
            [*kept, ("Content-Length", str(len(payload)))], payload))
