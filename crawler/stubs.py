"""Pages that stand where a report should be and are not one: redirect stubs, login walls and error pages.

A stub is short: its phrases (crawler/data/stubs.yaml) are looked for only on a page whose text is short, so a
report that quotes "页面不存在" is still a report. Two readings, both pure:

- ``redirect_of``: where a short page sends the reader (a meta refresh the downloader did not follow, a script
  setting ``location``); the spider follows the target as the report, within the site's scope. A page that links
  a document (a report that points to its attachment) is no redirect stub, whatever its scripts do. A refresh of
  less than METAREFRESH_MAXDELAY (100 s: ``0;url=…``) never reaches the spider: Scrapy's MetaRefreshMiddleware
  follows it, and the spider sees the target (or, off the site, records it: crawler/site_spider.py); scripts Scrapy
  never runs.
- ``stub_of``: whether a page's text, as the stages read it, is a redirect notice, a login wall (a phrase and a
  password field) or an error page (whatever status it was served with).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from w3lib.html import get_meta_refresh, replace_entities

from crawler.html import parse_document
from crawler.rules import data_yaml
from crawler.text import fold, without_controls
from crawler.urls import ATTACHMENT_EXT, SKIP_SCHEMES

REDIRECT_NOTICE = "redirect notice"
LOGIN_WALL = "login wall"
ERROR_PAGE = "error page"
PASSWORD_FIELD = re.compile(r"""<input\b[^>]*\btype\s*=\s*["']?password\b""", re.I)
INVISIBLE = ("script", "style", "noscript", "template")
REDIRECT_HINT = re.compile(r"location|refresh|navigate", re.I)  # no page is parsed that has none of these


@dataclass(frozen=True)
class StubRules:
    max_text_chars: int
    max_scan_chars: int
    phrases: dict[str, tuple[str, ...]]  # kind → folded phrases
    scripts: tuple[re.Pattern[str], ...]


@cache
def stub_rules() -> StubRules:
    data = data_yaml("crawler", "stubs.yaml")
    phrases = {kind: tuple(fold(p, cache=False).lower() for p in data[key])
               for kind, key in ((LOGIN_WALL, "login_wall"), (REDIRECT_NOTICE, "redirect_notice"),
                                 (ERROR_PAGE, "error_page"))}
    return StubRules(int(data["max_text_chars"]), int(data["max_scan_chars"]), phrases,
                     tuple(re.compile(p, re.I) for p in data["script_redirects"]))


@dataclass(frozen=True)
class Stub:
    kind: str  # REDIRECT_NOTICE, LOGIN_WALL or ERROR_PAGE
    phrase: str  # what the page says (folded), or where it leads

    @property
    def reason(self) -> str:
        return f"{self.kind}: {self.phrase}"


@dataclass(frozen=True)
class Redirect:
    url: str
    how: str  # "meta refresh" or "script"


def _short(title: str | None, lines: list[str], bound: int) -> bool:
    """Whether a page's title and lines hold at most ``bound`` characters but white space (a long text is not
    read to its end)."""
    total = 0
    for line in (title or "", *lines):
        total += len("".join(line.split()))
        if total > bound:
            return False
    return True


def stub_of(title: str | None, lines: list[str], html: str = "") -> Stub | None:
    """What a page is if it is a stub and no report: its title and text lines (as the stages read them; the
    page's ``html`` for its password field). None for a page with more text than a stub holds."""
    rules = stub_rules()
    if not _short(title, lines, rules.max_text_chars):
        return None
    text = fold(" ".join([title or "", *lines]), cache=False).lower()
    for kind, phrases in rules.phrases.items():
        if kind == LOGIN_WALL and not PASSWORD_FIELD.search(html):
            continue
        if phrase := next((p for p in phrases if p in text), None):
            return Stub(kind, phrase)
    return None


def _tree(html: str) -> etree._Element | None:
    try:
        return parse_document(without_controls(html)).tree
    except (etree.ParserError, ValueError):
        return None


def _target(raw: str, base: str) -> str | None:
    """The absolute http(s) URL a redirect names, if it names another page than ``base``."""
    raw = replace_entities(raw.strip())
    if not raw or raw.lower().startswith(SKIP_SCHEMES) or raw.lower().startswith("about:"):
        return None
    url = urljoin(base, raw)
    if urlsplit(url).scheme not in ("http", "https") or url.split("#")[0] == base.split("#")[0]:
        return None
    return url


def redirect_of(html: str, url: str) -> Redirect | None:
    """Where a short page without a document link sends the browser: its meta refresh (any delay), else the
    first script that sets ``location``. None for a page too long to be a stub."""
    rules = stub_rules()
    if len(html) > rules.max_scan_chars or not REDIRECT_HINT.search(html) or (tree := _tree(html)) is None:
        return None
    if any(ATTACHMENT_EXT.search((a.get("href") or "").strip()) for a in tree.iter("a")):
        return None
    scripts = [el.text or "" for el in tree.iter("script")]
    scripts += [handler for el in tree.iter("body") if (handler := el.get("onload"))]
    for el in [el for tag in INVISIBLE for el in tree.iter(tag)]:
        el.drop_tree()
    body = tree.find("body")
    lines = [] if body is None else [body.text_content()]
    if not _short(tree.findtext(".//title"), lines, rules.max_text_chars):
        return None
    _, refresh = get_meta_refresh(html, baseurl=url)
    if refresh and (target := _target(refresh, url)):
        return Redirect(target, "meta refresh")
    for script in scripts:
        for pattern in rules.scripts:
            for match in pattern.finditer(script):
                if target := _target(match["url"], url):
                    return Redirect(target, "script")
    return None
