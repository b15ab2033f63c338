"""No private or local targets: the rule on URLs (every numeric form, local names, schemes), the resolver on a
name this machine resolves to loopback, and crawls of a portal whose links, redirects, meta refresh and
attachment point at loopback, private addresses and local names — through the replay proxy, and directly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.replay import ReplayServer, ReplayWorld
from crawler.targets import refusal
from tests.conftest import ROOT, put

LOOPBACK = "127.0.0.1 is a loopback address"


@pytest.mark.parametrize(("url", "reason"), [
    # public names and addresses, any port, path, case or credentials
    ("http://www.yongchang.gov.cn/", None),
    ("https://www.gov.cn/zhengce/index.htm", None),
    ("HTTP://WWW.WEIHAI.GOV.CN:8080/xxgk/", None),
    ("http://8.8.8.8/", None),
    ("http://[2001:4860:4860::8888]/", None),
    ("http://1.2.3.com/", None),  # a name whose last label is not a number
    ("http://localhost.gov.cn/", None),  # only names *under* a local suffix are local
    ("http://0x7f.example.gov.cn/", None),
    # loopback, in every form a resolver or a browser reads as a number
    ("http://127.0.0.1/", LOOPBACK),
    ("http://127.0.0.9:8080/x.html", "127.0.0.9 is a loopback address"),
    ("http://127.1/", LOOPBACK),
    ("http://0x7f.1/", LOOPBACK),
    ("http://2130706433/", LOOPBACK),
    ("http://017700000001/", LOOPBACK),
    ("http://0x7f000001/", LOOPBACK),
    ("http://127.0.0.1./", LOOPBACK),
    ("http://１２７．０．０．１/", LOOPBACK),  # full-width digits and dots
    ("http://127。0。0。1/", LOOPBACK),  # ideographic full stops
    ("http://www.gov.cn@127.0.0.1/", LOOPBACK),  # credentials before the real host
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 (IPv4 127.0.0.1) is a loopback address"),
    ("http://[2002:7f00:1::]/", "2002:7f00:1:: (IPv4 127.0.0.1) is a loopback address"),
    # private, link-local, multicast, reserved, unspecified, shared
    ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address"),
    ("http://192.168.1.1/admin", "192.168.1.1 is a private address"),
    ("http://0xc0.0xa8.1.1/", "192.168.1.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1%25eth0]/", "fe80::1%eth0 is a link-local address"),
    ("http://[fc00::1]/", "fc00::1 is a private address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://[ff02::1]/", "ff02::1 is a multicast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("http://[::ffff:8.8.8.8]/", "::ffff:808:808 is a reserved address"),  # a mapped address is no site's
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("http://0/", "0.0.0.0 is an unspecified address"),
    ("http://[::]/", ":: is an unspecified address"),
    ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),
    ("http://1.2.3.4.5/", "'1.2.3.4.5' is neither a name nor an IPv4 address"),
    ("http://256.0.0.1/", "'256.0.0.1' is neither a name nor an IPv4 address"),
    # local names (crawler/data/private_names.yaml)
    ("http://localhost/", "localhost is a local name"),
    ("http://LocalHost.:8000/", "localhost is a local name"),
    ("http://%6c%6fcalhost/", "localhost is a local name"),
    ("http://api.localhost/", "api.localhost is a local name"),
    ("http://intranet.local/", "intranet.local is a local name"),
    ("http://oa.gov.internal/", "oa.gov.internal is a local name"),
    ("http://vm.localdomain/", "vm.localdomain is a local name"),
    ("http://router.home.arpa/", "router.home.arpa is a local name"),
    ("http://ip6-localhost/", "ip6-localhost is a local name"),
    # schemes and malformed URLs
    ("file:///etc/passwd", "file scheme: only http and https are fetched"),
    ("ftp://ftp.yongchang.gov.cn/nb.pdf", "ftp scheme: only http and https are fetched"),
    ("javascript:void(0)", "javascript scheme: only http and https are fetched"),
    ("data:text/html,<h1>x</h1>", "data scheme: only http and https are fetched"),
    ("mailto:gk@yongchang.gov.cn", "mailto scheme: only http and https are fetched"),
    ("//www.gov.cn/", "no scheme: only http and https are fetched"),
    ("http:///index.html", "no host"),
    ("http://[::1/", "not a valid URL: Invalid IPv6 URL"),
])
def test_refusal(url: str, reason: str | None) -> None:
    assert refusal(url) == reason


RESOLVE = """
import sys
from twisted.internet import reactor
from crawler.targets import PrivateAddressResolver

