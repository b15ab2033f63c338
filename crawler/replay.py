"""Replay saved portals on loopback, as an HTTP proxy and by Host header (format: docs/FIXTURES.md).

Crawls through it keep the real host names and URL patterns; nothing is ever forwarded to the internet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
import mimetypes
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import yaml

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
CONFIG_NAME = "_replay.yaml"
ROUTE_KEYS = {"file", "body", "status", "headers", "delay", "etag", "last_modified"}
CONFIG_KEYS = {"serve_encoding", "charset_header", "headers", "routes"}
NO_VALIDATOR = "none"  # `etag: none` / `last_modified: none`: serve without that validator
VALIDATOR_HEADERS = {"etag", "last-modified"}  # set through the route keys, never as plain headers
# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5); Date and Server come with every answer.
NOT_MODIFIED_HEADERS = {"etag", "last-modified", "cache-control", "expires", "vary", "content-location"}
_DAY, _MONTH = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)", "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
HTTP_DATE = re.compile(  # IMF-fixdate, then the obsolete RFC 850 and asctime forms (RFC 9110 §5.6.7)
    rf"{_DAY}, \d\d {_MONTH} \d{{4}} \d\d:\d\d:\d\d GMT"
    rf"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d\d-{_MONTH}-\d\d \d\d:\d\d:\d\d GMT"
    rf"|{_DAY} {_MONTH} [ \d]\d \d\d:\d\d:\d\d \d{{4}}")
ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')
# Marks an answer the replay does not have (a URL not captured, a file not saved), so a crawl can tell it from a
# page the site itself answered 404 (which would mark a report withdrawn).
REPLAY_HEADER, MISSING = "X-Govcrawl-Replay", "missing"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0
    etag: str | None = None  # the strong or weak entity tag sent, quoted
    last_modified: int | None = None  # seconds since the epoch, as sent in Last-Modified


class Seen(NamedTuple):
    method: str
    host: str
    target: str  # path?query as requested
    at: float  # time.monotonic() when it arrived
    agent: str = ""  # the User-Agent header
    accept: str = ""  # the Accept header (a browser's script asks */*, a crawler for pages)
    if_none_match: str = ""  # the conditional headers sent, as sent
    if_modified_since: str = ""
    status: int = 0  # the status answered (304 for a successful revalidation)
    body_bytes: int = 0  # the bytes of body sent (none for a 304 or a HEAD)
    referer: str = ""  # the Referer header: which page linked to a URL the replay lacks


class ReplayConfigError(ValueError):
    pass


class World(Protocol):
    """What a ``ReplayServer`` answers from: saved portals, WARC captures, or several of them in turn."""

    def reply(self, host: str, target: str, method: str = "GET", body: bytes = b"") -> Reply:
        """``target`` is the request target as received: an absolute URL from a proxy client, else path?query."""
        ...


@dataclass
class SavedHost:
    """One host folder and its optional ``_replay.yaml``."""

    root: Path
    serve_encoding: str | None = None
    charset_header: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    routes: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> SavedHost:
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            return cls(root)
        try:
            config = yaml.safe_load(config_path.read_text("utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ReplayConfigError(f"{config_path}: invalid YAML: {exc}") from exc
        if not isinstance(config, dict) or set(config) - CONFIG_KEYS:
            raise ReplayConfigError(f"{config_path}: expected a mapping with keys among {sorted(CONFIG_KEYS)}")
        routes = config.get("routes") or {}
        headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
        if VALIDATOR_HEADERS & {k.lower() for k in headers}:
            raise ReplayConfigError(f"{config_path}: ETag and Last-Modified are set per route (etag, last_modified)")
        for key, route in routes.items():
            if not isinstance(route, dict) or set(route) - ROUTE_KEYS:
                raise ReplayConfigError(f"{config_path}: route {key!r}: keys must be among {sorted(ROUTE_KEYS)}")
            if VALIDATOR_HEADERS & {str(k).lower() for k in route.get("headers", {})}:
                raise ReplayConfigError(f"{config_path}: route {key!r}: use the etag and last_modified keys, "
                                        "not headers, for validators")
            try:
                if "etag" in route:
                    route["etag"] = _route_etag(route["etag"])
                if "last_modified" in route:
                    route["last_modified"] = _route_date(route["last_modified"])
            except ValueError as exc:
                raise ReplayConfigError(f"{config_path}: route {key!r}: {exc}") from exc
        return cls(
            root,
            serve_encoding=config.get("serve_encoding"),
            charset_header=bool(config.get("charset_header", False)),
            headers=headers,
            # Keys compare unquoted: a client may send 年报 percent-encoded or not.
            routes={unquote(key): route for key, route in routes.items()},
        )

    def _prefix_route(self, key: str) -> dict:
        """The longest route ending in ``*`` whose prefix starts ``key`` (a server answering any sub-path)."""
        matches = [k for k in self.routes if k.endswith("*") and key.startswith(k[:-1])]
        return self.routes[max(matches, key=len)] if matches else {}

    def _file_for(self, path: str) -> Path | None:
        rel = PurePosixPath(unquote(path))
        parts = [p for p in rel.parts if p not in ("/", "")]
        if any(p in ("..", ".") for p in parts) or (parts and parts[0] == CONFIG_NAME):
            return None
        target = self.root.joinpath(*parts)
        if path.endswith("/") or not parts:
            target = target / "index.html"
        return target if target.is_file() else None

    def _content_type(self, name: str) -> str:
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/") and self.serve_encoding and self.charset_header:
            ctype += f"; charset={self.serve_encoding}"
        return ctype

    def _encode(self, data: bytes, ctype: str) -> bytes:
        if self.serve_encoding and ctype.startswith("text/"):
            return data.decode("utf-8").encode(self.serve_encoding)
        return data

    def reply(self, target: str) -> Reply:
        parts = urlsplit(target)
        key = unquote(parts.path + (f"?{parts.query}" if parts.query else ""))
        route = self.routes.get(key) or self._prefix_route(key)
        status = int(route.get("status", 200))
        path_for_file = parts.path if not parts.query else None
        if "file" in route:
            path_for_file = "/" + str(route["file"]).lstrip("/")
        body: bytes | None = None
        name = PurePosixPath(path_for_file or parts.path).name or "index.html"
        source: Path | None = None  # the file the bytes come from, for Last-Modified
        if "body" in route:
            body = str(route["body"]).encode("utf-8")
            source = self.root / CONFIG_NAME
        elif path_for_file is not None and (found := self._file_for(path_for_file)):
            body = found.read_bytes()
            name = found.name
            source = found
        elif "status" in route:  # a redirect or an error page with no saved body
            body = b""
        if body is None:
            return missing(f"{parts.path}{'?' + parts.query if parts.query else ''} is not saved for this host")
        ctype = self._content_type(name)
        route_headers = {str(k): str(v) for k, v in route.get("headers", {}).items()}
        headers = {"Content-Type": ctype, **self.headers, **route_headers}
        served = self._encode(body, headers["Content-Type"])
        reply = Reply(status, headers, served, float(route.get("delay", 0)))
        if status == 200:  # validators describe a selected representation; redirects and errors have none
            reply.etag = route["etag"] if "etag" in route else content_etag(served)
            reply.last_modified = (route["last_modified"] if "last_modified" in route
                                   else _mtime(source) if source else None)
            if reply.etag:
                headers["ETag"] = reply.etag
            if reply.last_modified is not None:
                headers["Last-Modified"] = http_date(reply.last_modified)
        return reply


def content_etag(data: bytes) -> str:
    """A strong entity tag that follows the bytes served, the same on every run."""
    return f'"{hashlib.sha256(data).hexdigest()[:20]}"'


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def parse_http_date(value: str) -> int | None:
    """Seconds since the epoch of an HTTP-date (any of its three forms); None for anything else."""
    if not HTTP_DATE.fullmatch(value := value.strip()):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # the asctime form carries no zone and means GMT
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp())


def _mtime(path: Path) -> int:
    """A file's mtime as Last-Modified, never later than now (RFC 9110 §8.8.2.1)."""
    return int(min(path.stat().st_mtime, time.time()))


