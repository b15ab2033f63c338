"""Page objects: how a CMS family writes its pages, read from one response into plain values.

A family is one module under ``spiders/`` holding one ``Family`` subclass (a page object in the web-poet sense):
it reads a response and returns fingerprint evidence, list entries, the further pages of the list as plain
``ListPage`` descriptions and the containers that hold a report's body. It never builds a Scrapy request and
never touches the spider: the walk (``spiders/base.py``) turns these values into requests. Subclasses register
themselves by ``name``; the seed validation, ``auto``'s candidates and the per-family spiders all come from that
registry (``Family.registry``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse, TextResponse

from crawler import json_lists
from crawler.classify import ANNUAL_REPORT, OTHER, classify_title
from crawler.dates import parse_date
from crawler.rules import data_yaml
from crawler.text import CJK
from crawler.urls import SKIP_SCHEMES

SPACE = re.compile(r"\s+")
# The body containers of the CMS families that portals run on, most specific first: the fallback of a
# family without a container of its own, and of the generic walk.
# Containers list pages use as often as articles do: they tell nothing of what a page is.
LOOSE_CONTAINERS = frozenset({"div.content", "#content"})
GENERIC_BODY_SELECTORS = (
    "div.TRS_UEDITOR", "div.TRS_Editor", "#zoom", "#UCAP-CONTENT", "ucapcontent", "div.xxgk_content",
    "div.article-content", "div.article_content", "div.content", "#content",
)


@cache
def navigation() -> dict[str, Any]:
    """data/navigation.yaml as written (word weights, usual paths, bounds)."""
    return dict(data_yaml("crawler", "navigation.yaml"))


@cache
def navigation_rules() -> dict[str, re.Pattern[str]]:
    """The patterns of data/navigation.yaml, compiled (script patterns case-insensitive)."""
    return {key: re.compile(value, re.I if key.startswith(("pager_", "page_", "script_", "empty_")) else 0)
            for key, value in navigation().items() if isinstance(value, str)}


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str
    date: str | None  # the date printed beside the link in its list row, if any


@dataclass(frozen=True)
class ListPage:
    """A further page of a column's list, as a plain description the walk turns into a request."""

    url: str
    method: str = "GET"
    body: str | None = None  # a form body (a POST to a list API)
    headers: tuple[tuple[str, str], ...] = ()
    browser: bool = False  # the page must be rendered by a browser to show its list


def is_html(response: Any) -> bool:
    """A page with markup to read (not JSON, not bytes); XML list answers count, as parsel reads them too."""
    return isinstance(response, TextResponse) and response.selector.type in ("html", "xml")


