"""Per-host politeness state and the browser's reach, without a crawl."""

from __future__ import annotations

import asyncio
import time

from scrapy.utils.test import get_crawler

from crawler.browser import launch_options, proxy_auto_config, wanted
from crawler.politeness import HostClock, PoliteDownloader


def clock(delay: float = 0.0) -> HostClock:
    crawler = get_crawler(settings_dict={"DOWNLOAD_DELAY": delay, "DOWNLOAD_DELAY_JITTER": 0.5})
    return PoliteDownloader(crawler).hosts


def test_a_host_waits_from_the_end_of_its_last_answer() -> None:
    hosts = clock()
    hosts.set_floor("www.lintan.gov.cn", 0.3)
    assert hosts.wait("www.lintan.gov.cn", hosts.delay("www.lintan.gov.cn")) == 0.0  # nothing asked yet
    hosts.started("www.lintan.gov.cn")
    assert hosts.wait("www.lintan.gov.cn", 0.3) == float("inf")  # one at a time
    hosts.ended("www.lintan.gov.cn")
    assert 0.25 < hosts.wait("www.lintan.gov.cn", hosts.delay("www.lintan.gov.cn")) <= 0.3
    assert hosts.wait("www.minxian.gov.cn", hosts.delay("www.minxian.gov.cn")) == 0.0  # another host is free


def test_a_floor_is_a_minimum_the_jitter_only_adds_to() -> None:
    hosts = clock(delay=1.0)
    hosts.set_floor("www.lintan.gov.cn", 1.0)
    hosts.set_floor("www.lintan.gov.cn", 0.2)  # a lower Crawl-delay read later lowers nothing
    delays = [hosts.delay("www.lintan.gov.cn") for _ in range(200)]
    assert min(delays) >= 1.0 and max(delays) > 1.0
    unfloored = [hosts.delay("www.minxian.gov.cn") for _ in range(200)]
    assert min(unfloored) < 1.0  # ±50% jitter around DOWNLOAD_DELAY where no robots.txt asks for more


def test_the_browser_takes_its_turn_on_the_same_clock() -> None:
    hosts = clock()
    hosts.set_floor("www.lintan.gov.cn", 0.2)

    async def two_browser_requests() -> float:
        await hosts.browser_turn("www.lintan.gov.cn")
        hosts.ended("www.lintan.gov.cn")
        first_end = time.monotonic()
        await hosts.browser_turn("www.lintan.gov.cn")
        return time.monotonic() - first_end

    assert asyncio.run(two_browser_requests()) >= 0.2


def test_the_browser_reaches_the_sites_and_nothing_else() -> None:
    domains = ("lintan.gov.cn",)
    assert wanted("http://www.lintan.gov.cn/static/js/list.js", "script", domains)
    assert not wanted("http://www.lintan.gov.cn/static/img/banner.png", "image", domains)
    assert not wanted("http://www.lintan.gov.cn/static/fonts/site.woff", "font", domains)
    assert not wanted("http://www.google-analytics.com/analytics.js", "script", domains)
    assert not wanted("http://notlintan.gov.cn/a.js", "script", domains)
    pac = proxy_auto_config(["lintan.gov.cn", "minxian.gov.cn"], "http://127.0.0.1:8765")
    assert 'dnsDomainIs(host, ".lintan.gov.cn")' in pac and '"PROXY 127.0.0.1:8765"' in pac
    assert pac.endswith('return "PROXY 127.0.0.1:9"; }')
    assert 'return "DIRECT"' in proxy_auto_config(["lintan.gov.cn"], None)
    options = launch_options("http://127.0.0.1:8765", domains)
    assert "proxy" not in options and any(a.startswith("--proxy-pac-url=data:") for a in options["args"])
    with_credentials = launch_options("http://user:secret@proxy.example:3128", domains)
    assert with_credentials["proxy"] == {"server": "http://user:secret@proxy.example:3128"}
