"""The clock every timestamp govcrawl writes comes from, so that replay tests can freeze time.

``GOVCRAWL_FROZEN_TIME`` (an ISO 8601 time, in the environment) freezes it for a whole process, a crawl's
subprocess included; ``frozen(...)`` freezes it for a block of code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


class Clock:
    def __init__(self, frozen: datetime | None = None) -> None:
        self.frozen = frozen

    def now(self) -> datetime:
        return self.frozen or datetime.now(UTC)

    def stamp(self) -> str:
        """The time as the corpus writes it: ISO 8601, seconds, UTC."""
        return self.now().isoformat(timespec="seconds")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"GOVCRAWL_FROZEN_TIME: not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_clock = Clock(parse_time(os.environ["GOVCRAWL_FROZEN_TIME"]) if os.environ.get("GOVCRAWL_FROZEN_TIME") else None)


def now() -> str:
    """The current time as stored (``Clock.stamp``)."""
    return _clock.stamp()


@contextmanager
def frozen(at: str | datetime) -> Iterator[Clock]:
    """Freeze the clock at ``at`` for the block."""
    global _clock
    before = _clock
    _clock = Clock(parse_time(at) if isinstance(at, str) else at)
    try:
        yield _clock
    finally:
        _clock = before
