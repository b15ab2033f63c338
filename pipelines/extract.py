"""Extract: the report body of a page as paragraphs, plus its meta tags, title and attachment links.

The page is read as the tree a browser builds (crawler/html.py: an early </html>, a second <body>, content
between table rows, any nesting depth). Three strategies in order of trust: the family's body container (from
the spider); when that finds nothing or nothing that looks like a report, the page's main block (the deepest
element holding nearly all of its prose, right on table-layout pages where trafilatura pulls in navigation),
then trafilatura (tables kept). A less trusted candidate wins only as a clearly better body: more running
text, less navigation. A container a stray end tag closed early goes on with the article's text after it.
Attachments are the document links of the body and of the article's region around it, not of the site's
menus, sidebars and footers.

Lines keep the text's own punctuation; runs of white space (full-width and no-break spaces included) become
one space and are trimmed, zero-width characters go. Table rows are one line, cells joined by a TAB.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urljoin

import trafilatura
from lxml import etree

from crawler.chrome import chrome_rules
from crawler.errors import TOO_DEEP
from crawler.html import BLOCK_TAGS, parse_document
from crawler.items import Paragraph, ReportPage
from crawler.rules import data_yaml
from crawler.text import CJK, FIELD_BOUNDS, HEADING, bounded, clean_line, key, without_controls
from crawler.urls import ATTACHMENT_EXT, SKIP_SCHEMES

DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "select", "button", "input", "textarea")
# Hidden the inline-style ways: display/visibility, and the off-screen boxes hijacked mirrors hide spam links in.
HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:left|top|text-indent)\s*:\s*-\d{3,}(?:\.\d+)?px", re.I
)
TRS_ATTACHMENT = re.compile(r"(^|/)P0\d{10,}")
ATTACHMENT_LABEL = re.compile(r"^\s*(相关|本文)?附件(下载|列表)?\s*[:：]?\s*$")
IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif)$", re.I)
# A site path or URL inside script text, ending in a file name with an extension.
SCRIPT_PATH = re.compile(r"(?:https?://[^\s\"'|;,<>()]+|(?<![\w.])\.{0,2}/[^\s\"'|;,<>()]+)\.[A-Za-z0-9]{2,4}(?=[\s\"'|;,<>)]|$)")
ATTACHMENT_LIST = re.compile(r"附件|fjxx|fujian|appendix|attach|fileList|file_list|\bfj\w*\s*=", re.I)
SCRIPT_HREF = re.compile(r"""href\s*=\s*\\?["']([^"'\\]+)\\?["']""")
NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # the words of an id or class: footer_wrap, leftNav
# Whether an element holds an element of a class (the class as a word of @class, not a part of one).
USES_CLASS = etree.XPath(
    "boolean(descendant::*[contains(concat(' ', normalize-space(@class), ' '), concat(' ', $name, ' '))])")
TITLE_HEAD_CHARS = 6  # leading characters of the title a text node must hold to start the title's element
TITLE_CLIMB = 3  # inline elements a title's text may sit in below the title's element
TITLE_SLACK = 2  # the title's element holds at most this many times the title's length (spaces, padding)
PROSE_PUNCT = re.compile(r"[，。；、,;]")
LAYOUT_CELL_CHARS = 300  # a cell holding this much text is page layout, not a data table's cell
LAYOUT_CELL_SENTENCES = 2  # ... and so is one holding this many sentences
MAIN_BLOCK_SHARE = 0.8  # the main block holds at least this share of the page's prose
MIN_PROSE_CJK = 15  # CJK characters a line needs to count as prose
MIN_REPORT_PROSE = 300  # prose characters (with a section heading) for a body to look like a report
# trafilatura's XML output, renamed into the HTML vocabulary the walker reads.
TRAFILATURA_TAGS = {"head": "h2", "item": "li", "list": "ul", "quote": "blockquote", "row": "tr", "cell": "td",
                    "ref": "a", "lb": "br", "code": "pre", "doc": "div", "main": "div", "hi": "span"}


@dataclass
class Extraction:
    paragraphs: list[Paragraph]
    method: str
    meta: dict[str, str] = field(default_factory=dict)
    page_title: str | None = None
    attachments: list[str] = field(default_factory=list)
    deep: bool = False  # the page nested deeper than libxml2 keeps (crawler/html.py read it flattened)
    cut: dict[str, int] = field(default_factory=dict)  # fields cut to their bound → their length as served


class _Lines:
    """Accumulates text into lines, breaking at block boundaries; records link text and each line's block."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.owners: list[etree._Element] = []
        self._parts: list[str] = []
        self._linked = 0
        self._owner: etree._Element | None = None

    def add(self, text: str | None, linked: bool, owner: etree._Element) -> None:
        if text:
            self._parts.append(text)
            self._owner = self._owner if self._owner is not None else owner
            if linked:
                self._linked += len(clean_line(text).replace(" ", ""))

    def add_row(self, cells: list[str], linked: bool, owner: etree._Element) -> None:
        self.flush()
        self.paragraphs.append(Paragraph("\t".join(cells), linked=linked, row=True))
        self.owners.append(owner)

    def flush(self) -> None:
        text = clean_line("".join(self._parts))
        if text and self._owner is not None:
            compact = len(text.replace(" ", ""))
            self.paragraphs.append(Paragraph(text, linked=compact > 0 and self._linked >= 0.8 * compact))
            self.owners.append(self._owner)
        self._parts, self._linked, self._owner = [], 0, None


