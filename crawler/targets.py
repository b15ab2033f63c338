"""Targets a crawl must not reach: the machine it runs on and that machine's network.

A seed list, a link, a redirect, a meta refresh, an attachment or a browser request may point at loopback, a
private or link-local network, multicast, reserved or unspecified addresses (in every form a resolver or a
browser reads as a number: ``127.1``, ``0x7f.1``, ``2130706433``, ``[::ffff:127.0.0.1]``), at a local name
(``localhost``, ``*.local``: crawler/data/private_names.yaml), or use a scheme other than http(s). ``refusal``
says why such a URL is refused. In a crawl, ``PrivateTargetMiddleware`` refuses those requests as
``refused_target`` and, when no proxy resolves the names, the names that resolve to such an address
(``PrivateAddressResolver``). The operator may opt in (``GOVCRAWL_ALLOW_PRIVATE``, ``--allow-private``); the
proxy's own address is the operator's choice and never refused.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler.errors import REFUSED_TARGET, Refused
from crawler.rules import data_yaml

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\uff0e": "."})  # full stops IDNA reads as dots


@cache
def _local_names() -> tuple[frozenset[str], tuple[str, ...]]:
    rules = data_yaml("crawler", "private_names.yaml")
    return frozenset(rules["names"]), tuple(rules["suffixes"])


def normal_host(host: str) -> str:
    """A host as a resolver meets it: percent-escapes and full-width forms undone, lower case, no final dot."""
    return unicodedata.normalize("NFKC", unquote(host)).translate(DOTS).lower().rstrip(".")


def _ipv4_part(part: str) -> int:
    """One part of a numeric IPv4 host as inet_aton and browsers read it: 0x… hex, 0… octal, else decimal."""
    if part[:2] in ("0x", "0X"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    if not part.isdigit():
        raise ValueError(part)
    return int(part)


def numeric_address(host: str) -> Address | None:
    """The address a numeric host stands for (IPv6, or IPv4 in one to four parts, each decimal, octal or hex);
    None for a name. Raises ValueError for a host that looks numeric but is no address (``1.2.3.4.5``)."""
    if ":" in host:
        return ipaddress.IPv6Address(host)
    parts = host.split(".")
    last = parts[-1]
    if not (last.isascii() and (last.isdigit() or last[:2] in ("0x", "0X"))):
        return None  # a name: the WHATWG URL parser reads a host as IPv4 only when its last label is a number
    if len(parts) > 4 or not all(parts):
        raise ValueError(f"{host!r} is neither a name nor an IPv4 address")
    numbers = [_ipv4_part(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is neither a name nor an IPv4 address")
    value = 0
    for number in numbers[:-1]:
        value = value << 8 | number
    return ipaddress.IPv4Address(value << 8 * (5 - len(numbers)) | numbers[-1])


def address_kind(address: Address) -> tuple[str, str] | None:
    """What makes an address no public target ("a loopback address", …) and how it is shown; None for a
    public one. An IPv6 address that carries an IPv4 one (mapped, 6to4) is judged by that first."""
    inner = (address.ipv4_mapped or address.sixtofour) if isinstance(address, ipaddress.IPv6Address) else None
    for candidate in (inner, address) if inner else (address,):
        for kind, test in (("unspecified", candidate.is_unspecified), ("loopback", candidate.is_loopback),
                           ("link-local", candidate.is_link_local), ("multicast", candidate.is_multicast),
                           ("reserved", candidate.is_reserved), ("private", candidate.is_private),
                           ("non-public", not candidate.is_global)):
            if test:
                shown = str(address) if candidate is address else f"{address} (IPv4 {candidate})"
                return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address", shown
    return None


def address_refusal(address: Address) -> str | None:
    """Why an address is no public target, None for a public one."""
    found = address_kind(address)
    return f"{found[1]} is {found[0]}" if found else None


def host_refusal(host: str) -> str | None:
    """Why a host (a name or a numeric address, as in a URL or ``allowed_domains``) is no public target."""
    host = normal_host(host)
    if not host:
        return "no host"
    try:
        address = numeric_address(host)
    except ValueError as exc:
        return str(exc)
    if address is not None:
        return address_refusal(address)
    names, suffixes = _local_names()
    if host in names or any(host == s or host.endswith("." + s) for s in suffixes):
        return f"{host} is a local name"
    return None


def refusal(url: str) -> str | None:
    """Why a crawl must not request ``url`` (a scheme other than http(s), no host, a private or local target);
    None when it may."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme.lower() not in SCHEMES:
        return f"{parts.scheme or 'no'} scheme: only http and https are fetched"
    return host_refusal(host)


