"""Headless Chromium for lists that only JavaScript builds (scrapy-playwright), set up the same way everywhere.

A rendered page requests nothing outside its site's domains, loads no images, fonts or media, and takes each
of its requests' turns on the same per-host clock as every other fetch (``crawler.politeness.HostClock``);
Chromium runs with its background services (updates, sign-in, safe browsing, metrics) off.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from playwright.async_api import Browser
from scrapy_playwright.provider import PlaywrightBrowserProvider

from crawler.rendered import watch
from crawler.targets import refusal

if TYPE_CHECKING:
    from crawler.politeness import HostClock
    from crawler.warc import BrowserCapture

# Debian's chromium; Playwright cannot download its own browser where only package registries are reachable.
# Debian's /usr/bin/chromium is a wrapper that adds flags of its own (--enable-remote-extensions turns the
# component updater back on): the binary behind it is taken when it is there.
CHROMIUM_BINARIES = ("/usr/lib/chromium/chromium",)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    # No traffic of the browser's own: component updates, sync and sign-in, safe browsing, metrics, pings.
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--disable-client-side-phishing-detection", "--disable-domain-reliability",
    "--safebrowsing-disable-auto-update", "--metrics-recording-only", "--no-pings", "--disable-breakpad",
    "--password-store=basic", "--use-mock-keychain",
    # Features that fetch from Google on their own (on-demand components such as the optimization guide's
    # model manifest ignore --disable-component-update). The last --disable-features given wins, so this list
    # keeps Playwright's own (its first line) and adds to it; tests/test_browser.py proves no other host is asked.
    "--disable-features=" + ",".join([
        "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
        "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
        "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "OptimizationHints",
        "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
        "OptimizationHintsFetching", "OptimizationGuideModelDownloading", "OptimizationGuideOnDeviceModel",
        "OptimizationPersonalizedHintsFetching", "Translate", "AutofillServerCommunication",
        "CertificateTransparencyComponentUpdater", "InterestFeedContentSuggestions", "MediaDrmPreprovisioning",
    ]),
]
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
NOWHERE = "127.0.0.1:9"  # where the browser's requests off the crawl's sites go: a loopback port nothing serves


def chromium_path() -> str | None:
    """``GOVCRAWL_CHROMIUM``, else Debian's binary, else the first Chromium on PATH; None lets Playwright use its
    own build."""
    if explicit := os.environ.get("GOVCRAWL_CHROMIUM"):
        return explicit
    if binary := next((path for path in CHROMIUM_BINARIES if os.access(path, os.X_OK)), None):
        return binary
    return next((path for name in CHROMIUM_CANDIDATES if (path := shutil.which(name))), None)


def environment_proxy() -> str | None:
    proxies = getproxies()
    return proxies.get("http") or proxies.get("https")


def launch_options(proxy: str | None, domains: Iterable[str] = ()) -> dict[str, Any]:
    """Playwright launch options: headless Chromium, and the same proxy as every other fetch.

    Given the crawl's domains, the browser gets a proxy auto-config that sends their requests on (through
    ``proxy``, or directly) and every other request nowhere: Chromium's own background fetches (an on-demand
    component asks update.googleapis.com whatever the flags say) never leave the machine."""
    options: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    if path := chromium_path():
        options["executable_path"] = path
    domains = sorted(set(domains))
    if domains and not (proxy and urlsplit(proxy).username):  # a proxy with credentials needs Playwright's option
        options["args"].append("--proxy-pac-url=data:application/x-ns-proxy-autoconfig;base64,"
                               + base64.b64encode(proxy_auto_config(domains, proxy).encode()).decode())
    elif proxy:
        options["proxy"] = {"server": proxy}
        if bypass := getproxies().get("no"):
            options["proxy"]["bypass"] = bypass
    return options


def proxy_auto_config(domains: list[str], proxy: str | None) -> str:
    """A PAC script: the crawl's domains through ``proxy`` (or directly), anything else to a closed loopback port."""
    route = f"PROXY {urlsplit(proxy).netloc}" if proxy else "DIRECT"
    tests = " || ".join(f'host == "{d}" || dnsDomainIs(host, ".{d}")' for d in domains)
    return (f"function FindProxyForURL(url, host) {{ host = host.toLowerCase(); "
            f'if ({tests}) {{ return "{route}"; }} return "PROXY {NOWHERE}"; }}')


def wanted(url: str, resource_type: str, domains: tuple[str, ...], allow_private: bool = False) -> bool:
    """Whether a rendered page may make this request: http(s) on the site's domains, no private or local target
    unless the crawl allows them (crawler/targets.py), and no picture, font or media (a list page needs its
    scripts and data)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    on_site = any(host == d or host.endswith("." + d) for d in domains)
    return (parts.scheme in ("http", "https") and on_site and resource_type not in SKIPPED_RESOURCES
            and (allow_private or refusal(url) is None))


async def govern_page(page: Any, request: Any, *, domains: tuple[str, ...], hosts: HostClock | None,
                      allow_private: bool = False, capture: BrowserCapture | None = None) -> None:
    """scrapy-playwright's page init callback: route every request of the page through ``wanted`` and the host
    clock, and have ``capture`` keep what it receives. The route is registered after scrapy-playwright's own,
    so it runs first and falls back to it."""
    counted: set[Any] = set()

    async def route(route: Any, pw_request: Any) -> None:
        if not wanted(pw_request.url, pw_request.resource_type, domains, allow_private):
            await route.abort()
            return
        if hosts is not None:
            await hosts.browser_turn(urlsplit(pw_request.url).hostname or "")
            counted.add(pw_request)
        await route.fallback()

    def done(pw_request: Any) -> None:
        if hosts is not None and pw_request in counted:
            counted.discard(pw_request)
            hosts.ended(urlsplit(pw_request.url).hostname or "")

    page.on("requestfinished", done)
    page.on("requestfailed", done)
    watch(page)
    if capture is not None:
        capture.watch(page)
    await page.route("**/*", route)


def page_init(domains: tuple[str, ...], hosts: HostClock | None, allow_private: bool = False,
              capture: BrowserCapture | None = None) -> Any:
    return partial(govern_page, domains=domains, hosts=hosts, allow_private=allow_private, capture=capture)


class SessionBrowserProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's browser provider, starting Playwright's driver (and so the browser under it) in a
    session of its own, and only when the first page needs a browser.

    A terminal's Ctrl-C signals its whole foreground process group: the driver died at once, and the crawl's
    orderly shutdown then waited on it ("Connection closed while reading from the driver", a shutdown that
    hung). In a session of its own the driver is told to stop by the crawl, which closes the browser first; it
    still exits when the crawl dies, as its pipe to the crawl closes."""

    async def start(self) -> None:
        """Nothing yet: a crawl whose pages need no browser starts no driver."""

    async def launch_browser(self) -> Browser:
        if self.playwright is None:
            original = asyncio.create_subprocess_exec

            async def in_own_session(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
                return await original(*args, **{**kwargs, "start_new_session": True})

            asyncio.create_subprocess_exec = in_own_session  # Playwright spawns the driver with it
            try:
                await super().start()
            finally:
                asyncio.create_subprocess_exec = original
        return await super().launch_browser()
