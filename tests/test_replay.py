from __future__ import annotations

import hashlib
import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.replay import ReplayConfigError, ReplayServer, ReplayWorld, Seen
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
        "  '/trap/*': {file: col/col1/index.html}\n"
        "  '/pinned.html': {file: index.html, last_modified: 'Wed, 21 Jan 2015 08:00:00 GMT',"
        " headers: {Cache-Control: max-age=60, Expires: 'Thu, 22 Jan 2015 08:00:00 GMT'}}\n"
        "  '/dated.html': {file: index.html, last_modified: 2015-01-21}\n"
        "  '/tagged.html': {file: index.html, etag: 'W/\"v7\"'}\n"
        "  '/bare.html': {file: index.html, etag: none, last_modified: none}\n", "utf-8")
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


def get(server: ReplayServer, target: str, host: str | None = None, method: str = "GET",
        **conditions: str) -> http.client.HTTPResponse:
    """One request; ``if_none_match=...`` / ``if_modified_since=...`` send those headers."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    headers = {"Host": host} if host else {}
    headers |= {name.replace("_", "-").title(): value for name, value in conditions.items()}
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


# Conditional GETs (issue 11): validators on every saved 200, 304 per RFC 9110 §13.
INDEX = "http://www.example.gov.cn/index.html"
SAVED_AT = 1421827200  # Wed, 21 Jan 2015 08:00:00 GMT


def sha_tag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()[:20]}"'


def validator(response: http.client.HTTPResponse, name: str = "ETag") -> str:
    value = response.getheader(name)
    assert value is not None, f"no {name} header"
    return value


def saved_at(world: Path, seconds: int = SAVED_AT) -> None:
    os.utime(world / "www.example.gov.cn" / "index.html", (seconds, seconds))


def test_etag_follows_the_bytes_served_and_survives_a_restart(server: ReplayServer, world: Path) -> None:
    saved_at(world)
    first = get(server, INDEX)
    body, etag = first.read(), first.getheader("ETag")
    assert etag == sha_tag(body) and not etag.startswith("W/")
    assert first.getheader("Last-Modified") == "Wed, 21 Jan 2015 08:00:00 GMT"  # the file's mtime
    assert get(server, "/index.html", host="www.example.gov.cn").getheader("ETag") == etag
    assert get(server, "http://www.example.gov.cn/col/col1/page2.html").getheader("ETag") not in (etag, None)
    again = ReplayServer(ReplayWorld(world)).start_background()
    try:
        assert get(again, INDEX).getheader("ETag") == etag
    finally:
        again.stop()
    gbk = get(server, "http://www.gbk.gov.cn/hdr.html")  # transcoded: the tag of the GBK bytes on the wire
    assert gbk.getheader("ETag") == sha_tag(PAGE.encode("gbk")) == sha_tag(gbk.read())
    assert get(server, "http://www.gbk.gov.cn/hdr.html", if_none_match=sha_tag(PAGE.encode("gbk"))).status == 304


def test_if_none_match_single_list_star_and_weak(server: ReplayServer) -> None:
    etag = validator(get(server, INDEX))
    hit = get(server, INDEX, if_none_match=etag)
    assert hit.status == 304 and hit.read() == b"" and hit.getheader("Content-Length") is None
    assert hit.getheader("ETag") == etag and hit.getheader("Last-Modified") is not None
    assert hit.getheader("Content-Type") is None
    assert get(server, INDEX, if_none_match=f'"0000", W/"x,y", {etag}').status == 304
    assert get(server, INDEX, if_none_match="*").status == 304
    assert get(server, INDEX, if_none_match=f"W/{etag}").status == 304  # weak comparison
    miss = get(server, INDEX, if_none_match='"0000", "1111"')
    assert miss.status == 200 and "首页".encode() in miss.read()
    assert get(server, INDEX, if_none_match=etag.strip('"')).status == 200  # unquoted: no entity tag


def test_if_modified_since(server: ReplayServer, world: Path) -> None:
    saved_at(world)
    assert get(server, INDEX, if_modified_since="Wed, 21 Jan 2015 08:00:00 GMT").status == 304  # equal
    assert get(server, INDEX, if_modified_since="Thu, 22 Jan 2015 00:00:00 GMT").status == 304  # later
    assert get(server, INDEX, if_modified_since="Wednesday, 21-Jan-15 08:00:00 GMT").status == 304  # RFC 850
    assert get(server, INDEX, if_modified_since="Wed Jan 21 08:00:00 2015").status == 304  # asctime
    earlier = get(server, INDEX, if_modified_since="Wed, 21 Jan 2015 07:59:59 GMT")
    assert earlier.status == 200 and "首页".encode() in earlier.read()
    for malformed in ("yesterday", "2015-01-22", "Wed, 32 Jan 2015 08:00:00 GMT",
                      "Thu, 22 Jan 2015 00:00:00 GMT, Fri, 23 Jan 2015 00:00:00 GMT"):
        assert get(server, INDEX, if_modified_since=malformed).status == 200, malformed


def test_if_none_match_takes_precedence_over_if_modified_since(server: ReplayServer, world: Path) -> None:
    saved_at(world)
    etag = validator(get(server, INDEX))
    later, earlier = "Thu, 22 Jan 2015 00:00:00 GMT", "Tue, 20 Jan 2015 00:00:00 GMT"
    assert get(server, INDEX, if_none_match='"0000"', if_modified_since=later).status == 200
    assert get(server, INDEX, if_none_match=etag, if_modified_since=earlier).status == 304


def test_head_and_other_methods(server: ReplayServer) -> None:
    full = get(server, INDEX, method="HEAD")
    etag = validator(full)
    assert full.status == 200 and etag == get(server, INDEX).getheader("ETag")
    assert get(server, INDEX, method="HEAD", if_none_match=etag).status == 304
    assert get(server, INDEX, method="POST", if_none_match=etag).status == 412  # RFC 9110 §13.2.2 step 3
    assert get(server, INDEX, method="POST", if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT").status == 200


def test_route_validators_pinned_custom_or_none(server: ReplayServer) -> None:
    pinned = get(server, "http://www.example.gov.cn/pinned.html", if_modified_since="Wed, 21 Jan 2015 08:00:00 GMT")
    assert pinned.status == 304 and pinned.getheader("Last-Modified") == "Wed, 21 Jan 2015 08:00:00 GMT"
    assert pinned.getheader("Cache-Control") == "max-age=60"
    assert pinned.getheader("Expires") == "Thu, 22 Jan 2015 08:00:00 GMT"
    dated = get(server, "http://www.example.gov.cn/dated.html")
    assert dated.getheader("Last-Modified") == "Wed, 21 Jan 2015 00:00:00 GMT"
    tagged = get(server, "http://www.example.gov.cn/tagged.html")
    assert tagged.getheader("ETag") == 'W/"v7"'
    assert get(server, "http://www.example.gov.cn/tagged.html", if_none_match='"v7"').status == 304
    bare = get(server, "http://www.example.gov.cn/bare.html")
    body = bare.read()
    assert bare.status == 200 and bare.getheader("ETag") is None and bare.getheader("Last-Modified") is None
    for conditions in ({"if_none_match": sha_tag(body)}, {"if_modified_since": "Fri, 01 Jan 2100 00:00:00 GMT"},
                       {"if_none_match": sha_tag(body), "if_modified_since": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        assert get(server, "http://www.example.gov.cn/bare.html", **conditions).status == 200, conditions


def test_redirects_errors_and_missing_pages_are_never_revalidated(server: ReplayServer) -> None:
    for target, status in (("/old/", 302), ("/broken.html", 500), ("/nowhere.html", 404)):
        plain = get(server, f"http://www.example.gov.cn{target}")
        assert plain.status == status and plain.getheader("ETag") is None, target
        conditional = get(server, f"http://www.example.gov.cn{target}", if_none_match="*",
                          if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT")
        assert conditional.status == status, target


def test_a_page_written_anew_gets_a_new_etag_and_a_200(server: ReplayServer, world: Path) -> None:
    saved_at(world)
    old = get(server, INDEX)
    old_tag, old_date = validator(old), validator(old, "Last-Modified")
    (world / "www.example.gov.cn" / "index.html").write_text("<html><body>首页（更新）</body></html>", "utf-8")
    changed = get(server, INDEX, if_none_match=old_tag)
    assert changed.status == 200 and "更新".encode() in changed.read()
    assert changed.getheader("ETag") not in (old_tag, None)
    assert get(server, INDEX, if_modified_since=old_date).status == 200  # the new mtime is later
    assert get(server, INDEX, if_none_match=validator(changed)).status == 304


def test_log_records_conditional_headers_and_status(server: ReplayServer) -> None:
    assert Seen._fields[:6] == ("method", "host", "target", "at", "agent", "accept")
    etag = validator(get(server, INDEX))
    get(server, INDEX, if_none_match=etag, if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT").read()
    get(server, "http://www.example.gov.cn/missing.html").read()
    seen = [(s.target, s.if_none_match, s.if_modified_since, s.status) for s in server.requests]
    assert seen == [("/index.html", "", "", 200),
                    ("/index.html", etag, "Fri, 01 Jan 2100 00:00:00 GMT", 304),
                    ("/missing.html", "", "", 404)]


@pytest.mark.parametrize("route, message", [
    ("{headers: {ETag: '\"x\"'}}", "etag and last_modified keys"),
    ("{last_modified: 'last Tuesday'}", "not an HTTP-date"),
    ("{etag: 'a\"b'}", "not an entity tag"),
])
def test_bad_validator_config_is_named(tmp_path: Path, route: str, message: str) -> None:
    host = tmp_path / "a.gov.cn"
    host.mkdir()
    (host / "_replay.yaml").write_text(f"routes:\n  /x: {route}\n", "utf-8")
    with pytest.raises(ReplayConfigError, match=message):
        ReplayWorld(tmp_path).reply("a.gov.cn", "/x")