def _route_etag(value: object) -> str | None:
    """A route's ``etag``: quoted as written (``W/"..."`` for a weak one), quotes added to a bare value."""
    text = "" if value is None else str(value).strip()
    if text.lower() == NO_VALIDATOR or not text:
        return None
    tag = text if text.startswith(('"', 'W/"')) else f'"{text}"'
    if not ENTITY_TAG.fullmatch(tag):
        raise ValueError(f"etag {value!r} is not an entity tag")
    return tag


def _route_date(value: object) -> int | None:
    """A route's ``last_modified``: an HTTP-date, a YAML date or datetime (read as GMT), or ``none``."""
    if value is None or str(value).strip().lower() == NO_VALIDATOR:
        return None
    if isinstance(value, dt.datetime):
        return int((value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())
    seconds = parse_http_date(str(value))
    if seconds is None:
        raise ValueError(f"last_modified {value!r} is not an HTTP-date")
    return seconds


def _tags_match(if_none_match: str, etag: str | None) -> bool:
    """Weak comparison of ``If-None-Match`` against the current tag; ``*`` matches any current representation."""
    if if_none_match.strip() == "*":
        return True
    if not etag:
        return False
    current = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == current for tag in ENTITY_TAG.findall(if_none_match))


def conditional(reply: Reply, method: str, if_none_match: str | None, if_modified_since: str | None) -> Reply:
    """Evaluate ``If-None-Match`` and ``If-Modified-Since`` as RFC 9110 §13.2.2 orders them.

    Only a 200 is revalidated. A matching tag answers 304 to GET and HEAD and 412 to any other method; without
    ``If-None-Match``, a GET or HEAD whose ``If-Modified-Since`` is a valid date not before Last-Modified gets 304.
    """
    if reply.status != 200:
        return reply
    safe = method in ("GET", "HEAD")
    if if_none_match is not None:
        if not _tags_match(if_none_match, reply.etag):
            return reply
        if not safe:
            return not_found("If-None-Match matched the current representation", 412)
    elif not safe or if_modified_since is None or reply.last_modified is None:
        return reply
    else:
        since = parse_http_date(if_modified_since)
        if since is None or reply.last_modified > since:
            return reply
    kept = {k: v for k, v in reply.headers.items() if k.lower() in NOT_MODIFIED_HEADERS}
    return Reply(304, kept, b"", reply.delay, reply.etag, reply.last_modified)


