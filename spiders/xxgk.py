"""政府信息公开目录 (xxgk): entries in a table of 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期, paged by query."""

from __future__ import annotations

import re
from typing import ClassVar

from scrapy.http import TextResponse

from crawler.dates import parse_date
from spiders.base import Anchor, GovSpider, Template, anchors

SPACE = re.compile(r"\s+")


def _label(text: str) -> str:
    return SPACE.sub("", text).replace("\u3000", "")


class Xxgk(Template):
    name: ClassVar[str] = "xxgk"
    body_selectors: ClassVar[tuple[str, ...]] = (
        "div.xxgk_content", "div.zfxxgk_zw", "div.xxgk-content", "#zoom", "div.TRS_Editor", "#UCAP-CONTENT",
    )

    @staticmethod
    def _directory_tables(response: TextResponse) -> list:
        tables = []
        for table in response.css("table"):
            header = table.xpath("(.//tr[th] | .//tr)[1]")
            labels = [_label(" ".join(c.css("::text").getall())) for c in header.xpath("./th|./td")]
            if "索引号" in labels and any(label in labels for label in ("发文字号", "成文日期", "发布日期")):
                tables.append((table, labels))
        return tables

    def fingerprint(self, response: TextResponse) -> list[str]:
        reasons = []
        if self._directory_tables(response):
            reasons.append("directory table headed 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期")
        labels = _label(" ".join(response.css("td::text, th::text, span::text, b::text, strong::text").getall()))
        if "索引号" in labels and "发布机构" in labels:
            reasons.append("xxgk metadata block (索引号, 发布机构) above the body")
        return reasons

    def list_entries(self, response: TextResponse) -> list[Anchor]:
        """Every link of the page; those in a directory row carry that row's 发布日期 (not its 成文日期)."""
        dated: dict[str, str] = {}
        for table, labels in self._directory_tables(response):
            column = labels.index("发布日期") if "发布日期" in labels else None
            for row in table.xpath(".//tr[td]"):
                cells = row.xpath("./td")
                href = row.css("a::attr(href)").get()
                if not (href and column is not None and column < len(cells)):
                    continue
                if found := parse_date(" ".join(cells[column].css("::text").getall())):
                    dated[response.urljoin(href.strip())] = found
        return [Anchor(a.url, a.text, dated.get(a.url, a.date)) for a in anchors(response)]


class XxgkSpider(GovSpider):
    name = "xxgk"
    template: ClassVar[Template] = Xxgk()
