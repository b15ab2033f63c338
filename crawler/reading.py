"""Read one report page as a crawl reads it, without a crawl: the record govcrawl would store from a saved page.

``read_page`` decodes the bytes as Scrapy decodes a response, picks the body containers of the page's CMS family
(or of the family it looks most like, as ``template: auto`` does) and runs the crawl's own stages on it, by name
from the settings (GOVCRAWL_PAGE_STAGES, then GOVCRAWL_REPORT_STAGES) and in their order; the crawl's downloads
and database are left out: attachments are listed, not downloaded.
``read_file`` is ``govcrawl extract``: a file on disk, its input checked, errors naming what and where.
crawler/ never imports pipelines/ or spiders/: the stages are loaded by name, the families through Scrapy's spider
loader (crawler/families.py).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from crawler.documents import sniff
from crawler.families import AUTO, families, recognise
from crawler.items import ReportPage
from crawler.pages import Family

Stage = Callable[[ReportPage], ReportPage]
# What the bytes are when they are no page, by crawler/documents.py's sniff.
WHAT_IT_IS = {"empty": "the file is empty", "unknown": "no markup where an HTML page starts", "pdf": "a PDF file",
              "docx": "a Word (DOCX) file", "doc": "a Word (DOC) file", "ole": "an Office (OLE) file",
              "image": "an image", "zip": "a zip archive"}


class PageError(ValueError):
    """A page that cannot be read as a report page; the message names what is wrong and where."""


@dataclass(frozen=True)
class Reading:
    item: ReportPage  # every stage's work done
    family: str  # the CMS family whose containers were tried first
    reasons: tuple[str, ...]  # why the page was taken for that family, when it was recognised (``auto``)


@cache
def crawl_settings() -> Settings:
    """govcrawl's own settings (crawler/settings.py), frozen: those a crawl starts from."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.freeze()
    return settings


@cache
def _stage_classes(paths: tuple[str, ...]) -> tuple[type, ...]:
    return tuple(load_object(path) for path in paths)


def stages(settings: Settings | None = None) -> tuple[Stage, ...]:
    """The pure stages a crawl runs on a report page, in its order."""
    settings = settings or crawl_settings()
    paths = tuple(settings.getlist("GOVCRAWL_PAGE_STAGES") + settings.getlist("GOVCRAWL_REPORT_STAGES"))
    return tuple(cls().process_item for cls in _stage_classes(paths))


def response_of(raw: bytes, url: str, content_type: str = "text/html", charset: str | None = None) -> HtmlResponse:
    """The page as a crawl receives it; ``charset`` stands for the one an HTTP header would declare, which beats
    the page's own <meta> (as a wrong header does in a crawl: the decode stage may still read the bytes again)."""
    if charset:
        content_type = f"{content_type.split(';', 1)[0]}; charset={charset}"
    return HtmlResponse(url=url, body=raw, headers={"Content-Type": content_type})


def read_page(raw: bytes, url: str, *, family: type[Family] | None = None, content_type: str = "text/html",
              charset: str | None = None, containers: tuple[str, ...] | None = None,
              settings: Settings | None = None) -> Reading:
    """Every stage a crawl runs on the report page ``raw`` served at ``url``. ``family`` None recognises the
    page's family from its markup; ``containers`` overrides the family's body containers (``()``: none, the
    page's main block or trafilatura decide)."""
    response = response_of(raw, url, content_type, charset)
    reasons: list[str] = []
    if family is None:
        family, reasons = recognise(response, families())
    item = ReportPage(site_id="", site_name="", region="", url=url, status=200, fetched_at="",
                      page_sha256=hashlib.sha256(raw).hexdigest(), html=response.text, raw=raw, template=family.name,
                      encoding=response.encoding,
                      body_selectors=family.report_selectors() if containers is None else containers)
    for stage in stages(settings):
        item = stage(item)
    return Reading(item, family.name, tuple(reasons))


def read_file(path: str | Path, *, url: str | None = None, template: str = AUTO,
              charset: str | None = None) -> Reading:
    """``govcrawl extract``: the saved page at ``path`` (a browser's "save as", a file from a colleague) as the
    crawl would store it; its URL is ``url``, else the file's own ``file://`` URL. Raises PageError."""
    path = Path(path)
    if not path.is_file():
        raise PageError(f"{path}: {'not a file' if path.exists() else 'no such file'}")
    known = families()
    if template != AUTO and template not in known:
        raise PageError(f"--template {template}: no such CMS family (known: {', '.join([AUTO, *sorted(known)])})")
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise PageError(f"--charset {charset}: not a character encoding Python knows") from None
    raw = path.read_bytes()
    if (kind := sniff(raw)) != "html":
        raise PageError(f"{path}: not an HTML page ({WHAT_IT_IS.get(kind, kind)})")
    return read_page(raw, url or path.resolve().as_uri(), family=None if template == AUTO else known[template],
                     charset=charset)
