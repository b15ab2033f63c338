"""Extract: the report body of a page as paragraphs, plus its meta tags, title and attachment links.

The family's body container first (from the spider); trafilatura when no container holds a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawler.items import Paragraph, ReportPage

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "blockquote", "pre", "center", "form", "header", "footer", "nav",
    "aside", "address", "hr", "figure", "figcaption",
})
DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "select", "button", "input", "textarea")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|wps|et|zip|rar|7z|ofd|pptx?|txt|csv)(\?|#|$)", re.I)
TRS_ATTACHMENT = re.compile(r"(^|/)P0\d{10,}")
SCRIPT_HREF = re.compile(r"""href\s*=\s*\\?["']([^"'\\]+)\\?["']""")
SPACES = re.compile(r"[ \t\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
MIN_BODY_CHARS = 120


@dataclass
class Extraction:
    paragraphs: list[Paragraph]
    method: str
    meta: dict[str, str] = field(default_factory=dict)
    page_title: str | None = None
    attachments: list[str] = field(default_factory=list)


def _clean_line(text: str) -> str:
    return SPACES.sub(" ", text).strip()


class _Lines:
    """Accumulates text into lines, breaking at block boundaries, and measures link text per line."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self._parts: list[str] = []
        self._linked = 0

    def add(self, text: str | None, linked: bool) -> None:
        if text:
            text = text.replace("\r", "").replace("\n", " ")
            self._parts.append(text)
            if linked:
                self._linked += len(text.strip())

    def add_row(self, cells: list[str]) -> None:
        self.flush()
        self.paragraphs.append(Paragraph("\t".join(cells), row=True))

    def flush(self) -> None:
        text = _clean_line("".join(self._parts))
        if text:
            compact = len(text.replace(" ", ""))
            self.paragraphs.append(Paragraph(text, linked=compact > 0 and self._linked >= 0.8 * compact))
        self._parts, self._linked = [], 0


def _cell_text(cell: etree._Element) -> str:
    """A table cell's text on one line (cells often hold several <p> or <br>-split fragments)."""
    return "".join(_clean_line(t) for t in cell.itertext())


def _walk(node: etree._Element, out: _Lines, in_link: bool = False) -> None:
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag == "table":
        out.flush()
        for row in node.iter("tr"):
            cells = [_cell_text(c) for c in row if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
            if any(cells):
                out.add_row(cells)
        out.add(node.tail, in_link)
        return
    block = tag in BLOCK_TAGS
    if block or tag == "br":
        out.flush()
    linked = in_link or tag == "a"
    if tag != "br":
        out.add(node.text, linked)
        for child in node:
            _walk(child, out, linked)
    if block:
        out.flush()
    out.add(node.tail, in_link)


def _prune(tree: etree._Element) -> None:
    """Drop what a reader never sees: comments, scripts, form widgets and hidden elements (tails are kept)."""
    doomed = tree.xpath("//comment() | //processing-instruction()") + [el for tag in DROP_TAGS for el in tree.iter(tag)]
    doomed += [el for el in tree.xpath("//*[@style or @hidden]")
               if el.get("hidden") is not None or HIDDEN_STYLE.search(el.get("style", ""))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def paragraphs_of(element: etree._Element) -> list[Paragraph]:
    out = _Lines()
    _walk(element, out)
    out.flush()
    return out.paragraphs


def _meta(tree: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if name and content and name not in meta:
            meta[name] = content
    return meta


def _page_title(tree: etree._Element, meta: dict[str, str]) -> str | None:
    if meta.get("articletitle"):
        return _clean_line(meta["articletitle"])
    for xpath in ("//h1", "//*[contains(@class,'title')][self::h2 or self::h3 or self::div or self::td]"):
        for el in tree.xpath(xpath):
            text = _clean_line("".join(el.itertext()))
            if 6 <= len(text) <= 120:
                return text
    title = tree.findtext(".//title")
    return _clean_line(title) if title else None


def _containers(tree: etree._Element, selectors: tuple[str, ...]) -> tuple[str, list[etree._Element]] | None:
    for selector in selectors:
        try:
            found = tree.cssselect(selector)
        except Exception:  # a selector lxml cannot compile names a bug in a spider, not in the page
            raise ValueError(f"bad body selector {selector!r}") from None
        outer = [el for el in found if not any(other in el.iterancestors() for other in found)]
        if outer:
            return selector, outer
    return None


def _attachments(base_url: str, tree: etree._Element, scopes: list[etree._Element], raw_html: str) -> list[str]:
    urls: list[str] = []
    for scope in scopes:
        for a in scope.iter("a"):
            href = (a.get("href") or "").strip()
            if href and ATTACHMENT_EXT.search(href):
                urls.append(urljoin(base_url, href))
    # Outside the body: file links labelled 附件 (in the link or the line around it) or named the TRS way.
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not (href and ATTACHMENT_EXT.search(href)):
            continue
        parent = a.getparent()
        label = "".join(parent.itertext()) if parent is not None else "".join(a.itertext())
        if "附件" in label or TRS_ATTACHMENT.search(href):
            urls.append(urljoin(base_url, href))
    # Attachments some templates write only into script variables (var rel_appendix = '<a href=...>').
    for script in re.findall(r"<script[^>]*>(.*?)</script>", raw_html, re.S | re.I):
        urls += [urljoin(base_url, h) for h in SCRIPT_HREF.findall(script) if ATTACHMENT_EXT.search(h)]
    return list(dict.fromkeys(urls))


def extract(html: str, url: str, selectors: tuple[str, ...] = ()) -> Extraction:
    """Paragraphs of the report body at ``url``; never raises on malformed markup."""
    if not html.strip():
        return Extraction([], "empty")
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return Extraction([], "unparsable")
    meta = _meta(tree)
    title = _page_title(tree, meta)
    _prune(tree)
    found = _containers(tree, selectors) if selectors else None
    scopes = found[1] if found else []
    paragraphs = [p for el in scopes for p in paragraphs_of(el)]
    method = f"selector:{found[0]}" if found else "none"
    if sum(len(p.text) for p in paragraphs) < MIN_BODY_CHARS:
        text = trafilatura.extract(html, url=url, include_tables=True, include_comments=False,
                                   deduplicate=False, favor_recall=True)
        if text and len(text) > sum(len(p.text) for p in paragraphs):
            paragraphs = [Paragraph(line) for line in (_clean_line(t) for t in text.splitlines()) if line]
            method = "trafilatura"
    return Extraction(paragraphs, method, meta, title, _attachments(url, tree, scopes, html))


class ExtractPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        result = extract(item.html, item.url, item.body_selectors)
        item.paragraphs = result.paragraphs
        item.extracted_by = result.method
        item.meta = result.meta
        item.page_title = result.page_title
        item.attachments = result.attachments
        return item
