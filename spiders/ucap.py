"""开普云 / UCAP: body in <UCAPCONTENT> or #UCAP-CONTENT; list pages index.htm, index_1.htm … (countPage)."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from crawler.pages import Family, ListPage

COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")


class Ucap(Family):
    name: ClassVar[str] = "ucap"
    body_selectors: ClassVar[tuple[str, ...]] = ("#UCAP-CONTENT", "ucapcontent", "div.pages_content", "#zoom")

    def fingerprint(self) -> list[str]:
        reasons = []
        response = self.response
        if response.css("#UCAP-CONTENT, ucapcontent"):
            reasons.append("body in <UCAPCONTENT> / #UCAP-CONTENT")
        if re.search(r"ucap", " ".join(response.css("script::attr(src), link::attr(href)").getall()), re.I):
            reasons.append("UCAP scripts or styles")
        if COUNT_PAGE.search(" ".join(response.css("script::text").getall())):
            reasons.append("list pager from countPage/currentPage variables")
        return reasons

    def next_pages(self) -> list[ListPage]:
        pages = super().next_pages()
        m = COUNT_PAGE.search(" ".join(self.response.css("script::text").getall()))
        if not m:
            return pages
        url = self.response.url
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "index.htm"
        stem, _, ext = name.partition(".")
        stem = re.sub(r"_\d+$", "", stem)
        return pages + [ListPage(urljoin(url, f"{stem}_{page}.{ext or 'htm'}")) for page in range(1, int(m[1]))]
