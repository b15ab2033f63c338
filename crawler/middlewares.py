"""Downloader middlewares shared by every spider: the explicit proxy, robots.txt as RFC 9309 reads it (with its
Crawl-delay), Retry-After, and decompression bombs and redirect loops recorded as what they are."""

from __future__ import annotations

import logging
import random
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawler.clock import Clock
from crawler.errors import (
    DECOMPRESSION_BOMB,
    RATE_LIMITED,
    REDIRECT_LOOP,
    REFUSED_TARGET,
    ROBOTS_UNAVAILABLE,
    Refused,
    describe,
)
from crawler.politeness import PoliteDownloader
from crawler.targets import refusal

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: a crawler must parse at least the first 500 KiB
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


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
    """Scrapy's robots.txt middleware as RFC 9309 §2.3.1 reads the answer, plus the ``Crawl-delay`` it parses but
    never applies (scrapy/scrapy#892).

    A 4xx robots.txt means no rules; a 5xx, or none at all (a timeout, a reset, a name that does not resolve),
    means complete disallow for the host, for ``GOVCRAWL_ROBOTS_RETRY`` seconds; Scrapy took both for "allow
    everything". Redirects are followed (up to REDIRECT_MAX_TIMES, at least RFC 9309's five), and the first
    500 KiB are parsed. Each time a host is found unavailable it is recorded once, as a ``robots_unavailable``
    error on its robots.txt; the requests refused meanwhile are not recorded again.

    The requests refused while the host is unavailable (its home page, at first: nothing else can be found) are
    sent once more when the delay has run, so robots.txt is asked again later in the run; until then they count as
    in flight for their site (crawler/settling.py) and the spider is kept open.

    The delay, capped by ``GOVCRAWL_MAX_CRAWL_DELAY``, becomes the host's floor (``crawler.politeness``): a
    minimum between the end of one request to the host and the start of the next, which jitter only adds to and
    AutoThrottle cannot lower.
    """

    RETRIED = "robots_retry"  # meta key of a request sent again after its host's robots.txt delay

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.retry_after = crawler.settings.getfloat("GOVCRAWL_ROBOTS_RETRY")
        self.unavailable: dict[str, tuple[float, str]] = {}  # netloc → (when to ask again, why)
        self.pending: dict[str, list[Request]] = {}  # netloc → requests to send again when the delay has run
        self.timers: dict[str, CallLaterResult] = {}
        crawler.signals.connect(self.keep_open, signals.spider_idle)
        crawler.signals.connect(self.cancel_timers, signals.spider_closed)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if (down := self.unavailable.get(netloc)) and monotonic() >= down[0]:
            del self.unavailable[netloc], self._parsers[netloc]  # ask again
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots = Request(f"{urlparse_cached(request).scheme}://{netloc}/robots.txt",
                             priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            try:
                response = await self.crawler.engine.download_async(robots)
                await self._parse_robots(response, netloc, request)
            except Exception as exc:  # any failure to have it: "unavailable", in one line, with no traceback
                self._robots_failed(exc, netloc, request)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if 400 <= response.status < 500:
            response = response.replace(body=b"")  # no robots.txt: no rules
        elif response.status >= 500:
            self._unavailable(netloc, request, f"robots.txt answered HTTP {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        else:
            response = response.replace(body=response.body[:ROBOTS_MAX_BYTES])
        await super()._parse_robots(response, netloc, request)

    def _robots_failed(self, exc: Exception, netloc: str, request: Request) -> None:
        problem = describe(exc)
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unavailable(netloc, request, f"robots.txt could not be had: {problem.reason if problem else exc}")
        rp_dfd = self._parsers[netloc]
        assert isinstance(rp_dfd, Deferred)
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        rp_dfd.callback(parser)

    def _unavailable(self, netloc: str, request: Request, reason: str) -> None:
        self.unavailable[netloc] = (monotonic() + self.retry_after, reason)
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "fetch_failed"):
            scheme = urlparse_cached(request).scheme
            spider.fetch_failed(request.meta.get("site_id"), f"{scheme}://{netloc}/robots.txt", ROBOTS_UNAVAILABLE,
                                f"{reason}; the host is disallowed for {self.retry_after:g} s")

    def _send_later(self, netloc: str, request: Request) -> None:
        """Keep a refused request to send once more when the host's delay has run, its site kept unsettled."""
        if request.meta.get(self.RETRIED):
            return
        ledger = getattr(self.crawler.spider, "ledger", None)  # crawler.settling.SiteLedger
        if ledger is not None and request.meta.get("site_id"):
            ledger.opened(request.meta["site_id"])
        self.pending.setdefault(netloc, []).append(request)
        if netloc not in self.timers:
            left = max(0.0, self.unavailable[netloc][0] - monotonic())
            self.timers[netloc] = call_later(left, self._send_again, netloc)

    def _send_again(self, netloc: str) -> None:
        del self.timers[netloc]
        for request in self.pending.pop(netloc, []):
            self._stats.inc_value("govcrawl/robots_retried")
            log.info("%s: robots.txt was unavailable %g s ago; asking again", request.url, self.retry_after)
            self.crawler.engine.crawl(request.replace(dont_filter=True, meta={**request.meta, self.RETRIED: True}))

    def keep_open(self) -> None:
        """Handler of spider_idle: a request waits for its host's robots.txt to be asked again."""
        if self.pending:
            raise DontCloseSpider

    def cancel_timers(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.unavailable:
            self._stats.inc_value("govcrawl/robots_unavailable_refused")
            self._send_later(netloc, request)
            raise IgnoreRequest(f"{self.unavailable[netloc][1]}: the host is disallowed for now")
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


class RetryAfterMiddleware:
    """``429`` and ``503`` slow the whole host, not only the URL (scrapy/scrapy#6458: Scrapy's retries ignore
    Retry-After and AutoThrottle never sees it).

    The answer's Retry-After (seconds or an HTTP-date) is the least time before the host's next request; without
    one, an exponential backoff with jitter (``GOVCRAWL_BACKOFF`` seconds, doubled each retry of the URL).
    Scrapy's RetryMiddleware then retries the URL (RETRY_TIMES); one that asks for longer than
    ``GOVCRAWL_MAX_RETRY_AFTER`` is recorded as ``rate_limited`` at once, the host held for that long. Runs
    before RetryMiddleware on responses (a higher priority number)."""

    STATUSES = (429, 503)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.backoff = crawler.settings.getfloat("GOVCRAWL_BACKOFF")
        self.cap = crawler.settings.getfloat("GOVCRAWL_MAX_RETRY_AFTER")
        self.clock = Clock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def retry_after(self, response: Response, retries: int) -> float:
        """Seconds the host asks for, or the backoff for this retry of the URL."""
        value = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
        if value.isdigit():
            return float(value)
        if value:
            try:
                return max(0.0, (parsedate_to_datetime(value) - self.clock.now()).total_seconds())
            except (TypeError, ValueError):
                pass  # a date no one can read: the backoff
        return self.backoff * 2 ** retries * (1 + random.random() / 2)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.STATUSES:
            return response
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        wait = self.retry_after(response, request.meta.get("retry_times", 0))
        host = urlparse_cached(request).hostname or ""
        if isinstance(downloader, PoliteDownloader):
            downloader.hosts.hold(host, min(wait, self.cap))
        if wait > self.cap:
            raise Refused(RATE_LIMITED, f"HTTP {response.status} asking for {wait:.0f} s, more than "
                                        f"GOVCRAWL_MAX_RETRY_AFTER ({self.cap:g} s)")
        log.info("%s: HTTP %s; the host is held for %.1f s", request.url, response.status, wait)
        return response


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, bounded by the request's size bound (DOWNLOAD_MAXSIZE, an attachment's own),
    with a bomb recorded as ``decompression_bomb`` rather than ignored."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            raise Refused(DECOMPRESSION_BOMB, str(exc)) from exc


def _checked(redirected: Request, request: Request, max_times: int, allow_private: bool) -> None:
    """A redirect that comes back (a target already on the chain), or one past REDIRECT_MAX_TIMES, is a
    ``redirect_loop``: Scrapy dropped both without a word (the dupefilter ate the loop). One to a private or local
    target is ``refused_target`` here: Scrapy's offsite filter would drop it silently when it is scheduled, before
    any downloader middleware sees it."""
    chain = [*request.meta.get("redirect_urls", []), request.url]
    if not allow_private and (reason := refusal(redirected.url)):
        raise Refused(REFUSED_TARGET, f"redirect from {request.url} to {redirected.url}: {reason}")
    if redirected.url in chain:
        raise Refused(REDIRECT_LOOP, f"redirect loop: {' → '.join([*chain, redirected.url])}")
    if len(chain) > max_times:
        raise Refused(REDIRECT_LOOP, f"more than {max_times} redirects from {chain[0]}")


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's 3xx redirects, loops and private targets recorded (``_checked``)."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        _checked(redirected, request, self.max_redirect_times, self.crawler.settings.getbool("GOVCRAWL_ALLOW_PRIVATE"))
        return super()._redirect(redirected, request, reason)


class LoopAwareMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refreshes, loops and private targets recorded (``_checked``)."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        _checked(redirected, request, self.max_redirect_times, self.crawler.settings.getbool("GOVCRAWL_ALLOW_PRIVATE"))
        return super()._redirect(redirected, request, reason)
