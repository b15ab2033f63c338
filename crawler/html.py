"""A page's HTML as the lxml tree a browser would build, at any nesting depth.

libxml2 (under lxml and parsel) builds most pages as a browser does, and fast, so every page is read with it
first. Where its tree is known to part from a browser's, the page is read again with lexbor, an HTML5 parser
(selectolax), and lexbor's serialisation — one ``<body>``, every element closed where the browser closed it —
becomes the lxml tree. The partings looked for:

- everything after an early ``</html>`` (a header include closing the document) is dropped;
- what follows ``</body>``, or a second ``<body>``, lands outside the body;
- elements and text a browser moves out of a table (not in a cell: "foster parenting") stay in the table;
- the tree stops at depth 256: a body inside deeper nesting vanishes.

A page nested deeper than that is flattened first (``flatten``), in one pass over its tags, so that no parser
sees the depth: lexbor's tree building slows down quadratically with nested ``<div>``s, libxml2 stops.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

from lxml import etree
from lxml import html as lxml_html
from selectolax.lexbor import LexborHTMLParser

# Elements that start a new line of text where they open and close.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
    "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "center", "form",
    "header", "footer", "nav", "aside", "address", "hr", "figure", "figcaption",
})
VOID_TAGS = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link",
    "meta", "param", "source", "track", "wbr",
})
RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
# Tags flattening never unwraps for being a wrapper: tables and lists are read by their structure, links by
# their text, and the document's own elements are the parser's business.
STRUCTURAL_TAGS = frozenset({
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "ul", "ol", "dl", "a", "select",
    "option", "html", "head", "body",
})
# What a table or a row group may hold as a browser builds them (and a row: cells); anything else it moves out.
TABLE_CONTENT = frozenset({"tr", "tbody", "thead", "tfoot", "caption", "colgroup", "col", "form", "script", "style",
                           "template"})
IN_ROW_NOT_IN_CELL = etree.XPath(
    "boolean(//tr/*[not(self::td or self::th or self::form or self::script or self::style or self::template)])")
END_OF_HTML = re.compile(r"</html\s*>", re.I)
# What may follow </html> without being content: white space, comments, scripts, more end tags of the document.
IGNORABLE_TAIL = re.compile(r"\s+|<!--.*?-->|<script\b.*?</script\s*>|</(?:html|body)\s*>", re.I | re.S)
# Start tags that close an open <p> (HTML's list; <table> left out: quirks-mode pages keep the p open).
P_CLOSERS = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
    "main", "menu", "nav", "ol", "p", "pre", "section", "ul", "dd", "dt",
})
LIST_ITEM_PASSES = frozenset({"address", "div", "p"})  # blocks a new list item closes its open item through
# Start tags inside a table, and the open elements they close (up to the innermost open table).
TABLE_IMPLIED = (
    (frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"}), ("td", "th")),
    (frozenset({"tr", "tbody", "thead", "tfoot"}), ("tr",)),
    (frozenset({"tbody", "thead", "tfoot"}), ("tbody", "thead", "tfoot")),
)
IMPLYING_TAGS = P_CLOSERS.union({"li", "dt", "dd", "option", "optgroup"}, *(closers for closers, _ in TABLE_IMPLIED))
# Formatting elements: closed by another element's end, an HTML5 parser reopens them where text goes on.
FORMATTING_TAGS = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
                             "tt", "u"})
NOAHS_ARK = 3  # reopened elements of one start tag, at most
IMPLIED_REACH = 8  # open elements an implied end tag looks down the stack through
TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|<[!?][^>]*>|<(/?)([A-Za-z][^\s/>]*)([^>]*)>", re.S)
LIBXML2_DEPTH_ERROR = "Excessive depth"
LIBXML2_MAX_DEPTH = 256
# An element at libxml2's very limit (html, body and 254 more): it stops there without an error, and may have
# cut what was below. One XPath step per level, evaluated in C over the elements at each level in turn.
AT_THE_LIMIT = etree.XPath("boolean(" + "/*" * LIBXML2_MAX_DEPTH + ")")
FLAT_SOFT_DEPTH = 64  # from this depth on, wrappers holding only one element are unwrapped
FLAT_MAX_DEPTH = 192  # past this depth every element is unwrapped (libxml2 stops at 256, html and body included)


@dataclass(frozen=True)
class Document:
    tree: etree._Element  # the <html> element
    html: str  # the markup the tree was built from: the page itself, or as a browser builds it (rebuilt)
    rebuilt: bool
    deep: bool = False  # nested deeper than libxml2 keeps: read flattened


def parse_document(html: str) -> Document:
    """The page as the lxml tree a browser would build (see the module's notes): libxml2's where that is the
    same, so a page that parses fine costs one libxml2 parse and a few checks.

    Raises ``etree.ParserError`` or ``ValueError`` where lxml finds no document at all."""
    tree, deep = _libxml2(html)
    if not deep and not _unlike_a_browser(html, tree):
        return Document(tree, html, rebuilt=False)
    # Flattened before lexbor too: it needs no depth limit, but nested <div>s cost it quadratic time.
    rebuilt = LexborHTMLParser(flatten(html)).html or ""
    tree, deeper = _libxml2(rebuilt)
    if deeper:  # the HTML5 tree nests deeper than flatten counted on the page (tbody in tables, reopened formatting)
        rebuilt = flatten(rebuilt)
        tree, _ = _libxml2(rebuilt)
    return Document(tree, rebuilt, rebuilt=True, deep=deep or deeper)


def _libxml2(html: str) -> tuple[etree._Element, bool]:
    """The tree libxml2 builds, and whether it stopped at its depth limit (a fatal error: the last one) or
    reached it."""
    parser = lxml_html.HTMLParser()
    tree = lxml_html.document_fromstring(html, parser=parser)
    error = parser.error_log.last_error
    return tree, (error is not None and LIBXML2_DEPTH_ERROR in error.message) or bool(AT_THE_LIMIT(tree))


def _unlike_a_browser(html: str, tree: etree._Element) -> bool:
    """Whether libxml2's tree of the page is known to differ from a browser's."""
    end = END_OF_HTML.search(html)
    if end and IGNORABLE_TAIL.sub("", html[end.end():]):
        return True
    parts = [child.tag for child in tree if isinstance(child.tag, str)]
    if parts.count("body") > 1 or any(tag not in ("head", "body") for tag in parts):
        return True
    return _fostered(tree)


def _fostered(tree: etree._Element) -> bool:
    """Whether a table holds text or elements between its rows, or elements between a row's cells (a browser
    moves them before the table). Text between two cells is not looked for: it costs a look at every cell."""
    for part in tree.iter("table", "tbody", "thead", "tfoot"):
        if part.text is not None and not part.text.isspace():
            return True
        for child in part:
            if isinstance(child.tag, str) and child.tag not in TABLE_CONTENT:
                return True
            if child.tail is not None and not child.tail.isspace():
                return True
    return bool(IN_ROW_NOT_IN_CELL(tree))


@dataclass(slots=True)
class _Open:
    """An element open at some point of ``flatten``'s pass."""

    tag: str
    start: str  # its start tag as written
    bare: bool  # written without attributes
    token: int  # where its start tag is in the output
    kept: bool
    pure: bool = True  # no text and no child element yet, but the one being opened
    # Unwrapped as the wrapper of one block that nothing has followed yet: the block breaks the lines itself.
    lone_block: bool = False
    row_group: bool = False  # a table whose rows came without one: a parser puts a <tbody> in it, a level more