def _tag(node: etree._Element) -> str:
    return node.tag.lower() if isinstance(node.tag, str) else ""


def _cell_text(cell: etree._Element) -> str:
    """A table cell's text on one line (cells often hold several <p> or <br>-split fragments)."""
    return "".join(clean_line(t) for t in cell.itertext())


def _is_layout(table: etree._Element) -> bool:
    """A table that lays out the page (it nests tables or lists, or a cell holds prose) rather than holding data."""
    if any(el is not table for el in table.iter("table")) or next(table.iter("ul", "ol", "dl"), None) is not None:
        return True
    for cell in table.iter("td", "th"):
        text = _cell_text(cell)
        if len(text) > LAYOUT_CELL_CHARS or text.count("。") >= LAYOUT_CELL_SENTENCES:
            return True
    return False


def _walk(node: etree._Element, out: _Lines, in_link: bool, owner: etree._Element) -> None:
    tag = _tag(node)
    if tag == "table" and not _is_layout(node):
        out.flush()
        for row in node.iter("tr"):
            cells = [_cell_text(c) for c in row if _tag(c) in ("td", "th")]
            if any(cells):
                text = sum(map(len, cells))
                linked = in_link or sum(len(_cell_text(a)) for a in row.iter("a")) >= 0.8 * text
                out.add_row(cells, linked, node)
        out.add(node.tail, in_link, owner)
        return
    block = tag in BLOCK_TAGS
    if block or tag == "br":
        out.flush()
    linked = in_link or tag == "a"
    inner = node if block else owner
    if tag != "br":
        out.add(node.text, linked, inner)
        for child in node:
            _walk(child, out, linked, inner)
    if block:
        out.flush()
    out.add(node.tail, in_link, owner)


def _lines(element: etree._Element) -> _Lines:
    out = _Lines()
    _walk(element, out, False, element)
    out.flush()
    return out


def paragraphs_of(element: etree._Element) -> list[Paragraph]:
    return _lines(element).paragraphs


def prose_weight(p: Paragraph) -> int:
    """Characters of a line that reads as running text (not a link, a table row, a label or a footer line)."""
    if p.linked or p.row or len(CJK.findall(p.text)) < MIN_PROSE_CJK or not PROSE_PUNCT.search(p.text):
        return 0
    return 0 if chrome_rules().is_chrome(p.text) else len(p.text)


def looks_like_report(paragraphs: list[Paragraph]) -> bool:
    """Enough running text, with at least one section heading (一、 (一) 1.)."""
    prose = sum(prose_weight(p) for p in paragraphs)
    return prose >= MIN_REPORT_PROSE and any(HEADING.match(p.text) for p in paragraphs if not p.row)


def body_score(paragraphs: list[Paragraph]) -> int:
    """Prose characters minus navigation characters (link lines, chrome lines): higher is a better body."""
    rules = chrome_rules()
    noise = sum(len(p.text) for p in paragraphs if p.linked or rules.is_chrome(p.text))
    return sum(prose_weight(p) for p in paragraphs) - noise


def main_block(root: etree._Element) -> tuple[etree._Element | None, int]:
    """The deepest element that holds at least MAIN_BLOCK_SHARE of the prose under ``root``, and that prose."""
    lines = _lines(root)
    weights: Counter[etree._Element] = Counter()
    total = 0
    for p, owner in zip(lines.paragraphs, lines.owners, strict=True):
        if weight := prose_weight(p):
            total += weight
            for el in (owner, *owner.iterancestors()):
                weights[el] += weight
    held = [el for el, weight in weights.items() if weight >= MAIN_BLOCK_SHARE * total]
    return max(held, key=lambda el: sum(1 for _ in el.iterancestors()), default=None), total


