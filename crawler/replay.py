"""Replay saved portals on loopback, as an HTTP proxy and by Host header (format: docs/FIXTURES.md).

Crawls through it keep the real host names and URL patterns; nothing is ever forwarded to the internet.
"""

from __future__ import annotations

import html
import logging
import mimetypes
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import yaml

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
CONFIG_NAME = "_replay.yaml"
ROUTE_KEYS = {"file", "body", "status", "headers", "delay"}
CONFIG_KEYS = {"serve_encoding", "charset_header", "headers", "routes"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0


class Seen(NamedTuple):
    method: str
    host: str
    target: str  # path?query as requested
    at: float  # time.monotonic() when it arrived
    agent: str = ""  # the User-Agent header
    accept: str = ""  # the Accept header (a browser's script asks */*, a crawler for pages)


class ReplayConfigError(ValueError):
    pass


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
        for key, route in routes.items():
            if not isinstance(route, dict) or set(route) - ROUTE_KEYS:
                raise ReplayConfigError(f"{config_path}: route {key!r}: keys must be among {sorted(ROUTE_KEYS)}")
        return cls(
            root,
            serve_encoding=config.get("serve_encoding"),
            charset_header=bool(config.get("charset_header", False)),
            headers={str(k): str(v) for k, v in (config.get("headers") or {}).items()},
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
        if "body" in route:
            body = str(route["body"]).encode("utf-8")
        elif path_for_file is not None and (found := self._file_for(path_for_file)):
            body = found.read_bytes()
            name = found.name
        elif "status" in route:  # a redirect or an error page with no saved body
            body = b""
        if body is None:
            return not_found(f"{parts.path}{'?' + parts.query if parts.query else ''} is not saved for this host")
        ctype = self._content_type(name)
        route_headers = {str(k): str(v) for k, v in route.get("headers", {}).items()}
        headers = {"Content-Type": ctype, **self.headers, **route_headers}
        return Reply(status, headers, self._encode(body, headers["Content-Type"]), float(route.get("delay", 0)))


def not_found(reason: str, status: int = 404) -> Reply:
    escaped = html.escape(reason)
    page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{escaped}</p></body></html>"
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"))


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

    def reply(self, host: str, target: str) -> Reply:
        saved = self.host(host)
        if saved is None:
            return not_found(f"host {host!r} is not in the saved world; nothing is fetched from the internet", 502)
        return saved.reply(target)


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def _answer(self, send_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host = parts.hostname or ""
            target = parts.path or "/"
            if parts.query:
                target += f"?{parts.query}"
        else:
            host = urlsplit(f"//{self.headers.get('Host', '')}").hostname or ""
        self.server.log_request_seen(self.command, host, target, self.headers.get("User-Agent", ""),
                                     self.headers.get("Accept", ""))
        try:
            reply = self.server.world.reply(host, target)
        except (ReplayConfigError, UnicodeError) as exc:
            reply = not_found(f"replay error: {exc}", 500)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
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


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, world: ReplayWorld, port: int = 0) -> None:
        self.world = world
        self.requests: list[Seen] = []  # every request answered, in order
        self._requests_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hangs up mid-answer (a browser, a download over its size cap) is no server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s hung up", client_address)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def log_request_seen(self, method: str, host: str, target: str, agent: str = "", accept: str = "") -> None:
        with self._requests_lock:
            self.requests.append(Seen(method, host, target, time.monotonic(), agent, accept))

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def start_background(self) -> ReplayServer:
        threading.Thread(target=self.serve_forever, name="govcrawl-replay", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
