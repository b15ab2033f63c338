"""Hanweb JCMS (大汉): the column's first records sit as XML in a script; more come from dataproxy.jsp POSTs."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import etree
from parsel import Selector

from crawler.pages import Anchor, Family, ListPage, anchors, html_fragment, is_html

DETAIL_URL = re.compile(r"/art/(19|20)\d{2}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html")
COLUMN_URL = re.compile(r"/col/col\d+/index\.html")
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
FORM_HEADERS = (("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),)
FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
# No entity expansion, no DTD, no network: list XML comes from the portal and may be hostile.
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           recover=True)


def datastore_records(xml: str) -> tuple[list[str], int | None]:
    """The <record> HTML fragments of a <datastore> document and its <totalrecord>, if given."""
    try:
        root = etree.fromstring(xml.strip().encode("utf-8"), parser=SAFE_XML)
    except etree.XMLSyntaxError:
        return [], None
    if root is None:
        return [], None
    records = [r.text or "" for r in root.iter("record")]
    total = root.findtext(".//totalrecord")
    return records, int(total) if total and total.strip().isdigit() else None


def _number(script: str, name: str) -> int | None:
    m = re.search(rf"\b{name}\s*[:=]\s*['\"]?(\d+)", script, re.I)
    return int(m[1]) if m else None


class HanwebJcms(Family):
    name: ClassVar[str] = "hanweb_jcms"
    body_selectors: ClassVar[tuple[str, ...]] = ("#zoom", "div.zoom", "#article", "div.bt_content")

    def fingerprint(self) -> list[str]:
        reasons = []
        response = self.response
        if response.css('script[type="text/xml"]') and "<datastore" in response.text:
            reasons.append("list records as <datastore> XML in a script")
        if PROXY_PATH in response.text:
            reasons.append("jpage list proxy /module/web/jpage/dataproxy.jsp")
        if "<$[信息内容]>" in response.text:
            reasons.append("<$[信息内容]> template markers around the body")
        if self.links_shaped(DETAIL_URL, 2):
            reasons.append("detail links shaped /art/Y/M/D/art_COL_ID.html")
        if self.links_shaped(COLUMN_URL, 3):
            reasons.append("column links shaped /col/colN/index.html")
        return reasons

    def entries(self) -> list[Anchor]:
        url = self.response.url
        if not is_html(self.response):
            return super().entries()  # a list API's JSON
        if self.is_proxy_answer():
            records, _ = datastore_records(self.response.text)
            return [a for r in records for a in anchors(html_fragment(url, r))]
        entries = list(anchors(self.response))
        for script in self.response.css('script[type="text/xml"]::text').getall():
            records, _ = datastore_records(script)
            entries += [a for r in records for a in anchors(html_fragment(url, r))]
        return entries

    def next_pages(self) -> list[ListPage]:
        if self.is_proxy_answer():
            return self.later_groups()
        pages = super().next_pages()  # the server-rendered variant pages by ?pageNum=
        units = self.response.xpath('//*[@id][script[@type="text/xml"]]')
        for unit in units:
            pages += self.groups(unit)
        if not units:
            pages += self.first_group()
        return pages

    def first_group(self) -> list[ListPage]:
        """A column with no records in the page: the first group from the list proxy, with the parameters the
        page's own script passes it (``columnid: 1281, unitid: 4567 …``); the answer's total asks for the rest."""
        scripts = " ".join(self.response.css("script:not([src])::text").getall())
        if PROXY_PATH not in scripts:
            return []
        values = {key: m[1] for key in FORM_KEYS
                  if (m := re.search(rf"\b{key}\s*[:=]\s*['\"]?([^'\",}}&\s]*)", scripts))}
        if not (values.get("columnid") and values.get("unitid")):
            return []
        per_page = _number(scripts, "perpage") or _number(scripts, "perPage") or 15
        end = _number(scripts, "endrecord") or 3 * per_page  # the proxy hands out groups of three pages
        form = {"col": "1", "appid": "1", "webid": "", "path": "/", "sourceContentType": "1", "webname": "",
                "permissiontype": "0", **values}
        query = urlencode({"startrecord": 1, "endrecord": end, "perpage": per_page})
        return [ListPage(urljoin(self.response.url, f"{PROXY_PATH}?{query}"), method="POST", body=urlencode(form),
                         headers=FORM_HEADERS)]

    def later_groups(self) -> list[ListPage]:
        """From the proxy's first group (asked for without records in the page): the groups after it, up to
        the total the answer gives, with the same form."""
        request = self.response.request
        query = dict(parse_qsl(urlsplit(self.response.url).query))
        _, total = datastore_records(self.response.text)
        try:
            start, end, per_page = int(query["startrecord"]), int(query["endrecord"]), query.get("perpage", "")
        except (KeyError, ValueError):
            return []
        if start != 1 or not total or request is None or not request.body:
            return []  # a later group, or groups the column page already asked for
        step = end - start + 1
        return [ListPage(urljoin(self.response.url, f"{PROXY_PATH}?" + urlencode(
            {"startrecord": first, "endrecord": first + step - 1, "perpage": per_page})),
            method="POST", body=request.body.decode("utf-8"), headers=FORM_HEADERS)
            for first in range(end + 1, total + 1, step)]

    def groups(self, unit: Selector) -> list[ListPage]:
        """The dataproxy.jsp POSTs for the groups of records after the first, which the page carries."""
        xml = unit.css('script[type="text/xml"]::text').get() or ""
        records, total = datastore_records(xml)
        scripts = " ".join(self.response.css("script:not([type='text/xml'])::text").getall())
        total = total or _number(scripts, "totalRecord")
        per_page = _number(scripts, "perPage") or len(records)
        nextgroup = re.search(r"<nextgroup>\s*(?:<!\[CDATA\[)?\s*<a[^>]*href=['\"]([^'\"]+)", xml)
        if not (total and per_page and records and nextgroup):
            return []
        params = dict(parse_qsl(urlsplit(nextgroup[1].replace("&amp;", "&")).query))
        form = {"col": "1", "appid": params.get("appid", "1"), "webid": params.get("webid", ""),
                "path": params.get("path", "/"), "columnid": params.get("columnid", ""), "sourceContentType": "1",
                "unitid": params.get("unitid", unit.attrib.get("id", "")), "webname": params.get("webname", ""),
                "permissiontype": params.get("permissiontype", "0")}
        step = len(records)  # the page carries the first group; the proxy hands out groups of that size
        return [
            ListPage(urljoin(self.response.url, f"{PROXY_PATH}?" + urlencode(
                {"startrecord": start, "endrecord": start + step - 1, "perpage": per_page})),
                method="POST", body=urlencode(form), headers=FORM_HEADERS)
            for start in range(step + 1, total + 1, step)
        ]

    def is_proxy_answer(self) -> bool:
        ctype = (self.response.headers.get("Content-Type") or b"").decode("latin-1")
        return "xml" in ctype or self.response.text.lstrip().startswith(("<?xml", "<datastore"))
