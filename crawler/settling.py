"""Per-site settling: when a site of the crawl has no request and no report in flight, it is done
(``site_finished``).

A request counts as outstanding from its creation until its callback or errback has run, or the scheduler
dropped it as a duplicate; a report item from its creation until the item pipelines are done with it (scraped,
dropped or failed). Counting at creation, not at the request_scheduled signal, matters: Scrapy may schedule a
callback's requests after the callback ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import signals as scrapy_signals

from crawler import signals

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.signalmanager import SignalManager


class SiteLedger:
    """``before_done(site_id)`` runs when a site has nothing left in flight; when it schedules more (it returns
    True), the site is not done yet."""

    def __init__(self, signal_manager: SignalManager, before_done: Callable[[str], bool] | None = None) -> None:
        self.signals = signal_manager
        self.before_done = before_done
        self.outstanding: Counter[str] = Counter()
        for signal in (scrapy_signals.item_scraped, scrapy_signals.item_dropped, scrapy_signals.item_error):
            signal_manager.connect(self.item_done, signal)

    def opened(self, site_id: str) -> None:
        """A request of the site was created."""
        self.outstanding[site_id] += 1

    def settle(self, site_id: str | None) -> None:
        """A request of the site was answered (or failed, or dropped)."""
        if not site_id or self.outstanding[site_id] <= 0:
            return
        self.outstanding[site_id] -= 1
        if self.outstanding[site_id] == 0 and not (self.before_done and self.before_done(site_id)):
            self.signals.send_catch_log(signals.site_finished, site_id=site_id)

    def item_done(self, item: Any, **_: Any) -> None:
        """Handler of the item signals: a report item of a site left the pipelines."""
        self.settle(getattr(item, "site_id", None))

    def dropped(self, request: Request, spider: Spider) -> None:
        """Handler of Scrapy's request_dropped signal (a duplicate the scheduler refused)."""
        self.settle(request.meta.get("site_id"))


class _Settles(Protocol):
    def request_settled(self, request: Request | None) -> None: ...


def settles(method: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
    """Mark a callback or errback as the end of one request of a site.

    The request counts as settled only after the callback's output has been consumed, so the requests it
    yields are created (and counted) before the site can look finished.
    """

    @wraps(method)
    def wrapper(self: _Settles, response_or_failure: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        request = getattr(response_or_failure, "request", None)
        try:
            yield from method(self, response_or_failure, *args, **kwargs) or ()
        finally:
            self.request_settled(request)

    return wrapper