def proxy_hosts(explicit: str | None) -> frozenset[str]:
    """The hosts of the proxies a crawl uses (``GOVCRAWL_PROXY``, http_proxy/https_proxy): never refused."""
    urls = [explicit, *getproxies().values()] if explicit else list(getproxies().values())
    hosts = set()
    for url in urls:
        try:
            host = urlsplit(url if "//" in url else f"//{url}").hostname
        except ValueError:
            continue
        if host:
            hosts.add(normal_host(host))
    return frozenset(hosts)


def proxied(request: Request, explicit: str | None) -> bool:
    """Whether ``request`` goes through a proxy, which then resolves its host: the request's own ``proxy``
    meta, else ``GOVCRAWL_PROXY``, else the environment's proxy for its scheme unless no_proxy names the host
    (as Scrapy's HttpProxyMiddleware decides)."""
    if "proxy" in request.meta:
        return request.meta["proxy"] is not None
    if explicit:
        return True
    parts = urlparse_cached(request)
    return parts.scheme in getproxies() and not (parts.hostname and proxy_bypass(parts.hostname))


class PrivateAddress(Refused, DNSLookupError):
    """A name that resolves to a refused address. A DNSLookupError too, so that Twisted's name resolution takes it
    for a name that does not resolve, quietly, rather than logging a traceback."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSED_TARGET, reason)

    def __str__(self) -> str:
        return self.reason


class PrivateAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing a name that resolves to an address ``address_kind`` refuses
    (``PrivateAddress``), unless the crawl allows private targets or the name is a proxy's.

    Settings: TWISTED_DNS_RESOLVER (this class), GOVCRAWL_ALLOW_PRIVATE, GOVCRAWL_PROXY."""

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float, *, allow_private: bool = False,
                 exempt: frozenset[str] = frozenset()) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.exempt = exempt

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("GOVCRAWL_ALLOW_PRIVATE")
        resolver.exempt = proxy_hosts(crawler.settings.get("GOVCRAWL_PROXY"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        found = super().getHostByName(name, timeout)
        if self.allow_private or normal_host(name) in self.exempt:
            return found
        return found.addCallback(self._checked, name)

    @staticmethod
    def _checked(address: str, name: str) -> str:
        if found := address_kind(ipaddress.ip_address(address)):
            raise PrivateAddress(f"{name} resolves to {found[1]}, {found[0]}")
        return address


class PrivateTargetMiddleware:
    """Refuse every request ``refusal`` refuses (``refused_target``) before the offsite filter or robots.txt sees
    it: the spiders' requests and the attachments' downloads (a redirect or meta refresh to such a target is
    refused where it is read, crawler/middlewares.py). A request that goes to its host directly (no proxy) has its
    name resolved first, so a public name for a private address is refused as such, not as a robots.txt that
    could not be had. Off with GOVCRAWL_ALLOW_PRIVATE."""

    def __init__(self, allow_private: bool, proxy: str | None) -> None:
        self.allow_private = allow_private
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("GOVCRAWL_ALLOW_PRIVATE"), crawler.settings.get("GOVCRAWL_PROXY"))

    async def process_request(self, request: Request) -> None:
        if self.allow_private:
            return
        if reason := refusal(request.url):
            raise Refused(REFUSED_TARGET, reason)
        host = urlparse_cached(request).hostname or ""
        if proxied(request, self.proxy) or numeric_address(normal_host(host)) is not None:
            return
        from twisted.internet import reactor

        resolving: Any = reactor
        try:
            address = await maybe_deferred_to_future(resolving.resolve(host))
            PrivateAddressResolver._checked(address, host)  # the installed resolver may be another one
        except PrivateAddress as exc:
            raise Refused(exc.kind, exc.reason) from None  # not a DNS error to retry
