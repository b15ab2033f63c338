"""Downloader middlewares shared by every spider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class ExplicitProxyMiddleware:
    """Send every request through ``GOVCRAWL_PROXY`` when it is set.

    Runs before Scrapy's HttpProxyMiddleware, which then applies it (credentials included);
    without the setting, HttpProxyMiddleware falls back to ``http_proxy``/``https_proxy``.
    """

    def __init__(self, proxy: str | None) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.get("GOVCRAWL_PROXY"))

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
