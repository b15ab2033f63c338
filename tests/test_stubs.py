"""Stubs are not reports: redirect stubs are followed to the report, login walls and error pages (whatever their
status) are recorded as errors of kind ``stub``; the pure readings, then a crawl of a small portal full of them
(built here, replayed on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.errors import STUB
from crawler.reading import read_page
from crawler.replay import ReplayServer, ReplayWorld
from crawler.stubs import ERROR_PAGE, LOGIN_WALL, REDIRECT_NOTICE, Redirect, redirect_of, stub_of
from tests.conftest import column_site, crawl_one_site

HOST = "www.stubtown.gov.cn"
SITE = f"http://{HOST}"
COLUMN = "/zwgk/zfxxgknb/"
HERE = f"{SITE}{COLUMN}202001/t20200115_101.html"

# -- saved stubs, as portals serve them --------------------------------------------------------------------

JS_STUB = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>正在跳转...</title>
<script type="text/javascript">
    window.location.href = "http://www.stubtown.gov.cn/zwgk/zfxxgknb/202101/t20210120_2002.html";
</script></head>
<body><div style="text-align:center;margin-top:100px"><p>正在跳转，请稍候……</p>
<p>如果您的浏览器没有自动跳转，请<a href="http://www.stubtown.gov.cn/zwgk/zfxxgknb/202101/t20210120_2002.html">点击这里</a></p>
</div></body></html>"""
REPLACE_STUB = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>页面跳转中</title></head><body>
<script language="javascript">location.replace ( '../202101/t20210120_2002.html' );</script>
页面跳转中，请稍候...</body></html>"""
WINDOW_STUB = """<html><body onload="window.location='/zwgk/zfxxgknb/202101/t20210120_2002.html'">
<p>页面已迁移，3秒后自动跳转。</p></body></html>"""
META_STUB = """<HTML><HEAD><META HTTP-EQUIV=Refresh CONTENT="0;URL=/zwgk/zfxxgknb/202001/t20200115_1001.html">
<TITLE>正在跳转</TITLE></HEAD><BODY>正在跳转……</BODY></HTML>"""
SLOW_META_STUB = """<html><head><meta http-equiv='refresh' content='120; url=t20200115_1001.html'></head>
<body>本页面已迁移，120秒后跳转到新页面。</body></html>"""
LOGIN_WALL_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>用户登录_漳源县人民政府</title></head>
<body><div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="login-box"><h2>用户登录</h2><p>该信息需登录后查看，请登录。</p>
<form action="/login.do" method="post"><label>用户名：</label><input type="text" name="username">
<label>密　码：</label><input type="password" name="password"><label>验证码：</label><input type="text" name="code">
<button type="submit">登 录</button> <a href="/register.html">注册</a> <a href="/forget.html">忘记密码？</a></form></div>
<div class="footer">版权所有：漳源县人民政府办公室 网站标识码：6201000001 陇ICP备05000003号</div></body></html>"""
ERROR_200 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>漳源县人民政府</title></head>
<body><div class="header"><ul class="nav"><li><a href="/">网站首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="main"><div class="error-box"><img src="/images/404.png" alt="">
<p>抱歉，您访问的页面不存在或已被删除！</p><p>请检查您输入的网址是否正确，或<a href="/">返回首页</a>。</p></div></div>
<div class="footer">主办单位：漳源县人民政府办公室 版权所有 陇ICP备05000003号 陇公网安备 62112402000001号</div>
</body></html>"""


def report_text(year: int, extra: str = "") -> list[str]:
    """The paragraphs of a plausible annual report of the county for ``year``."""
    return [
        f"本报告根据《中华人民共和国政府信息公开条例》要求，由漳源县人民政府办公室编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        "一、总体情况",
        f"{year}年，漳源县坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开，全年主动公开政府信息{1200 + year % 100}条，"
        "其中通过政府门户网站公开986条，通过政务新媒体公开214条。" + extra,
        "二、收到和处理政府信息公开申请情况",
        f"全年共收到政府信息公开申请{20 + year % 10}件，均已按期答复，未发生因政府信息公开引起的行政复议和行政诉讼。",
        "三、存在的主要问题及改进情况",
        "一是部分单位信息更新不够及时；二是政策解读形式较为单一。下一步，我县将加强业务培训，完善考核机制，推动政府信息公开工作提质增效。",
        "漳源县人民政府办公室",
    ]


QUOTES_AN_ERROR = ("全年对网站进行全面检查，清理“页面不存在”“系统错误”等错误链接137个，修复您访问的页面不存在等提示页面12个。")
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="PubDate" content="{date}">
<title>{title}_漳源县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div><h1>{title}</h1>
<div class="TRS_Editor">{body}</div>
<div class="footer">版权所有：漳源县人民政府 陇ICP备05000003号</div></body></html>"""


def report_page(year: int, date: str, extra: str = "") -> str:
    title = f"漳源县{year}年政府信息公开工作年度报告"
    return PAGE.format(date=date, title=title, body="".join(f"<p>{p}</p>" for p in report_text(year, extra)))


