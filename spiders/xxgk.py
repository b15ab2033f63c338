"""政府信息公开目录 (xxgk): entries in a table of 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期, paged by query."""

from __future__ import annotations

import re
from typing import ClassVar

from parsel import Selector

from crawler.dates import parse_date
from crawler.pages import Anchor, Family, anchors, is_html

SPACE = re.compile(r"\s+")


def _label(text: str) -> str:
    return SPACE.sub("", text).replace("\u3000", "")


class Xxgk(Family):
    name: ClassVar[str] = "xxgk"
    body_selectors: ClassVar[tuple[str, ...]] = (
        "div.xxgk_content", "div.zfxxgk_zw", "div.xxgk-content", "#zoom", "div.TRS_Editor", "#UCAP-CONTENT",
    )

    def directory_tables(self) -> list[tuple[Selector, list[str]]]:
        """The page's directory tables with the labels of their header row."""
        tables = []
        for table in self.response.css("table"):
            header = table.xpath("(.//tr[th] | .//tr)[1]")
            labels = [_label(" ".join(c.css("::text").getall())) for c in header.xpath("./th|./td")]
            if "索引号" in labels and any(label in labels for label in ("发文字号", "成文日期", "发布日期")):
                tables.append((table, labels))
        return tables

    def fingerprint(self) -> list[str]:
        reasons = []
        if self.directory_tables():
            reasons.append("directory table headed 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期")
        cells = self.response.css("td::text, th::text, span::text, b::text, strong::text").getall()
        labels = _label(" ".join(cells))
        if "索引号" in labels and "发布机构" in labels:
            reasons.append("xxgk metadata block (索引号, 发布机构) above the body")
        return reasons

    def entries(self) -> list[Anchor]:
        """Every link of the page; those in a directory row carry that row's 发布日期 (not its 成文日期)."""
        if not is_html(self.response):
            return super().entries()  # a list API's JSON
        dated: dict[str, str] = {}
        for table, labels in self.directory_tables():
            column = labels.index("发布日期") if "发布日期" in labels else None
            for row in table.xpath(".//tr[td]"):
                cells = row.xpath("./td")
                href = row.css("a::attr(href)").get()
                if not (href and column is not None and column < len(cells)):
                    continue
                if found := parse_date(" ".join(cells[column].css("::text").getall())):
                    dated[self.response.urljoin(href.strip())] = found
        return [Anchor(a.url, a.text, dated.get(a.url, a.date)) for a in anchors(self.response)]
