"""The fallback for any portal: follow link texts and URL shapes to the annual-report column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from crawler.seeds import Seed
from spiders.base import Anchor, GovSpider, anchors, navigation_rules, site_step


class GenericSpider(GovSpider):
    name = "generic"
    # The body containers of the CMS families that portals run on, most specific first.
    body_selectors: ClassVar[tuple[str, ...]] = (
        "div.TRS_UEDITOR", "div.TRS_Editor", "#zoom", "#UCAP-CONTENT", "ucapcontent",
        "div.article-content", "div.content", "#content",
    )

    @classmethod
    def handles(cls, seed: Seed) -> bool:
        return seed.template in ("generic", "auto")

    def _role(self, anchor: Anchor) -> str | None:
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
        if not isinstance(response, TextResponse):
            return
        hops = response.meta["hops"]
        seed = self.seed_of(response)
        for anchor in anchors(response):
            role = self._role(anchor)
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

    @site_step
    def parse_column(self, response: Response) -> Iterator[Any]:
        """The annual-report column: its reports, its year folders, its further pages."""
        if not isinstance(response, TextResponse):
            return
        seed = self.seed_of(response)
        links = list(anchors(response))
        year_folder = navigation_rules()["year_folder_text"]
        column_path = urlsplit(response.url).path.rsplit("/", 1)[0] + "/"
        for anchor in links:
            if self.is_report_link(anchor):
                request = self.report_request(response, anchor)
            elif year_folder.match(anchor.text) and urlsplit(anchor.url).path.startswith(column_path):
                request = self.site_request(seed, anchor.url, self.parse_column, hops=response.meta["hops"] + 1)
            else:
                continue
            if request is not None:
                yield request
        for url in self.pagination_urls(response, links):
            if request := self.list_page_request(response, url):
                yield request