# -- the pure readings ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("html", "target", "how"), [
    (JS_STUB, f"{SITE}{COLUMN}202101/t20210120_2002.html", "script"),
    (REPLACE_STUB, f"{SITE}{COLUMN}202101/t20210120_2002.html", "script"),
    (WINDOW_STUB, f"{SITE}{COLUMN}202101/t20210120_2002.html", "script"),
    (META_STUB, f"{SITE}{COLUMN}202001/t20200115_1001.html", "meta refresh"),
    (SLOW_META_STUB, f"{SITE}{COLUMN}202001/t20200115_1001.html", "meta refresh"),
])
def test_a_redirect_stub_names_its_target(html: str, target: str, how: str) -> None:
    assert redirect_of(html, HERE) == Redirect(target, how)


def test_a_report_page_with_a_mobile_redirect_script_is_no_stub() -> None:
    script = "<script>if(/Android|iPhone/i.test(navigator.userAgent)){window.location.href='/m/index.html';}</script>"
    page = report_page(2019, "2020-01-15").replace("</head>", f"{script}</head>")
    assert redirect_of(page, HERE) is None


def test_a_page_that_points_to_its_attachment_is_no_redirect_stub() -> None:
    page = PAGE.format(date="2020-01-15", title="漳源县2019年政府信息公开工作年度报告", body=(
        "<p>详见附件。</p><p>附件：<a href=\"./P020200115000000000001.pdf\">年度报告.pdf</a></p>"
        "<script>location.href='/m/art_1.html'</script>"))
    assert redirect_of(page, HERE) is None


def test_a_redirect_to_itself_or_nowhere_is_none() -> None:
    assert redirect_of(f'<script>location.href="{HERE}#top"</script>正在跳转', HERE) is None
    assert redirect_of('<script>location.href="javascript:void(0)"</script>正在跳转', HERE) is None


@pytest.mark.parametrize(("title", "lines", "html", "kind"), [
    ("正在跳转...", ["正在跳转，请稍候……", "如果您的浏览器没有自动跳转，请点击这里"], "", REDIRECT_NOTICE),
    ("用户登录", ["该信息需登录后查看，请登录。", "用户名：", "密 码："], LOGIN_WALL_PAGE, LOGIN_WALL),
    ("404 Not Found", ["The requested URL was not found on this server."], "", ERROR_PAGE),
    ("漳源县人民政府", ["抱歉，您访问的页面不存在或已被删除！"], "", ERROR_PAGE),
    ("系統錯誤", ["系統繁忙，請稍後再試。"], "", ERROR_PAGE),  # Traditional script folds to the same phrase
])
def test_stub_kinds(title: str, lines: list[str], html: str, kind: str) -> None:
    stub = stub_of(title, lines, html)
    assert stub is not None and stub.kind == kind and stub.reason.startswith(f"{kind}: ")


def test_a_login_phrase_without_a_password_field_is_no_login_wall() -> None:
    assert stub_of("用户登录", ["请登录后留言，咨询电话0931-1234567。"], "<input type=text name=q>") is None


def test_a_report_that_quotes_an_error_phrase_is_no_stub() -> None:
    lines = report_text(2021, QUOTES_AN_ERROR)
    assert "页面不存在" in "".join(lines)
    assert stub_of("漳源县2021年政府信息公开工作年度报告", lines) is None


@pytest.mark.parametrize(("page", "kind"), [(LOGIN_WALL_PAGE, LOGIN_WALL), (ERROR_200, ERROR_PAGE)])
def test_the_stages_mark_a_stub_page(page: str, kind: str) -> None:
    item = read_page(page.encode("utf-8"), HERE).item
    assert [k for k, _ in item.problems] == [STUB] and item.problems[0][1].startswith(f"{kind}: ")


def test_the_stages_keep_a_report_that_quotes_an_error_phrase() -> None:
    item = read_page(report_page(2021, "2022-01-20", QUOTES_AN_ERROR).encode("utf-8"), HERE).item
    assert item.problems == [] and any(QUOTES_AN_ERROR in line for line in item.body)


# -- a crawl of a column full of stubs ---------------------------------------------------------------------

TARGET_2019 = f"{COLUMN}202001/t20200115_1001.html"
TARGET_2020 = f"{COLUMN}202101/t20210120_2002.html"
ENTRIES = {  # year → (list entry path, list date, what the entry leads to)
    2019: (f"{COLUMN}202001/t20200115_101.html", "2020-01-15", META_STUB),
    2020: (f"{COLUMN}202101/t20210120_202.html", "2021-01-20", JS_STUB),
    2018: (f"{COLUMN}201901/t20190118_88.html", "2019-01-18", LOGIN_WALL_PAGE),
    2017: (f"{COLUMN}201801/t20180125_77.html", "2018-01-25", ERROR_200),
    2016: (f"{COLUMN}201701/t20170120_66.html", "2017-01-20", report_page(2016, "2017-01-20")),
    2015: (f"{COLUMN}201601/t20160122_55.html", "2016-01-22",
           '<html><head><title>正在跳转</title><script>location.replace("http://www.elsewhere.com/nb/2015.html")'
           "</script></head><body>正在跳转……</body></html>"),
    2021: (f"{COLUMN}202201/t20220120_303.html", "2022-01-20", report_page(2021, "2022-01-20", QUOTES_AN_ERROR)),
    2014: (f"{COLUMN}201501/t20150122_44.html", "2015-01-22",
           '<html><head><meta http-equiv="refresh" content="0; url=http://www.elsewhere.com/nb/2014.html"></head>'
           "<body>正在跳转……</body></html>"),
    2013: (f"{COLUMN}201401/t20140120_33.html", "2014-01-20", None),  # an HTTP redirect off the site (a route)
}


