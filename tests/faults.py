"""The fault world: a hostile loopback server serving the faults real portals and hostile mirrors serve.

``FaultServer`` is an HTTP proxy on 127.0.0.1 (a crawl reaches it with ``--proxy`` / ``GOVCRAWL_PROXY``) that
answers a handful of fake public hosts (``www.faulty-a.gov.cn`` …). Each site has a home page, an annual-report
column and good reports (the realistic county report of the portal fixtures), and the column lists every fault
URL of the site as if it were a report: error statuses, 429 with Retry-After, resets, stalls, a trickle,
truncation, wrong charsets, a gzip bomb, huge pages, deep nesting, redirect loops and chains, redirects and meta
refreshes to local addresses, an XML entity bomb in a Hanweb datastore, hostile attachment names, a gzip-bombed
attachment, and malformed robots.txt files. Big bodies are streamed in chunks, never built in memory.

Every request is logged (``FaultServer.log``: arrival time, method, host, path, status, what was served, bytes
sent), so tests assert what the server saw: gaps, what was never asked for, requests to forbidden targets.
"""

from __future__ import annotations

import io
import select
import socket
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tests.typeset import typeset

LOOPBACK = "127.0.0.1"
CHUNK = 64 * 1024
BOMB_INFLATED = 72 * 16 * 1024 * 1024  # 1.125 GiB of zeros, about 5 MB on the wire
HUGE = 200 * 1024 * 1024
NESTING = 10_000
FORBIDDEN_HOSTS = frozenset({"127.0.0.9", "localhost", "::1"})  # targets a crawl must never reach
COLUMN = "/zwgk/zfxxgknb/index.html"
ROBOTS_PADDING = 600 * 1024


@dataclass
class Served:
    at: float  # time.monotonic() when the request arrived
    method: str
    host: str
    path: str  # path?query as requested
    status: int = 0
    fault: str = ""  # what was served: "good", "robots", a fault's name, "forbidden", "unknown"
    sent: int = 0  # body bytes written


@dataclass(frozen=True)
class Report:
    """A good report: its page's path and the paragraphs a crawl must store, exactly."""

    path: str
    title: str
    year: int
    paragraphs: tuple[str, ...]
    attachments: tuple[str, ...] = ()  # paths of attachment links below the body


@dataclass
class Site:
    id: str
    host: str
    county: str
    robots: str = "plain"  # plain, junk, big, 503, 404, redirect, later, stall
    template: str = "auto"
    reports: list[Report] = field(default_factory=list)
    faults: dict[str, str] = field(default_factory=dict)  # path → fault name, each listed in the column
    stalled: bool = False  # every answer of the host stalls forever, robots.txt included

    @property
    def name(self) -> str:
        return f"{self.county}人民政府"

    @property
    def url(self) -> str:
        return f"http://{self.host}/"


def report_paragraphs(county: str, year: int, office: str = "办公室") -> tuple[str, ...]:
    """A county's report of ``year`` in the 2021 format, as the portal fixtures' generic-family reports read."""
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
        f"要求，由{county}人民政府{office}编制。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"本报告电子版可在{county}人民政府门户网站“政府信息公开年报”栏目查阅或下载。",
        "一、总体情况",
        f"{year}年，{county}坚持以公开为常态、不公开为例外，围绕县委、县政府中心工作推进决策、执行、管理、服务、结果公开，"
        f"全年主动公开政府信息{300 + year % 97}条，其中通过政府网站公开{200 + year % 89}条。",
        "二、主动公开政府信息情况",
        f"全年制发规范性文件{year % 7 + 1}件，现行有效规范性文件{year % 23 + 10}件；办理行政许可{year % 300 + 100}件。",
        "三、收到和处理政府信息公开申请情况",
        f"全年共收到政府信息公开申请{year % 19 + 5}件，均已在法定期限内答复。",
        "四、政府信息公开行政复议、行政诉讼情况",
        "全年未发生因政府信息公开引起的行政复议和行政诉讼案件。",
        "五、存在的主要问题及改进情况",
        f"{year}年，{county}政府信息公开工作取得一定成效，但也存在公开内容的深度和广度有待加强等问题。下一步，"
        f"我县将加强业务培训，完善考核机制，推动政府信息公开工作提质增效。",
        "六、其他需要报告的事项",
        f"{year}年度无其他需要报告的事项。",
        f"{county}人民政府{office}",
        f"{year + 1}年1月{year % 20 + 5}日",
    )


