"""Replay WARC captures through the replay server, so a crawl can be run again on exactly what a crawl received.

``CaptureWorld`` answers each request with the latest capture of the same (method, URL, request body); anything
the captures lack is a 404 marked ``X-Govcrawl-Replay: missing`` and never fetched live. ``open_world`` mixes
WARC files, folders of them and saved-portal folders; ``ReplayMissMiddleware`` keeps a crawl from reading those
marked 404s as the site's own (which would mark reports withdrawn).
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders

from crawler.errors import REPLAY_MISSING
from crawler.replay import (
    ENTITY_TAG,
    MISSING,
    REPLAY_HEADER,
    ReplayConfigError,
    ReplayWorld,
    Reply,
    World,
    is_missing,
    missing,
    parse_http_date,
)
from crawler.warc import NOT_MODIFIED, body_digest

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
SERVED_TYPES = ("response", "revisit")  # conversion (a rendered DOM), warcinfo, request: never an answer
# The server sets its own length, and a captured body is never chunked.
UNSERVED_HEADERS = {"transfer-encoding", "content-length"}
DEFAULT_PORTS = {"http": ":80", "https": ":443"}
# AttributeError: warcio's parser on a response record without WARC-Target-URI.
WARC_ERRORS = (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError, AttributeError)

Key = tuple[str, str, str]  # (METHOD, normalised absolute URL, sha1 of the request body or "")


def url_key(url: str) -> str:
    """An absolute URL as matched: scheme and host case-insensitive, default port and fragment dropped."""
    parts = urlsplit(url)
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    if default := DEFAULT_PORTS.get(scheme):
        netloc = netloc.removesuffix(default)
    return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def _date(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a WARC date") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Record:
    """Where a response or revisit record is and what its WARC headers say; its bytes stay on disk."""

    file: Path
    offset: int
    order: int  # over all the files, in the order given: breaks ties of WARC-Date
    record_id: str
    rec_type: str
    url: str  # url_key of WARC-Target-URI
    date: dt.datetime
    payload_digest: str
    profile: str
    refers_to: str
    refers_to_url: str
    refers_to_date: dt.datetime | None


@dataclass(frozen=True)
class _Capture:
    """An answer: the status line and headers of one record, the payload of another (the same but for revisits)."""

    head: _Record
    payload: _Record


class CaptureWorld:
    """WARC files indexed in memory at start; each answer is read from its file when asked, by a handle of its
    own, so the threaded server needs no lock."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        records: list[_Record] = []
        requests: dict[str, tuple[str, str]] = {}  # response or revisit record id → (METHOD, body digest)
        for path in self.paths:
            try:
                if not _scan(path, records, requests):
                    raise ValueError("no records")
            except WARC_ERRORS as exc:
                raise ReplayConfigError(f"{path}: not a readable WARC file: {exc}") from exc
        self._index = _latest(records, requests)
        log.info("replaying %d captured answers from %d WARC files", len(self._index), len(self.paths))

    def reply(self, host: str, target: str, method: str = "GET", body: bytes = b"") -> Reply:
        url = url_key(target if target.startswith(("http://", "https://")) else f"http://{host}{target}")
        method = method.upper()
        capture = self._index.get((method, url, body_digest(method, body)))
        if capture is None and method == "HEAD":  # a HEAD is answered by the GET's headers (sent without body)
            capture = self._index.get(("GET", url, ""))
        if capture is None:
            return missing(f"{method} {url} is not in the capture; nothing is fetched from the internet")
        try:
            return _served(capture)
        except WARC_ERRORS as exc:  # the file changed or went away since it was indexed: the server answers 500
            raise ReplayConfigError(f"{capture.head.file}: record at {capture.head.offset}: {exc}") from exc


def _scan(path: Path, records: list[_Record], requests: dict[str, tuple[str, str]]) -> int:
    """Add a file's answers to ``records`` and its requests to ``requests``; how many records it holds."""
    count = 0
    with path.open("rb") as fh:
        reader = ArchiveIterator(fh)
        for record in reader:
            count += 1
            header = record.rec_headers.get_header
            if not record.rec_type or not header("WARC-Record-ID"):  # a file cut short, or no WARC at all
                raise ValueError(f"record {count} has no WARC-Type or WARC-Record-ID")
            if record.rec_type == "request" and (answer := header("WARC-Concurrent-To")):
                method = (record.http_headers.protocol if record.http_headers else "GET").upper()
                requests[answer] = (method, body_digest(method, record.raw_stream.read()))
            elif record.rec_type in SERVED_TYPES:
                offset, refers_url, refers_date = (reader.get_record_offset(), header("WARC-Refers-To-Target-URI"),
                                                   header("WARC-Refers-To-Date"))
                try:
                    date = _date(header("WARC-Date") or "")
                    refers = _date(refers_date) if refers_date else None
                except ValueError as exc:
                    raise ValueError(f"record at {offset}: {exc}") from exc
                records.append(_Record(
                    path, offset, len(records), header("WARC-Record-ID"), record.rec_type,
                    url_key(header("WARC-Target-URI") or ""), date, header("WARC-Payload-Digest") or "",
                    header("WARC-Profile") or "", header("WARC-Refers-To") or "",
                    url_key(refers_url) if refers_url else "", refers))
    return count


