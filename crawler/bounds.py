"""Site bounds: what a crawl of one site may request — its domains, a hop limit, a page budget, a list-page
limit, and trap guards (calendars, query-string explosions, ever-deeper paths).

One component configured once from settings (``SiteBounds.from_crawler``). Every stop is counted in the crawl's
stats as ``govcrawl/trap/<guard>`` and ``govcrawl/trap/<guard>/<site>``, which the run record keeps.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, Self
from urllib.parse import parse_qsl, urlsplit

from crawler.urls import DOCUMENT_EXT, NON_PAGE_EXT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.seeds import Seed
    from crawler.visits import Visit

log = logging.getLogger(__name__)
CALENDAR_QUERY = re.compile(r"(^|&)(date|day|riqi|rq|cal|calendar|ymd)=\d{4}-?\d{1,2}-?\d{1,2}", re.I)


class SiteBounds:
    """Settings: GOVCRAWL_MAX_HOPS, GOVCRAWL_SITE_PAGE_BUDGET, GOVCRAWL_MAX_LIST_PAGES, GOVCRAWL_MAX_PATH_DEPTH,
    GOVCRAWL_MAX_QUERY_VARIANTS."""

    def __init__(self, settings: BaseSettings, crawler: Crawler) -> None:
        self.crawler = crawler  # its stats exist only once the crawl starts, after the spider is made
        self.max_hops = settings.getint("GOVCRAWL_MAX_HOPS")
        self.page_budget = settings.getint("GOVCRAWL_SITE_PAGE_BUDGET")
        self.max_list_pages = settings.getint("GOVCRAWL_MAX_LIST_PAGES")
        self.max_path_depth = settings.getint("GOVCRAWL_MAX_PATH_DEPTH")
        self.max_query_variants = settings.getint("GOVCRAWL_MAX_QUERY_VARIANTS")
        self.requested: Counter[str] = Counter()
        self.list_pages: Counter[str] = Counter()
        self.query_variants: dict[tuple[str, str], set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings, crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # -- scope ------------------------------------------------------------------------------------
    @staticmethod
    def on_site(seed: Seed, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return parts.scheme in ("http", "https") and any(host == d or host.endswith("." + d) for d in seed.domains)

    def in_scope(self, seed: Seed, url: str) -> bool:
        """A page of the site to walk into (not a file, not off the site)."""
        return self.on_site(seed, url) and not NON_PAGE_EXT.search(urlsplit(url).path)

    def is_document(self, seed: Seed, url: str) -> bool:
        """A PDF or Word file on the site (a report published only as a file)."""
        return self.on_site(seed, url) and bool(DOCUMENT_EXT.search(urlsplit(url).path))

    def hub_within(self, hops: int) -> bool:
        """Whether a section page ``hops`` links from the home page may still be walked into."""
        return hops < self.max_hops

    # -- guards -----------------------------------------------------------------------------------
    def trap(self, seed: Seed, url: str) -> str | None:
        """The trap guard a URL trips, if any: calendars, query-string explosions, ever-deeper paths."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > self.max_path_depth:
            return "deep_path"
        if any(count >= 3 for count in Counter(segments).values()):
            return "deep_path"  # /news/more/more/more/: a relative link on a server that answers any path
        if parts.query:
            if CALENDAR_QUERY.search(parts.query):
                return "calendar"
            variants = self.query_variants.setdefault((seed.id, parts.path), set())
            query = _query_key(parts.query)
            if query not in variants and len(variants) >= self.max_query_variants:
                return "query_explosion"
            variants.add(query)
        return None

    def stop(self, site_id: str, url: str, guard: str) -> None:
        self.stats.inc_value(f"govcrawl/trap/{guard}")
        self.stats.inc_value(f"govcrawl/trap/{guard}/{site_id}")
        log.info("site %s: %s guard stopped %s", site_id, guard, url)

    def admit(self, seed: Seed, url: str) -> bool:
        """Whether ``seed``'s crawl may request ``url``; an admitted request counts against the page budget."""
        if not self.in_scope(seed, url):
            return False
        if guard := self.trap(seed, url):
            self.stop(seed.id, url, guard)
            return False
        if self.requested[seed.id] >= self.page_budget:
            if self.requested[seed.id] == self.page_budget:
                log.warning("site %s: page budget of %d reached; stopping its crawl", seed.id, self.page_budget)
                self.requested[seed.id] += 1
            self.stop(seed.id, url, "page_budget")
            return False
        self.requested[seed.id] += 1
        return True

    def resumed(self, seed: Seed, visit: Visit) -> None:
        """Count a visit an earlier run of the crawl admitted (a resumed crawl): the bounds hold across runs."""
        if self.is_document(seed, visit.url):
            return  # a report file from a list: no page request
        self.requested[seed.id] += 1
        if (parts := urlsplit(visit.url)).query:
            self.query_variants.setdefault((seed.id, parts.path), set()).add(_query_key(parts.query))
        if visit.page_of is not None and visit.probe is None:
            self.list_pages[seed.id] += 1

    def list_pages_left(self, site_id: str, url: str) -> bool:
        """Whether the site's column may have one more list page (``url``); stops and counts when not."""
        if self.list_pages[site_id] >= self.max_list_pages:
            self.stop(site_id, url, "list_pages")
            return False
        return True

    def count_list_page(self, site_id: str) -> None:
        self.list_pages[site_id] += 1


def _query_key(query: str) -> str:
    """A query string's variant: its parameters in order, so that ``a=1&b=2`` and ``b=2&a=1`` are one."""
    return "&".join(sorted(f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True)))
