"""What every govcrawl spider stands on, so that the walk (spiders/base.py) is only the walk: the sites of its seed
list, its components (site bounds, settling, fallbacks, the persistent frontier), ``Visit``s recorded, turned
into requests and back, a resumed crawl's open visits sent again, failed fetches recorded, list entries and the
column told to the store, a site's fallbacks before it is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import pages, signals
from crawler.bounds import SiteBounds
from crawler.browser import environment_proxy, launch_options, page_init
from crawler.classify import ANNUAL_REPORT
from crawler.errors import OFF_SITE, STUB, failure_problem
from crawler.fallbacks import Fallbacks
from crawler.families import template_names
from crawler.frontier import DONE, KEY, OPEN, Frontier, Row, visit_key
from crawler.items import WARC_META, ReportPage
from crawler.pages import Anchor, Family
from crawler.rendered import render_meta
from crawler.revisit import Stored, gone, stored_listings, stored_pages
from crawler.seeds import Seed, load_seeds
from crawler.settling import SiteLedger, settles
from crawler.stubs import REDIRECT_NOTICE
from crawler.text import bounded
from crawler.visits import Visit
from crawler.warc import BrowserCapture, WarcCapture

GUESSES = frozenset({"usual_path", "fallback:pager_forms"})  # visits to URLs the walk guessed, not read
HELD = "frontier_held"  # request meta: the page's report is in the pipelines, which settle its visit


class SiteSpider(scrapy.Spider):
    """A spider over the sites of a seed list; ``name`` is the template name seeds use, ``family`` its page
    object.

    Given a seed list file (``-a seeds=FILE``) a spider crawls every site of it as its own template; given the
    seeds of a run (``seed_list``, from ``govcrawl crawl``), only those whose template it is."""

    family: ClassVar[type[Family]]
    bounds: SiteBounds
    ledger: SiteLedger
    frontier: Frontier
    stored: dict[str, Stored]  # the report pages the corpus holds (crawler/revisit.py), revalidated

    def __init__(self, seeds: str | None = None, site: str | None = None,
                 seed_list: Iterable[Seed] | None = None, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        wanted = {s for s in (site or "").split(",") if s}
        if seed_list is not None:
            chosen = [s for s in seed_list if s.template == self.name]
        elif seeds:
            chosen = load_seeds(seeds, template_names(), allow_private=allow_private)
        else:
            raise ValueError(f"spider {self.name!r} crawls the sites of a seed list: -a seeds=FILE")
        self.sites = {s.id: s for s in chosen if not wanted or s.id in wanted}
        if seed_list is None:
            self.logger.warning("crawling %d sites of %s as %s, whatever template the seed list names",
                                len(self.sites), seeds, self.name)
        self.allowed_domains = sorted({d for s in self.sites.values() for d in s.domains})
        self.rendered: set[str] = set()  # column URLs sent to the browser
        self.fallbacks = Fallbacks()
        self.columns_found: set[str] = set()
        # Listings rows of report links decided on their page's own title: a list read again later keeps them.
        self.decisions: dict[str, dict[str, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        kwargs["allow_private"] = crawler.settings.getbool("GOVCRAWL_ALLOW_PRIVATE")  # not an -a argument
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.bounds = SiteBounds.from_crawler(crawler)
        spider.ledger = SiteLedger(crawler.signals, before_done=spider.before_done)
        spider.frontier = Frontier.from_crawler(crawler, list(spider.sites))
        spider.stored = stored_pages(spider.frontier.db, list(spider.sites))
        spider.decisions = stored_listings(spider.frontier.db, list(spider.sites))
        crawler.signals.connect(spider.redirect_scheduled, scrapy.signals.request_scheduled)
        # The browser reaches the spider's sites and nothing else (its launch options are read when it starts).
        proxy = crawler.settings.get("GOVCRAWL_PROXY") or environment_proxy()
        crawler.settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(proxy, spider.allowed_domains), "cmdline")
        crawler.signals.connect(spider.request_dropped, scrapy.signals.request_dropped)
        return spider

    def family_for(self, site_id: str) -> type[Family]:
        return self.family

    def observe(self, response: TextResponse, role: str) -> None:
        """Hook for spiders that learn about a site from its pages (``auto`` fingerprints them)."""

    # -- visits and requests ----------------------------------------------------------------------
    def begin_site(self, seed: Seed, starts: list[Visit]) -> Iterator[scrapy.Request | ReportPage]:
        """A site's first requests: its ``starts``, or, when an earlier run of the crawl visited it (a resumed
        crawl), the visits it left pending or in flight, after what its done ones saw is restored."""
        if not (rows := self.frontier.rows(seed.id)):
            for visit in starts:
                yield from self.fetch(visit)
            return
        self.resumed(seed, rows)
        left = [row.visit for row in rows if row.state in OPEN]
        self.crawler.stats.inc_value("govcrawl/resumed_visits", len(left))
        self.logger.info("site %s: resumed, %d visits done, %d to make again", seed.id, len(rows) - len(left),
                         len(left))
        self.ledger.opened(seed.id)  # a site with nothing left settles (or tries its fallbacks) below
        for visit in left:
            self.ledger.opened(seed.id)
            if self.bounds.is_document(seed, visit.url):
                yield self.document(visit, visit_key(visit))
            else:
                yield self.request_for(visit, visit_key(visit))
        self.ledger.settle(seed.id)

    def resumed(self, seed: Seed, rows: list[Row]) -> None:
        """What the visits of earlier runs of the crawl told the walk: the site's bounds, the fallbacks' years
        and columns, the columns sent to the browser."""
        for row in rows:
            self.bounds.resumed(seed, row.visit)
            self.fallbacks.resumed(row.visit, row.state == DONE)
            if row.visit.browser:
                self.rendered.add(row.visit.url)

    def fetch(self, visit: Visit) -> Iterator[scrapy.Request]:
        """The request for ``visit``, recorded in the frontier first; none when it leaves the site, breaks a
        bound, or the crawl has it already."""
        if self.bounds.admit(self.sites[visit.site_id], visit.url) and (key := self.frontier.add(visit)):
            self.ledger.opened(visit.site_id)
            yield self.request_for(visit, key)

    def document(self, visit: Visit, key: str) -> ReportPage:
        """The item of a report published as a file (no page to fetch): the pipelines fetch it and settle it."""
        seed = self.sites[visit.site_id]
        item = ReportPage.of_document(seed, visit.url, self.family_for(seed.id).name, visit.list_title,
                                      visit.list_date, visit.referer, visit.via)
        item.visit_key = key
        return item

    def request_for(self, visit: Visit, key: str) -> scrapy.Request:
        meta: dict[str, Any] = {"site_id": visit.site_id, "visit": visit.as_dict(), KEY: key}
        if visit.browser:
            hosts = getattr(self.crawler.engine.downloader, "hosts", None)  # crawler.politeness.PoliteDownloader
            meta.update(render_meta(page_init(self.sites[visit.site_id].domains, hosts,
                                              self.settings.getbool("GOVCRAWL_ALLOW_PRIVATE"),
                                              self.browser_capture())))
        headers = dict(visit.headers)
        if visit.role == "report" and (stored := self.stored.get(visit.url)):
            headers.update(stored.headers())  # a report stored before: revalidated
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(visit.url, callback=getattr(self, f"parse_{visit.role}"), errback=self.on_error,
                              method=visit.method, body=visit.body, headers=headers or None,
                              dont_filter=visit.browser, meta=meta)

    def browser_capture(self) -> BrowserCapture | None:
        """What keeps the responses a rendered page receives in the crawl's WARCs (None without a capture)."""
        capture = self.crawler.get_downloader_middleware(WarcCapture)
        return capture.browser if capture is not None else None

    def unchanged(self, response: Response) -> bool:
        """A stored report's page answered 304, or with the bytes stored: a check, no pipeline work."""
        assert response.request is not None
        stored = self.stored.get(response.url) or self.stored.get(response.request.url)
        if stored is None or not stored.unchanged(response):
            return False
        self.crawler.stats.inc_value("govcrawl/reports_unchanged")
        self.crawler.signals.send_catch_log(signals.report_checked, site_id=self.visit_of(response).site_id,
                                            url=response.url if response.url in self.stored else response.request.url,
                                            warc=response.request.meta.get(WARC_META))
        return True

    @staticmethod
    def visit_of(response: Response | Failure) -> Visit:
        return Visit.from_dict(response.request.meta["visit"])  # type: ignore[union-attr]

    def next_visit(self, response: Response, url: str, role: str, step: int = 1, **fields: Any) -> Visit:
        """A visit found on ``response``'s page, ``step`` hops further from the home page, the way it came."""
        here = self.visit_of(response)
        return Visit(here.site_id, url, role, here.hops + step, **{"via": here.via, **fields})

    def before_done(self, site_id: str) -> bool:
        """A site with nothing left in flight: when its reports' years have holes, the fallbacks' visits first."""
        scheduled = False
        if gaps := self.fallbacks.gaps(site_id):
            for visit in self.fallbacks.visits(site_id, self.rendered):
                if visit.browser:
                    self.rendered.add(visit.url)
                for request in self.fetch(visit):
                    self.crawler.engine.crawl(request)
                    scheduled = True
            if scheduled:
                self.crawler.stats.set_value(f"govcrawl/year_gaps/{site_id}", len(gaps))
                self.logger.info("site %s: no report listed for %s; trying the fallbacks", site_id, gaps)
        return scheduled

    def request_settled(self, request: scrapy.Request | None) -> None:
        """A request's callback or errback has run: its visit is done (unless its report is still in the
        pipelines, or the errback failed it) and the site one request nearer to settled."""
        if request is None:
            return
        if not request.meta.get(HELD):
            self.frontier.done(request)
        self.ledger.settle(request.meta.get("site_id"))

    def request_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """Handler of Scrapy's request_dropped (a duplicate the scheduler refused: a redirect to a page fetched)."""
        self.frontier.done(request)
        self.ledger.dropped(request, spider)

    @settles
    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site_id = request.meta.get("site_id")
        if (problem := failure_problem(failure)) is None:
            self.crawler.stats.inc_value("govcrawl/ignored")
            self.logger.debug("ignored %s: %s", request.url, failure.value)
            return
        visit = self.visit_of(failure)
        if problem.reason == "HTTP 404" and visit.via in GUESSES:
            self.crawler.stats.inc_value("govcrawl/guesses_missed")  # a usual path or page form the site lacks
            return
        if visit.role == "report" and request.url in self.stored and gone(failure):
            self.crawler.stats.inc_value("govcrawl/reports_gone")  # withdrawn, not an error of the crawl
            self.logger.info("site %s: report %s is gone (%s): withdrawn", site_id, request.url, problem.reason)
            self.crawler.signals.send_catch_log(signals.report_gone, site_id=site_id, url=request.url)
            return
        self.frontier.failed(request, f"{problem.kind}: {problem.reason}")
        self.fetch_failed(site_id, request.url, problem.kind, problem.reason)

    def redirect_scheduled(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A redirect (3xx or meta refresh) off the site: Scrapy's offsite filter drops it when it is scheduled,
        without an errback or request_dropped, so the site would never settle and nobody would know. It is
        recorded (a report link's refresh as the stub it was) and dropped here."""
        if not (chain := request.meta.get("redirect_urls")) or "visit" not in request.meta:
            return
        visit = Visit.from_dict(request.meta["visit"])
        if self.bounds.on_site(seed := self.sites[visit.site_id], request.url):
            return
        how = (request.meta.get("redirect_reasons") or [None])[-1]  # a status, or "meta refresh"
        if visit.role == "report" and how == "meta refresh":
            self.fetch_failed(seed.id, chain[-1], STUB, f"{REDIRECT_NOTICE}: its meta refresh leads off the site, "
                                                         f"to {request.url}")
        else:
            redirect = "a meta refresh" if how == "meta refresh" else f"an HTTP {how} redirect"
            self.fetch_failed(seed.id, chain[-1], OFF_SITE, f"{redirect} off the site, to {request.url}: not followed")
        self.frontier.failed(request, f"off the site: {request.url}")
        self.ledger.settle(seed.id)
        raise IgnoreRequest(f"a redirect off the site, to {request.url}")

    def fetch_failed(self, site_id: str | None, url: str, kind: str, reason: str) -> None:
        """One log line and one errors row for a request that failed or was cut."""
        self.crawler.stats.inc_value("govcrawl/errors")
        self.crawler.stats.inc_value(f"govcrawl/errors/{kind}")
        self.logger.warning("site %s: %s: %s (%s)", site_id, url, reason, kind)
        self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=site_id, url=url, reason=reason,
                                            kind=kind)

    def list_read(self, visit: Visit, list_url: str, entries: list[Anchor]) -> None:
        """Tell the store every titled entry of a list page with its kind, followed or not; and the column,
        the first time one of its pages lists a report."""
        seed = self.sites[visit.site_id]
        on_site = [a for a in entries if self.bounds.in_scope(seed, a.url) or self.bounds.is_document(seed, a.url)]
        if rows := [self.decisions.get(row["url"] or "") or bounded_row(row) for row in pages.listing_rows(on_site)]:
            self.crawler.signals.send_catch_log(signals.list_read, site_id=seed.id, list_url=list_url, entries=rows)
        if any(r["kind"] == ANNUAL_REPORT for r in rows):
            self.column_found(visit, list_url)

    def column_found(self, visit: Visit, list_url: str) -> None:
        if visit.site_id not in self.columns_found:
            self.columns_found.add(visit.site_id)
            self.crawler.signals.send_catch_log(signals.column_found, site_id=visit.site_id, url=list_url,
                                                via=visit.via or "links")


def bounded_row(row: dict[str, str | None]) -> dict[str, str | None]:
    """A listings row whose title is within a list title's bound (crawler/text.py), a cut said in its reason."""
    title = row["title"] or ""
    if (cut := bounded(title, "list_title")) == title:
        return row
    return {**row, "title": cut, "reason": f"{row['reason']} (title cut from {len(title)} characters)"}