def _chrome(site: Site, title: str, inner: str, charset: str = "utf-8", extra_head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{charset}"><title>{title}_{site.name}</title>\n'
            f'<meta name="SiteName" content="{site.name}">{extra_head}\n</head>\n<body>\n'
            f'<div class="header"><div class="logo">{site.name}</div>\n'
            f'<div class="nav"><a href="/">首页</a> <a href="/zwgk/index.html">政务公开</a> '
            f'<a href="/hdjl/index.html">互动交流</a></div></div>\n'
            f'<div class="location">当前位置：<a href="/">首页</a> &gt; {title}</div>\n{inner}\n'
            f'<div class="footer"><p>版权所有：{site.name}　主办单位：{site.name}办公室</p>'
            f'<p>陇ICP备05001234号-1　网站标识码：6211240000</p></div>\n</body></html>\n')


def home_page(site: Site) -> str:
    return _chrome(site, "首页", f'<div class="main"><ul><li><a href="{COLUMN}">政府信息公开年报</a></li>'
                                 '<li><a href="/xwzx/index.html">新闻中心</a></li></ul></div>')


def column_entries(site: Site) -> list[tuple[str, str, int]]:
    """(path, title, year) of every entry of the column: good reports and fault URLs, one year each, no hole."""
    entries = [(r.path, r.title, r.year) for r in site.reports]
    first = min((r.year for r in site.reports), default=2022) - 1
    for n, path in enumerate(site.faults):
        year = first - n
        entries.append((path, f"{site.county}{year}年政府信息公开工作年度报告", year))
    return entries


def column_page(site: Site) -> str:
    items = "".join(f'<li><a href="{path}" title="{title}" target="_blank">{title}</a>'
                    f'<span class="date">{year + 1}-01-15</span></li>' for path, title, year in column_entries(site))
    return _chrome(site, "政府信息公开年报", f'<div class="list"><h2>政府信息公开年报</h2>'
                                         f'<ul class="list-items">{items}</ul></div>')


def report_body(report: Report) -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in report.paragraphs)
    links = "".join(f'<p>附件：<a href="{quote(a, safe="/%")}">附件{n + 1}.pdf</a></p>'
                    for n, a in enumerate(report.attachments))
    return f'<div class="article-content">\n{paragraphs}\n{links}</div>'


def report_page(site: Site, report: Report, charset: str = "utf-8", depth: int = 0) -> str:
    head = (f'\n<meta name="ArticleTitle" content="{report.title}">'
            f'\n<meta name="PubDate" content="{report.year + 1}-01-15 09:30">'
            f'\n<meta name="ColumnName" content="政府信息公开年报">')
    body = (f'<div class="article"><h1>{report.title}</h1>\n<div class="info">发布时间：{report.year + 1}-01-15　'
            f'来源：{site.name}办公室</div>\n{report_body(report)}\n'
            f'<div class="tools">【<a href="javascript:window.print()">打印本页</a>】</div></div>')
    if depth:
        body = "<div>" * depth + body + "</div>" * depth
    return _chrome(site, report.title, body, charset=charset, extra_head=head)


def good_report(site: Site, path: str, year: int, attachments: tuple[str, ...] = ()) -> Report:
    return Report(path, f"{site.county}{year}年政府信息公开工作年度报告", year, report_paragraphs(site.county, year),
                  attachments)


