"""Shared machinery of every govcrawl spider: seeds → requests, scope, bounds, link reading, pagination.

A family spider (one CMS family each) subclasses ``GovSpider`` and decides which links on a page lead to
the annual-report column, to more list pages, and to reports. It knows nothing about cleaning text.
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
from urllib.parse import urljoin, urlsplit

import scrapy
import yaml
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals
from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.dates import parse_date
from crawler.items import ReportPage
from crawler.seeds import Seed, load_seeds

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
NON_PAGE_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|css|js|ico|svg|swf|mp4|flv|zip|rar|exe)$", re.I)
SPACE = re.compile(r"\s+")


@cache
def navigation_rules() -> dict[str, re.Pattern[str]]:
    text = resources.files("crawler").joinpath("data/navigation.yaml").read_text("utf-8")
    return {key: re.compile(value) for key, value in yaml.safe_load(text).items()}


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str
    date: str | None  # the date printed beside the link in its list row, if any


def anchors(response: TextResponse, scope: str = "body") -> Iterator[Anchor]:
    """Links of a page with their best text (link text or its ``title`` attribute) and list-row date."""
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


def site_step(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a callback or errback as the end of one request of a site (for per-site progress).

    The request counts as settled only after the callback's output has been consumed, so the requests it
    yields are scheduled (and counted) before the site can look finished.
    """

    @wraps(method)
    def wrapper(self: GovSpider, response_or_failure: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        request = getattr(response_or_failure, "request", None)
        try:
            yield from method(self, response_or_failure, *args, **kwargs) or ()
        finally:
            self.settle(request.meta.get("site_id") if request is not None else None)

    return wrapper


class GovSpider(scrapy.Spider):
    """Base of all family spiders; ``name`` is the template name seeds use.

    A family spider defines ``parse_listing`` (home and section pages, on the way to the column) and
    ``parse_column`` (the annual-report column and its further pages), both decorated with ``site_step``.
    """

    # CSS selectors of the report body for this family, tried in order by the extract pipeline.
    body_selectors: ClassVar[tuple[str, ...]] = ()

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

    @classmethod
    def handles(cls, seed: Seed) -> bool:
        return seed.template == cls.name

    def _setup_signals(self) -> None:
        self.crawler.signals.connect(self._on_dropped, scrapy.signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GovSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup_signals()
        return spider

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
        self.crawler.signals.send_catch_log(signals.trap_stopped, site_id=site_id, url=url, guard=guard)

    # -- requests -------------------------------------------------------------------------------
    def in_scope(self, seed: Seed, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or NON_PAGE_EXT.search(parts.path):
            return False
        return any(host == d or host.endswith("." + d) for d in seed.domains)

    def site_request(self, seed: Seed, url: str, callback: Callable[..., Any], *, hops: int,
                     **meta: Any) -> scrapy.Request | None:
        """A request of ``seed``'s crawl, or None when it leaves the site or breaks a bound."""
        if not self.in_scope(seed, url):
            return None
        budget = self.settings.getint("GOVCRAWL_SITE_PAGE_BUDGET")
        if self.requested[seed.id] >= budget:
            if self.requested[seed.id] == budget:
                self.logger.warning("site %s: page budget of %d reached; stopping its crawl", seed.id, budget)
                self._stop(seed.id, url, "page_budget")
                self.requested[seed.id] += 1
            return None
        self.requested[seed.id] += 1
        self.outstanding[seed.id] += 1
        return scrapy.Request(url, callback=callback, errback=self.on_error,
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

    # -- shared pieces of a walk ---------------------------------------------------------------
    def report_request(self, response: Response, anchor: Anchor) -> scrapy.Request | None:
        return self.site_request(
            self.seed_of(response), anchor.url, self.parse_report, hops=response.meta["hops"] + 1,
            list_title=anchor.text, list_date=anchor.date, referer_url=response.url,
        )

    def pagination_urls(self, response: TextResponse, links: list[Anchor]) -> list[str]:
        """Further pages of the list at ``response``: pager links and TRS ``createPageHTML`` calls."""
        rules = navigation_rules()
        here = urlsplit(response.url)
        folder = here.path.rsplit("/", 1)[0] + "/"
        urls: list[str] = []
        for a in links:
            target = urlsplit(a.url)
            same_list = target.path == here.path or (target.path.startswith(folder) and target.path.count(
                "/") == here.path.count("/"))
            if same_list and target.netloc == here.netloc and rules["pagination_text"].match(a.text):
                urls.append(a.url)
        for script in response.css("script::text").getall():
            for m in rules["create_page_html"].finditer(script):
                count, prefix, ext = int(m[1]), m[3], m[4]
                urls += [urljoin(response.url, f"{prefix}_{i}.{ext}") for i in range(1, count)]
                urls.append(urljoin(response.url, f"{prefix}.{ext}"))
        return [u for u in dict.fromkeys(urls) if u != response.url]

    def list_page_request(self, response: Response, url: str) -> scrapy.Request | None:
        seed = self.seed_of(response)
        limit = self.settings.getint("GOVCRAWL_MAX_LIST_PAGES")
        if self.list_pages[seed.id] >= limit:
            self._stop(seed.id, url, "list_pages")
            return None
        request = self.site_request(seed, url, self.parse_column, hops=response.meta["hops"])
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
            template=self.name,
            body_selectors=self.body_selectors,
            list_title=response.meta.get("list_title"),
            list_date=response.meta.get("list_date"),
            referer=response.meta.get("referer_url"),
        )

    @staticmethod
    def is_report_link(anchor: Anchor) -> bool:
        return classify_title(anchor.text).kind == ANNUAL_REPORT
