"""Hanweb JPaaS (newer 大汉): the column page is a shell; its list comes from the publish server's JSON API."""

from __future__ import annotations

import json
import math
import re
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from crawler.pages import Anchor, Family, ListPage, anchors, html_fragment

API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
DETAIL_URL = re.compile(r"/art/(19|20)\d{2}/art_[0-9a-f]{32}\.html")
UNITBUILD_CALL = re.compile(r"unitbuild\s*\(\s*(\{.*?\})\s*\)\s*;", re.S)
PAIR = re.compile(r"(\w+)\s*:\s*(?:\"([^\"]*)\"|'([^']*)'|(\d+))")


def unit_config(script: str) -> dict[str, str] | None:
    """The options of an inline ``unitbuild({...})`` call (a JS object literal, read without running JS)."""
    m = UNITBUILD_CALL.search(script)
    if not m:
        return None
    return {key: next(v for v in values if v) for key, *values in PAIR.findall(m[1]) if any(values)}


def api_url(base: str, config: dict[str, str], page_no: int, page_size: int) -> str:
    """The list API URL, parameters in the order JPaaS's unitbuild.js writes them."""
    param = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
    query = "&".join([
        f"webId={quote(config.get('webId', ''), safe='')}", f"pageId={quote(config.get('pageId', ''), safe='')}",
        "parseType=bulidstatic", f"pageType={quote(config.get('pageType', 'column'), safe='')}",
        f"tagId={quote(config.get('tagId', ''), safe='')}", f"tplSetId={quote(config.get('tplSetId', ''), safe='')}",
        f"paramJson={quote(param, safe='')}",
    ])
    return urljoin(base, f"{API_PATH}?{query}")


class HanwebJpaas(Family):
    name: ClassVar[str] = "hanweb_jpaas"
    body_selectors: ClassVar[tuple[str, ...]] = ("#zoom", "div.zoom", "div.article-content")

    def fingerprint(self) -> list[str]:
        reasons = []
        response = self.response
        if "unitbuild" in response.text and response.css("script[src*=unitbuild]"):
            reasons.append("list unit built by JPaaS unitbuild.js")
        if "jpaas-publish-server" in response.text:
            reasons.append("JPaaS publish-server API")
        if self.links_shaped(DETAIL_URL, 2):
            reasons.append("detail links shaped /art/YYYY/art_<32 hex>.html")
        return reasons

    def api_answer(self) -> dict[str, Any] | None:
        """The ``data`` of a list API answer, or None for any other page."""
        if urlsplit(self.response.url).path != API_PATH:
            return None
        try:
            data = json.loads(self.response.text).get("data")
        except (ValueError, AttributeError):
            return None
        return data if isinstance(data, dict) else None

    def entries(self) -> list[Anchor]:
        if (data := self.api_answer()) is not None:
            return list(anchors(html_fragment(self.response.url, str(data.get("html") or ""))))
        return super().entries()

    def next_pages(self) -> list[ListPage]:
        if (data := self.api_answer()) is not None:
            return self.further_api_pages(data)
        pages = super().next_pages()
        config = unit_config(" ".join(self.response.css("script:not([src])::text").getall()))
        if config and config.get("pageId"):
            pages.append(ListPage(api_url(self.response.url, config, 1, int(config.get("pageSize", 15)))))
        return pages

    def further_api_pages(self, data: dict[str, Any]) -> list[ListPage]:
        """From the API's first page: every other page of the list (page 1 asks for them all)."""
        query = dict(parse_qsl(urlsplit(self.response.url).query))
        try:
            param = json.loads(query.get("paramJson", "{}"))
            page_no, size = int(param.get("pageNo", 1)), int(param.get("pageSize") or data.get("pageSize") or 15)
            total = int(data.get("total") or 0)
        except (ValueError, TypeError):
            return []
        if page_no != 1:
            return []
        pages = range(2, math.ceil(total / size) + 1)
        return [ListPage(api_url(self.response.url, query, page, size)) for page in pages]