def write(root: Path, path: str, content: str) -> None:
    target = root / HOST / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, "utf-8")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("stub-world")
    column_site(root, HOST, PAGE, "漳源县", COLUMN, ((year, path, date) for year, (path, date, _) in ENTRIES.items()))
    for path, _, page in ENTRIES.values():
        if page is not None:
            write(root, path, page)
    write(root, "_replay.yaml", f"routes:\n  '{ENTRIES[2013][0]}': "
                                "{status: 302, headers: {Location: 'http://www.elsewhere.com/nb/2013.html'}}\n")
    write(root, TARGET_2019, report_page(2019, "2020-01-15"))
    write(root, TARGET_2020, report_page(2020, "2021-01-20"))
    server = ReplayServer(ReplayWorld(root)).start_background()
    db, result = crawl_one_site(tmp_path_factory.mktemp("stub-crawl"), f"{{id: zhangyuan, name: 漳源县人民政府, "
                                f"region: 甘肃省定西市漳源县, url: '{SITE}/', template: generic}}", "--proxy", server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    yield {"db": Database(db), "requests": list(server.requests), "log": result.stderr}
    server.stop()


def test_the_stubs_targets_are_stored_as_the_reports(crawl: dict) -> None:
    db = crawl["db"]
    stored = {(r["report_year"], r["url"]) for r in db["reports"].rows}
    assert stored == {(2019, SITE + TARGET_2019), (2020, SITE + TARGET_2020), (2016, SITE + ENTRIES[2016][0]),
                      (2021, SITE + ENTRIES[2021][0])}
    [js_target] = db["report_urls"].rows_where("url = ?", [SITE + TARGET_2020])
    assert (js_target["list_title"], js_target["list_date"]) == ("漳源县2020年政府信息公开工作年度报告", "2021-01-20")
    assert js_target["referer"] == f"{SITE}{COLUMN}index.html"


def test_no_stub_is_stored(crawl: dict) -> None:
    stubs = {SITE + path for year, (path, _, _) in ENTRIES.items() if year not in (2016, 2021, 2013)}
    assert not stubs & {r["url"] for r in crawl["db"]["report_urls"].rows}
    bodies = "\n".join(r["body"] for r in crawl["db"]["reports"].rows)
    assert "正在跳转" not in bodies and "请登录" not in bodies and "抱歉" not in bodies


def test_each_non_report_is_one_stub_row(crawl: dict) -> None:
    rows = sorted((r["url"].removeprefix(SITE), r["reason"]) for r in crawl["db"]["errors"].rows_where(
        "kind = ?", [STUB]))
    assert [url for url, _ in rows] == sorted(ENTRIES[year][0] for year in (2014, 2015, 2017, 2018))
    reasons = {url: reason for url, reason in rows}
    assert reasons[ENTRIES[2018][0]].startswith(f"{LOGIN_WALL}: ")
    assert reasons[ENTRIES[2017][0]].startswith(f"{ERROR_PAGE}: ")
    for year in (2014, 2015):  # a script's target, and a refresh the downloader followed off the site
        assert reasons[ENTRIES[year][0]].startswith(f"{REDIRECT_NOTICE}: ")
        assert f"http://www.elsewhere.com/nb/{year}.html" in reasons[ENTRIES[year][0]]
    assert all(r["site_id"] == "zhangyuan" for r in crawl["db"]["errors"].rows_where("kind = ?", [STUB]))


def test_an_http_redirect_off_the_site_is_one_off_site_row(crawl: dict) -> None:
    [row] = crawl["db"]["errors"].rows_where("kind = ?", ["off_site"])
    assert (row["url"], row["site_id"]) == (SITE + ENTRIES[2013][0], "zhangyuan")
    assert row["reason"] == "an HTTP 302 redirect off the site, to http://www.elsewhere.com/nb/2013.html: not followed"


def test_the_site_settles_on_its_own_with_a_redirect_dropped(crawl: dict) -> None:
    log = crawl["log"]  # done when its last request was answered, not only when the crawl closed
    assert -1 < log.find("site zhangyuan done:") < log.find("Closing spider"), log[-3000:]


def test_the_off_site_target_is_never_requested(crawl: dict) -> None:
    hosts = {seen.host for seen in crawl["requests"]}
    assert hosts == {HOST}
    targets = [seen.target for seen in crawl["requests"]]
    assert targets.count(TARGET_2019) == 1 and targets.count(TARGET_2020) == 1
