"""Why a fetch failed, in the words the ``errors`` table keeps."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure


def failure_reason(failure: Failure) -> str | None:
    """The reason a request failed for good; None when the crawl itself said no (robots.txt, the offsite
    filter): the crawl obeyed, nothing failed."""
    if isinstance(failure.value, HttpError):  # an IgnoreRequest too: test it first
        return f"HTTP {failure.value.response.status}"
    if isinstance(failure.value, IgnoreRequest):
        return None
    return f"{type(failure.value).__name__}: {failure.value}"
