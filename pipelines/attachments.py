"""Attachments: every file a report links is downloaded and recorded (its text is the next stage's:
pipelines/file_text.py).

Downloads go through Scrapy's FilesPipeline, so through the crawler's downloader: robots.txt, the proxy and the
politeness settings apply, and the size cap is the request's ``download_maxsize``. Each file is recorded in
``item.attachment_files`` (url, link text, file name, type sniffed from the bytes, sha256, size, status, path,
and the validators it was served with). A file the corpus holds is revalidated (If-None-Match,
If-Modified-Since); a 304 keeps the stored copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from scrapy import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import _MediaRequestFiltered

from crawler import store
from crawler.documents import sniff
from crawler.errors import HTTP, OTHER, describe
from crawler.items import WARC_META, ReportPage
from crawler.revisit import Stored, validators
from crawler.text import clean_line

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import FileInfoOrError, MediaPipeline
    from twisted.python.failure import Failure

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # GOVCRAWL_ATTACHMENT_MAX_BYTES: a scanned report runs to tens of MB
ANCHOR = re.compile(r"""<a\b([^>]*?)\bhref\s*=\s*\\?["']([^"'\\]+)\\?["']([^>]*)>(.*?)</a\s*>""", re.I | re.S)
TITLE_ATTR = re.compile(r"""\b(?:title|textvalue)\s*=\s*\\?["']([^"'\\]+)""", re.I)
TAG = re.compile(r"<[^>]+>")
DISPOSITION_NAME = re.compile(rb"""filename\*?\s*=\s*(?:[\w-]+'[\w-]*')?"?([^";]+)"?""", re.I)


def link_texts(page: str, base_url: str) -> dict[str, str]:
    """Absolute URL → link text (or title) of every link in the page's markup, script strings included."""
    names: dict[str, str] = {}
    for m in ANCHOR.finditer(page):
        text = clean_line(html.unescape(TAG.sub("", m[4])))
        if not text and (attr := TITLE_ATTR.search(m[1] + m[3])):
            text = clean_line(html.unescape(attr[1]))
        url = urljoin(base_url, html.unescape(m[2].strip()))
        if text and not names.get(url):
            names[url] = text
    return names


def _decode_name(raw: bytes) -> str:
    raw = unquote_to_bytes(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")  # what Chinese servers send when they send raw bytes


def served_name(url: str, disposition: bytes | None) -> str:
    """The file's name: Content-Disposition's when the server gives one, else the URL's last path segment."""
    found = DISPOSITION_NAME.findall(disposition or b"")
    if found:
        return _decode_name(found[-1].strip())  # filename* (RFC 6266's preferred form) comes last
    return _decode_name(urlsplit(url).path.rsplit("/", 1)[-1].encode("latin-1", "ignore"))


def download_status(error: BaseException) -> tuple[str, str | None]:
    """The status recorded for an attachment whose download raised ``error``, and the reason when it failed
    (None when the crawl itself said no: robots.txt, the offsite filter)."""
    problem = describe(error)
    return (problem.kind, problem.reason) if problem else ("filtered", None)


class DownloadFailed(_MediaRequestFiltered):
    """A download that failed or was refused, already logged and recorded: the one exception Scrapy's media
    pipeline passes on without logging a traceback (``MediaPipeline._process_request``). Its text is the
    status ``item_completed`` records."""


class AttachmentsPipeline(FilesPipeline):
    """Settings: GOVCRAWL_FILES (a local folder; default ``files/`` next to GOVCRAWL_DB) and
    GOVCRAWL_ATTACHMENT_MAX_BYTES. Set MEDIA_ALLOW_REDIRECTS, as download links often redirect to the file."""

    # The files fetched in this run, by run and URL: one run crawls each template with a crawler of its own,
    # and Scrapy's media cache is one crawler's, so a file two sites link would otherwise be fetched twice.
    fetched: ClassVar[dict[tuple[int | None, str], dict[str, Any]]] = {}
    fetching: ClassVar[dict[tuple[int | None, str], asyncio.Future[dict[str, Any] | None]]] = {}

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.folder = Path(store_uri)
        self.max_bytes = crawler.settings.getint("GOVCRAWL_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.run_id: int | None = crawler.settings.getint("GOVCRAWL_RUN_ID") or None
        self.db = store.open_db(crawler.settings.get("GOVCRAWL_DB"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        folder = settings.get("GOVCRAWL_FILES") or Path(settings.get("GOVCRAWL_DB")).parent / "files"
        return cls(str(folder), crawler=crawler)

    def close_spider(self) -> None:
        self.db.close()

    def get_media_requests(self, item: ReportPage, info: MediaPipeline.SpiderInfo) -> list[Request]:
        requests = []
        for url in item.attachments:
            referer = item.referer if url == item.url else item.url  # the page a browser would come from
            headers = {"Referer": referer} if referer else {}
            if stored := store.stored_file(self.db, url):
                headers.update(Stored(stored["etag"], stored["last_modified"], stored["sha256"]).headers())
            requests.append(Request(url, callback=NO_CALLBACK, headers=headers or None,
                                    meta={"download_maxsize": self.max_bytes, "site_id": item.site_id}))
        return requests

    async def media_to_download(  # type: ignore[override]  # our file record has more fields than FileInfo
            self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None) -> dict[str, Any] | None:
        """Fetch each URL once per run (another crawler of the run may have it, or be fetching it now), and at
        every run: an archive records what the URL serves at each crawl (a replaced file, a new sha256)."""
        key = (self.run_id, request.url)
        if (pending := self.fetching.get(key)) is not None:
            await asyncio.shield(pending)
        if (found := self.fetched.get(key)) is not None:
            self.crawler.stats.inc_value("govcrawl/attachments/fetched_once_reused")
            return dict(found)
        self.fetching[key] = asyncio.get_running_loop().create_future()
        return None

    def _fetched(self, url: str, record: dict[str, Any] | None) -> None:
        """Tell the run's other crawlers waiting for ``url`` that its download is over."""
        key = (self.run_id, url)
        if record is not None:
            self.fetched[key] = record
        if (pending := self.fetching.pop(key, None)) is not None and not pending.done():
            pending.set_result(record)

    async def media_downloaded(  # type: ignore[override]  # our file record has more fields than FileInfo
            self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *,
            item: Any = None) -> dict[str, Any]:
        record: dict[str, Any] = {"url": request.url, "filename": served_name(
            response.url, response.headers.get("Content-Disposition")), **validators(response),
            **((response.request or request).meta.get(WARC_META) or {})}  # the answer's record, after redirects
        if response.status == 304 and (kept := store.stored_file(self.db, request.url)):
            self.crawler.stats.inc_value("govcrawl/attachments/not_modified")
            record = {**{k: kept[k] for k in ("filename", "type", "sha256", "size", "status", "path", "etag",
                                                 "last_modified")},
                      **{k: v for k, v in record.items() if v and k != "filename"}}
            self._fetched(request.url, record)
            return record
        if response.status != 200 or not response.body:
            record["status"] = f"http {response.status}" if response.status != 200 else "empty"
            if response.status != 200:
                self._record_failure(request, HTTP, f"HTTP {response.status}")
            else:
                self._record_failure(request, OTHER, "an empty file")
            self._fetched(request.url, record)
            return record
        stored = await super().media_downloaded(response, request, info, item=item)
        kind = sniff(response.body)
        record = {**record, "type": kind, "sha256": hashlib.sha256(response.body).hexdigest(),
                  "size": len(response.body), "status": "not_a_document" if kind == "html" else "ok",
                  "path": str((self.folder / stored["path"]).resolve())}
        self._fetched(request.url, record)
        return record

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> NoReturn:
        """One log line and one errors row (none for a download the crawl itself refused), never a traceback;
        the status goes on in the exception, which ``item_completed`` reads."""
        self._fetched(request.url, None)  # a crawler waiting for it tries for itself
        assert failure.value is not None
        status, reason = download_status(failure.value)
        if reason is not None:
            self._record_failure(request, status, reason)
        raise DownloadFailed(status)

    def _record_failure(self, request: Request, kind: str, reason: str) -> None:
        if (fetch_failed := getattr(self.crawler.spider, "fetch_failed", None)) is not None:
            fetch_failed(request.meta.get("site_id"), request.url, kind, f"attachment: {reason}")

    def item_completed(self, results: list[FileInfoOrError], item: ReportPage,
                       info: MediaPipeline.SpiderInfo) -> ReportPage:
        names = link_texts(item.html, item.url)
        if item.list_title:
            names[item.url] = item.list_title
        item.attachment_files = []
        for url, (ok, value) in zip(item.attachments, results, strict=True):
            if ok:
                record: dict[str, Any] = dict(value)  # type: ignore[arg-type]  # what media_downloaded returned
            else:
                status = str(value.value)  # type: ignore[union-attr]  # a Failure of media_failed's DownloadFailed
                record = {"url": url, "filename": served_name(url, None), "status": status}
            record = {"name": names.get(url), "type": None, "sha256": None, "size": None, "path": None, **record}
            item.attachment_files.append(record)
            status_key = str(record["status"]).split(":")[0].replace(" ", "_")
            self.crawler.stats.inc_value(f"govcrawl/attachments/{status_key}")
            if url == item.url and record["sha256"]:
                item.page_sha256 = record["sha256"]  # a report published as a file: the file is its page
        return item