def _latest(records: list[_Record], requests: dict[str, tuple[str, str]]) -> dict[Key, _Capture]:
    """The latest answer of each request (WARC-Date, then order); a revisit whose original is not in these files
    cannot be answered and leaves the earlier capture in place."""
    responses = [r for r in records if r.rec_type == "response"]
    by_id = {r.record_id: r for r in responses}
    by_capture: dict[tuple[str, dt.datetime | None], _Record] = {(r.url, r.date): r for r in responses}
    by_digest: dict[str, _Record] = {}
    for r in responses:
        by_digest.setdefault(r.payload_digest, r)
    index: dict[Key, _Capture] = {}
    for record in sorted(records, key=lambda r: (r.date, r.order)):
        if record.rec_type == "response":
            capture = _Capture(record, record)
        elif (original := by_id.get(record.refers_to) or by_capture.get((record.refers_to_url, record.refers_to_date))
              or by_digest.get(record.payload_digest)) is not None:
            # identical-payload-digest: this answer's headers, the original's bytes; server-not-modified: the
            # original answer as it was (the 304 said it still is).
            capture = _Capture(original if record.profile == NOT_MODIFIED else record, original)
        else:
            log.warning("%s: revisit %s of %s: its original is not in the capture", record.file, record.record_id,
                        record.url)
            continue
        method, digest = requests.get(record.record_id, ("GET", ""))
        index[(method, record.url, digest)] = capture
    return index


def _read(record: _Record) -> tuple[StatusAndHeaders, bytes]:
    """A record's HTTP status line and headers, and the payload after them as stored (still compressed)."""
    with record.file.open("rb") as fh:
        fh.seek(record.offset)
        found = next(iter(ArchiveIterator(fh)))
        return found.http_headers or StatusAndHeaders("200 OK", []), found.raw_stream.read()


def _served(capture: _Capture) -> Reply:
    head, payload = _read(capture.head)
    if capture.payload is not capture.head:
        payload = _read(capture.payload)[1]
    headers: dict[str, str] = {}
    for name, value in head.headers:
        if name.lower() not in UNSERVED_HEADERS:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    reply = Reply(int(head.get_statuscode()), headers, payload)
    if reply.status == 200:  # validators as captured, so a conditional request gets the 304 the site would send
        etag = (head.get_header("ETag") or "").strip()
        reply.etag = etag if ENTITY_TAG.fullmatch(etag) else None
        reply.last_modified = parse_http_date(head.get_header("Last-Modified") or "")
    return reply


class CompositeWorld:
    """Several worlds asked in turn: the first answer that is not the replay's own gap wins."""

    def __init__(self, worlds: Sequence[World]) -> None:
        self.worlds = list(worlds)

    def reply(self, host: str, target: str, method: str = "GET", body: bytes = b"") -> Reply:
        for world in self.worlds:
            reply = world.reply(host, target, method, body)
            if not is_missing(reply):
                return reply
        return reply


def open_world(paths: Iterable[Path]) -> World:
    """The world of each path (a WARC file, a folder holding WARC files at any depth, a folder of saved portals),
    one composite world when there are several."""
    worlds = [_open(Path(path)) for path in paths]
    if not worlds:
        raise ReplayConfigError("nothing to replay: give WARC files or folders")
    return worlds[0] if len(worlds) == 1 else CompositeWorld(worlds)


def _open(path: Path) -> World:
    if not path.exists():
        raise ReplayConfigError(f"{path}: no such file or folder to replay")
    if path.is_file() and is_warc(path):
        return CaptureWorld([path])
    if path.is_dir():
        if warcs := sorted(p for p in path.rglob("*") if p.is_file() and is_warc(p)):
            return CaptureWorld(warcs)
        if any(p.is_dir() for p in path.iterdir()):
            return ReplayWorld(path)
    raise ReplayConfigError(f"{path}: neither a WARC file (.warc, .warc.gz), a folder of WARC files, "
                            "nor a folder of saved portals")


class ReplayMissMiddleware:
    """A crawl replayed from captures: an answer the captures lack is a gap of the replay, not the site's 404
    (which would mark a report withdrawn): it is counted, recorded as a ``replay_missing`` error with the page
    that linked to it, and dropped."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCRAWL_REPLAY"):
            raise NotConfigured("GOVCRAWL_REPLAY is off: not a replayed crawl")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.headers.get(REPLAY_HEADER) != MISSING.encode():
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govcrawl/replay/missing")
        referer = (request.headers.get("Referer") or b"").decode("latin-1")
        reason = f"not in the capture (referrer {referer or 'none'})"
        if (fetch_failed := getattr(self.crawler.spider, "fetch_failed", None)) is not None:
            fetch_failed(request.meta.get("site_id"), request.url, REPLAY_MISSING, reason)
        raise IgnoreRequest(f"{request.url}: {reason}")
