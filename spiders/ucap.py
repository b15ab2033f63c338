"""开普云 / UCAP: body in <UCAPCONTENT> or #UCAP-CONTENT; list pages index.htm, index_1.htm … (countPage)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import TextResponse

from spiders.base import GovSpider, Template

COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")


class Ucap(Template):
    name: ClassVar[str] = "ucap"
    body_selectors: ClassVar[tuple[str, ...]] = ("#UCAP-CONTENT", "ucapcontent", "div.pages_content", "#zoom")

    def fingerprint(self, response: TextResponse) -> list[str]:
        reasons = []
        if response.css("#UCAP-CONTENT, ucapcontent"):
            reasons.append("body in <UCAPCONTENT> / #UCAP-CONTENT")
        if re.search(r"ucap", " ".join(response.css("script::attr(src), link::attr(href)").getall()), re.I):
            reasons.append("UCAP scripts or styles")
        if COUNT_PAGE.search(" ".join(response.css("script::text").getall())):
            reasons.append("list pager from countPage/currentPage variables")
        return reasons

    def list_requests(self, spider: GovSpider, response: TextResponse) -> Iterator[scrapy.Request]:
        yield from super().list_requests(spider, response)
        m = COUNT_PAGE.search(" ".join(response.css("script::text").getall()))
        if not m:
            return
        name = urlsplit(response.url).path.rsplit("/", 1)[-1] or "index.htm"
        stem, _, ext = name.partition(".")
        stem = re.sub(r"_\d+$", "", stem)
        for page in range(1, int(m[1])):
            if request := spider.list_page_request(response, urljoin(response.url, f"{stem}_{page}.{ext or 'htm'}")):
                yield request


class UcapSpider(GovSpider):
    name = "ucap"
    template: ClassVar[Template] = Ucap()
