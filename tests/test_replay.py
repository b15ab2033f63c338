from __future__ import annotations

import http.client
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.replay import ReplayConfigError, ReplayServer, ReplayWorld
from tests.conftest import ROOT

PAGE = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>铁岭市</body></html>'


@pytest.fixture
def world(tmp_path: Path) -> Path:
    host = tmp_path / "www.example.gov.cn"
    (host / "col" / "col1").mkdir(parents=True)
    (host / "index.html").write_text("<html><body>首页</body></html>", "utf-8")
    (host / "col" / "col1" / "index.html").write_text("<html><body>第一页</body></html>", "utf-8")
    (host / "col" / "col1" / "page2.html").write_text("<html><body>第二页</body></html>", "utf-8")
    (host / "_replay.yaml").write_text(
        "routes:\n"
        "  '/col/col1/index.html?uid=7&pageNum=2': {file: col/col1/page2.html}\n"
        "  '/search?q=年报': {body: '<p>检索</p>', headers: {Content-Type: 'text/html; charset=utf-8'}}\n"
        "  '/old/': {status: 302, headers: {Location: /col/col1/index.html}}\n"
        "  '/broken.html': {status: 500}\n"
        "  '/slow.html': {delay: 0.25, file: index.html}\n"
        "  '/trap/*': {file: col/col1/index.html}\n", "utf-8")
    gbk = tmp_path / "www.gbk.gov.cn"
    gbk.mkdir()
    (gbk / "index.html").write_text(PAGE, "utf-8")
    (gbk / "_replay.yaml").write_text(
        "serve_encoding: gbk\nroutes:\n"
        "  '/hdr.html': {file: index.html, headers: {Content-Type: 'text/html; charset=GBK'}}\n", "utf-8")
    return tmp_path


@pytest.fixture
def server(world: Path) -> Iterator[ReplayServer]:
    srv = ReplayServer(ReplayWorld(world)).start_background()
    yield srv
    srv.stop()


def get(server: ReplayServer, target: str, host: str | None = None, method: str = "GET") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    headers = {"Host": host} if host else {}
    conn.request(method, target, headers=headers)
    return conn.getresponse()


def test_binds_loopback_only(server: ReplayServer) -> None:
    assert server.server_address[0] == "127.0.0.1"


def test_proxy_and_host_header_modes_serve_the_same_file(server: ReplayServer) -> None:
    proxied = get(server, "http://www.example.gov.cn/col/col1/index.html")
    by_host = get(server, "/col/col1/index.html", host="www.example.gov.cn:80")
    assert proxied.status == by_host.status == 200
    assert proxied.read() == by_host.read() == "<html><body>第一页</body></html>".encode()
    assert proxied.getheader("Content-Type") == "text/html"


def test_folder_url_serves_index(server: ReplayServer) -> None:
    assert "首页".encode() in get(server, "http://www.example.gov.cn/").read()


def test_query_string_routes_plain_or_percent_encoded(server: ReplayServer) -> None:
    assert "第二页".encode() in get(server, "http://www.example.gov.cn/col/col1/index.html?uid=7&pageNum=2").read()
    encoded = get(server, "http://www.example.gov.cn/search?q=%E5%B9%B4%E6%8A%A5")
    assert encoded.status == 200 and "检索".encode() in encoded.read()
    assert get(server, "http://www.example.gov.cn/col/col1/index.html?uid=7&pageNum=9").status == 404


def test_prefix_route_answers_any_sub_path(server: ReplayServer) -> None:
    deep = get(server, "http://www.example.gov.cn/trap/sub/sub/sub/index.html?day=2020-01-02")
    assert deep.status == 200 and "第一页".encode() in deep.read()
    assert get(server, "http://www.example.gov.cn/trapdoor.html").status == 404


def test_redirect_error_and_delay(server: ReplayServer, world: Path) -> None:
    moved = get(server, "http://www.example.gov.cn/old/")
    assert moved.status == 302 and moved.getheader("Location") == "/col/col1/index.html"
    assert get(server, "http://www.example.gov.cn/broken.html").status == 500
    assert ReplayWorld(world).reply("www.example.gov.cn", "/slow.html").delay == 0.25


def test_gbk_portal_is_served_as_gbk_bytes(server: ReplayServer) -> None:
    plain = get(server, "http://www.gbk.gov.cn/")
    assert plain.getheader("Content-Type") == "text/html"  # the client must read the meta tag
    assert plain.read() == PAGE.encode("gbk")
    with_header = get(server, "http://www.gbk.gov.cn/hdr.html")
    assert with_header.getheader("Content-Type") == "text/html; charset=GBK"
    assert with_header.read() == PAGE.encode("gbk")


def test_never_leaves_the_saved_world(server: ReplayServer) -> None:
    unknown = get(server, "http://www.google.com/")
    assert unknown.status == 502 and b"not in the saved world" in unknown.read()
    assert get(server, "http://www.example.gov.cn/../../etc/passwd").status == 404
    assert get(server, "http://www.example.gov.cn/_replay.yaml").status == 404
    assert get(server, "www.example.gov.cn:443", method="CONNECT").status == 501


def test_requests_are_logged(server: ReplayServer) -> None:
    get(server, "http://www.example.gov.cn/col/col1/index.html?uid=7&pageNum=2").read()
    assert ("GET", "www.example.gov.cn", "/col/col1/index.html?uid=7&pageNum=2") in [
        (seen.method, seen.host, seen.target) for seen in server.requests]


def test_bad_config_is_named(tmp_path: Path) -> None:
    host = tmp_path / "a.gov.cn"
    host.mkdir()
    (host / "_replay.yaml").write_text("routes:\n  /x: {stauts: 500}\n", "utf-8")
    with pytest.raises(ReplayConfigError, match=r"_replay.yaml: route '/x'"):
        ReplayWorld(tmp_path).reply("a.gov.cn", "/x")


def test_serve_command(world: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "serve", str(world), "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()
        assert "replaying 2 hosts" in first
        port = int(first.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "http://www.example.gov.cn/")
        assert "首页".encode() in conn.getresponse().read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
