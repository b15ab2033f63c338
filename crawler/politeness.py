"""Per-host politeness that a server can see: one request at a time per host, and the delay counted from the end
of the host's last answer — pages, list APIs, attachments, robots.txt and the browser's own requests alike.

Scrapy counts a slot's delay from the moment its last request *started*, so a slow answer eats into the delay
and the server sees requests closer together than the delay (a 1 s Crawl-delay showed gaps of 0.82 s at the
server). ``PoliteDownloader`` (setting ``DOWNLOADER``) counts it from the end of the last answer instead: the
next request leaves at least ``delay`` after the previous answer arrived, so it reaches the server more than
``delay`` after the previous request did, however loaded either machine is. A host's *floor* (its robots.txt
Crawl-delay) is a minimum the jitter only adds to. Requests the headless browser makes on a rendered page take
their turn on the same clock (``HostClock.browser_turn``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

BROWSER_POLL = 0.05  # seconds between looks at a host the browser waits for


class HostClock:
    """When each host last finished answering, what is in flight to it, and its minimum delay."""

    def __init__(self, downloader: PoliteDownloader) -> None:
        self.downloader = downloader
        self.last_end: dict[str, float] = {}
        self.in_flight: Counter[str] = Counter()  # plain downloads and browser requests
        self.floors: dict[str, float] = {}
        self.held: dict[str, float] = {}  # host → monotonic time before which it is sent nothing

    def set_floor(self, host: str, delay: float) -> None:
        """A minimum delay for the host (its Crawl-delay): never lowered, jitter only above it."""
        self.floors[host] = max(delay, self.floors.get(host, 0.0))

    def delay(self, host: str, slot: Slot | None = None) -> float:
        slot = slot or self.downloader.slots.get(host)
        jittered = slot.download_delay() if slot is not None else self.downloader.default_delay()
        return max(self.floors.get(host, 0.0), jittered)

    def hold(self, host: str, seconds: float) -> None:
        """Send the host nothing for ``seconds`` (it asked: 429/503 with Retry-After, or a backoff)."""
        self.held[host] = max(self.held.get(host, 0.0), monotonic() + seconds)

    def started(self, host: str) -> None:
        self.in_flight[host] += 1

    def ended(self, host: str) -> None:
        self.in_flight[host] = max(0, self.in_flight[host] - 1)
        self.last_end[host] = monotonic()

    def wait(self, host: str, delay: float) -> float:
        """Seconds before the host may be sent its next request (0: now); inf while one is in flight."""
        if self.in_flight[host]:
            return float("inf")
        ready = max(self.last_end.get(host, float("-inf")) + delay, self.held.get(host, float("-inf")))
        return max(0.0, ready - monotonic())

    async def browser_turn(self, host: str) -> None:
        """Wait until the browser may send a request to ``host``, then count it in flight (``ended`` when done)."""
        delay = self.delay(host)
        while (left := self.wait(host, delay)) > 0:
            await asyncio.sleep(min(left, BROWSER_POLL) if left != float("inf") else BROWSER_POLL)
        self.started(host)


class _EndTimedHandlers:
    """The download handlers, with the end of every download told to the host clock (before Scrapy looks at the
    slot's queue again, so the next request waits from there)."""

    def __init__(self, handlers: Any, clock: HostClock) -> None:
        self._handlers = handlers
        self._clock = clock

    async def download_request_async(self, request: Request) -> Response:
        try:
            return await self._handlers.download_request_async(request)
        finally:
            host = request.meta[Downloader.DOWNLOAD_SLOT]
            if request.meta.get("playwright"):
                self._clock.last_end[host] = monotonic()  # its page's own requests were counted one by one
            else:
                self._clock.ended(host)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handlers, name)


class PoliteDownloader(Downloader):
    """Scrapy's downloader with the delay of a slot counted from the end of its host's last request."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.hosts = HostClock(self)
        self.handlers = _EndTimedHandlers(self.handlers, self.hosts)  # type: ignore[assignment]

    def default_delay(self) -> float:
        return Slot(1, self._delay, self._jitter).download_delay()

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy's loop, waiting from the end of the host's last request (the browser's included) and never
        # starting one while another is in flight to the host.
        if slot.latercall or not slot.queue or slot.transferring:
            return  # a request of the slot in flight calls this again when it ends
        key = slot.queue[0][0].meta[self.DOWNLOAD_SLOT]
        left = self.hosts.wait(key, self.hosts.delay(key, slot))
        if left > 0:  # the delay runs, or the browser has a request in flight to the host
            slot.latercall = call_later(BROWSER_POLL if left == float("inf") else left, self._latercall, slot)
            return
        if slot.free_transfer_slots() > 0:
            slot.lastseen = monotonic()
            request, queue_dfd = slot.queue.popleft()
            if not request.meta.get("playwright"):  # a rendered page counts its own requests (browser_turn)
                self.hosts.started(key)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