def trafilatura_paragraphs(html: str, url: str) -> list[Paragraph]:
    """trafilatura's reading of the page (tables and links kept), as paragraphs and tab-joined rows."""
    xml = trafilatura.extract(html, url=url, output_format="xml", include_tables=True, include_links=True,
                              include_comments=False, deduplicate=False, favor_recall=True)
    if not xml:
        return []
    try:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True))
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = TRAFILATURA_TAGS.get(el.tag, el.tag)
    paragraphs = paragraphs_of(root)
    for p in paragraphs:
        if p.row:  # trafilatura pads spanned rows with empty cells
            p.text = p.text.rstrip("\t")
    return paragraphs


@dataclass
class _Choice:
    """The best body candidate so far. Candidates are offered in order of trust: the family's container is
    what the CMS calls the body, the main block keeps the page's structure, trafilatura is a guess from
    outside. A later one must beat the choice by a margin, so near-ties (the same text with a little more or
    less around it) go to the more trusted."""

    method: str = "none"
    paragraphs: list[Paragraph] = field(default_factory=list)
    score: int = 0

    @property
    def bar(self) -> int:
        """The body score a less trusted candidate must reach to replace the choice."""
        return max(2 * self.score, self.score + MIN_REPORT_PROSE) if self.paragraphs else 0

    def offer(self, method: str, paragraphs: list[Paragraph]) -> None:
        if not paragraphs:
            return
        score = body_score(paragraphs)
        if not self.paragraphs or score >= self.bar:
            self.method, self.paragraphs, self.score = method, paragraphs, score