def not_found(reason: str, status: int = 404) -> Reply:
    escaped = html.escape(reason)
    page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{escaped}</p></body></html>"
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"))


def missing(reason: str, status: int = 404) -> Reply:
    """``not_found`` marked as the replay's own gap, not an answer of the site (a saved 404 route is not marked)."""
    reply = not_found(reason, status)
    reply.headers[REPLAY_HEADER] = MISSING
    return reply


def is_missing(reply: Reply) -> bool:
    return any(k.lower() == REPLAY_HEADER.lower() and v == MISSING for k, v in reply.headers.items())


class ReplayWorld:
    """A folder of saved hosts; host folders are read when first asked for."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ReplayConfigError(f"{self.root}: not a folder of saved portals")
        self._hosts: dict[str, SavedHost] = {}
        self._lock = threading.Lock()

    @cached_property
    def host_names(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def host(self, name: str) -> SavedHost | None:
        name = name.lower().rstrip(".")
        with self._lock:
            if name not in self._hosts:
                folder = self.root / name
                if not folder.is_dir():
                    return None
                self._hosts[name] = SavedHost.load(folder)
            return self._hosts[name]

    def reply(self, host: str, target: str, method: str = "GET", body: bytes = b"") -> Reply:
        """A saved file answers every method alike: the method and the body are not part of the saved world."""
        saved = self.host(host)
        if saved is None:
            return missing(f"host {host!r} is not in the saved world; nothing is fetched from the internet", 502)
        return saved.reply(target)


def _joined(values: list[str] | None) -> str | None:
    """A header sent on several lines, as one list (None when it was not sent)."""
    return ", ".join(values) if values else None


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer[World]
    protocol_version = "HTTP/1.1"

    def _answer(self, send_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = asked = self.path  # asked: what the world is given, the absolute URL when a proxy client sent one
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host = parts.hostname or ""
            target = parts.path or "/"
            if parts.query:
                target += f"?{parts.query}"
            asked = f"{parts.scheme}://{parts.netloc}{target}"
        else:
            host = urlsplit(f"//{self.headers.get('Host', '')}").hostname or ""
        arrived = time.monotonic()
        inm, ims = _joined(self.headers.get_all("If-None-Match")), _joined(self.headers.get_all("If-Modified-Since"))
        try:
            reply = conditional(self.server.world.reply(host, asked, self.command, body), self.command, inm, ims)
        except (ReplayConfigError, UnicodeError) as exc:
            reply = not_found(f"replay error: {exc}", 500)
        missed = is_missing(reply)
        self.server.log_request_seen(Seen(self.command, host, target, arrived, self.headers.get("User-Agent", ""),
                                          self.headers.get("Accept", ""), inm or "", ims or "", reply.status,
                                          len(reply.body) if send_body and reply.status != 304 else 0,
                                          self.headers.get("Referer", "")), missed)
        if missed and not self.server.mark_missing:  # the world stands for the sites: its gaps are their 404s
            reply.headers = {k: v for k, v in reply.headers.items() if k.lower() != REPLAY_HEADER.lower()}
        if reply.delay:
            time.sleep(reply.delay)
        self.log_request(reply.status)
        self.send_response_only(reply.status)
        sent = {name.lower() for name in reply.headers}
        if "server" not in sent:  # a captured answer keeps its own Server and Date, once
            self.send_header("Server", self.version_string())
        if "date" not in sent:
            self.send_header("Date", self.date_time_string())
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:  # a 304 has no body, and its length would be the 200's
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(reply.body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_CONNECT(self) -> None:
        reply = not_found("HTTPS tunnelling is not replayed: saved portals are served over plain http", 501)
        self.send_response(reply.status)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


W = TypeVar("W", bound=World)


class ReplayServer(ThreadingHTTPServer, Generic[W]):
    daemon_threads = True

    def __init__(self, world: W, port: int = 0, mark_missing: bool = False) -> None:
        """``mark_missing``: answers the world lacks say so (``X-Govcrawl-Replay: missing``), for a crawl replayed
        from a capture; without it they are plain 404s, as when saved portals stand for the live sites."""
        self.world = world
        self.mark_missing = mark_missing
        self.requests: list[Seen] = []  # every request answered, in order
        self.misses: list[Seen] = []  # the requests answered X-Govcrawl-Replay: missing (not captured, not saved)
        self._requests_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hangs up mid-answer (a browser, a download over its size cap) is no server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s hung up", client_address)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def log_request_seen(self, seen: Seen, missed: bool = False) -> None:
        with self._requests_lock:
            self.requests.append(seen)
            if missed:
                self.misses.append(seen)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def start_background(self) -> ReplayServer:
        threading.Thread(target=self.serve_forever, name="govcrawl-replay", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
