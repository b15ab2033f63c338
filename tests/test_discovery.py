"""Reading what portals do not say plainly: script pagers, list APIs, signs of more, hub words, year holes."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, Request

from crawler import json_lists
from crawler.fallbacks import Fallbacks
from crawler.pages import (
    Anchor,
    hub_score,
    is_candidate_report,
    link_role,
    looks_like_list,
    more_to_load,
    page_count,
    page_url_forms,
    script_pages,
)
from crawler.visits import Visit
from spiders.generic import Generic


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url))


# -- script pagers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("script", "forms"), [
    ("laypage.render({elem: 'pager', count: 35, limit: 10, jump: function (obj) { location.href = 'list_' + obj.curr"
     " + '.html'; }});", [("list_", 0, ".html")]),
    ('function goPage(n) { window.location.href = "list.jsp?type=3&page=" + n; }', [("list.jsp?type=3&page=", 0, "")]),
    ("var u = `index_${n - 1}.shtml`;", [("index_", -1, ".shtml")]),
    ("$('#pager').on('click', function () { location = './more/' + p + '/'; });", [("./more/", 0, "/")]),
])
def test_page_urls_a_script_builds(script: str, forms: list[tuple[str, int, str]]) -> None:
    assert [(f.prefix, f.shift, f.suffix) for f in page_url_forms(script)] == forms


@pytest.mark.parametrize("script", [
    'console.log("count=" + n);',  # a log line, not a URL
    "$('#item_' + i).show();",  # a DOM id
    'document.write("<a href=\\"" + name + "_" + i + "." + ext + "\\">");',  # the middle of a longer concatenation
    "var label = 'a-' + i + 'b';",
])
def test_strings_built_from_a_number_that_are_no_page_url(script: str) -> None:
    assert page_url_forms(script) == []


@pytest.mark.parametrize(("script", "count"), [
    ("laypage.render({count: 35, limit: 10})", 4),
    ("new Pager({ totalPages: 7, current: 1 })", 7),
    ("var pageCount = 12; var current = 1;", 12),
    ("$('#p').pagination({ totalRecord: 41, pageSize: 15 })", 3),
    ("var x = 3;", None),
])
def test_page_counts_a_script_pager_is_told(script: str, count: int | None) -> None:
    assert page_count(script) == count


def test_javascript_pager_links_name_the_pages_of_the_form_the_script_builds() -> None:
    html = ('<div class="page"><a href="javascript:goPage(2)">2</a> <a href="javascript:;" onclick="goPage(5)">尾页</a>'
            '</div><script>function goPage(n) { location.href = "list.jsp?page=" + n; }</script>')
    response = page("http://www.weiyuan.gov.cn/zwgk/zfxxgknb/list.jsp", html)
    scripts = " ".join(response.css("script::text").getall())
    assert script_pages(response, scripts) == [f"http://www.weiyuan.gov.cn/zwgk/zfxxgknb/list.jsp?page={n}" for n in (2, 5)]


# -- list APIs -------------------------------------------------------------------------------------

RECORDS = [{"docTitle": f"岷县人民政府{y}年政府信息公开工作年度报告", "docUrl": f"/art/{y + 1}/{y}.html",
            "releaseTime": f"{y + 1}-01-20 09:00:00", "id": y} for y in (2021, 2020, 2019)]


@pytest.mark.parametrize("answer", [
    {"code": 0, "data": {"records": RECORDS, "total": 23, "size": 3}},
    {"result": {"page": {"content": RECORDS}}, "success": True},
    RECORDS,
])
def test_list_entries_whatever_the_answer_s_shape(answer: object) -> None:
    entries = json_lists.entries(answer, "http://www.minxian.gov.cn/api/list?pageNo=1")
    assert [(e.url, e.title, e.date) for e in entries] == [
        (f"http://www.minxian.gov.cn/art/{y + 1}/{y}.html", f"岷县人民政府{y}年政府信息公开工作年度报告", f"{y + 1}-01-20")
        for y in (2021, 2020, 2019)]


def test_jsonp_and_list_markup_inside_json() -> None:
    text = 'jQuery1123({"data": {"html": "<li><a href=\\"/a/1.html\\">漳县2021年政府信息公开工作年度报告</a></li>"}});'
    data = json_lists.load(text)
    assert list(json_lists.fragments(data)) == ['<li><a href="/a/1.html">漳县2021年政府信息公开工作年度报告</a></li>']


def test_entries_without_a_page_url_are_not_a_list_to_page_through() -> None:
    answer = {"rows": [{"id": 5110, "title": "岷县人民政府2012年政府信息公开工作年度报告", "date": "2013-01-22"}]}
    assert json_lists.entries(answer, "http://www.minxian.gov.cn/api/more?page=2") == []


@pytest.mark.parametrize(("url", "body", "answer", "pages"), [
    ("http://a.gov.cn/api/list?column=nb&pageNo=1&pageSize=4", None, {"data": {"total": 10}},
     ["http://a.gov.cn/api/list?column=nb&pageNo=2&pageSize=4", "http://a.gov.cn/api/list?column=nb&pageNo=3&pageSize=4"]),
    ("http://a.gov.cn/api/list?current=1", None, {"data": {"pages": 2, "records": []}},
     ["http://a.gov.cn/api/list?current=2"]),
    ("http://a.gov.cn/api/list?page=0&size=5", None, {"totalElements": 12}, [
        "http://a.gov.cn/api/list?page=1&size=5", "http://a.gov.cn/api/list?page=2&size=5"]),
    ("http://a.gov.cn/api/list", "channel=7&pageIndex=1&rows=20", {"total": 45},
     ["channel=7&pageIndex=2&rows=20", "channel=7&pageIndex=3&rows=20"]),
    ("http://a.gov.cn/api/list?id=9", None, {"total": 45}, []),  # no page parameter: nothing to page
])
def test_a_list_api_s_other_pages(url: str, body: str | None, answer: object, pages: list[str]) -> None:
    found = json_lists.other_pages(url, "POST" if body else "GET", body, answer, shown=4)
    assert [p.body if body else p.url for p in found] == pages


# -- signs of more, hubs, candidate titles, lists taken for reports ------------------------------------

def entries_of(html: str, url: str = "http://www.minxian.gov.cn/zwgk/nb/index.html") -> tuple[HtmlResponse, list]:
    response = page(url, html)
    return response, Generic(response).entries()


ITEMS = "".join(f'<li><a href="/a/{n}.html">岷县人民政府{2022 - n}年政府信息公开工作年度报告</a><span>2023-01-1{n}</span></li>'
                for n in range(3))


@pytest.mark.parametrize(("html", "sign"), [
    (f"<ul>{ITEMS}</ul><button type='button'>加载更多</button>", "a 加载更多 control"),
    (f"<ul>{ITEMS}</ul><div class='total'>共 27 条</div>", "a total of 27 entries, 3 shown"),
    (f"<ul>{ITEMS}</ul><div id='pager'></div><script>$.ajax({{url: '/api/article/list', data: {{p: 2}}}})</script>",
     "an empty pager and a script that fetches /api/article/list"),
])
def test_signs_that_a_page_shows_part_of_its_list(html: str, sign: str) -> None:
    response, entries = entries_of(f"<html><body>{html}</body></html>")
    assert more_to_load(response, entries) == [sign]
    assert Generic(response).needs_browser(entries)


@pytest.mark.parametrize("html", [
    f"<ul>{ITEMS}</ul><div class='total'>共 3 条</div>",  # everything is shown
    f"<ul>{ITEMS}</ul><a href='/zwgk/nb/more.html'>查看更多</a>",  # a link to a longer list, not a script control
    f"<ul>{ITEMS}</ul><div id='pager'></div>",  # an empty pager, but no script fetching anything
    f"<ul>{ITEMS}</ul><div class='total'>共 27 条</div><a href='index_1.html'>下一页</a>",  # a pager to follow
])
def test_no_sign_of_more(html: str) -> None:
    response, entries = entries_of(f"<html><body>{html}</body></html>")
    assert not Generic(response).needs_browser(entries)


@pytest.mark.parametrize(("text", "role"), [
    ("政务信息", "hub"), ("信息公开栏目", "hub"), ("政务公开", "hub"), ("政务服务", None), ("新闻信息", None),
    ("关于进一步做好政务公开和政府信息公开工作的实施意见", None),  # a title, not a label
])
def test_hub_words_are_weighed(text: str, role: str | None) -> None:
    assert link_role(Anchor("http://www.longxi.gov.cn/x/index.html", text, None)) == role
    assert (hub_score(text) >= 3) is (role == "hub")


@pytest.mark.parametrize(("text", "candidate"), [
    ("通渭县人民政府2022年政府信…", True), ("关于做好2021年度政府信息公开...", True), ("2020年度报告", True),
    ("通渭县人民政府2022年政府信息公开工作年度报告", False),  # says enough: a report link
    ("县委书记调研…", False), ("查看详情", False),
])
def test_titles_that_say_too_little(text: str, candidate: bool) -> None:
    assert is_candidate_report(Anchor("http://www.tongwei.gov.cn/art/1.html", text, None)) is candidate


def test_a_year_folder_named_like_its_report_is_a_list_not_a_report() -> None:
    folder = page("http://www.longxi.gov.cn/zwxx/zfxxgknb/2020/",
                  '<html><body><div class="nav"><a href="/">首页</a></div><ul><li><a href="20210120_6602.html">'
                  "陇西县人民政府2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li></ul>"
                  '<div class="footer">版权所有：陇西县人民政府</div></body></html>')
    assert looks_like_list(folder, Generic)
    report = page("http://www.longxi.gov.cn/zwxx/zfxxgknb/2020/20210120_6602.html",
                  "<html><body><h1>陇西县人民政府2020年政府信息公开工作年度报告</h1><div class='article-content'>"
                  + "<p>2020年，陇西县坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。</p>" * 8
                  + "</div><div class='related'><a href='/a/2019.html'>陇西县人民政府2019年政府信息公开工作年度报告</a>"
                  "<a href='/a/2018.html'>陇西县人民政府2018年政府信息公开工作年度报告</a></div></body></html>")
    assert not looks_like_list(report, Generic)


# -- fallbacks for a column read short ------------------------------------------------------------

def test_a_hole_in_the_years_brings_the_fallbacks_once() -> None:
    fallbacks = Fallbacks()
    column = Visit("jingning", "http://www.jingning.gov.cn/zfxxgk/nb/index.html", "column", 2)
    fallbacks.saw_column(column)
    for year in (2022, 2021, 2019):
        fallbacks.saw_report("jingning", f"http://www.jingning.gov.cn/nb/{year}.html", f"静宁县{year}年政府信息公开工作年度报告")
    assert fallbacks.gaps("jingning") == [2020]
    visits = fallbacks.visits("jingning", rendered=set())
    assert [(v.url, v.role, v.via) for v in visits[:3]] == [
        (column.url, "rendered", "fallback:render"),
        ("http://www.jingning.gov.cn/zfxxgk/nb/index_1.html", "column", "fallback:pager_forms"),
        ("http://www.jingning.gov.cn/zfxxgk/nb/index.html?page=2", "column", "fallback:pager_forms"),
    ]
    assert fallbacks.visits("jingning", rendered=set()) == []  # tried once
    following = fallbacks.next_probe(visits[1], new_reports=2)  # the page brought reports: the next one
    assert following is not None and following.url == "http://www.jingning.gov.cn/zfxxgk/nb/index_2.html"
    assert following.probe == ("{stem}_{n}{ext}", 2) and following.page_of == column.url
    assert Visit.from_dict(following.as_dict()) == following  # a resumed crawl goes on from the stored visit
    assert fallbacks.next_probe(following, new_reports=0) is None


def test_no_hole_no_fallback() -> None:
    fallbacks = Fallbacks()
    fallbacks.saw_column(Visit("a", "http://a.gov.cn/nb/", "column", 1))
    for year in (2019, 2020, 2021):
        fallbacks.saw_report("a", f"http://a.gov.cn/{year}.html", f"某县{year}年政府信息公开工作年度报告")
    assert fallbacks.visits("a", set()) == []


def test_visits_round_trip_as_json() -> None:
    visit = Visit("tongwei", "http://www.tongwei.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1", "column", 2,
                  method="POST", body="col=1&columnid=3301", headers=(("Content-Type", "x"),), via="list_api",
                  candidate=True)
    assert Visit.from_dict(json.loads(json.dumps(visit.as_dict()))) == visit
    with pytest.raises(ValueError, match="unknown role"):
        Visit("a", "http://a.gov.cn/", "home")