@cache
def gzip_bomb() -> Path:
    """A gzip stream of 1.125 GiB of zeros (about 5 MB), made once into a temporary file."""
    path = Path(tempfile.gettempdir()) / f"govcrawl-gzip-bomb-{BOMB_INFLATED}.gz"
    if not path.exists():
        partial = path.with_suffix(".part")
        zeros = bytes(16 * 1024 * 1024)
        squeeze = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        with partial.open("wb") as out:
            for _ in range(BOMB_INFLATED // len(zeros)):
                out.write(squeeze.compress(zeros))
            out.write(squeeze.flush())
        partial.replace(path)
    return path


@cache
def attachment_pdf() -> bytes:
    return typeset("附件：政府信息公开申请情况统计表", ["附件：政府信息公开申请情况统计表", "本年新收申请12件。"])


ENTITY_BOMB = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE datastore [\n<!ENTITY lol "lol">\n'
               + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
                         for n in range(1, 10))
               + "]>\n")


def jcms_column(site: Site) -> str:
    """A Hanweb JCMS column whose datastore XML carries an entity bomb ahead of its records."""
    records = "".join(f'<record><![CDATA[<li><a href="{r.path}" title="{r.title}" target="_blank">{r.title}</a>'
                      f'<span>{r.year + 1}-01-15</span></li>]]></record>' for r in site.reports)
    xml = (f'{ENTITY_BOMB}<datastore><nextgroup><![CDATA[]]></nextgroup><recordset>{records}</recordset>'
           f'<totalrecord>&lol9;</totalrecord></datastore>')
    return _chrome(site, "政府信息公开年报", f'<div class="list"><h2>政府信息公开年报</h2><div id="44901">'
                                         f'<script type="text/xml">{xml}</script></div></div>')


def fault_world() -> list[Site]:
    """The sites of the world, each good report and fault on its own URL."""
    a = Site("faulty-a", "www.faulty-a.gov.cn", "甲县", faults={
        "/f/500.html": "status_500", "/f/503.html": "status_503", "/f/reset.html": "reset", "/f/reset-body.html": "reset_body",
        "/f/truncated.html": "truncated", "/f/trickle.html": "trickle"})
    a.reports = [good_report(a, "/zwgk/zfxxgknb/2023/a1.html", 2022), good_report(a, "/zwgk/zfxxgknb/2022/a2.html", 2021)]
    a.faults.update({"/zwgk/zfxxgknb/gbk-as-utf8.html": "gbk_as_utf8", "/zwgk/zfxxgknb/utf8-as-gbk.html": "utf8_as_gbk"})
    b = Site("faulty-b", "www.faulty-b.gov.cn", "乙县", faults={"/f/429.html": "retry_after"})
    b.reports = [good_report(b, f"/zwgk/zfxxgknb/{y + 1}/b{y}.html", y) for y in (2022, 2021, 2020)]
    hostile = ("/upload/passwd.pdf", "/upload/long.pdf", "/upload/nul.pdf", "/upload/rtl.pdf")
    c = Site("faulty-c", "www.faulty-c.gov.cn", "丙县", faults={
        "/f/bomb.html": "gzip_bomb", "/f/huge.html": "huge", "/f/huge-length.html": "huge_length",
        "/zwgk/zfxxgknb/deep.html": "deep"})
    c.reports = [good_report(c, "/zwgk/zfxxgknb/2023/c1.html", 2022, hostile),
                 good_report(c, "/zwgk/zfxxgknb/2022/c2.html", 2021, ("/upload/bomb.pdf",))]
    d = Site("faulty-d", "www.faulty-d.gov.cn", "丁县", faults={
        "/f/loop-a.html": "redirect_loop", "/f/chain-0.html": "redirect_chain", "/f/to-ip.html": "redirect_ip",
        "/f/to-localhost.html": "redirect_localhost", "/f/to-v6.html": "redirect_v6",
        "/f/refresh-ip.html": "refresh_ip", "/f/refresh-localhost.html": "refresh_localhost",
        "/f/refresh-v6.html": "refresh_v6", "/f/stall.html": "stall"})
    d.reports = [good_report(d, "/zwgk/zfxxgknb/2023/d1.html", 2022)]
    x = Site("faulty-x", "www.faulty-x.gov.cn", "戊县", template="hanweb_jcms")
    x.reports = [good_report(x, f"/art/{y + 1}/1/15/art_44901_{y}.html", y) for y in (2022, 2021)]
    stall = Site("stalled", "www.stalled.gov.cn", "己县", stalled=True)
    sites = [a, b, c, d, x, stall]
    for robots, county in (("junk", "庚县"), ("big", "辛县"), ("503", "壬县"), ("404", "癸县"), ("redirect", "子县"),
                           ("later", "丑县")):
        site = Site(f"robots-{robots}", f"www.robots-{robots}.gov.cn", county, robots=robots)
        site.reports = [good_report(site, f"/zwgk/zfxxgknb/{y + 1}/r{y}.html", y) for y in (2022, 2021)]
        if robots in ("big", "redirect"):  # a report behind the robots.txt rule: never fetched
            site.faults["/private/hidden.html"] = "disallowed"
        sites.append(site)
    return sites


