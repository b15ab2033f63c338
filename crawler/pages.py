"""Page objects: how a CMS family writes its pages, read from one response into plain values.

A family is one module under ``spiders/`` holding one ``Family`` subclass (a page object in the web-poet sense):
it reads a response and returns fingerprint evidence, list entries, the further pages of the list as plain
``ListPage`` descriptions and the containers that hold a report's body. It never builds a Scrapy request and
never touches the spider: the walk (``spiders/base.py``) turns these values into requests. Subclasses register
themselves by ``name``; the seed validation, ``auto``'s candidates and the per-family spiders all come from that
registry (``Family.registry``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse, TextResponse

from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.dates import parse_date
from crawler.rules import data_yaml
from crawler.urls import SKIP_SCHEMES

SPACE = re.compile(r"\s+")
# The body containers of the CMS families that portals run on, most specific first: the fallback of a
# family without a container of its own, and of the generic walk.
GENERIC_BODY_SELECTORS = (
    "div.TRS_UEDITOR", "div.TRS_Editor", "#zoom", "#UCAP-CONTENT", "ucapcontent", "div.xxgk_content",
    "div.article-content", "div.article_content", "div.content", "#content",
)


@cache
def navigation_rules() -> dict[str, re.Pattern[str]]:
    return {key: re.compile(value) for key, value in data_yaml("crawler", "navigation.yaml").items()}


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str
    date: str | None  # the date printed beside the link in its list row, if any


@dataclass(frozen=True)
class ListPage:
    """A further page of a column's list, as a plain description the walk turns into a request."""

    url: str
    method: str = "GET"
    body: str | None = None  # a form body (a POST to a list API)
    headers: tuple[tuple[str, str], ...] = ()
    browser: bool = False  # the page must be rendered by a browser to show its list


def is_html(response: Any) -> bool:
    """A page with markup to read (not JSON, not bytes); XML list answers count, as parsel reads them too."""
    return isinstance(response, TextResponse) and response.selector.type in ("html", "xml")


def anchors(response: TextResponse, scope: str = "body") -> Iterator[Anchor]:
    """Links of a page with their best text (link text or its ``title`` attribute) and list-row date."""
    if not is_html(response):
        return
    for a in response.css(f"{scope} a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        text = SPACE.sub("", "".join(a.css("::text").getall()))
        title = SPACE.sub("", a.attrib.get("title", ""))
        best = title if len(title) > len(text.rstrip(".…")) else text
        row = a.xpath("ancestor::*[self::li or self::tr or self::dd or self::p][1]")
        row_text = " ".join(row.css("::text").getall()) if row else ""
        yield Anchor(response.urljoin(href), best, parse_date(row_text.replace(text, " ")) if row_text else None)


def html_fragment(base_url: str, markup: str) -> HtmlResponse:
    """A response over a fragment of list markup (from XML records or a JSON API), for ``anchors``."""
    return HtmlResponse(url=base_url, body=f"<html><body>{markup}</body></html>".encode(), encoding="utf-8")


def is_report_link(anchor: Anchor) -> bool:
    return classify_title(anchor.text).kind == ANNUAL_REPORT


def link_role(anchor: Anchor) -> str | None:
    """What a link of a home or section page leads to: ``report``, ``column``, ``hub`` (a section), or nothing."""
    rules = navigation_rules()
    path = urlsplit(anchor.url).path
    if is_report_link(anchor):
        return "report"
    if rules["column_text"].match(anchor.text) or rules["column_url"].search(path):
        return "column"
    if rules["hub_text"].match(anchor.text) or rules["hub_url"].search(path):
        return "hub"
    return None


def is_year_folder(anchor: Anchor, column_url: str) -> bool:
    """A link of a column to one of its year sub-columns (2019年, 2019年度) below the column's folder."""
    folder = urlsplit(column_url).path.rsplit("/", 1)[0] + "/"
    return bool(navigation_rules()["year_folder_text"].match(anchor.text)) and urlsplit(anchor.url).path.startswith(
        folder)


def listing_rows(entries: list[Anchor]) -> list[dict[str, str | None]]:
    """The titled entries of a list page with their kind, for the ``listings`` table (pager digits and 首页 go)."""
    rows = []
    for anchor in entries:
        if len(anchor.text) >= 6:
            kind = classify_title(anchor.text)
            rows.append({"url": anchor.url, "title": anchor.text, "date": anchor.date, "kind": kind.kind,
                         "reason": kind.reason})
    return rows


def pager_urls(response: TextResponse) -> list[str]:
    """Further pages of the list at ``response``: pager links and TRS ``createPageHTML`` calls."""
    rules = navigation_rules()
    here = urlsplit(response.url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    urls: list[str] = []
    for a in anchors(response):
        target = urlsplit(a.url)
        same_list = target.path == here.path or (
            target.path.startswith(folder) and target.path.count("/") == here.path.count("/"))
        if same_list and target.netloc == here.netloc and rules["pagination_text"].match(a.text):
            urls.append(a.url)
    for script in response.css("script::text").getall() if is_html(response) else ():
        for m in rules["create_page_html"].finditer(script):
            count, prefix, ext = int(m[1]), m[3], m[4]
            urls += [urljoin(response.url, f"{prefix}_{i}.{ext}") for i in range(1, count)]
            urls.append(urljoin(response.url, f"{prefix}.{ext}"))
    return [u for u in dict.fromkeys(urls) if u != response.url]


class Family:
    """A CMS family's page object over one response. The defaults read any portal (the generic walk)."""

    name: ClassVar[str]
    body_selectors: ClassVar[tuple[str, ...]] = GENERIC_BODY_SELECTORS
    registry: ClassVar[dict[str, type[Family]]] = {}

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not register:
            return
        if "name" not in cls.__dict__:
            raise TypeError(f"family {cls.__qualname__} must name itself (name = '...')")
        if (known := Family.registry.get(cls.name)) is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"two families are named {cls.name!r}: {known.__module__} and {cls.__module__}")
        Family.registry[cls.name] = cls

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    @classmethod
    def report_selectors(cls) -> tuple[str, ...]:
        """The containers a report page's body is looked for in: the family's own, then every family's
        (a site may mix templates across columns)."""
        return tuple(dict.fromkeys(cls.body_selectors + GENERIC_BODY_SELECTORS))

    def fingerprint(self) -> list[str]:
        """Why the page looks like a page of this family (empty: it does not)."""
        return []

    def links_shaped(self, pattern: re.Pattern[str], at_least: int) -> bool:
        """Whether the page links to ``at_least`` URLs of the shape a family gives its pages."""
        return sum(bool(pattern.search(h)) for h in self.response.css("a::attr(href)").getall()) >= at_least

    def entries(self) -> list[Anchor]:
        """The entries of one list page of the column."""
        return list(anchors(self.response))

    def next_pages(self) -> list[ListPage]:
        """The column's further list pages, as seen from this one."""
        return [ListPage(url) for url in pager_urls(self.response)]

    def needs_browser(self, entries: list[Anchor]) -> bool:
        """Whether the column page must be rendered by a browser to show its list."""
        return False
