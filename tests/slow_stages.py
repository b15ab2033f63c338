"""Stages that misbehave on purpose, for the worker pool's tests (named by path in GOVCRAWL_REPORT_STAGES)."""

from __future__ import annotations

import signal
import time

from crawler.items import ReportPage

MARKER = "慢页面"  # a page whose body holds this is the one the stages below misbehave on


class Spins:
    """Python that never ends: the stage budget interrupts it inside the worker."""

    def process_item(self, item: ReportPage) -> ReportPage:
        while MARKER in item.html:
            pass
        return item


class Stalls:
    """A stall Python cannot interrupt (the alarm blocked, as inside a long C call): the worker is killed."""

    def process_item(self, item: ReportPage) -> ReportPage:
        if MARKER in item.html:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(8)
        return item


class Raises:
    def process_item(self, item: ReportPage) -> ReportPage:
        if MARKER in item.html:
            raise ValueError("a stage's own bug")
        return item
