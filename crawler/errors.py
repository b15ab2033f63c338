"""Why a fetch failed or was cut, in the kinds and words the ``errors`` table keeps.

Every refused or failed download is one log line with its reason and one row (kind, reason, URL, site), never
a traceback. The kinds are a contract other tools read (the run report, the operators' exit codes): add kinds,
never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

# The kinds of a failure or a cut (the errors table's ``kind``).
HTTP = "http"  # the server answered with an error status
TIMEOUT = "timeout"  # no complete answer within DOWNLOAD_TIMEOUT
TOO_LARGE = "too_large"  # the answer was bigger than its bound (pages, attachments, robots.txt)
DECOMPRESSION_BOMB = "decompression_bomb"  # it inflated past the bound
TRUNCATED = "truncated"  # the connection closed before the announced length
CONNECTION = "connection"  # refused, reset or lost
DNS = "dns"  # the host name does not resolve
REDIRECT_LOOP = "redirect_loop"  # redirects that come back, or more hops than allowed
REFUSED_TARGET = "refused_target"  # a private, local or non-http(s) target (seeds, links, redirects, the browser)
ROBOTS_UNAVAILABLE = "robots_unavailable"  # robots.txt answered 5xx or not at all: the host is disallowed for now
RATE_LIMITED = "rate_limited"  # 429/503 after every retry the host's Retry-After allowed
TOO_DEEP = "too_deep"  # a page nested deeper than a parser keeps: read flattened
STAGE_TIMEOUT = "stage_timeout"  # a pipeline stage ran past its budget on the page
STAGE_FAILED = "stage_failed"  # a pipeline stage raised on the page
NO_REPORT_TEXT = "no_report_text"  # a report page from which no text could be read
STUB = "stub"  # a page that is a redirect notice, a login wall or an error page, not a report
OFF_SITE = "off_site"  # a redirect out of the site's domains: not followed
REPLAY_MISSING = "replay_missing"  # a crawl replayed from captures asked for a URL they do not hold
OTHER = "other"


class Refused(IgnoreRequest):
    """A request the crawl will not make or keep (a cut of a bound, a refused target): it is recorded with its
    kind, where a plain IgnoreRequest (robots.txt disallow, off-site) is obeyed silently."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    kind: str
    reason: str


KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, TCPTimedOutError, TwistedTimeoutError, TimeoutError), TIMEOUT),
    ((DownloadCancelledError,), TOO_LARGE),
    ((ResponseDataLossError,), TRUNCATED),
    ((CannotResolveHostError, DNSLookupError), DNS),
    ((DownloadConnectionRefusedError, ConnectionRefusedError, ConnectionLost, ResponseNeverReceived,
      ResponseFailed, DownloadFailedError, ConnectionError), CONNECTION),
    ((UnsupportedURLSchemeError,), REFUSED_TARGET),
)


def describe(error: BaseException) -> Problem | None:
    """The kind and reason of a failed request; None when the crawl itself said no (robots.txt, the offsite
    filter): the crawl obeyed, nothing failed."""
    if isinstance(error, HttpError):  # an IgnoreRequest too: test it first
        status = error.response.status
        return Problem(RATE_LIMITED if status in (429, 503) else HTTP, f"HTTP {status}")
    if isinstance(error, Refused):
        return Problem(error.kind, error.reason)
    if isinstance(error, IgnoreRequest):
        return None
    kind = next((kind for types, kind in KINDS if isinstance(error, types)), OTHER)
    return Problem(kind, f"{type(error).__name__}: {error}"[:500])


def failure_problem(failure: Failure) -> Problem | None:
    assert failure.value is not None
    return describe(failure.value)


def failure_reason(failure: Failure) -> str | None:
    """The reason text of a failed request (``describe``), None when nothing failed."""
    problem = failure_problem(failure)
    return problem.reason if problem else None
