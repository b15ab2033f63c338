"""The walk every spider takes: home page → sections (政务公开) → annual-report column → list pages → reports.

A family's page object (crawler/pages.py) reads the pages; what every spider stands on (seeds, Visits turned
into requests, failed fetches, the site's bounds, settling and fallbacks) is crawler/site_spider.py, and the
browser's list reading crawler/rendered.py. The walk turns page-object values into ``Visit``s
(crawler/visits.py, one callback ``parse_<role>`` each) and those into requests, and yields each report page raw
with what the walk saw (list title and date, the referring page, how it came there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler import pages, signals
from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.errors import STUB
from crawler.frontier import KEY
from crawler.items import ReportPage
from crawler.pages import Anchor, ListPage, anchors, is_html, is_report_link
from crawler.rendered import list_api, rendered_pages
from crawler.settling import settles
from crawler.site_spider import HELD, SiteSpider, bounded_row
from crawler.stubs import REDIRECT_NOTICE, Redirect, redirect_of
from crawler.visits import Visit

JSON_BODY = (("Content-Type", "application/json; charset=UTF-8"),)
FORM_BODY = (("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),)


class GovSpider(SiteSpider):
    """The walk of every govcrawl spider (the per-family spiders: spiders/families.py; auto: spiders/auto.py)."""

    async def start(self) -> AsyncIterator[scrapy.Request | ReportPage]:
        for seed in self.sites.values():
            starts = [Visit(seed.id, seed.url, "listing")]
            if seed.report_column:
                starts.append(Visit(seed.id, seed.report_column, "column", via="report_column"))
            for first in self.begin_site(seed, starts):
                yield first

    # -- the walk ---------------------------------------------------------------------------------
    @settles
    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Home and section pages: reports linked here, the column, and sections that lead to it; from a home
        page with none of these, the section's usual paths."""
        if not is_html(response):
            return
        assert isinstance(response, TextResponse)
        self.observe(response, role="listing")
        visit, leads = self.visit_of(response), False
        for anchor in anchors(response):
            role = pages.link_role(anchor)
            if role == "report":
                yield from self.report(response, anchor)
            elif role == "column" or (role == "hub" and self.bounds.hub_within(visit.hops + 1)):
                leads = True
                yield from self.fetch(self.next_visit(response, anchor.url, "listing" if role == "hub" else role))
        if not leads and visit.hops == 0:
            for url in pages.usual_sections(response.url):
                yield from self.fetch(self.next_visit(response, url, "listing", via="usual_path"))

    @settles
    def parse_column(self, response: Response) -> Iterator[Any]:
        """A list page of the annual-report column (HTML, or XML/JSON from a family's list API)."""
        if isinstance(response, TextResponse):
            yield from self.read_column(response)

    def read_column(self, response: TextResponse) -> Iterator[Any]:
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
        self.list_read(visit, response.url, entries)
        new = 0
        for anchor in entries:
            if is_report_link(anchor) or pages.is_candidate_report(anchor):
                new += self.fallbacks.saw_report(visit.site_id, anchor.url, anchor.text)
                yield from self.report(response, anchor)
            elif pages.is_year_folder(anchor, response.url):
                yield from self.fetch(self.next_visit(response, anchor.url, "column"))
        if is_html(response) and visit.role == "column":
            self.fallbacks.saw_column(visit)
        if probe := self.fallbacks.next_probe(visit, new):
            yield from self.fetch(probe)
        yield from self.list_pages(response, page.next_pages())

    def list_pages(self, response: Response, further: list[ListPage], via: str | None = None) -> Iterator[Any]:
        site_id = self.visit_of(response).site_id
        for listed in further:
            if not self.bounds.list_pages_left(site_id, listed.url):
                continue
            here = self.visit_of(response)
            visit = self.next_visit(response, listed.url, "rendered" if listed.browser else "column", step=0,
                                    method=listed.method, body=listed.body, headers=listed.headers,
                                    page_of=here.page_of or here.url, **({"via": via} if via else {}))
            for request in self.fetch(visit):
                self.bounds.count_list_page(site_id)
                yield request

    async def parse_rendered(self, response: Response) -> AsyncIterator[Any]:
        """The column rendered by the browser: its entries, then the list API its page called, paged plainly;
        without one, each page its pager (下一页) leads to."""
        visit, page = self.visit_of(response), response.meta["playwright_page"]
        try:
            capture = self.browser_capture()
            async with aclosing(rendered_pages(page, response.text, capture.settle if capture else None)
                                ) as rendered_list:
                seen = 0
                async for rendered in rendered_list:
                    entries = list(anchors(rendered))
                    self.list_read(visit, rendered.url, entries)
                    for anchor in entries:
                        if is_report_link(anchor) or pages.is_candidate_report(anchor):
                            self.fallbacks.saw_report(visit.site_id, anchor.url, anchor.text)
                            for found in self.report(response, anchor):
                                yield found
                    seen += 1
                    self.bounds.count_list_page(visit.site_id)
                    if seen == 1 and (api := await list_api(page, entries)):
                        self.crawler.stats.inc_value(f"govcrawl/list_api/{visit.site_id}")
                        further = [ListPage(p.url, p.method, p.body, _body_headers(p.body)) for p in api.other_pages()]
                        for request in self.list_pages(response, further, via=visit.via or "list_api"):
                            yield request
                        break
                    if seen >= self.bounds.max_list_pages:
                        self.bounds.stop(visit.site_id, rendered.url, "list_pages")
                        break
        finally:
            self.request_settled(response.request)

    def report(self, response: Response, anchor: Anchor) -> Iterator[scrapy.Request | ReportPage]:
        """A report linked from ``response``: its page to fetch, or the item of a report that is a file."""
        yield from self.visit_report(self.next_visit(response, anchor.url, "report", list_title=anchor.text,
                                                     list_date=anchor.date, referer=response.url,
                                                     candidate=not is_report_link(anchor)))

    def visit_report(self, visit: Visit) -> Iterator[scrapy.Request | ReportPage]:
        seed = self.sites[visit.site_id]
        if not self.bounds.is_document(seed, visit.url):
            yield from self.fetch(visit)
        elif not visit.candidate and (key := self.frontier.add(visit)):
            self.crawler.stats.inc_value("govcrawl/report_documents")
            self.ledger.opened(seed.id)  # in flight until the pipelines are done with it
            yield self.document(visit, key)

    @settles
    def parse_report(self, response: Response) -> Iterator[Any]:
        visit = self.visit_of(response)
        if self.unchanged(response):
            return
        if not isinstance(response, TextResponse) or b"html" not in (response.headers.get("Content-Type") or b"html"):
            self.crawler.stats.inc_value("govcrawl/report_not_html")
            self.logger.info("site %s: report link %s is not an HTML page; skipped", visit.site_id, response.url)
            return
        family = self.family_for(visit.site_id)
        if pages.looks_like_list(response, family):  # a year folder named like its report
            self.crawler.stats.inc_value("govcrawl/report_link_was_a_list")
            yield from self.read_column(response)
            return
        if redirect := redirect_of(response.text, response.url):
            yield from self.follow_stub(response, redirect)
            return
        if visit.candidate and not self.decided(visit, response):
            return
        self.observe(response, role="report")
        self.crawler.stats.inc_value("govcrawl/report_pages")
        if visit.via and visit.via.startswith("fallback:"):
            self.crawler.stats.inc_value(f"govcrawl/{visit.via.replace(':', '/')}/{visit.site_id}")
        self.ledger.opened(visit.site_id)  # in flight until the pipelines are done with it
        assert response.request is not None
        response.request.meta[HELD] = True  # its visit is done when its report is stored
        item = ReportPage.of_page(self.sites[visit.site_id], response, family.name, family.report_selectors(),
                                  visit.list_title, visit.list_date, visit.referer, visit.via)
        item.visit_key = response.request.meta[KEY]
        yield item

    def follow_stub(self, response: TextResponse, redirect: Redirect) -> Iterator[scrapy.Request | ReportPage]:
        """A report link that led to a stub sending the browser on (a script, a refresh the downloader left): its
        target is visited as the report of the same list entry; off the site, it is recorded and left."""
        visit = self.visit_of(response)
        seed = self.sites[visit.site_id]
        if not (self.bounds.in_scope(seed, redirect.url) or self.bounds.is_document(seed, redirect.url)):
            self.fetch_failed(seed.id, response.url, STUB,
                              f"{REDIRECT_NOTICE}: its {redirect.how} leads off the site, to {redirect.url}")
            return
        self.crawler.stats.inc_value("govcrawl/stubs_followed")
        self.logger.info("site %s: %s is a stub; its %s leads to %s", seed.id, response.url, redirect.how,
                         redirect.url)
        yield from self.visit_report(self.next_visit(response, redirect.url, "report", step=0,
                                                     list_title=visit.list_title, list_date=visit.list_date,
                                                     referer=visit.referer, candidate=visit.candidate))

    def decided(self, visit: Visit, response: TextResponse) -> bool:
        """Whether a report link whose list title said too little is a report, by its page's own title."""
        title = pages.page_title(response)
        kind = classify_title(title)
        reason = f"{kind.reason} (decided on the page's own title; listed as {visit.list_title!r})"
        row = bounded_row({"url": response.url, "title": title or visit.list_title, "date": visit.list_date,
                           "kind": kind.kind, "reason": reason})
        self.decisions[visit.url] = row
        self.crawler.signals.send_catch_log(signals.list_read, site_id=visit.site_id, list_url=visit.referer,
                                            entries=[row])
        self.crawler.stats.inc_value(f"govcrawl/candidates/{'kept' if kind.kind == ANNUAL_REPORT else 'dropped'}")
        if kind.kind == ANNUAL_REPORT and visit.referer:
            self.column_found(visit, visit.referer)
        return kind.kind == ANNUAL_REPORT


def _body_headers(body: str | None) -> tuple[tuple[str, str], ...]:
    if not body:
        return ()
    return JSON_BODY if body.lstrip().startswith(("{", "[")) else FORM_BODY
