"""Why a fetch failed, as the errors table records it."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from crawler.errors import failure_reason


def test_an_http_error_is_a_failure_though_scrapy_makes_it_an_ignored_request() -> None:
    response = Response("http://www.yuncheng.gov.cn/art/x.html", status=404, request=Request("http://a.gov.cn/"))
    assert failure_reason(Failure(HttpError(response, "Ignoring non-200 response"))) == "HTTP 404"


def test_robots_and_offsite_refusals_are_no_failure() -> None:
    assert failure_reason(Failure(IgnoreRequest("Forbidden by robots.txt"))) is None


def test_other_failures_name_their_kind() -> None:
    assert failure_reason(Failure(ConnectionRefusedError("127.0.0.1:9"))) == (
        "ConnectionRefusedError: Connection was refused by other side: 127.0.0.1:9.")