def _prune(tree: etree._Element) -> None:
    """Drop what a reader never sees: comments, scripts, form widgets and hidden elements (tails are kept)."""
    doomed = tree.xpath("//comment() | //processing-instruction()") + [el for tag in DROP_TAGS for el in tree.iter(tag)]
    doomed += [el for el in tree.xpath("//*[@style or @hidden]")
               if el.get("hidden") is not None or HIDDEN_STYLE.search(el.get("style", ""))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _meta(tree: etree._Element, cut: dict[str, int]) -> dict[str, str]:
    """The page's meta tags, each value within its bound (a cut one noted in ``cut``, by its name)."""
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if name and content and name not in meta:
            meta[name] = bounded(content, "page_meta")
            if len(meta[name]) < len(content):
                cut[f"meta:{name}"] = len(content)
    return meta


def _titles(tree: etree._Element, meta: dict[str, str]) -> Iterator[str | None]:
    """Where a page names itself, best first: ArticleTitle, the page's heading, <title> (each read only if
    the one before would not do)."""
    yield meta.get("articletitle")
    for xpath in ("//h1", "//*[contains(@class,'title')][self::h2 or self::h3 or self::div or self::td]"):
        for el in tree.xpath(xpath):
            text = clean_line("".join(el.itertext()))
            if 6 <= len(text) <= 120:
                yield text
    yield tree.findtext(".//title")


def _page_title(tree: etree._Element, meta: dict[str, str], cut: dict[str, int]) -> str | None:
    """The first of ``_titles`` within a title's bound. A longer one is absurd (a template that wrote the
    article, or a list of keywords, into it): taken only for want of any other, cut to the bound (noted in
    ``cut``)."""
    absurd = None
    for found in _titles(tree, meta):
        if not (text := clean_line(found or "")):
            continue
        if len(text) <= FIELD_BOUNDS["title"]:
            return text
        absurd = absurd or text
    if absurd is None:
        return None
    cut["page_title"] = len(absurd)
    return bounded(absurd, "title")


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


def _continued(container: etree._Element) -> list[etree._Element]:
    """The container and the siblings after it that carry its text on. A stray end tag in the body closes the
    container early (in a browser too) and the rest of the article follows it in its parent: the body's own
    markup (no id, no class the container's elements do not use), up to the first block with a link or a
    chrome line. A run without running text (a date line, a source line) is no continuation, and neither is
    another block of the page (its own id or class)."""
    rules = chrome_rules()
    run: list[tuple[etree._Element, int]] = []  # each sibling with its running text's characters
    for sibling in container.itersiblings():
        if sibling.get("id"):
            break
        lines = paragraphs_of(sibling)
        if any(p.linked or rules.is_chrome(p.text) for p in lines):
            break
        run.append((sibling, sum(prose_weight(p) for p in lines)))
    if not any(prose for _, prose in run):
        return [container]
    # Only now, as it costs a look through the container: a sibling of a class the body does not use ends it.
    for i, (sibling, _) in enumerate(run):
        if not all(USES_CLASS(container, name=name) for name in (sibling.get("class") or "").split()):
            run = run[:i]
            break
    return [container, *(sibling for sibling, _ in run)] if any(prose for _, prose in run) else [container]


def _labelled_attachment(a: etree._Element) -> bool:
    """A file link in a 附件 block: the label in the link or a short ancestor, or a bare 附件： label before one."""
    node: etree._Element | None = a
    for _ in range(4):
        if node is None:
            return False
        text = "".join(node.itertext())
        if len(text) > 200:
            return False  # climbed into the page body: the label would prove nothing
        previous = node.getprevious()
        if "附件" in text or (previous is not None and ATTACHMENT_LABEL.match("".join(previous.itertext()))):
            return True
        node = node.getparent()
    return False


@cache
def _page_regions() -> tuple[frozenset[str], frozenset[str]]:
    """The tags and id/class words of blocks outside the article (data/page_regions.yaml)."""
    data = data_yaml("pipelines", "page_regions.yaml")
    return frozenset(data["tags"]), frozenset(data["words"])


def _outside_article(el: etree._Element) -> bool:
    """An element the template names as navigation, sidebar, footer or a link box."""
    tags, words = _page_regions()
    if _tag(el) in tags:
        return True
    names = f"{el.get('id') or ''} {el.get('class') or ''}"
    return any(word.lower() in words for word in NAME_WORD.findall(names))


def _title_element(body: etree._Element, title: str | None) -> etree._Element | None:
    """The element before the body that shows the page's title, the one nearest the body (a heading above it;
    not a link to the page in a breadcrumb or a list, not the body's own title line)."""
    wanted = key(title or "")
    head = "".join((title or "").split())[:TITLE_HEAD_CHARS]
    if not wanted or not head:
        return None
    chain = {el: depth for depth, el in enumerate(reversed([body, *body.iterancestors()]))}
    best, best_depth = None, -1
    longest = TITLE_SLACK * len(title or "")  # more text than this holds more than the title
    for text in body.getroottree().xpath("//body//text()[contains(., $head)]", head=head):
        if len(text) > longest:
            continue  # a paragraph that names the report, not its title
        el = text.getparent()
        el = el.getparent() if text.is_tail else el
        shown = ""
        for _ in range(TITLE_CLIMB):  # the title's element, or an inline element inside it
            if el is None:
                break
            shown = "".join(el.itertext())
            if len(shown) > longest or key(shown) == wanted:
                break
            el = el.getparent()
        if el is None or el in chain or len(shown) > longest or key(shown) != wanted:
            continue
        lineage = [el, *el.iterancestors()]
        if body in lineage or any(_tag(e) == "a" for e in lineage) or not _before(el, body):
            continue
        depth = next(chain[e] for e in lineage if e in chain)
        if depth > best_depth:
            best, best_depth = el, depth
    return best


def _before(first: etree._Element, second: etree._Element) -> bool:
    """Whether ``first`` starts before ``second`` in document order (an element starts before what it holds)."""
    lineage = [second, *second.iterancestors()]
    position = {el: i for i, el in enumerate(lineage)}
    below: etree._Element | None = None  # the child of the common ancestor on first's side
    for el in (first, *first.iterancestors()):
        if el in position:
            if below is None:
                return True  # first holds second
            i = position[el]
            return i > 0 and el.index(below) < el.index(lineage[i - 1])
        below = el
    return False


def _article_attachments(body: etree._Element, title: str | None, links: list[etree._Element]
                         ) -> list[etree._Element]:
    """Of the page's document ``links``, those in the article's region: from the title down (from the body
    when the title is in it or not found), but for those in a block of the site's beside the body's own
    lineage: a block the template names as navigation, sidebar or footer (data/page_regions.yaml), one that
    links more pages than documents (a menu) or one that holds a chrome line (a footer)."""
    chain = {body, *body.iterancestors()}
    start: etree._Element | None = None
    found = []
    site_blocks: dict[etree._Element, bool] = {}
    for a in links:
        lineage = [a, *a.iterancestors()]
        meeting = next(i for i, el in enumerate(lineage) if el in chain)
        if meeting and lineage[meeting] is not body:  # (a link holding the body counts as the body's)
            if start is None:
                heading = _title_element(body, title)
                start = body if heading is None else heading
            block = lineage[meeting - 1]  # the block holding the link, beside the body's lineage
            if block not in site_blocks:
                site_blocks[block] = _site_block(block)
            if not _before(start, a) or site_blocks[block] or any(_outside_article(el) for el in lineage[:meeting]):
                continue
        found.append(a)
    return found


def _site_block(block: etree._Element) -> bool:
    """A block of the site's around the article: a menu (more links to pages than to documents) or a footer
    (a chrome line that is not an attachment label)."""
    hrefs = [href for a in block.iter("a") if (href := (a.get("href") or "").strip())
             and not href.lower().startswith(SKIP_SCHEMES)]
    documents = sum(1 for href in hrefs if ATTACHMENT_EXT.search(href))
    if len(hrefs) - documents > documents:
        return True
    rules = chrome_rules()
    return any(not p.linked and not ATTACHMENT_LABEL.match(p.text) and rules.is_chrome(p.text)
               for p in paragraphs_of(block))


def _attachments(base_url: str, scopes: list[etree._Element], links: list[etree._Element],
                 article: list[etree._Element], raw_html: str) -> list[str]:
    """Attachment links: of the page's document ``links``, those in the body's containers, in the article's
    region (``article``), in a 附件 block or named the TRS way (P0…); and file paths in scripts."""
    urls: list[str] = []
    outside = (a for a in links if _labelled_attachment(a) or TRS_ATTACHMENT.search((a.get("href") or "").strip()))
    for a in [*(a for scope in scopes for a in scope.iter("a")), *article, *outside]:
        href = (a.get("href") or "").strip()
        if href and ATTACHMENT_EXT.search(href):
            urls.append(urljoin(base_url, href))
    # Attachments some templates write only into scripts: var rel_appendix = '<a href=...>', a JSON file list,
    # a "name|path;name|path" string. In a script about attachments, listed pictures (图解) count too.
    for script in re.findall(r"<script[^>]*>(.*?)</script>", raw_html, re.S | re.I):
        urls += [urljoin(base_url, h) for h in SCRIPT_HREF.findall(script) if ATTACHMENT_EXT.search(h)]
        listed = ATTACHMENT_LIST.search(script)
        for path in SCRIPT_PATH.findall(script):
            if ATTACHMENT_EXT.search(path) or (listed and IMAGE_EXT.search(path)):
                urls.append(urljoin(base_url, path))
    return list(dict.fromkeys(urls))


def extract(html: str, url: str, selectors: tuple[str, ...] = ()) -> Extraction:
    """Paragraphs of the report body at ``url``; never raises on malformed markup."""
    html = without_controls(html)
    if not html.strip():
        return Extraction([], "empty")
    try:
        document = parse_document(html)
    except (etree.ParserError, ValueError):
        return Extraction([], "unparsable")
    tree = document.tree
    cut: dict[str, int] = {}
    meta = _meta(tree, cut)
    title = _page_title(tree, meta, cut)
    _prune(tree)
    found = _containers(tree, selectors) if selectors else None
    scopes = [el for container in found[1] for el in _continued(container)] if found else []
    choice = _Choice()
    if found:
        choice.offer(f"selector:{found[0]}", [p for el in scopes for p in paragraphs_of(el)])
    block = None
    if not looks_like_report(choice.paragraphs):
        body = tree.find("body")
        block, page_prose = main_block(body if body is not None else tree)
        if block is not None:
            choice.offer("main-block", paragraphs_of(block))
        if 2 * page_prose >= choice.bar:  # else even all the page's prose could not make trafilatura win
            choice.offer("trafilatura", trafilatura_paragraphs(document.html, url))
    anchor = block if choice.method == "main-block" or not scopes else scopes[0]
    links = [a for a in tree.iter("a") if ATTACHMENT_EXT.search((a.get("href") or "").strip())]
    article = _article_attachments(anchor, title, links) if anchor is not None and links else []
    return Extraction(choice.paragraphs, choice.method, meta, title, _attachments(url, scopes, links, article, html),
                      document.deep, cut)


class ExtractPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        result = extract(item.html, item.url, item.body_selectors)
        item.paragraphs = result.paragraphs
        item.extracted_by = result.method
        item.meta = result.meta
        item.page_title = result.page_title
        item.attachments = list(dict.fromkeys([*item.attachments, *result.attachments]))  # the spider's kept
        for name, served in result.cut.items():
            item.field_cut(name, served)
        if result.deep:
            item.problem(TOO_DEEP, "nested deeper than libxml2 keeps (256 levels): read flattened")
        return item
