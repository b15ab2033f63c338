"""Shared machinery of every govcrawl spider, and the ``Template`` that each CMS family specialises.

The walk is the same for every family: seed home page → sections (政务公开/信息公开) → the annual-report
column → its list pages → report pages. What differs is how a family writes its list pages (static links, XML
in a script, a JSON API, a list built by JavaScript) and where it puts the report body: that is a family's
``Template`` (a page object in the web-poet sense), kept in the family's own module with its thin spider.
Spiders know nothing about cleaning text: they yield the raw page and the evidence they saw.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, wraps
from importlib import resources
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urljoin, urlsplit

import scrapy
import yaml
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals
from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.dates import parse_date
from crawler.items import ReportPage
from crawler.seeds import Seed, load_seeds

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
NON_PAGE_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|css|js|ico|svg|swf|mp4|flv|zip|rar|exe|pdf|docx?|xlsx?|rtf)$", re.I)
DOCUMENT_EXT = re.compile(r"\.(pdf|docx?)$", re.I)  # a report published only as a file
SPACE = re.compile(r"\s+")
CALENDAR_QUERY = re.compile(r"(^|&)(date|day|riqi|rq|cal|calendar|ymd)=\d{4}-?\d{1,2}-?\d{1,2}", re.I)
# The body containers of the CMS families that portals run on, most specific first: the fallback of a
# family without a container of its own, and of the generic walk.
GENERIC_BODY_SELECTORS = (
    "div.TRS_UEDITOR", "div.TRS_Editor", "#zoom", "#UCAP-CONTENT", "ucapcontent", "div.xxgk_content",
    "div.article-content", "div.article_content", "div.content", "#content",
)


@cache
def navigation_rules() -> dict[str, re.Pattern[str]]:
    text = resources.files("crawler").joinpath("data/navigation.yaml").read_text("utf-8")
    return {key: re.compile(value) for key, value in yaml.safe_load(text).items()}


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str
    date: str | None  # the date printed beside the link in its list row, if any


def is_html(response: Response) -> bool:
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


def site_step(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a callback or errback as the end of one request of a site (for per-site progress).

    The request counts as settled only after the callback's output has been consumed, so the requests it
    yields are created (and counted) before the site can look finished.
    """

    @wraps(method)
    def wrapper(self: GovSpider, response_or_failure: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        request = getattr(response_or_failure, "request", None)
        try:
            yield from method(self, response_or_failure, *args, **kwargs) or ()
        finally:
            self.settle(request.meta.get("site_id") if request is not None else None)

    return wrapper


class Template:
    """How one CMS family writes its pages. The defaults are the generic walk, for any portal."""

    name: ClassVar[str] = "generic"
    body_selectors: ClassVar[tuple[str, ...]] = GENERIC_BODY_SELECTORS

    def fingerprint(self, response: TextResponse) -> list[str]:
        """Why ``response`` looks like a page of this family (empty: it does not)."""
        return []

    @staticmethod
    def links_shaped(response: TextResponse, pattern: re.Pattern[str], at_least: int) -> bool:
        """Whether the page links to ``at_least`` URLs of the shape a family gives its pages."""
        return sum(bool(pattern.search(h)) for h in response.css("a::attr(href)").getall()) >= at_least

    def list_entries(self, response: TextResponse) -> list[Anchor]:
        """The entries of one list page of the column."""
        return list(anchors(response))

    def list_requests(self, spider: GovSpider, response: TextResponse) -> Iterator[scrapy.Request]:
        """Requests for the column's further list pages, as seen from this one."""
        for url in spider.pagination_urls(response):
            if request := spider.list_page_request(response, url):
                yield request

    def wants_browser(self, response: TextResponse, entries: list[Anchor]) -> bool:
        """Whether the column page must be rendered by a browser to show its list."""
        return False


class GovSpider(scrapy.Spider):
    """Base of all family spiders; ``name`` is the template name seeds use, ``template`` its page object."""

    template: ClassVar[Template] = Template()

    def __init__(self, seeds: str | None = None, site: str | None = None,
                 seed_list: Iterable[Seed] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if seed_list is None:
            if not seeds:
                raise ValueError(f"spider {self.name!r} needs a seed list: -a seeds=FILE")
            from spiders import template_names  # the spider registry; imported late to avoid a cycle

            seed_list = load_seeds(seeds, template_names())
        wanted = {s for s in (site or "").split(",") if s}
        self.sites: dict[str, Seed] = {
            s.id: s for s in seed_list if self.handles(s) and (not wanted or s.id in wanted)
        }
        self.allowed_domains = sorted({d for s in self.sites.values() for d in s.domains})
        self.requested: Counter[str] = Counter()
        self.list_pages: Counter[str] = Counter()
        self.outstanding: Counter[str] = Counter()
        self.query_variants: dict[tuple[str, str], set[str]] = {}
        self.rendered: set[str] = set()
        self.documents: set[str] = set()

    @classmethod
    def handles(cls, seed: Seed) -> bool:
        return seed.template == cls.name

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GovSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_dropped, scrapy.signals.request_dropped)
        return spider

    def template_for(self, site_id: str) -> Template:
        return self.template

    # -- per-site bookkeeping -------------------------------------------------------------------
    # A request counts as outstanding from its creation in site_request() until its callback or errback
    # has run (site_step) or the scheduler dropped it as a duplicate. Counting at creation, not at the
    # request_scheduled signal, matters: Scrapy may schedule a callback's requests after the callback ends.
    def _on_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        self.settle(request.meta.get("site_id"))

    def settle(self, site_id: str | None) -> None:
        if not site_id or self.outstanding[site_id] <= 0:
            return
        self.outstanding[site_id] -= 1
        if self.outstanding[site_id] == 0:
            self.crawler.signals.send_catch_log(signals.site_finished, site_id=site_id)

    def _stop(self, site_id: str, url: str, guard: str) -> None:
        self.crawler.stats.inc_value(f"govcrawl/trap/{guard}")
        self.crawler.stats.inc_value(f"govcrawl/trap/{guard}/{site_id}")
        self.logger.info("site %s: %s guard stopped %s", site_id, guard, url)

    # -- requests -------------------------------------------------------------------------------
    def on_site(self, seed: Seed, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return parts.scheme in ("http", "https") and any(host == d or host.endswith("." + d) for d in seed.domains)

    def in_scope(self, seed: Seed, url: str) -> bool:
        return self.on_site(seed, url) and not NON_PAGE_EXT.search(urlsplit(url).path)

    def is_document(self, seed: Seed, url: str) -> bool:
        return self.on_site(seed, url) and bool(DOCUMENT_EXT.search(urlsplit(url).path))

    def trap(self, seed: Seed, url: str) -> str | None:
        """The trap guard a URL trips, if any: calendars, query-string explosions, ever-deeper paths."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > self.settings.getint("GOVCRAWL_MAX_PATH_DEPTH"):
            return "deep_path"
        if any(count >= 3 for count in Counter(segments).values()):
            return "deep_path"  # /news/more/more/more/: a relative link on a server that answers any path
        if parts.query:
            if CALENDAR_QUERY.search(parts.query):
                return "calendar"
            variants = self.query_variants.setdefault((seed.id, parts.path), set())
            query = "&".join(sorted(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)))
            if query not in variants and len(variants) >= self.settings.getint("GOVCRAWL_MAX_QUERY_VARIANTS"):
                return "query_explosion"
            variants.add(query)
        return None

    def site_request(self, seed: Seed, url: str, callback: Callable[..., Any], *, hops: int,
                     dont_filter: bool = False, method: str = "GET", body: str | None = None,
                     headers: dict[str, str] | None = None, **meta: Any) -> scrapy.Request | None:
        """A request of ``seed``'s crawl, or None when it leaves the site or breaks a bound."""
        if not self.in_scope(seed, url):
            return None
        if guard := self.trap(seed, url):
            self._stop(seed.id, url, guard)
            return None
        budget = self.settings.getint("GOVCRAWL_SITE_PAGE_BUDGET")
        if self.requested[seed.id] >= budget:
            if self.requested[seed.id] == budget:
                self.logger.warning("site %s: page budget of %d reached; stopping its crawl", seed.id, budget)
                self.requested[seed.id] += 1
            self._stop(seed.id, url, "page_budget")
            return None
        self.requested[seed.id] += 1
        self.outstanding[seed.id] += 1
        return scrapy.Request(url, callback=callback, errback=self.on_error, method=method, body=body,
                              headers=headers, dont_filter=dont_filter,
                              meta={"site_id": seed.id, "hops": hops, **meta})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for seed in self.sites.values():
            if request := self.site_request(seed, seed.url, self.parse_listing, hops=0):
                yield request
            if seed.report_column and (
                request := self.site_request(seed, seed.report_column, self.parse_column, hops=0)
            ):
                yield request

    def seed_of(self, response: Response | scrapy.Request) -> Seed:
        return self.sites[response.meta["site_id"]]

    @site_step
    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site_id = request.meta.get("site_id")
        if isinstance(failure.value, HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif isinstance(failure.value, IgnoreRequest):
            # robots.txt and the offsite filter say no: the crawl obeyed, nothing failed.
            self.crawler.stats.inc_value("govcrawl/ignored")
            self.logger.debug("ignored %s: %s", request.url, failure.value)
            return
        else:
            reason = f"{type(failure.value).__name__}: {failure.value}"
        self.crawler.stats.inc_value("govcrawl/errors")
        self.logger.warning("site %s: %s failed: %s", site_id, request.url, reason)
        self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=site_id, url=request.url, reason=reason)

    # -- the walk -------------------------------------------------------------------------------
    def link_role(self, anchor: Anchor) -> str | None:
        rules = navigation_rules()
        path = urlsplit(anchor.url).path
        if self.is_report_link(anchor):
            return "report"
        if rules["column_text"].match(anchor.text) or rules["column_url"].search(path):
            return "column"
        if rules["hub_text"].match(anchor.text) or rules["hub_url"].search(path):
            return "hub"
        return None

    @site_step
    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Home and section pages: reports linked here, the column, and sections that lead to it."""
        if not is_html(response):
            return
        self.observe(response, role="listing")
        hops = response.meta["hops"]
        seed = self.seed_of(response)
        for anchor in anchors(response):
            role = self.link_role(anchor)
            if role == "report":
                request = self.report_request(response, anchor)
            elif role == "column":
                request = self.site_request(seed, anchor.url, self.parse_column, hops=hops + 1)
            elif role == "hub" and hops + 1 < self.settings.getint("GOVCRAWL_MAX_HOPS"):
                request = self.site_request(seed, anchor.url, self.parse_listing, hops=hops + 1)
            else:
                continue
            if request is not None:
                yield request

    def observe(self, response: TextResponse, role: str) -> None:
        """Hook for spiders that learn about a site from its HTML pages (``auto`` fingerprints them).

        ``role`` is what the page is to the walk: ``listing`` (home, sections), ``column`` or ``report``.
        """

    @site_step
    def parse_column(self, response: Response) -> Iterator[Any]:
        """A list page of the annual-report column (HTML, or XML/JSON from a family's list API)."""
        if not isinstance(response, TextResponse):
            return
        if is_html(response):
            self.observe(response, role="column")
        seed = self.seed_of(response)
        template = self.template_for(seed.id)
        entries = template.list_entries(response)
        if template.wants_browser(response, entries) and response.url not in self.rendered:
            if request := self.browser_request(response):
                yield request
            return
        self.record_entries(seed.id, response.url, entries)
        year_folder = navigation_rules()["year_folder_text"]
        column_path = urlsplit(response.url).path.rsplit("/", 1)[0] + "/"
        for anchor in entries:
            if self.is_report_link(anchor):
                request = self.report_request(response, anchor)
            elif year_folder.match(anchor.text) and urlsplit(anchor.url).path.startswith(column_path):
                request = self.site_request(seed, anchor.url, self.parse_column, hops=response.meta["hops"] + 1)
            else:
                continue
            if request is not None:
                yield request
        yield from template.list_requests(self, response)

    def record_entries(self, site_id: str, list_url: str, entries: list[Anchor]) -> None:
        """Tell the store every titled entry of a list page with its kind, followed or not."""
        rows = []
        seed = self.sites[site_id]
        for anchor in entries:
            if len(anchor.text) < 6 or not (self.in_scope(seed, anchor.url) or self.is_document(seed, anchor.url)):
                continue  # pager digits, 首页, links off the site
            kind = classify_title(anchor.text)
            rows.append({"url": anchor.url, "title": anchor.text, "date": anchor.date, "kind": kind.kind,
                         "reason": kind.reason})
        if rows:
            self.crawler.signals.send_catch_log(signals.list_read, site_id=site_id, list_url=list_url, entries=rows)

    def browser_request(self, response: Response) -> scrapy.Request | None:
        """The column page again, rendered by headless Chromium (scrapy-playwright), page kept for clicks."""
        self.rendered.add(response.url)
        self.crawler.stats.inc_value("govcrawl/rendered")
        return self.site_request(
            self.seed_of(response), response.url, self.parse_rendered_column, hops=response.meta["hops"],
            dont_filter=True, playwright=True, playwright_include_page=True,
            playwright_page_goto_kwargs={"wait_until": "networkidle"},
        )

    async def parse_rendered_column(self, response: Response) -> AsyncIterator[Any]:
        """Read the rendered list, then click through its pager (下一页) page by page."""
        page = response.meta["playwright_page"]
        seed = self.seed_of(response)
        limit = self.settings.getint("GOVCRAWL_MAX_LIST_PAGES")
        try:
            html, seen = response.text, 0
            while True:
                rendered = HtmlResponse(url=page.url, body=html.encode("utf-8"), encoding="utf-8")
                entries = list(anchors(rendered))
                self.record_entries(seed.id, page.url, entries)
                for anchor in entries:
                    if self.is_report_link(anchor) and (request := self.report_request(response, anchor)):
                        yield request
                seen += 1
                self.list_pages[seed.id] += 1
                if seen >= limit:
                    self._stop(seed.id, page.url, "list_pages")
                    break
                pager = page.locator("a, button, span, li").filter(has_text=navigation_rules()["next_page_text"])
                if await pager.count() == 0:
                    break
                target = pager.last
                state = " ".join(filter(None, [await target.get_attribute("class"),
                                               await target.get_attribute("aria-disabled"),
                                               await target.get_attribute("disabled")]))
                if "disabled" in state or "true" in state:
                    break
                await target.click()
                after = await self._changed_content(page, html)
                if after is None:
                    break
                html = after
        finally:
            await page.close()
            self.settle(seed.id)

    @staticmethod
    async def _changed_content(page: Any, before: str, timeout: float = 10.0) -> str | None:
        """The page's HTML once a click has changed it (the list is redrawn after its XHR), or None."""
        for _ in range(int(timeout / 0.1)):
            await page.wait_for_timeout(100)
            html = await page.content()
            if html != before:
                await page.wait_for_load_state("networkidle")
                return await page.content()
        return None

    def report_request(self, response: Response, anchor: Anchor) -> scrapy.Request | ReportPage | None:
        seed = self.seed_of(response)
        if self.is_document(seed, anchor.url):
            return self.document_report(seed, response, anchor)
        return self.site_request(
            seed, anchor.url, self.parse_report, hops=response.meta["hops"] + 1,
            list_title=anchor.text, list_date=anchor.date, referer_url=response.url,
        )

    def document_report(self, seed: Seed, response: Response, anchor: Anchor) -> ReportPage | None:
        """A report published only as a PDF or Word file: no page to fetch here, the file is its attachment
        (the attachments pipeline downloads it through the same politeness and reads its text)."""
        if anchor.url in self.documents:
            return None
        self.documents.add(anchor.url)
        self.crawler.stats.inc_value("govcrawl/report_documents")
        template = self.template_for(seed.id)
        return ReportPage(
            site_id=seed.id, site_name=seed.name, region=seed.region, url=anchor.url, status=0,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"), page_sha256="", html="",
            template=template.name, list_title=anchor.text, list_date=anchor.date, referer=response.url,
            attachments=[anchor.url],
        )

    def pagination_urls(self, response: TextResponse) -> list[str]:
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

    def list_page_request(self, response: Response, url: str, **kwargs: Any) -> scrapy.Request | None:
        seed = self.seed_of(response)
        limit = self.settings.getint("GOVCRAWL_MAX_LIST_PAGES")
        if self.list_pages[seed.id] >= limit:
            self._stop(seed.id, url, "list_pages")
            return None
        request = self.site_request(seed, url, self.parse_column, hops=response.meta["hops"], **kwargs)
        if request is not None:
            self.list_pages[seed.id] += 1
        return request

    @site_step
    def parse_report(self, response: Response) -> Iterator[ReportPage]:
        if not isinstance(response, TextResponse) or b"html" not in (response.headers.get("Content-Type") or b"html"):
            self.crawler.stats.inc_value("govcrawl/report_not_html")
            self.logger.info("site %s: report link %s is not an HTML page; skipped", response.meta["site_id"],
                             response.url)
            return
        seed = self.seed_of(response)
        self.observe(response, role="report")
        template = self.template_for(seed.id)
        self.crawler.stats.inc_value("govcrawl/report_pages")
        yield ReportPage(
            site_id=seed.id,
            site_name=seed.name,
            region=seed.region,
            url=response.url,
            status=response.status,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            page_sha256=hashlib.sha256(response.body).hexdigest(),
            html=response.text,
            template=template.name,
            # The family's containers first, then every family's: a site may mix templates across columns.
            body_selectors=tuple(dict.fromkeys(template.body_selectors + GENERIC_BODY_SELECTORS)),
            list_title=response.meta.get("list_title"),
            list_date=response.meta.get("list_date"),
            referer=response.meta.get("referer_url"),
            raw=response.body,
        )

    @staticmethod
    def is_report_link(anchor: Anchor) -> bool:
        return classify_title(anchor.text).kind == ANNUAL_REPORT
