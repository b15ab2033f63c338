"""Family page objects on saved pages: fingerprints, list entries, further list requests."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

from spiders.hanweb_jcms import HanwebJcms, datastore_records
from spiders.trs_wcm import TrsWcm
from spiders.xxgk import Xxgk
from tests.conftest import PORTALS

JCMS_COLUMN = """<html><body><div id="42897"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=7&path=/&columnid=1281&unitid=42897&webname=%E4%BA%91%E5%9F%8E&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2015/2/12/art_1281_254301.html" title="云城区人民政府2014年政府信息公开工作年度报告">云城区人民政府2014年…</a><span>2015-02-12</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2015/1/5/art_1281_250001.html">关于做好2014年度政府信息公开工作年度报告编制发布工作的通知</a><span>2015-01-05</span></li>]]></record>
</recordset></datastore></script></div>
<script>$('#42897').jpage({dataStore: dataStore, perPage: 2, totalRecord: 5, proxyUrl: '/module/web/jpage/dataproxy.jsp'});</script>
</body></html>"""


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url, meta={"hops": 2}))


def saved(path: str) -> TextResponse:
    host, _, rest = path.partition("/")
    text = (PORTALS / path).read_text("utf-8")
    return page(f"http://{host}/{rest}", text)


class FakeSpider:
    """Just enough of GovSpider to collect the list requests a template asks for."""

    def __init__(self) -> None:
        self.asked: list[dict] = []

    def pagination_urls(self, response: TextResponse) -> list[str]:
        return []

    def list_page_request(self, response: TextResponse, url: str, **kwargs: object) -> Request:
        self.asked.append({"url": url, **kwargs})
        return Request(url)


def test_jcms_reads_records_from_the_script_xml_and_asks_for_the_other_groups() -> None:
    column = page("http://www.yuncheng.gov.cn/col/col1281/index.html", JCMS_COLUMN)
    template = HanwebJcms()
    entries = template.list_entries(column)
    assert [(e.url, e.text, e.date) for e in entries] == [
        ("http://www.yuncheng.gov.cn/art/2015/2/12/art_1281_254301.html",
         "云城区人民政府2014年政府信息公开工作年度报告", "2015-02-12"),
        ("http://www.yuncheng.gov.cn/art/2015/1/5/art_1281_250001.html",
         "关于做好2014年度政府信息公开工作年度报告编制发布工作的通知", "2015-01-05"),
    ]
    spider = FakeSpider()
    list(template.list_requests(spider, column))
    assert [a["url"] for a in spider.asked] == [
        "http://www.yuncheng.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2",
        "http://www.yuncheng.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=6&perpage=2",
    ]
    form = dict(pair.split("=") for pair in spider.asked[0]["body"].split("&"))
    assert spider.asked[0]["method"] == "POST"
    assert (form["columnid"], form["unitid"], form["webid"]) == ("1281", "42897", "7")
    assert "jpage list proxy /module/web/jpage/dataproxy.jsp" in template.fingerprint(column)


def test_jcms_proxy_answer_is_read_as_a_list() -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>5</totalrecord><recordset>'
           '<record><![CDATA[<li><a href="/art/2016/1/20/art_1281_260001.html">云城区2015年政府信息公开工作年度报告</a>'
           '<span>2016-01-20</span></li>]]></record></recordset></datastore>')
    url = "http://www.yuncheng.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2"
    response = XmlResponse(url=url, body=xml.encode(), encoding="utf-8", request=Request(url, meta={"hops": 2}))
    [entry] = HanwebJcms().list_entries(response)
    assert entry.url == "http://www.yuncheng.gov.cn/art/2016/1/20/art_1281_260001.html"
    assert entry.date == "2016-01-20"
    assert list(HanwebJcms().list_requests(FakeSpider(), response)) == []


def test_hostile_list_xml_expands_no_entity_and_reads_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", "utf-8")
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
              f'<!ENTITY x SYSTEM "file://{secret}">]>'
              '<datastore><recordset><record>&c;&x;</record></recordset></datastore>')
    records, _ = datastore_records(laughs)
    assert all("哈哈" not in r and "机密" not in r for r in records)
    assert datastore_records("<datastore><record>unclosed")[0] in ([], ["unclosed"])
    assert datastore_records("not xml at all") == ([], None)


def test_trs_fingerprint_on_a_saved_column() -> None:
    reasons = TrsWcm().fingerprint(saved("www.tieling.gov.cn/tieling/zwgk/zfxxgknb/index.html"))
    assert "list pager written by createPageHTML(N, …)" in reasons


def test_hanweb_is_not_taken_for_trs_and_the_reverse() -> None:
    yongchang = saved("www.yongchang.gov.cn/col/col4171/index.html")
    tieling = saved("www.tieling.gov.cn/tieling/zwgk/zfxxgknb/index.html")
    assert HanwebJcms().fingerprint(yongchang) and not TrsWcm().fingerprint(yongchang)
    assert TrsWcm().fingerprint(tieling) and not HanwebJcms().fingerprint(tieling)


def test_xxgk_rows_carry_their_publish_date_not_their_signing_date() -> None:
    html = """<html><body><table class="xxgk_list">
    <tr><th>索引号</th><th>标题</th><th>发文字号</th><th>成文日期</th><th>发布日期</th></tr>
    <tr><td>113710000044/2021-00012</td><td><a href="/xxgk/art/2021/1/29/art_1.html">威海市2020年政府信息公开工作年度报告</a></td>
        <td></td><td>2021-01-25</td><td>2021-01-29</td></tr></table></body></html>"""
    column = page("http://www.weihai.gov.cn/xxgk/gkml/list.jsp?catId=12", html)
    [entry] = [e for e in Xxgk().list_entries(column) if "年度报告" in e.text]
    assert entry.date == "2021-01-29"
    assert Xxgk().fingerprint(column) == ["directory table headed 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期"]