name, allow, exempt = sys.argv[1], sys.argv[2] == "allow", frozenset(sys.argv[3:])
resolver = PrivateAddressResolver(reactor, 100, 10.0, allow_private=allow, exempt=exempt)
found = resolver.getHostByName(name)
found.addCallbacks(lambda address: print("address", address),
                   lambda failure: print(type(failure.value).__name__, failure.value.kind, failure.value.reason))
found.addBoth(lambda _: reactor.stop())
reactor.run()
"""


def loopback_name() -> str:
    """A name this machine resolves to a loopback address without DNS (its own host name, from /etc/hosts)."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip(f"this machine's host name {name!r} does not resolve without DNS")
    if not address.startswith("127.") or refusal(f"http://{name}/") is not None:
        pytest.skip(f"this machine's host name {name!r} resolves to {address}, not loopback, or is a local name")
    return name


def resolve(*args: str) -> str:
    result = subprocess.run([sys.executable, "-c", RESOLVE, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_resolver_refuses_a_name_for_loopback() -> None:
    name = loopback_name()
    address = socket.gethostbyname(name)
    assert resolve(name, "deny") == f"PrivateAddress refused_target {name} resolves to {address}, a loopback address"
    assert resolve(name, "allow") == f"address {address}"
    assert resolve(name, "deny", name) == f"address {address}"  # a proxy's own name is never refused


# -- crawls ---------------------------------------------------------------------------------------------------
HOST = "www.portal.gov.cn"
SITE = f"http://{HOST}"
COLUMN = "/zwgk/zfxxgknb/"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="PubDate" content="{date}">{head}
<title>{title}_示范县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div><h1>{title}</h1>
<div class="TRS_Editor">{body}</div>
<div class="footer">版权所有：示范县人民政府 示ICP备05000002号</div></body></html>"""
GOOD = {2019: f"{COLUMN}202001/t20200115_101.html", 2020: f"{COLUMN}202101/t20210120_102.html"}
# year → (list entry on the site, the private target it redirects to)
REDIRECTS = {
    2018: (f"{COLUMN}201901/t20190118_88.html", "http://127.0.0.9/nb2018.html"),
    2017: (f"{COLUMN}201801/t20180125_77.html", "http://localhost/nb2017.html"),
    2016: (f"{COLUMN}201701/t20170120_55.html", "http://[::1]/nb2016.html"),
    2015: (f"{COLUMN}201601/t20160122_30.html", "http://intranet.local/nb2015.html"),
}
REFRESH = (2014, f"{COLUMN}201501/t20150121_20.html", "http://127.0.0.9/nb2014.html")
LINKED = ["http://127.0.0.9/a.html", "http://localhost/b.html", "http://[::1]/c.html", "http://intranet.local/d.html"]
FORBIDDEN = {"127.0.0.9", "localhost", "::1", "intranet.local", "127.0.0.1"}


def title(year: int) -> str:
    return f"示范县{year}年政府信息公开工作年度报告"


def report_body(year: int) -> str:
    return "".join(f"<p>{line}</p>" for line in [
        f"本报告依据《中华人民共和国政府信息公开条例》编制，统计期限自{year}年1月1日起至{year}年12月31日止。",
        "一、总体情况",
        f"{year}年，示范县坚持以公开为常态、不公开为例外，全年主动公开政府信息{1000 + year}条。",
        "二、收到和处理政府信息公开申请情况",
        f"全年共收到政府信息公开申请{year - 1990}件，已全部按期办结。",
        "三、存在的主要问题及改进情况",
        "部分单位公开信息不够及时，下一步将加强业务培训，完善考核机制。",
        "示范县人民政府办公室",
    ])


def run_crawl(seeds: Path, db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds), "--db", str(db),
                           "--delay", "0", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayServer]:
    """A loopback server an attachment link names directly (http://127.0.0.1:PORT/...): nothing may reach it."""
    server = ReplayServer(ReplayWorld(tmp_path_factory.mktemp("direct"))).start_background()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, direct: ReplayServer) -> Path:
    root = tmp_path_factory.mktemp("private-world")
    put(root, HOST, "robots.txt", "User-agent: *\nAllow: /\n")
    links = "".join(f'<a href="{url}">内网链接</a>' for url in LINKED)
    put(root, HOST, "index.html", PAGE.format(date="", head="", title="首页",
                                              body=f'<a href="/zwgk/index.html">政务公开</a>{links}'))
    put(root, HOST, "zwgk/index.html", PAGE.format(date="", head="", title="政务公开",
                                                   body=f'<a href="{COLUMN}index.html">政府信息公开年报</a>'))
    listed = {**GOOD, **{year: path for year, (path, _) in REDIRECTS.items()}, REFRESH[0]: REFRESH[1]}
    entries = "".join(f'<li><a href="{path}">{title(year)}</a><span>{year + 1}-01-20</span></li>'
                      for year, path in sorted(listed.items(), reverse=True))
    put(root, HOST, f"{COLUMN}index.html", PAGE.format(date="", head="", title="政府信息公开年报",
                                                       body=f"<ul>{entries}{links}</ul>"))
    attachment = f"{direct.url}/files/nb2019.pdf"
    put(root, HOST, GOOD[2019], PAGE.format(date="2020-01-15", head="", title=title(2019), body=report_body(2019)
                                            + f'<p>附件：<a href="{attachment}">{title(2019)}.pdf</a></p>'))
    put(root, HOST, GOOD[2020], PAGE.format(date="2021-01-20", head="", title=title(2020), body=report_body(2020)))
    put(root, HOST, REFRESH[1], PAGE.format(date="2015-01-21", title=title(REFRESH[0]), body="<p>页面已迁移。</p>",
                                            head=f'<meta http-equiv="refresh" content="0; url={REFRESH[2]}">'))
    routes = "".join(f"  '{path}': {{status: 302, headers: {{Location: '{target}'}}}}\n"
                     for path, target in REDIRECTS.values())
    (root / HOST / "_replay.yaml").write_text(f"routes:\n{routes}", "utf-8")
    # what the private targets would serve, were they asked (with --allow-private)
    put(root, "intranet.local", "robots.txt", "User-agent: *\nAllow: /\n")
    put(root, "intranet.local", "nb2015.html", PAGE.format(date="2016-01-22", head="", title=title(2015),
                                                           body=report_body(2015)))
    return root


SEED = ("- {id: portal, name: 示范县人民政府, region: 示范省示范县, url: 'http://www.portal.gov.cn/', "
        "template: generic%s}\n")


@pytest.fixture(scope="module")
def crawl(world: Path, direct: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    server = ReplayServer(ReplayWorld(world)).start_background()
    folder = tmp_path_factory.mktemp("private-crawl")
    seeds = folder / "s.yaml"
    seeds.write_text(SEED % "", "utf-8")
    try:
        result = run_crawl(seeds, folder / "c.db", "--proxy", server.url)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    return {"db": Database(folder / "c.db"), "requests": list(server.requests), "direct": list(direct.requests),
            "log": (folder / "c.log").read_text("utf-8")}


def test_nothing_private_reaches_the_proxy_or_the_machine(crawl: dict) -> None:
    asked = {(r.host, r.target) for r in crawl["requests"]}
    assert {host for host, _ in asked} == {HOST}, asked
    assert not crawl["direct"]  # the attachment's loopback server saw nothing
    assert not FORBIDDEN & {r.host for r in crawl["requests"]}
    for path, _ in REDIRECTS.values():  # the redirecting entries were asked; their targets were not
        assert (HOST, path) in asked
    assert (HOST, REFRESH[1]) in asked


def test_each_refusal_is_one_errors_row(crawl: dict, direct: ReplayServer) -> None:
    rows = sorted((r["url"], r["kind"], r["site_id"], r["reason"]) for r in crawl["db"]["errors"].rows)
    expected = sorted([
        *[(SITE + path, "refused_target", "portal", f"redirect from {SITE + path} to {target}: {reason}")
          for path, target, reason in [
              (REDIRECTS[2018][0], REDIRECTS[2018][1], "127.0.0.9 is a loopback address"),
              (REDIRECTS[2017][0], REDIRECTS[2017][1], "localhost is a local name"),
              (REDIRECTS[2016][0], REDIRECTS[2016][1], "::1 is a loopback address"),
              (REDIRECTS[2015][0], REDIRECTS[2015][1], "intranet.local is a local name"),
              (REFRESH[1], REFRESH[2], "127.0.0.9 is a loopback address")]],
        (f"{direct.url}/files/nb2019.pdf", "refused_target", "portal", f"attachment: {LOOPBACK}"),
    ])
    assert rows == expected
    assert "Traceback" not in crawl["log"]


def test_good_reports_are_stored_and_the_refused_attachment_recorded(crawl: dict, direct: ReplayServer) -> None:
    db = crawl["db"]
    assert sorted((r["report_year"], r["url"]) for r in db["reports"].rows) == [
        (year, SITE + path) for year, path in sorted(GOOD.items())]
    [file] = db["attachment_files"].rows
    assert (file["url"], file["status"], file["sha256"]) == (f"{direct.url}/files/nb2019.pdf", "refused_target", None)


def test_allow_private_fetches_the_same_target(world: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "s.yaml"
    seeds.write_text(SEED % ", allowed_domains: [portal.gov.cn, intranet.local]", "utf-8")
    refused = run_crawl(seeds, tmp_path / "refused.db", "--proxy", "http://127.0.0.1:9")
    assert refused.returncode == 2
    assert (f"error: {seeds}: entry 1 (id 'portal'): field 'allowed_domains': private or local target: "
            "intranet.local is a local name (--allow-private crawls it)") in refused.stderr
    assert not (tmp_path / "refused.db").exists()
    server = ReplayServer(ReplayWorld(world)).start_background()
    try:
        result = run_crawl(seeds, tmp_path / "c.db", "--proxy", server.url, "--allow-private")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert ("intranet.local", "/nb2015.html") in {(r.host, r.target) for r in server.requests}
    db = Database(tmp_path / "c.db")
    assert "http://intranet.local/nb2015.html" in {r["url"] for r in db["pages"].rows}
    assert not [r for r in db["errors"].rows if r["kind"] == "refused_target"]


def test_a_name_resolving_to_loopback_is_refused_without_a_proxy(tmp_path: Path) -> None:
    """No proxy: the crawl resolves names itself, and this machine's own name (loopback) is refused before even
    its robots.txt is asked; with --allow-private it is crawled."""
    name = loopback_name()
    root = tmp_path / "world"
    put(root, name, "index.html", PAGE.format(date="", head="", title="首页", body="<p>本机</p>"))
    server = ReplayServer(ReplayWorld(root)).start_background()
    port = server.server_address[1]
    seeds = tmp_path / "s.yaml"
    seeds.write_text(f"- {{id: own, name: 本机, region: 本机, url: 'http://{name}:{port}/', template: generic}}\n",
                     "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    try:
        refused = run_crawl(seeds, tmp_path / "c.db", env=env)
        assert refused.returncode == 3, refused.stderr[-3000:]  # its one site failed (README: Runs)
        assert not server.requests
        rows = [(r["url"], r["kind"], r["site_id"], r["reason"]) for r in Database(tmp_path / "c.db")["errors"].rows]
        address = socket.gethostbyname(name)
        assert rows == [(f"http://{name}:{port}/", "refused_target", "own",
                         f"{name} resolves to {address}, a loopback address")]
        allowed = run_crawl(seeds, tmp_path / "allowed.db", "--allow-private", env=env)
        assert allowed.returncode == 0, allowed.stderr[-3000:]
        assert [(r.host, r.target) for r in server.requests][:2] == [(name, "/robots.txt"), (name, "/")]
    finally:
        server.stop()