def seeds_yaml(sites: list[Site]) -> str:
    lines = ["sites:"]
    for s in sites:
        lines += [f"  - id: {s.id}", f"    name: {s.name}", f"    region: 甘肃省测试市{s.county}",
                  f"    url: {s.url}", f"    template: {s.template}"]
    return "\n".join(lines) + "\n"


class _Stop(Exception):
    """The client went away: stop serving this request."""


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.0"  # bodies without Content-Length end at the close

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve()

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        host = parts.hostname or (self.headers.get("Host") or "").split(":")[0]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        entry = Served(time.monotonic(), self.command, host.lower(), target)
        self.entry = entry
        with self.server.lock:
            self.server.log.append(entry)
        try:
            self.server.route(self, entry)
        except (_Stop, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- writing ----------------------------------------------------------------------------------
    def head(self, status: int, fault: str, headers: dict[str, str] | None = None) -> None:
        self.entry.status, self.entry.fault = status, fault
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def body(self, data: bytes) -> None:
        self.wfile.write(data)
        self.entry.sent += len(data)

    def reply(self, status: int, fault: str, data: bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.head(status, fault, {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})})
        self.body(data)

    def client_gone(self, wait: float) -> bool:
        """Whether the client closed the connection, looking for ``wait`` seconds."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def stall(self) -> None:
        """Nothing more, until the client gives up or the server stops."""
        self.wfile.flush()
        while not self.server.stopping.is_set():
            if self.client_gone(0.2):
                raise _Stop

    def reset(self) -> None:
        """Abort the connection: an RST, not a FIN."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.wfile.close()
        self.rfile.close()
        self.connection.close()
        self.wfile = io.BytesIO()  # what http.server flushes after the handler
        raise _Stop


