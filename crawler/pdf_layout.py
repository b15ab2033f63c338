"""PDF pages as a word processor laid them out, and back into paragraphs.

pdfplumber (on pdfminer.six) gives every character with its place and size, and the rules a table is drawn
with; a PDF's text layer gives neither paragraphs nor table cells. The reading here is the word processor's
wrapping run backwards: a line ran on into the next one unless the next line's first unbreakable piece would
have fitted in the room the line left (line-breaking classes in crawler/data/documents.yaml). Running headers
and footers are what repeats at the same height at the edge of the pages; a table is its rows, one cell per
cell drawn, a row broken over a page break joined again. Pure functions over ``Line`` values, so each rule
is testable on lines written by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from crawler.items import Paragraph
from crawler.rules import data_yaml
from crawler.text import HEADING, clean_line

WORD_GAP = 0.2  # a gap this share of the font size between two Latin letters parts two words
EDGE_LINES = 2  # lines at a page's top and at its bottom that may be a running header, footer or page number
SAME_HEIGHT = 3.0  # points: running lines repeat at the same height on every page, to within this
MARGIN_GAP = 1.8  # body line pitches between a header or footer in the margin and the text it sits apart from
SIZE_CHANGE = 0.15  # a font size this much larger or smaller starts a new paragraph (a title, a table note)
ROOM_SLACK = 0.3  # of the font size: room at a line's end beyond the next line's first piece ends a paragraph
JUSTIFIED_ROOM = 0.25  # of the font size: nine in ten lines that run on leave no more room in justified text
MIN_JUSTIFIED_LINES = 5  # lines that run on a document needs before it can be told justified
INDENT = (0.8, 4.5)  # characters right of the left edge: a first-line indent, and beyond it centred or right-set
SENTENCE_CLOSE = re.compile(r"[。！？!?][”’」』）)]?$")
GLYPH_NUMBER = re.compile(r"\(cid:\d+\)")
DECIMAL = re.compile(r"^\d+[.．]\d")  # 1.5万元 at a line's start is a number, not a heading 1.


@dataclass(frozen=True)
class Cell:
    """A table cell as drawn: its edges, its text, and what the wrapping of its lines tells: the width of its
    first piece, the room its last line left, the least room any of its other (wrapped) lines left."""

    x0: float
    x1: float
    text: str
    size: float = 0.0
    first: float = 0.0
    room: float = 0.0
    wrapped_room: float = float("inf")


@dataclass(frozen=True)
class Line:
    """A line of a PDF page as laid out: its text, where it starts and ends, its font size, and how wide its first
    unbreakable piece is (a Chinese character with the punctuation that may not begin a line, or a Latin word).
    A table row is one line too, its cells joined by a TAB."""

    text: str
    x0: float
    x1: float
    top: float
    size: float
    first: float = 0.0
    row: bool = False
    cells: tuple[Cell, ...] = ()  # a row's cells


@cache
def layout_rules() -> tuple[re.Pattern[str], frozenset[str], frozenset[str], frozenset[str]]:
    """Page numbers (a whole line, white space removed) and the line-breaking classes of crawler/data: what may
    not start a line, what may not end one, the quotation marks nothing breaks beside."""
    data = data_yaml("crawler", "documents.yaml")
    numbers = re.compile("|".join(f"(?:{p})" for p in data["page_numbers"]), re.I)
    return numbers, frozenset(data["no_line_start"]), frozenset(data["no_line_end"]), frozenset(data["quotes"])


def _join(left: str, right: str) -> str:
    return f"{left} {right}" if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() else left + right


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _text(chars: list[dict[str, Any]]) -> str:
    """Characters of one line, left to right; a space where a gap parts two Latin words (PDF writers often
    place words apart rather than write a space), never one between Chinese characters spread by justification.
    A glyph pdfminer could not map to a character (it writes ``(cid:N)``) is a lost character, U+FFFD."""
    out = ""
    for before, ch in zip([None, *chars], chars, strict=False):
        if before is not None and _latin(before["text"]) and _latin(ch["text"]) and (
                ch["x0"] - before["x1"] > WORD_GAP * ch["size"]):
            out += " "
        out += "\ufffd" if GLYPH_NUMBER.fullmatch(ch["text"]) else ch["text"]
    return clean_line(out)


def _first_piece(chars: list[dict[str, Any]]) -> float:
    """Width of what a word processor could not have broken at the start of a line."""
    _, no_start, no_end, quotes = layout_rules()
    chars = [c for c in chars if not c["text"].isspace()]
    if not chars:
        return 0.0
    end = 0
    while end + 1 < len(chars) and (
            chars[end]["text"] in no_end or chars[end + 1]["text"] in no_start
            or chars[end]["text"] in quotes or chars[end + 1]["text"] in quotes
            or (_latin(chars[end]["text"]) and _latin(chars[end + 1]["text"])
                and chars[end + 1]["x0"] - chars[end]["x1"] <= WORD_GAP * chars[end]["size"])):
        end += 1
    return float(chars[end]["x1"] - chars[0]["x0"])


def _size(chars: list[dict[str, Any]]) -> float:
    return float(Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0])


def _group_lines(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Characters into lines: those whose vertical middles lie within half a character of each other."""
    lines: list[list[dict[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        middle = (ch["top"] + ch["bottom"]) / 2
        if lines and abs(middle - (lines[-1][0]["top"] + lines[-1][0]["bottom"]) / 2) < 0.5 * ch["size"]:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _inside(ch: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _cell(box: tuple[float, float, float, float], chars: list[dict[str, Any]]) -> Cell:
    lines = _group_lines(chars)
    if not lines:
        return Cell(box[0], box[2], "")
    text = ""
    for part in (_text(line) for line in lines):
        text = _join(text, part) if text and part else text + part
    rooms = [box[2] - box[0] - (line[-1]["x1"] - line[0]["x0"]) for line in lines]
    return Cell(box[0], box[2], text, _size(chars), _first_piece(lines[0]), rooms[-1],
                min(rooms[:-1], default=float("inf")))


def page_lines(page: Any) -> list[Line]:
    """A pdfplumber page as lines in reading order, each table (a ruled grid) as rows: one cell per cell drawn,
    so a cell spanning columns is one cell, and a cell spanning rows belongs to its first row, as in HTML."""
    tables = page.find_tables()  # a single box (a page border, a framed note) is none: its text is read as lines
    boxes = [table.bbox for table in tables]
    free = [c for c in page.chars if not any(_inside(c, box) for box in boxes)]
    lines = [Line(_text(chars), chars[0]["x0"], max(c["x1"] for c in chars), chars[0]["top"], _size(chars),
                  _first_piece(chars)) for chars in _group_lines(free)]
    lines = [line for line in lines if line.text]
    for table in tables:
        inside = [c for c in page.chars if _inside(c, table.bbox)]
        for row in table.rows:
            chars = [c for c in inside if _inside(c, row.bbox)]
            cells = tuple(_cell(box, [c for c in chars if _inside(c, box)]) for box in row.cells if box)
            if any(cell.text for cell in cells):
                lines.append(Line("\t".join(cell.text for cell in cells), row.bbox[0], row.bbox[2], row.bbox[1],
                                  0.0, row=True, cells=cells))
    return sorted(lines, key=lambda line: line.top)


def _edges(page: list[Line]) -> list[tuple[int, int]]:
    """The lines that may be a running header or footer, as (index, step toward the body): the first and last
    few text lines of a page with no table row between them and the page's edge."""
    found: list[tuple[int, int]] = []
    for order, step in ((range(len(page)), 1), (range(len(page) - 1, -1, -1), -1)):
        for n, i in enumerate(order):
            if n >= EDGE_LINES or page[i].row:
                break
            found.append((i, step))
    return found


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def body_size(lines: list[Line]) -> float:
    """The font size most of the text is set in."""
    chars: Counter[float] = Counter()
    for line in lines:
        if not line.row:
            chars[line.size] += len(line.text)
    return chars.most_common(1)[0][0] if chars else 0.0


def _pitch(pages: list[list[Line]], size: float) -> float:
    """The usual distance from one line of body text to the next."""
    steps = sorted(b.top - a.top for page in pages for a, b in pairwise(page)
                   if not a.row and not b.row and a.size == b.size == size and 0 < b.top - a.top < 3 * size)
    return steps[len(steps) // 2] if steps else 1.5 * size


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Page numbers at a page's top or bottom, and running headers and footers: a line at the edge of two or more
    pages, at the same height, with the same text once digits are set aside (a title, an issuing body, a date);
    on a page of its own, a line at the edge in a smaller type, set apart from the text in the margin."""
    numbers = layout_rules()[0]
    size = body_size([line for page in pages for line in page])
    pitch = _pitch(pages, size)
    edges = [[(i, step, _running_key(page[i].text), page[i].top) for i, step in _edges(page)] for page in pages]

    def running(n: int, key: str, top: float) -> bool:
        return any(k == key and abs(t - top) <= SAME_HEIGHT for m, other in enumerate(edges) if m != n
                   for _, _, k, t in other)

    def in_margin(page: list[Line], i: int, step: int) -> bool:
        near = page[i + step] if 0 <= i + step < len(page) else None
        return (page[i].size < (1 - SIZE_CHANGE) * size and near is not None and not near.row
                and abs(near.top - page[i].top) > MARGIN_GAP * pitch)

    kept = []
    for n, page in enumerate(pages):
        drop = {i for i, step, key, top in edges[n] if numbers.fullmatch(re.sub(r"\s+", "", page[i].text))
                or running(n, key, top) or in_margin(page, i, step)}
        kept.append([line for i, line in enumerate(page) if i not in drop])
    return kept


def _same_grid(a: Line, b: Line) -> bool:
    return len(a.cells) == len(b.cells) and all(abs(x.x0 - y.x0) <= SAME_HEIGHT and abs(x.x1 - y.x1) <= SAME_HEIGHT
                                                for x, y in zip(a.cells, b.cells, strict=True))


def _broken_row(last: Line, row: Line, padding: float) -> bool:
    """``row`` is the rest of ``last``, broken at a page's end: the same cells, one it leaves empty that ``last``
    filled (a statistical row's numbers all sit in its first part), and each cell with text in both parts cut
    where a line wrapped (its next piece would not have fitted in the room the last line before the break left,
    its padding aside)."""
    if not _same_grid(last, row) or not any(c.text for c in row.cells):
        return False
    pairs = list(zip(last.cells, row.cells, strict=True))
    return any(a.text and not b.text for a, b in pairs) and all(
        a.room < b.first + padding + ROOM_SLACK * b.size for a, b in pairs if a.text and b.text)


def join_tables(pages: list[list[Line]]) -> list[list[Line]]:
    """A table running on over a page break: the header row a word processor repeats at the top of the next page
    dropped, and a row broken across the break joined again, cell by cell."""
    cells = [c for page in pages for line in page for c in line.cells]
    padding = min((c.wrapped_room for c in cells), default=float("inf"))  # what a full line of a cell leaves
    if padding == float("inf"):
        padding = max((c.size for c in cells), default=0.0)  # no cell wraps: call its padding a character
    out: list[list[Line]] = []
    head: Line | None = None  # the first row of the table the page before ended in
    for page in pages:
        page = list(page)
        last = out[-1][-1] if out and out[-1] and out[-1][-1].row else None
        if last and head and page and page[0].row and page[0].text == head.text and _same_grid(page[0], head):
            page.pop(0)
        if last and page and page[0].row and _broken_row(last, page[0], padding):
            text = "\t".join(_join(a.text, b.text) if a.text and b.text else a.text + b.text
                             for a, b in zip(last.cells, page[0].cells, strict=True))
            out[-1][-1] = Line(text, last.x0, last.x1, last.top, 0.0, row=True, cells=page[0].cells)
            page.pop(0)
        for n, line in enumerate(page):
            before = page[n - 1] if n else last
            if not line.row:
                head = None
            elif before is None or not before.row:
                head = line
        out.append(page)
    return out


def _heading(text: str) -> bool:
    return bool(HEADING.match(text)) and not DECIMAL.match(text)


@dataclass(frozen=True)
class TextBlock:
    """Where a document's body text runs: its font size and its left and right edges."""

    size: float
    left: float
    right: float

    @classmethod
    def of(cls, lines: list[Line]) -> TextBlock:
        size = body_size(lines)
        body = [line for line in lines if line.size == size]
        no_start = layout_rules()[1]
        unhung = [line for line in body if line.text[-1] not in no_start] or body  # punctuation hangs past the edge
        starts = Counter(round(line.x0) for line in body)
        left = min((x for x, n in starts.items() if n > 1), default=min(starts))  # two lines at least: not a stray
        return cls(size, left, max(line.x1 for line in unhung))

    def indent(self, line: Line) -> float:
        """How far right of the left edge the line starts, in characters of its size."""
        return (line.x0 - self.left) / line.size

    def room(self, line: Line) -> float:
        """What was left of the width when the line ended: at its end, and before it if it is centred or set
        to the right (a first-line indent is no room)."""
        before = line.x0 - self.left if self.indent(line) > INDENT[1] else 0.0
        return self.right - line.x1 + before

    def ended(self, line: Line, after: Line) -> bool:
        """The paragraph ended at ``line``: ``after``'s first piece would have fitted in the room it left."""
        return self.room(line) > after.first + ROOM_SLACK * line.size

    def begins(self, line: Line) -> bool:
        """Body text starting right of the left edge: a first-line indent, or a line centred or set to the right
        (a signature); lines that run on start at the edge."""
        return line.size == self.size and self.indent(line) >= INDENT[0]


def reflow(pages: list[list[Line]]) -> list[Paragraph]:
    """PDF lines back into paragraphs, as the word processor wrapped them. A line ran on into the next unless the
    next line's first piece would have fitted in the room it left; a paragraph also begins with a change of font
    size, a first-line indent, a section heading (一、 （一） 1.) or a table row. Two traits of the document
    settle the lines that rule leaves open: in justified text every line that runs on is stretched to the
    edge, so one that is not ended its paragraph; where paragraphs begin without an indent, a line that closes
    a sentence and leaves room for a character ends one (the next line began with a number or word too wide for
    that room). Running headers, footers and page numbers are dropped first, tables joined over page breaks."""
    lines = [line for page in join_tables(drop_running_lines(pages)) for line in page]
    text = [line for line in lines if not line.row]
    if not text:
        return [Paragraph(line.text, row=True) for line in lines]
    block = TextBlock.of(text)
    pairs = [(line, after) for line, after in pairwise(text)
             if line.size == after.size == block.size and not _heading(after.text)]
    starts = [after for line, after in pairs if block.ended(line, after)]
    indented = sum(block.begins(line) for line in starts) > len(starts) / 2
    rooms = sorted(block.room(line) / line.size for line, after in pairs
                   if not block.ended(line, after) and not block.begins(after))
    justified = len(rooms) >= MIN_JUSTIFIED_LINES and rooms[int(0.9 * (len(rooms) - 1))] <= JUSTIFIED_ROOM

    def begins(before: Line | None, line: Line) -> bool:
        if before is None or before.row or line.row or abs(line.size - before.size) > SIZE_CHANGE * line.size:
            return True
        if block.ended(before, line) or block.begins(line) or _heading(line.text):
            return True
        room = block.room(before) / before.size
        if justified and room > 2 * JUSTIFIED_ROOM:
            return True
        return not indented and bool(SENTENCE_CLOSE.search(before.text)) and room > 1 - ROOM_SLACK

    out: list[Paragraph] = []
    for before, line in zip([None, *lines], lines, strict=False):
        if begins(before, line):
            out.append(Paragraph(line.text, row=line.row))
        else:
            out[-1] = Paragraph(_join(out[-1].text, line.text))
    return out