class _Flattening:
    """The state of one ``flatten`` pass: the output so far and the elements open, as a parser would see them."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[_Open] = []
        self.positions: dict[str, list[int]] = defaultdict(list)  # tag -> stack indices of its open elements
        self.kept = 0  # open elements kept in the output
        # Formatting elements closed by something else than their end tag: an HTML5 parser opens them again
        # (inside the next paragraph, say), up to three of the same start tag ("Noah's ark").
        self.reopened: dict[str, list[str]] = defaultdict(list)  # tag -> start tags
        self.reopened_starts: Counter[str] = Counter()
        self.reopened_total = 0
        self.row_groups = 0  # open tables given a <tbody> by the parser

    @property
    def depth(self) -> int:
        """The nesting the output has here, as an HTML5 parser builds it (formatting elements reopened, row
        groups put in tables)."""
        return self.kept + self.reopened_total + self.row_groups

    def text(self, text: str) -> None:
        self.out.append(text)
        if self.stack and text.strip():
            self.stack[-1].pure = self.stack[-1].lone_block = False

    def end(self, tag: str, written: str) -> None:
        if not self.positions[tag]:
            if self.reopened[tag]:  # it closes a reopened element
                self.reopened_starts[self.reopened[tag].pop()] -= 1
                self.reopened_total -= 1
            self.out.append(written)  # else a stray end tag: the parser decides
            return
        element = self._pop_to(self.positions[tag][-1], by_end_tag=True)
        self.out.append(written if element.kept else "" if element.lone_block else _trace(tag))

    def start(self, tag: str, written: str, attributes: str) -> None:
        self._close_implied(tag)
        if tag == "tr" and self.stack and self.stack[-1].tag == "table" and self.stack[-1].kept \
                and not self.stack[-1].row_group:
            self.stack[-1].row_group = True
            self.row_groups += 1
        if self.stack:
            parent = self.stack[-1]
            parent.lone_block = False
            if (self.depth >= FLAT_SOFT_DEPTH and parent.kept and parent.pure and parent.tag not in STRUCTURAL_TAGS
                    and (parent.bare or parent.start == written)):
                parent.kept = False
                parent.lone_block = tag in BLOCK_TAGS
                self.out[parent.token] = "" if parent.lone_block else _trace(parent.tag)
                self.kept -= 1
            parent.pure = False
        if tag in VOID_TAGS:
            self.out.append(written)
            return
        # A raw-text element (script, style) is a leaf and always kept: unwrapped, its code would read as text.
        keep = self.depth < FLAT_MAX_DEPTH or tag in RAW_TEXT_TAGS
        self.positions[tag].append(len(self.stack))
        self.stack.append(_Open(tag, written, not attributes.strip(" \t\n\r/"), len(self.out), keep))
        self.out.append(written if keep else _trace(tag))
        self.kept += keep

    def _pop_to(self, index: int, by_end_tag: bool = False) -> _Open:
        """Close the element at ``index`` of the stack (by its own end tag or not) and every element still
        open inside it."""
        while True:
            element = self.stack.pop()
            self.positions[element.tag].pop()
            self.kept -= element.kept
            self.row_groups -= element.row_group
            reached = len(self.stack) == index
            if (element.kept and element.tag in FORMATTING_TAGS and not (reached and by_end_tag)
                    and self.reopened_starts[element.start] < NOAHS_ARK):
                self.reopened[element.tag].append(element.start)
                self.reopened_starts[element.start] += 1
                self.reopened_total += 1
            if reached:
                return element

    def _close_implied(self, tag: str) -> None:
        """The end tags a start tag implies (HTML's optional end tags), so a page that leaves its paragraphs,
        list items or cells open does not count deeper with each of them."""
        if tag not in IMPLYING_TAGS:
            return
        if tag in P_CLOSERS:
            self._close_near(("p",), frozenset())
        if tag == "li":
            self._close_near(("li",), LIST_ITEM_PASSES)
        if tag in ("dt", "dd"):
            self._close_near(("dt", "dd"), LIST_ITEM_PASSES)
        for closers, closes in TABLE_IMPLIED:
            if tag in closers:
                self._close_in_table(closes)
        if tag in ("option", "optgroup") and self.stack and self.stack[-1].tag == "option":
            self._pop_to(len(self.stack) - 1)

    def _close_near(self, closes: tuple[str, ...], passes: frozenset[str]) -> None:
        """Close the nearest open element of ``closes`` if only inline elements and the blocks of ``passes``
        lie above it, looking IMPLIED_REACH elements down at most (deeper, it stays counted open: the page is
        flattened more, not less)."""
        for index in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - IMPLIED_REACH), -1):
            open_tag = self.stack[index].tag
            if open_tag in closes:
                self._pop_to(index)
                return
            if open_tag in BLOCK_TAGS and open_tag not in passes:
                return

    def _close_in_table(self, closes: tuple[str, ...]) -> None:
        """Close the nearest open element of ``closes`` inside the innermost open table."""
        positions = self.positions
        nearest = max([positions[tag][-1] for tag in closes if positions[tag]], default=-1)
        if nearest > (positions["table"][-1] if positions["table"] else -1):
            self._pop_to(nearest)


def flatten(html: str) -> str:
    """The page with its nesting bounded: past FLAT_SOFT_DEPTH a wrapper holding only the next element is
    unwrapped (a chain of identical or bare ``<div>``s collapses while the body container it wraps stays),
    and past FLAT_MAX_DEPTH every element is. An unwrapped block element leaves a ``<br>`` at its start and
    end, so the lines of text stay apart (a wrapper of one block needs none: the block breaks them); text and
    everything shallower are kept as written. One pass over the tags, time and memory linear in the page.

    Depth is counted on the tags as written, with the end tags HTML lets a page leave out (paragraphs, list
    items, cells, rows) implied: where the count and a parser differ, the count is the deeper, so a page is
    flattened more than it needs rather than less."""
    state = _Flattening()
    pos = 0
    while (match := TOKEN.search(html, pos)) is not None:
        state.text(html[pos:match.start()])
        pos = match.end()
        closing, name, attributes = match.groups()
        tag = (name or "").lower()
        if not tag or tag in ("html", "head", "body"):
            state.out.append(match[0])  # comments, declarations and the document's own tags pass as written
        elif closing:
            state.end(tag, match[0])
        else:
            state.start(tag, match[0], attributes)
            if tag in RAW_TEXT_TAGS:  # its text runs to its end tag, whatever it looks like
                end = _end_tag(tag).search(html, pos)
                stop = end.start() if end else len(html)
                state.out.append(html[pos:stop])
                pos = stop
    state.out.append(html[pos:])
    return "".join(state.out)


@cache
def _end_tag(tag: str) -> re.Pattern[str]:
    return re.compile(rf"</{tag}\s*>", re.I)


def _trace(tag: str) -> str:
    """What an unwrapped element leaves in the text: a line break if it is a block."""
    return "<br>" if tag in BLOCK_TAGS else ""
