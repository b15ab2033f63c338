"""Downloader middlewares shared by every spider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from crawler.politeness import PoliteDownloader

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser


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


class PoliteRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, plus the ``Crawl-delay`` it parses but never applies (scrapy/scrapy#892).

    The delay, capped by ``GOVCRAWL_MAX_CRAWL_DELAY``, becomes the host's floor (``crawler.politeness``): a
    minimum between the end of one request to the host and the start of the next, which jitter only adds to and
    AutoThrottle cannot lower.
    """

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        super().process_request_2(rp, request)  # raises IgnoreRequest for a disallowed URL
        if rp is None:
            return
        agent = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        delay = rp.crawl_delay(agent or "")
        if not delay:
            return
        delay = min(float(delay), self.crawler.settings.getfloat("GOVCRAWL_MAX_CRAWL_DELAY"))
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if isinstance(downloader, PoliteDownloader) and downloader.hosts.floors.get(key, 0.0) < delay:
            downloader.hosts.set_floor(key, delay)
            self.crawler.stats.set_value(f"govcrawl/crawl_delay/{key}", delay)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(slot_settings.get("delay", 0.0), delay)
        if (slot := downloader.slots.get(key)) is not None:
            slot.delay = max(slot.delay, delay)
