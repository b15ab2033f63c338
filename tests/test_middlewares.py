"""The downloader middlewares on a real crawler's settings (scrapy.utils.test.get_crawler): Retry-After, robots.txt as
RFC 9309 reads its answer (and asked again later), redirect loops. robots.txt redirects followed through the whole
download chain are crawled in tests/test_faults.py (robots-redirect)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from time import monotonic
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DontCloseSpider, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.clock import Clock
from crawler.errors import RATE_LIMITED, REDIRECT_LOOP, REFUSED_TARGET, ROBOTS_UNAVAILABLE, Refused
from crawler.middlewares import (
    LoopAwareMetaRefreshMiddleware,
    LoopAwareRedirectMiddleware,
    PoliteRobotsTxtMiddleware,
    RetryAfterMiddleware,
)
from crawler.politeness import HostClock, PoliteDownloader

HOST = "www.example.gov.cn"
# The project's settings (robots.txt obeyed, REDIRECT_MAX_TIMES …), a lower Retry-After cap for the test.
SETTINGS = {**{k: v for k, v in vars(project_settings).items() if k.isupper()}, "GOVCRAWL_MAX_RETRY_AFTER": 60.0}


class Ledger(Counter[str]):
    def opened(self, site_id: str) -> None:
        self[site_id] += 1


class RecordingSpider(Spider):
    name = "recording"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[tuple[str | None, str, str, str]] = []
        self.ledger = Ledger()

    def fetch_failed(self, site_id: str | None, url: str, kind: str, reason: str) -> None:
        self.rows.append((site_id, url, kind, reason))


class Engine:
    """What the middlewares ask of the engine: a download (robots.txt), a crawl, the downloader."""

    def __init__(self, crawler: Any, answer: Response | Exception | None = None) -> None:
        self.answer = answer
        self.downloads: list[Request] = []
        self.crawled: list[Request] = []
        self.downloader = PoliteDownloader.__new__(PoliteDownloader)  # its host clock, without download handlers
        self.downloader.hosts = HostClock(self.downloader)

    async def download_async(self, request: Request) -> Response:
        self.downloads.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        assert self.answer is not None
        return self.answer.replace(url=request.url, request=request)

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def crawler_with(answer: Response | Exception | None = None, **settings: Any) -> Any:
    crawler = get_crawler(RecordingSpider, {**SETTINGS, **settings})
    crawler.spider = RecordingSpider()
    crawler.engine = Engine(crawler, answer)  # type: ignore[assignment]
    return crawler


def robots(status: int, body: bytes = b"") -> Response:
    return Response(f"http://{HOST}/robots.txt", status=status, body=body)


def page(path: str = "/", site_id: str = "example") -> Request:
    return Request(f"http://{HOST}{path}", meta={"site_id": site_id})


async def obey(middleware: PoliteRobotsTxtMiddleware, request: Request) -> bool:
    """Whether the middleware lets ``request`` through."""
    try:
        await middleware.process_request(request)
    except IgnoreRequest:
        return False
    return True


# -- Retry-After ------------------------------------------------------------------------------------
def limited(status: int = 429, retry_after: str | None = None) -> Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Response(f"http://{HOST}/list.html", status=status, headers=headers)


def held_for(crawler: Any) -> float:
    return float(crawler.engine.downloader.hosts.held[HOST] - monotonic())


def test_retry_after_in_seconds_holds_the_host() -> None:
    crawler = crawler_with()
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    response = limited(retry_after="7")
    assert middleware.process_response(page("/list.html"), response) is response  # RetryMiddleware retries it
    assert 6.5 < held_for(crawler) <= 7.0


def test_retry_after_as_an_http_date_holds_the_host_until_then() -> None:
    crawler = crawler_with()
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    now = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    middleware.clock = Clock(now)
    middleware.process_response(page(), limited(503, format_datetime(now + timedelta(seconds=30), usegmt=True)))
    assert 29.5 < held_for(crawler) <= 30.0


def test_without_retry_after_the_backoff_doubles_with_jitter() -> None:
    middleware = RetryAfterMiddleware.from_crawler(crawler_with())
    first = [middleware.retry_after(limited(), 0) for _ in range(50)]
    third = [middleware.retry_after(limited(retry_after="soon"), 2) for _ in range(50)]  # unreadable: the backoff
    assert all(2.0 <= w <= 3.0 for w in first) and len(set(first)) > 1
    assert all(8.0 <= w <= 12.0 for w in third)


def test_a_retry_after_over_the_cap_fails_the_url_and_holds_the_host_for_the_cap() -> None:
    crawler = crawler_with()
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    with pytest.raises(Refused) as refused:
        middleware.process_response(page(), limited(retry_after="3600"))
    assert refused.value.kind == RATE_LIMITED
    assert 59.5 < held_for(crawler) <= 60.0


def test_other_statuses_pass_untouched() -> None:
    crawler = crawler_with()
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    middleware.process_response(page(), limited(500, "30"))
    assert HOST not in crawler.engine.downloader.hosts.held


# -- robots.txt ------------------------------------------------------------------------------------
def test_a_404_robots_txt_means_no_rules() -> None:
    crawler = crawler_with(robots(404, b"User-agent: *\nDisallow: /\n"))
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)
    assert asyncio.run(obey(middleware, page("/zwgk/index.html")))
    assert crawler.spider.rows == []


def test_a_503_robots_txt_disallows_the_host_with_one_row() -> None:
    crawler = crawler_with(robots(503))
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)

    async def crawl() -> list[bool]:
        return [await obey(middleware, page(path)) for path in ("/", "/zwgk/index.html", "/robots-free.html")]

    assert asyncio.run(crawl()) == [False, False, False]
    assert len(crawler.engine.downloads) == 1
    [(site_id, url, kind, reason)] = crawler.spider.rows
    assert (site_id, url, kind) == ("example", f"http://{HOST}/robots.txt", ROBOTS_UNAVAILABLE)
    assert "HTTP 503" in reason


def test_an_unreachable_robots_txt_disallows_the_host() -> None:
    crawler = crawler_with(DownloadConnectionRefusedError("Connection was refused by other side"))
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)
    assert not asyncio.run(obey(middleware, page()))
    [(_, _, kind, reason)] = crawler.spider.rows
    assert kind == ROBOTS_UNAVAILABLE and "refused" in reason


def test_robots_txt_is_parsed_to_500_kib() -> None:
    padding = b"".join(b"# " + b"x" * 1021 + b"\n" for _ in range(600))  # 600 KiB of comment
    body = b"User-agent: *\nDisallow: /early/\n" + padding + b"Disallow: /late/\n"
    crawler = crawler_with(robots(200, body))
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)

    async def crawl() -> list[bool]:
        return [await obey(middleware, page(path)) for path in ("/early/a.html", "/late/a.html", "/a.html")]

    assert asyncio.run(crawl()) == [False, True, True]


def test_a_robots_unavailable_host_is_asked_again_after_the_delay() -> None:
    crawler = crawler_with(robots(503), GOVCRAWL_ROBOTS_RETRY=0.3)
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)
    home = page("/")

    async def crawl() -> None:
        assert not await obey(middleware, home)
        assert crawler.spider.ledger["example"] == 1  # the site is not done while the retry is pending
        with pytest.raises(DontCloseSpider):
            middleware.keep_open()
        await asyncio.sleep(0.6)
        [again] = crawler.engine.crawled
        assert again.url == home.url and again.meta[middleware.RETRIED] and again.dont_filter
        middleware.keep_open()  # nothing pending: the spider may close
        crawler.engine.answer = robots(200, b"User-agent: *\nDisallow: /admin/\n")
        assert await obey(middleware, again)  # robots.txt asked again, and now it answers
        assert await obey(middleware, page("/zwgk/index.html"))

    asyncio.run(crawl())
    assert len(crawler.engine.downloads) == 2
    assert len(crawler.spider.rows) == 1


def test_a_host_still_unavailable_is_not_retried_twice() -> None:
    crawler = crawler_with(robots(503), GOVCRAWL_ROBOTS_RETRY=0.2)
    middleware = PoliteRobotsTxtMiddleware.from_crawler(crawler)

    async def crawl() -> None:
        assert not await obey(middleware, page("/"))
        await asyncio.sleep(0.4)
        [again] = crawler.engine.crawled
        assert not await obey(middleware, again)  # still 503: recorded again, not sent a third time
        await asyncio.sleep(0.4)

    asyncio.run(crawl())
    assert len(crawler.engine.crawled) == 1
    assert [row[2] for row in crawler.spider.rows] == [ROBOTS_UNAVAILABLE, ROBOTS_UNAVAILABLE]
    assert crawler.spider.ledger["example"] == 1


# -- redirects -------------------------------------------------------------------------------------
def redirect(request: Request, to: str) -> Response:
    return Response(request.url, status=302, headers={"Location": to}, request=request)


def test_a_redirect_loop_is_recorded() -> None:
    middleware = LoopAwareRedirectMiddleware.from_crawler(crawler_with())
    first = page("/a.html")
    second = middleware.process_response(first, redirect(first, "/b.html"))
    assert isinstance(second, Request) and second.url == f"http://{HOST}/b.html"
    with pytest.raises(Refused) as refused:
        middleware.process_response(second, redirect(second, "/a.html"))
    assert refused.value.kind == REDIRECT_LOOP and "/a.html → " in refused.value.reason


def test_more_than_five_redirects_are_a_redirect_loop() -> None:
    middleware = LoopAwareRedirectMiddleware.from_crawler(crawler_with())
    request: Request | Response = page("/chain-0.html")
    for hop in range(1, 6):
        assert isinstance(request, Request)
        request = middleware.process_response(request, redirect(request, f"/chain-{hop}.html"))
    assert isinstance(request, Request)
    with pytest.raises(Refused) as refused:
        middleware.process_response(request, redirect(request, "/chain-6.html"))
    assert refused.value.kind == REDIRECT_LOOP and "more than 5 redirects" in refused.value.reason


def test_a_meta_refresh_loop_is_recorded() -> None:
    middleware = LoopAwareMetaRefreshMiddleware.from_crawler(crawler_with())
    request = page("/a.html")
    refresh = HtmlResponse(request.url, request=request, encoding="utf-8",
                           body=b'<html><head><meta http-equiv="refresh" content="0;url=/a.html"></head></html>')
    with pytest.raises(Refused) as refused:
        middleware.process_response(request, refresh)
    assert refused.value.kind == REDIRECT_LOOP


@pytest.mark.parametrize("target", ["http://127.0.0.9/", "http://localhost/admin/", "http://[::1]/"])
def test_a_redirect_to_a_local_target_is_refused(target: str) -> None:
    middleware = LoopAwareRedirectMiddleware.from_crawler(crawler_with())
    request = page("/to-local.html")
    with pytest.raises(Refused) as refused:
        middleware.process_response(request, redirect(request, target))
    assert refused.value.kind == REFUSED_TARGET
    allowed = LoopAwareRedirectMiddleware.from_crawler(crawler_with(GOVCRAWL_ALLOW_PRIVATE=True))
    assert isinstance(allowed.process_response(request, redirect(request, target)), Request)