def anchors(response: TextResponse, scope: str = "body") -> Iterator[Anchor]:
    """Links of a page with their best text (link text or its ``title`` attribute) and list-row date."""
    if not is_html(response):
        return
    for a in response.css(f"{scope} a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        text = SPACE.sub("", "".join(a.css("::text").getall()))
        title = SPACE.sub("", a.attrib.get("title", ""))
        best = title if len(title) > len(text.rstrip(".…")) else text
        row = a.xpath("ancestor::*[self::li or self::tr or self::dd or self::p][1]")
        row_text = " ".join(row.css("::text").getall()) if row else ""
        yield Anchor(response.urljoin(href), best, parse_date(row_text.replace(text, " ")) if row_text else None)


def json_anchors(response: TextResponse) -> list[Anchor]:
    """The entries of a list API's JSON (or JSONP) answer, whatever its shape (crawler/json_lists.py)."""
    data = json_lists.load(response.text)
    if data is None:
        return []
    found = [Anchor(e.url, e.title, e.date) for e in json_lists.entries(data, response.url)]
    for fragment in json_lists.fragments(data):
        found += anchors(html_fragment(response.url, fragment))
    return found


def more_to_load(response: TextResponse, entries: list[Anchor]) -> list[str]:
    """Why a list page looks like it shows only part of its list, the rest coming from a script: a 加载更多
    control, a total count above the entries shown, or an empty pager container beside a script that fetches a
    list URL. Each sign alone but the last two is enough; those two only together."""
    rules = navigation_rules()
    reasons = []
    for control in response.css("a, button, span, div, input[type=button]"):
        label = "".join(control.xpath("./text() | ./@value").getall())
        href = (control.attrib.get("href") or "").strip().lower()
        if rules["more_text"].search(label) and (not href or href.startswith(("javascript", "#"))):
            reasons.append("a 加载更多 control")  # a control the script answers, not a link to a longer list
            break
    shown = sum(1 for a in entries if a.date) or sum(1 for a in entries if len(a.text) >= 6)
    text = SPACE.sub("", " ".join(response.css("body ::text").getall()))
    if (m := rules["total_count"].search(text)) and int(m[1]) > shown:
        reasons.append(f"a total of {m[1]} entries, {shown} shown")
    empty = [el for el in response.css("[class], [id]")
             if rules["empty_pager"].search(f" {el.attrib.get('class', '')} {el.attrib.get('id', '')} ")
             and not el.css("a") and not "".join(el.css("::text").getall()).strip()]
    scripts = " ".join(response.css("script:not([src])::text").getall())
    if empty and (m := rules["script_list_url"].search(scripts)):
        reasons.append(f"an empty pager and a script that fetches {m[1]}")
    return reasons


def html_fragment(base_url: str, markup: str) -> HtmlResponse:
    """A response over a fragment of list markup (from XML records or a JSON API), for ``anchors``."""
    return HtmlResponse(url=base_url, body=f"<html><body>{markup}</body></html>".encode(), encoding="utf-8")


def is_report_link(anchor: Anchor) -> bool:
    return classify_title(anchor.text).kind == ANNUAL_REPORT


def link_role(anchor: Anchor) -> str | None:
    """What a link of a home or section page leads to: ``report``, ``column``, ``hub`` (a section), or nothing."""
    rules = navigation_rules()
    path = urlsplit(anchor.url).path
    if is_report_link(anchor):
        return "report"
    if rules["column_text"].match(anchor.text) or rules["column_url"].search(path):
        return "column"
    if rules["hub_text"].match(anchor.text) or rules["hub_url"].search(path) or hub_score(anchor.text) >= navigation()[
            "hub_score"]:
        return "hub"
    return None


def hub_score(text: str) -> int:
    """How strongly a short link label leads to the disclosure section: the weights of the words it holds."""
    nav = navigation()
    if len(text) > nav["hub_label_chars"]:
        return 0
    return sum(weight for word, weight in nav["hub_words"].items() if word in text)


def usual_sections(home_url: str) -> list[str]:
    """Where the disclosure section usually is on a site, for a home page with no link that leads there."""
    return [urljoin(home_url, path) for path in navigation()["usual_sections"]]


def is_year_folder(anchor: Anchor, column_url: str) -> bool:
    """A link of a column to one of its year sub-columns (2019, 2019年, 2019年度) on the column's host: below the
    column's folder, or a sibling column (Hanweb gives each year a column of its own)."""
    return bool(navigation_rules()["year_folder_text"].match(anchor.text)) and (
        urlsplit(anchor.url).netloc == urlsplit(column_url).netloc)


def is_candidate_report(anchor: Anchor) -> bool:
    """A list title cut short (…) or too short to tell, that still shows something of an annual report: its page's
    own title decides (``page_title``)."""
    rules = navigation_rules()
    if classify_title(anchor.text).kind != OTHER:
        return False
    return bool(rules["truncated_title"].search(anchor.text) or rules["candidate_short"].search(anchor.text)) and bool(
        rules["candidate_title"].search(anchor.text))


def page_title(response: TextResponse) -> str:
    """A page's own title: the ArticleTitle meta tag, its heading, else <title>."""
    for query in ('meta[name="ArticleTitle"]::attr(content)', "h1 ::text", "title::text"):
        if text := SPACE.sub("", "".join(response.css(query).getall())):
            return text
    return ""


def looks_like_list(response: TextResponse, family: type[Family]) -> bool:
    """A page followed as a report that is a list of reports: a year folder named like its report, or an index
    page. It links to other report pages, holds little text of its own outside its links, and has no article
    container with text in it (a report page that only points to its attachment has one)."""
    if not is_html(response):
        return False
    for selector in family.report_selectors():
        if selector not in LOOSE_CONTAINERS and any(
                len(CJK.findall("".join(el.css("::text").getall()))) >= 20 for el in response.css(selector)):
            return False
    others = [a for a in family(response).entries() if is_report_link(a) and a.url != response.url]
    if not others:
        return False
    own = "".join(response.xpath(
        "//body//text()[not(ancestor::a) and not(ancestor::script) and not(ancestor::style)]").getall())
    if len(CJK.findall(own)) >= navigation()["list_max_own_text"]:
        return False
    folder = urlsplit(response.url).path.endswith("/") or bool(re.search(r"/index[^/]*$", urlsplit(response.url).path))
    return len(others) >= 2 or folder


def listing_rows(entries: list[Anchor]) -> list[dict[str, str | None]]:
    """The titled entries of a list page with their kind, for the ``listings`` table (pager digits and 首页 go)."""
    rows = []
    for anchor in entries:
        if len(anchor.text) >= 6:
            kind = classify_title(anchor.text)
            rows.append({"url": anchor.url, "title": anchor.text, "date": anchor.date, "kind": kind.kind,
                         "reason": kind.reason})
    return rows


def pager_urls(response: TextResponse) -> list[str]:
    """Further pages of the list at ``response``: pager links, and the pages a script pager names (a
    ``createPageHTML``-shaped call, or a page count with the page URL the script builds)."""
    rules = navigation_rules()
    here = urlsplit(response.url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    urls: list[str] = []
    for a in anchors(response):
        target = urlsplit(a.url)
        same_list = target.path == here.path or (
            target.path.startswith(folder) and target.path.count("/") == here.path.count("/"))
        if same_list and target.netloc == here.netloc and rules["pagination_text"].match(a.text):
            urls.append(a.url)
    if is_html(response):
        scripts = " ".join(response.css("script::text").getall())
        for m in rules["create_page_html"].finditer(scripts):
            count, prefix, ext = int(m[1]), m[3], m[4]
            urls += [urljoin(response.url, f"{prefix}_{i}.{ext}") for i in range(1, count)]
            urls.append(urljoin(response.url, f"{prefix}.{ext}"))
        urls += script_pages(response, scripts)
    return [u for u in dict.fromkeys(urls) if u != response.url]


@dataclass(frozen=True)
class PageUrl:
    """A page URL a script builds: ``prefix + (n + shift) + suffix``."""

    prefix: str
    shift: int
    suffix: str

    def url(self, base: str, page: int) -> str:
        return urljoin(base, f"{self.prefix}{page + self.shift}{self.suffix}")


def page_url_forms(scripts: str) -> list[PageUrl]:
    """The page URLs the page's scripts build from a page number ('list_' + n + '.html', '?page=' + p)."""
    rules = navigation_rules()
    forms = []
    for m in rules["page_url_concat"].finditer(scripts):
        if scripts[:m.start()].rstrip().endswith("+"):
            continue  # the string is the middle of a longer concatenation (name + "_" + n): not the whole URL
        shift = int(m[4]) * (-1 if m[3] == "-" else 1) if m[4] else 0
        forms.append(PageUrl(m[2], shift, m[6] or ""))
    for m in rules["page_url_template"].finditer(scripts):
        shift = int(m[3]) * (-1 if m[2] == "-" else 1) if m[3] else 0
        forms.append(PageUrl(m[1], shift, m[4]))
    return [f for f in dict.fromkeys(forms) if _is_page_url(f)]


def _is_page_url(form: PageUrl) -> bool:
    """A page URL, not a log line or a DOM id built from a number: a path ending in the number (list_3.html,
    /page/3/) or a query parameter of a URL (?page=3, list.jsp?pageNo=3)."""
    if form.suffix[:1] not in ("", ".", "&", "/", "?"):
        return False
    selector_like = form.prefix.startswith("#") or (form.prefix.startswith(".") and not form.prefix.startswith(
        ("./", "../")))
    path_form = form.prefix.endswith(("_", "-", "/")) and len(form.prefix) > 1 and not selector_like
    query_form = form.prefix.endswith("=") and ("?" in form.prefix or form.prefix.startswith("&"))
    return path_form or query_form


def page_count(scripts: str) -> int | None:
    """The number of pages a script pager is told: a page count, or a record count over a page size."""
    rules = navigation_rules()
    if m := rules["pager_page_count"].search(scripts):
        return int(m[1])
    records, size = rules["pager_record_count"].search(scripts), rules["pager_page_size"].search(scripts)
    if records and size and int(size[1]):
        return -(-int(records[1]) // int(size[1]))
    return None


def script_pages(response: TextResponse, scripts: str) -> list[str]:
    """Pages of a list whose pager a script builds: the page count named in the script (or the numbers of the
    pager's javascript: links) in the page URL the script builds."""
    forms = page_url_forms(scripts)
    if not forms:
        return []
    numbers: set[int] = set()
    call = navigation_rules()["page_call_link"]
    for a in response.css("a"):
        for handler in (a.attrib.get("href", ""), a.attrib.get("onclick", "")):
            if m := call.match(handler):
                numbers.add(int(m[1]))
    if (count := page_count(scripts)) is not None:
        numbers |= set(range(1, count + 1))
    # Page 1 is the page the walk came to the list by (its own URL, not always the script's form of it).
    return [form.url(response.url, n) for form in forms for n in sorted(numbers) if n > 1]


class Family:
    """A CMS family's page object over one response. The defaults read any portal (the generic walk)."""

    name: ClassVar[str]
    body_selectors: ClassVar[tuple[str, ...]] = GENERIC_BODY_SELECTORS
    registry: ClassVar[dict[str, type[Family]]] = {}

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not register:
            return
        if "name" not in cls.__dict__:
            raise TypeError(f"family {cls.__qualname__} must name itself (name = '...')")
        if (known := Family.registry.get(cls.name)) is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"two families are named {cls.name!r}: {known.__module__} and {cls.__module__}")
        Family.registry[cls.name] = cls

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    @classmethod
    def report_selectors(cls) -> tuple[str, ...]:
        """The containers a report page's body is looked for in: the family's own, then every family's
        (a site may mix templates across columns)."""
        return tuple(dict.fromkeys(cls.body_selectors + GENERIC_BODY_SELECTORS))

    def fingerprint(self) -> list[str]:
        """Why the page looks like a page of this family (empty: it does not)."""
        return []

    def links_shaped(self, pattern: re.Pattern[str], at_least: int) -> bool:
        """Whether the page links to ``at_least`` URLs of the shape a family gives its pages."""
        return sum(bool(pattern.search(h)) for h in self.response.css("a::attr(href)").getall()) >= at_least

    def entries(self) -> list[Anchor]:
        """The entries of one list page of the column: its links, or what a list API's JSON answer lists."""
        if is_html(self.response):
            return list(anchors(self.response))
        return json_anchors(self.response)

    def next_pages(self) -> list[ListPage]:
        """The column's further list pages, as seen from this one."""
        return [ListPage(url) for url in pager_urls(self.response)]

    def needs_browser(self, entries: list[Anchor]) -> bool:
        """Whether the column page must be rendered by a browser to show its list: it names no further page,
        but shows signs that a script brings the rest (``more_to_load``)."""
        return is_html(self.response) and not self.next_pages() and bool(more_to_load(self.response, entries))