Route = Callable[[FaultHandler, Site, str], None]


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sites: list[Site], port: int = 0) -> None:
        super().__init__((LOOPBACK, port), FaultHandler)
        self.sites = {s.host: s for s in sites}
        self.log: list[Served] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.counts: dict[tuple[str, str], int] = {}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def start_background(self) -> FaultServer:
        gzip_bomb()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def requests(self, host: str) -> list[Served]:
        with self.lock:
            return [s for s in self.log if s.host == host]

    def _count(self, host: str, path: str) -> int:
        """How many times this path of this host was asked for, this time included."""
        with self.lock:
            n = self.counts[(host, path)] = self.counts.get((host, path), 0) + 1
        return n

    # -- routing ----------------------------------------------------------------------------------
    def route(self, h: FaultHandler, entry: Served) -> None:
        if entry.host in FORBIDDEN_HOSTS:
            h.reply(200, "forbidden", b"<html><body>a local service the crawl must never reach</body></html>")
            return
        site = self.sites.get(entry.host)
        if site is None:
            h.reply(502, "unknown", b"unknown host")
            return
        path = entry.path.split("?", 1)[0]
        if site.stalled:
            h.head(200, "stall", {"Content-Type": "text/html; charset=utf-8", "Content-Length": "5000"})
            h.stall()
        elif path == "/robots.txt" or path == "/robots-real.txt":
            self.robots(h, site, path)
        elif path in ("/", "/zwgk/index.html"):
            h.reply(200, "good", home_page(site).encode())
        elif path in (COLUMN, "/col/col44901/index.html"):
            page = jcms_column(site) if site.template == "hanweb_jcms" else column_page(site)
            h.reply(200, "good", page.encode())
        elif (report := next((r for r in site.reports if r.path == path), None)) is not None:
            h.reply(200, "good", report_page(site, report).encode())
        elif path.startswith("/upload/"):
            self.attachment(h, site, path)
        elif path.startswith("/f/chain-") or path == "/f/loop-b.html":
            self.fault(h, site, path, "redirect_chain" if "chain" in path else "redirect_loop")
        elif (fault := site.faults.get(path)) is not None:
            self.fault(h, site, path, fault)
        else:
            h.reply(404, "missing", b"<html><body>404 Not Found</body></html>")

    def robots(self, h: FaultHandler, site: Site, path: str) -> None:
        plain = b"User-agent: *\nDisallow: /admin/\nDisallow: /private/\n"
        kind = site.robots
        if kind == "plain":
            h.reply(200, "robots", plain, "text/plain")
        elif kind == "junk":
            junk = bytes(range(256)) * 8 + b"\x00\xff\xfe<html>\x1b[31m" * 64
            h.reply(200, "robots_junk", junk, "text/plain")
        elif kind == "big":
            # Rules first, 600 KiB of comment, then a rule past the 500 KiB a crawler must parse.
            line = b"# " + b"x" * 1021 + b"\n"
            h.head(200, "robots_big", {"Content-Type": "text/plain",
                                       "Content-Length": str(len(plain) + ROBOTS_PADDING + 18)})
            h.body(plain)
            for _ in range(ROBOTS_PADDING // len(line)):
                h.body(line)
            h.body(b"Disallow: /late/\n\n")
        elif kind == "503" or (kind == "later" and self._count(site.host, path) <= 3):
            h.reply(503, "robots_503", b"Service Unavailable", "text/plain")
        elif kind == "404":
            h.reply(404, "robots_404", b"<html><body>404</body></html>")
        elif kind == "redirect" and path == "/robots.txt":
            h.reply(301, "robots_redirect", b"", headers={"Location": f"http://{site.host}/robots-real.txt"})
        else:  # the redirect's target, and a later robots.txt once it came back
            h.reply(200, "robots", plain, "text/plain")

    def attachment(self, h: FaultHandler, site: Site, path: str) -> None:
        names = {"/upload/passwd.pdf": 'attachment; filename="../../../../etc/passwd.pdf"',
                 "/upload/long.pdf": "attachment; filename*=UTF-8''" + quote("政府信息公开年度报告附件" * 40 + ".pdf"),
                 "/upload/nul.pdf": "attachment; filename*=UTF-8''" + quote("../\x00evil.pdf"),
                 "/upload/rtl.pdf": "attachment; filename*=UTF-8''" + quote("report\u202efdp.exe")}
        if path == "/upload/bomb.pdf":
            self.stream_bomb(h, "application/pdf", "attachment_bomb")
        elif path in names:
            h.reply(200, "hostile_name", attachment_pdf(), "application/pdf", {"Content-Disposition": names[path]})
        else:
            h.reply(404, "missing", b"404")

    def stream_bomb(self, h: FaultHandler, content_type: str, fault: str) -> None:
        bomb = gzip_bomb()
        h.head(200, fault, {"Content-Type": content_type, "Content-Encoding": "gzip",
                            "Content-Length": str(bomb.stat().st_size)})
        with bomb.open("rb") as source:
            while chunk := source.read(CHUNK):
                h.body(chunk)

    def fault(self, h: FaultHandler, site: Site, path: str, fault: str) -> None:
        good = Report(path, "", 2000, report_paragraphs(site.county, 2000 + len(path)))
        page = report_page(site, good)
        if fault == "status_500":
            h.reply(500, fault, b"<html><body>500 Internal Server Error</body></html>")
        elif fault == "status_503":
            h.reply(503, fault, b"<html><body>503 Service Unavailable</body></html>")
        elif fault == "retry_after":
            if self._count(site.host, path) == 1:
                h.reply(429, fault, b"<html><body>429 Too Many Requests</body></html>", headers={"Retry-After": "2"})
            else:
                h.reply(200, "good", report_page(site, fault_report(site, path)).encode())
        elif fault == "reset":  # the request read, then an RST instead of an answer
            h.entry.fault = fault
            h.reset()
        elif fault == "reset_body":  # half the announced body, then an RST
            data = page.encode()
            h.head(200, fault, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(data))})
            h.body(data[: len(data) // 2])
            h.reset()
        elif fault == "truncated":
            data = page.encode()
            h.head(200, fault, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(data) * 4)})
            h.body(data)
            h.close_connection = True
        elif fault in ("stall", "trickle"):
            data = page.encode()
            h.head(200, fault, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(data))})
            if fault == "stall":
                h.stall()
            for byte in data:
                h.body(bytes([byte]))
                h.wfile.flush()
                if self.stopping.is_set() or h.client_gone(1.0):
                    raise _Stop
        elif fault in ("gbk_as_utf8", "utf8_as_gbk"):
            declared, encoding = ("utf-8", "gbk") if fault == "gbk_as_utf8" else ("gbk", "utf-8")
            data = report_page(site, fault_report(site, path), charset=declared).encode(encoding)
            h.reply(200, "good", data, f"text/html; charset={declared}")
        elif fault == "gzip_bomb":
            self.stream_bomb(h, "text/html; charset=utf-8", fault)
        elif fault in ("huge", "huge_length"):
            line = ("<p>" + "政府信息公开" * 100 + "</p>\n").encode()
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if fault == "huge_length":
                headers["Content-Length"] = str(HUGE // len(line) * len(line))
            h.head(200, fault, headers)
            for _ in range(HUGE // len(line)):
                h.body(line)
        elif fault == "deep":
            h.reply(200, "good", report_page(site, fault_report(site, path), depth=NESTING).encode())
        elif fault == "redirect_loop":
            to = "/f/loop-b.html" if path == "/f/loop-a.html" else "/f/loop-a.html"
            h.reply(302, fault, b"", headers={"Location": to})
        elif fault == "redirect_chain":
            n = int(path.removeprefix("/f/chain-").removesuffix(".html"))
            if n < 7:
                h.reply(302, fault, b"", headers={"Location": f"/f/chain-{n + 1}.html"})
            else:
                h.reply(200, fault, page.encode())
        elif fault.startswith(("redirect_", "refresh_")):
            target = {"ip": "http://127.0.0.9/", "localhost": "http://localhost/admin/",
                      "v6": "http://[::1]/"}[fault.split("_", 1)[1]]
            if fault.startswith("redirect_"):
                h.reply(302, fault, b"", headers={"Location": target})
            else:
                refresh = f'<meta http-equiv="refresh" content="0;url={target}">'
                h.reply(200, fault, f"<html><head>{refresh}</head><body>页面跳转中</body></html>".encode())
        elif fault == "disallowed":
            h.reply(200, fault, page.encode())
        else:
            raise AssertionError(f"no such fault: {fault}")


GOOD_FAULTS = frozenset({"gbk_as_utf8", "utf8_as_gbk", "deep", "retry_after"})  # a good report behind the fault


def fault_report(site: Site, path: str) -> Report:
    """The good report a fault URL serves (after its fault, or through it)."""
    return good_report(site, path, next(y for p, _, y in column_entries(site) if p == path))


def served_reports(site: Site) -> list[Report]:
    """Every good report a crawl of the site must store: its reports and those served on its fault URLs."""
    return [*site.reports, *(fault_report(site, p) for p, f in site.faults.items() if f in GOOD_FAULTS)]
