"""The walk every spider takes: home page → sections (政务公开) → annual-report column → list pages → reports.

A family's page object (crawler/pages.py) reads the pages; the site's bounds (crawler/bounds.py), settling
(crawler/settling.py) and the browser's pager (crawler/rendered.py) are components of their own. The walk turns
page-object values into ``Visit``s (crawler/visits.py, one callback ``parse_<role>`` each) and those into
requests, and yields each report page raw with what the walk saw (list title and date, the referring page).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import aclosing
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import signals
from crawler.bounds import SiteBounds
from crawler.errors import failure_reason
from crawler.families import template_names
from crawler.items import ReportPage
from crawler.pages import Anchor, Family, anchors, is_html, is_report_link, is_year_folder, link_role, listing_rows
from crawler.rendered import render_meta, rendered_pages
from crawler.seeds import Seed, load_seeds
from crawler.settling import SiteLedger, settles
from crawler.visits import Visit


class GovSpider(scrapy.Spider):
    """Base of every govcrawl spider; ``name`` is the template name seeds use, ``family`` its page object."""

    family: ClassVar[type[Family]]
    bounds: SiteBounds
    ledger: SiteLedger

    def __init__(self, seeds: str | None = None, site: str | None = None,
                 seed_list: Iterable[Seed] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if seed_list is None:
            if not seeds:
                raise ValueError(f"spider {self.name!r} needs a seed list: -a seeds=FILE")
            seed_list = load_seeds(seeds, template_names())
        wanted = {s for s in (site or "").split(",") if s}
        self.sites = {s.id: s for s in seed_list if s.template == self.name and (not wanted or s.id in wanted)}
        self.allowed_domains = sorted({d for s in self.sites.values() for d in s.domains})
        self.rendered: set[str] = set()  # column URLs sent to the browser
        self.documents: set[str] = set()  # report files met in lists (no page to fetch)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GovSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.bounds = SiteBounds.from_crawler(crawler)
        spider.ledger = SiteLedger(crawler.signals)
        crawler.signals.connect(spider.ledger.dropped, scrapy.signals.request_dropped)
        return spider

    def family_for(self, site_id: str) -> type[Family]:
        return self.family

    def observe(self, response: TextResponse, role: str) -> None:
        """Hook for spiders that learn about a site from its pages (``auto`` fingerprints them)."""

    # -- visits and requests ----------------------------------------------------------------------
    def fetch(self, visit: Visit) -> Iterator[scrapy.Request]:
        """The request for ``visit``; none when it leaves the site or breaks a bound."""
        if self.bounds.admit(self.sites[visit.site_id], visit.url):
            self.ledger.opened(visit.site_id)
            yield self.request_for(visit)

    def request_for(self, visit: Visit) -> scrapy.Request:
        meta = {"site_id": visit.site_id, "visit": visit.as_dict(), **(render_meta() if visit.browser else {})}
        return scrapy.Request(visit.url, callback=getattr(self, f"parse_{visit.role}"), errback=self.on_error,
                              method=visit.method, body=visit.body, headers=dict(visit.headers) or None,
                              dont_filter=visit.browser, meta=meta)

    @staticmethod
    def visit_of(response: Response | Failure) -> Visit:
        return Visit.from_dict(response.request.meta["visit"])  # type: ignore[union-attr]

    def next_visit(self, response: Response, url: str, role: str, step: int = 1, **fields: Any) -> Visit:
        """A visit found on ``response``'s page, ``step`` hops further from the home page."""
        here = self.visit_of(response)
        return Visit(here.site_id, url, role, here.hops + step, **fields)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for seed in self.sites.values():
            starts = [Visit(seed.id, seed.url, "listing")]
            if seed.report_column:
                starts.append(Visit(seed.id, seed.report_column, "column"))
            for visit in starts:
                for request in self.fetch(visit):
                    yield request

    @settles
    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site_id = request.meta.get("site_id")
        if (reason := failure_reason(failure)) is None:
            self.crawler.stats.inc_value("govcrawl/ignored")
            self.logger.debug("ignored %s: %s", request.url, failure.value)
            return
        self.crawler.stats.inc_value("govcrawl/errors")
        self.logger.warning("site %s: %s failed: %s", site_id, request.url, reason)
        self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=site_id, url=request.url, reason=reason)

    # -- the walk ---------------------------------------------------------------------------------
    @settles
    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Home and section pages: reports linked here, the column, and sections that lead to it."""
        if not is_html(response):
            return
        assert isinstance(response, TextResponse)
        self.observe(response, role="listing")
        hops = self.visit_of(response).hops
        for anchor in anchors(response):
            role = link_role(anchor)
            if role == "report":
                yield from self.report(response, anchor)
            elif role == "column":
                yield from self.fetch(self.next_visit(response, anchor.url, "column"))
            elif role == "hub" and self.bounds.hub_within(hops + 1):
                yield from self.fetch(self.next_visit(response, anchor.url, "listing"))

    @settles
    def parse_column(self, response: Response) -> Iterator[Any]:
        """A list page of the annual-report column (HTML, or XML/JSON from a family's list API)."""
        if not isinstance(response, TextResponse):
            return
        if is_html(response):
            self.observe(response, role="column")
        visit = self.visit_of(response)
        page = self.family_for(visit.site_id)(response)
        entries = page.entries()
        if page.needs_browser(entries) and response.url not in self.rendered:
            self.rendered.add(response.url)
            self.crawler.stats.inc_value("govcrawl/rendered")
            yield from self.fetch(self.next_visit(response, response.url, "rendered", step=0))
            return
        self.list_read(visit.site_id, response.url, entries)
        for anchor in entries:
            if is_report_link(anchor):
                yield from self.report(response, anchor)
            elif is_year_folder(anchor, response.url):
                yield from self.fetch(self.next_visit(response, anchor.url, "column"))
        for further in page.next_pages():
            if not self.bounds.list_pages_left(visit.site_id, further.url):
                continue
            role = "rendered" if further.browser else "column"
            for request in self.fetch(self.next_visit(response, further.url, role, step=0, method=further.method,
                                                      body=further.body, headers=further.headers)):
                self.bounds.count_list_page(visit.site_id)
                yield request

    async def parse_rendered(self, response: Response) -> AsyncIterator[Any]:
        """The column rendered by the browser: read each page its pager (下一页) leads to."""
        site_id = self.visit_of(response).site_id
        try:
            async with aclosing(rendered_pages(response.meta["playwright_page"], response.text)) as pages:
                seen = 0
                async for rendered in pages:
                    entries = list(anchors(rendered))
                    self.list_read(site_id, rendered.url, entries)
                    for anchor in entries:
                        if is_report_link(anchor):
                            for found in self.report(response, anchor):
                                yield found
                    seen += 1
                    self.bounds.count_list_page(site_id)
                    if seen >= self.bounds.max_list_pages:
                        self.bounds.stop(site_id, rendered.url, "list_pages")
                        break
        finally:
            self.ledger.settle(site_id)

    def report(self, response: Response, anchor: Anchor) -> Iterator[scrapy.Request | ReportPage]:
        """A report linked from ``response``: its page to fetch, or the item of a report that is a file."""
        visit = self.next_visit(response, anchor.url, "report", list_title=anchor.text, list_date=anchor.date,
                                referer=response.url)
        seed = self.sites[visit.site_id]
        if not self.bounds.is_document(seed, anchor.url):
            yield from self.fetch(visit)
        elif anchor.url not in self.documents:
            self.documents.add(anchor.url)
            self.crawler.stats.inc_value("govcrawl/report_documents")
            yield ReportPage.of_document(seed, anchor.url, self.family_for(seed.id).name, anchor.text, anchor.date,
                                         response.url)

    def list_read(self, site_id: str, list_url: str, entries: list[Anchor]) -> None:
        """Tell the store every titled entry of a list page with its kind, followed or not."""
        seed = self.sites[site_id]
        on_site = [a for a in entries if self.bounds.in_scope(seed, a.url) or self.bounds.is_document(seed, a.url)]
        if rows := listing_rows(on_site):
            self.crawler.signals.send_catch_log(signals.list_read, site_id=site_id, list_url=list_url, entries=rows)

    @settles
    def parse_report(self, response: Response) -> Iterator[ReportPage]:
        visit = self.visit_of(response)
        if not isinstance(response, TextResponse) or b"html" not in (response.headers.get("Content-Type") or b"html"):
            self.crawler.stats.inc_value("govcrawl/report_not_html")
            self.logger.info("site %s: report link %s is not an HTML page; skipped", visit.site_id, response.url)
            return
        self.observe(response, role="report")
        family = self.family_for(visit.site_id)
        self.crawler.stats.inc_value("govcrawl/report_pages")
        yield ReportPage.of_page(self.sites[visit.site_id], response, family.name, family.report_selectors(),
                                 visit.list_title, visit.list_date, visit.referer)
