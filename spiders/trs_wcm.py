"""TRS WCM (拓尔思): static list pages index.html, index_1.html … counted only in a createPageHTML() call."""

from __future__ import annotations

import re
from typing import ClassVar

from crawler.pages import Family

DETAIL_URL = re.compile(r"/t(19|20)\d{6}_\d+\.s?html?$")


class TrsWcm(Family):
    name: ClassVar[str] = "trs_wcm"
    body_selectors: ClassVar[tuple[str, ...]] = ("div.TRS_UEDITOR", "div.TRS_Editor", "div.Custom_UnionStyle")

    def fingerprint(self) -> list[str]:
        reasons = []
        response = self.response
        scripts = " ".join(response.css("script::text").getall())
        if re.search(r"createPageHTML\(\s*\d+", scripts):
            reasons.append("list pager written by createPageHTML(N, …)")
        if "WCM置标" in scripts or "WCM置标" in response.text[:200_000]:
            reasons.append("WCM template tag comment")
        if response.css("div.TRS_Editor, div.TRS_UEDITOR"):
            reasons.append("body in div.TRS_Editor / div.TRS_UEDITOR")
        if self.links_shaped(DETAIL_URL, 2):
            reasons.append("detail links shaped /YYYYMM/tYYYYMMDD_N.html")
        return reasons
