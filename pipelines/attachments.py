"""Attachments: every file a report links is downloaded and recorded; a report whose page holds no text of its
own (详见附件, or a column entry that is the file itself) takes its text from the file.

Downloads go through Scrapy's FilesPipeline, so through the crawler's downloader: robots.txt, the proxy and the
politeness settings apply, and the size cap is the request's ``download_maxsize``. Each file is recorded in
``item.attachment_files`` (url, link text, file name, type sniffed from the bytes, sha256, size, status, path).
The text replaces ``item.paragraphs`` before cleaning, so the cleaning and metadata stages run on it as on a page.
A report whose file holds no readable text is kept without text and flagged (``needs_ocr``, ``needs_conversion``,
``attachment_unreadable``), with the file recorded for a later pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileException
from scrapy.utils.asyncio import run_in_thread

from crawler.chrome import chrome_rules
from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.documents import DOCUMENT_TYPES, DocumentText, document_text, sniff
from crawler.items import TEXT_IN_FILE, Paragraph, ReportPage
from crawler.rules import data_lines
from crawler.text import CJK, SENTENCE_END, clean_line, simplified
from crawler.urls import DOCUMENT_EXT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import FileInfoOrError, MediaPipeline
    from twisted.python.failure import Failure

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # GOVCRAWL_ATTACHMENT_MAX_BYTES: a scanned report runs to tens of MB
MIN_OWN_TEXT = 100  # CJK characters a page needs, besides pointers to its attachment, to hold its own report
PROSE_CHARS = 80  # a line this long, or one that ends a sentence, is running text
ANCHOR = re.compile(r"""<a\b([^>]*?)\bhref\s*=\s*\\?["']([^"'\\]+)\\?["']([^>]*)>(.*?)</a\s*>""", re.I | re.S)
TITLE_ATTR = re.compile(r"""\b(?:title|textvalue)\s*=\s*\\?["']([^"'\\]+)""", re.I)
TAG = re.compile(r"<[^>]+>")
DISPOSITION_NAME = re.compile(rb"""filename\*?\s*=\s*(?:[\w-]+'[\w-]*')?"?([^";]+)"?""", re.I)
OUTCOME_FLAGS = {"needs_ocr": "needs_ocr", "needs_conversion": "needs_conversion"}  # else attachment_unreadable


@cache
def pointer_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in data_lines("pipelines", "attachment_pointers.txt")), re.I)


def own_text(paragraphs: list[Paragraph], family: str | None = None) -> int:
    """CJK characters of the page's running text, not counting navigation, chrome, the title and headings, or
    lines that point to an attachment. Read on the extracted lines, so a page is cleaned once, after this stage
    has decided which text it keeps."""
    pattern, rules = pointer_pattern(), chrome_rules(family)
    count = 0
    for p in paragraphs:
        text = p.text
        if p.linked or p.row or not (SENTENCE_END.search(text) or len(text) > PROSE_CHARS) or rules.is_chrome(text):
            continue
        if not (pattern.search(text) or pattern.search(simplified(text))):
            count += len(CJK.findall(text))
    return count


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


def download_status(exc: BaseException) -> str:
    """The status recorded for an attachment whose download raised ``exc``."""
    if isinstance(exc, DownloadCancelledError):
        return "too_large"  # the size cap (download_maxsize) is what cancels a download here
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return "timeout"
    return f"error: {type(exc).__name__}: {exc}"[:200]


def report_files(records: list[dict[str, Any]], report_url: str) -> list[dict[str, Any]]:
    """The files that may hold the report's text, most likely first: the report's own URL (a column entry
    that is the file), files named as an annual report, then the other documents in page order."""
    candidates = [r for r in records
                  if r.get("type") in DOCUMENT_TYPES or DOCUMENT_EXT.search(urlsplit(r["url"]).path)]

    def rank(record: dict[str, Any]) -> int:
        if record["url"] == report_url:
            return 0
        named = [record.get("name") or "", record.get("filename") or ""]
        return 1 if any(classify_title(n).kind == ANNUAL_REPORT for n in named) else 2

    return sorted(candidates, key=rank)


def read_file(record: dict[str, Any]) -> DocumentText:
    if record["status"] != "ok":
        return DocumentText("unreadable", detail=record["status"])
    return document_text(Path(record["path"]).read_bytes())


def take_text(item: ReportPage) -> None:
    """When the page holds no report text of its own, the report's text from its file (or the flags saying
    why not: the record is then kept without text, its file recorded)."""
    candidates = report_files(item.attachment_files, item.url)
    if not candidates or own_text(item.paragraphs, item.template) >= MIN_OWN_TEXT:
        return
    failed: dict[str, list[dict[str, str | None]]] = {}
    for record in candidates:
        result = read_file(record)
        if result.status == "ok":
            item.paragraphs = result.paragraphs
            item.extracted_by = f"attachment:{record['type']}"
            item.flag("from_attachment", {"url": record["url"], "type": record["type"],
                                          "filename": record["filename"]})
            return
        flag = OUTCOME_FLAGS.get(result.status, "attachment_unreadable")
        failed.setdefault(flag, []).append({"url": record["url"], "detail": result.detail})
    item.paragraphs = []  # the page's lines only pointed to the file
    for flag, files in failed.items():
        item.flag(flag, files)


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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        folder = settings.get("GOVCRAWL_FILES") or Path(settings.get("GOVCRAWL_DB")).parent / "files"
        return cls(str(folder), crawler=crawler)

    def get_media_requests(self, item: ReportPage, info: MediaPipeline.SpiderInfo) -> list[Request]:
        requests = []
        for url in item.attachments:
            referer = item.referer if url == item.url else item.url  # the page a browser would come from
            requests.append(Request(url, callback=NO_CALLBACK, headers={"Referer": referer} if referer else None,
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
            response.url, response.headers.get("Content-Disposition"))}
        if response.status != 200 or not response.body:
            record["status"] = f"http {response.status}" if response.status != 200 else "empty"
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
        self._fetched(request.url, None)  # a crawler waiting for it tries for itself
        if isinstance(failure.value, IgnoreRequest):
            super().media_failed(failure, request, info)  # robots.txt or off-site: Scrapy logs it quietly
        assert failure.value is not None
        raise FileException(download_status(failure.value)) from failure.value

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
                reason = value.value  # type: ignore[union-attr]  # a Failure
                status = "filtered" if isinstance(getattr(reason, "__cause__", None), IgnoreRequest) else str(reason)
                record = {"url": url, "filename": served_name(url, None), "status": status}
            record = {"name": names.get(url), "type": None, "sha256": None, "size": None, "path": None, **record}
            item.attachment_files.append(record)
            status_key = str(record["status"]).split(":")[0].replace(" ", "_")
            self.crawler.stats.inc_value(f"govcrawl/attachments/{status_key}")
            if url == item.url and record["sha256"]:
                item.page_sha256 = record["sha256"]  # a report published as a file: the file is its page
        return item

    async def process_item(self, item: ReportPage) -> ReportPage:  # type: ignore[override]  # no spider argument
        item = await super().process_item(item)
        await run_in_thread(take_text, item)  # parsing a PDF or running antiword must not stall the crawl
        for flag in ("from_attachment", *TEXT_IN_FILE):
            if flag in item.flags:
                self.crawler.stats.inc_value(f"govcrawl/reports/{flag}")
        return item
