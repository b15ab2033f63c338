"""Reports typeset as county offices export them from Word, for the PDF reader's tests and bench/.

A report is its title and its body lines (one paragraph a line, a table row's cells joined by a TAB: the
store's contract). Each layout sets what varies between offices: the font size and line pitch, margins,
first-line indents, justified or ragged lines, a running header (the title, the issuing body, a date) with
a rule under it, the page-number footer in one of its usual forms, and statistical tables as ruled grids whose
long labels wrap inside their cells. Lines break as Word breaks Chinese text: between any two Chinese
characters, never inside a run of Latin letters or digits, closing punctuation hanging into the margin rather
than starting a line, opening punctuation kept with what follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import yaml
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from crawler.text import HEADING, SENTENCE_END

EXPECTED = Path(__file__).resolve().parent / "fixtures" / "expected"
FONT = "STSong-Light"  # a CID font: a Chinese text layer with no font file to ship
WESTERN = "Times-Roman"  # Word sets ASCII and Latin-1 in the western font, Chinese in the East Asian one
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_W, PAGE_H = A4
NO_START = "，。、；：？！”’）》」』】〕…%．,.;:?!)]"  # may not begin a line: hangs at the end of the one before
NO_END = "“‘（《「『【〔(["  # may not end a line: goes down with what follows
QUOTES = "“”‘’"
LATIN = re.compile(r"[A-Za-z0-9@#&+\-_/.:%=~]")
DATE = re.compile(r"^(\d{4}|[〇○零一二三四五六七八九]{4})年[\d一二三四五六七八九十]{1,2}月[\d一二三四五六七八九十]{1,3}日$")
SIGNATURE_CHARS = 30  # a closing line this short, with no sentence punctuation, belongs to the signature block
TITLE_SIZE = 22.0  # 二号 方正小标宋
HEADER_SIZE = 9.0  # 小五
FOOTER_SIZE = 10.5
CELL_PAD = 3.0  # points between a cell's rule and its text
BORDER = 24.0  # points from the paper's edge to a page border


@dataclass(frozen=True)
class Layout:
    name: str
    size: float = 16.0  # body text: 三号 (16), 四号 (14), 小四 (12)
    pitch: float = 1.75  # line pitch as a multiple of the size (Word's 固定值 28 磅 at 三号)
    margins: tuple[float, float, float, float] = (79.4, 73.7, 104.9, 99.2)  # left right top bottom (公文 28/26/37/35 mm)
    indent: bool = True  # first-line indent of two characters
    justify: bool = True  # 两端对齐; else ragged right
    header: str | None = "title"  # running header: "title", "issuer", "issuer_date" or None
    header_first: bool = True  # the header on the first page too (else 首页不同)
    footer: str = "- {n} -"  # the page number as printed: {n} this page, {total} the page count
    footer_outer: bool = False  # at the outer edge (right on odd pages, left on even) rather than centred
    table_size: float = 10.5  # 五号
    split_rows: bool = False  # a table row may break across pages (Word's 允许跨页断行)
    repeat_header: bool = False  # the table's first row again at the top of each page it runs on (重复标题行)
    quote_breaks: bool = False  # lines break as Unicode says (no break beside a quotation mark), not as Word does
    border: bool = False  # a box round each page (Word's 页面边框), 24 points in from the paper's edge

    @property
    def width(self) -> float:
        return PAGE_W - self.margins[0] - self.margins[1]


LAYOUTS = (
    Layout("三号, two-character indents, justified, the title as header, - 1 -, rows break across pages",
           split_rows=True),
    Layout("小四, no indents, ragged, the issuer as header, 第 1 页 共 3 页, a page border", size=12, pitch=1.5,
           margins=(90, 90, 72, 72), indent=False, justify=False, header="issuer", footer="第 {n} 页 共 {total} 页",
           border=True),
    Layout("四号, header on later pages only (issuer and date), outer — 1 —", size=14, pitch=1.6,
           margins=(85, 71, 90, 85), header="issuer_date", header_first=False, footer="— {n} —", footer_outer=True),
    Layout("小四, indents, ragged, no header, 1/3, 小五 tables, Unicode line breaks", size=12, pitch=1.6,
           margins=(72, 72, 80, 80), justify=False, header=None, footer="{n}/{total}", table_size=9, quote_breaks=True),
    Layout("三号, the title as header, 第1页/共3页, 小五 tables, header row repeated, rows break", pitch=1.6,
           margins=(79.4, 73.7, 90, 90), footer="第{n}页/共{total}页", table_size=9, split_rows=True, repeat_header=True),
    Layout("四号, justified, the issuer as header, a bare outer number", size=14, header="issuer", footer="{n}",
           footer_outer=True),
)


def font_of(ch: str) -> str:
    return WESTERN if ord(ch) < 0x100 else FONT


def runs(text: str) -> list[tuple[str, str]]:
    """(font, text) runs of one line."""
    out: list[tuple[str, str]] = []
    for ch in text:
        if out and out[-1][0] == font_of(ch):
            out[-1] = (out[-1][0], out[-1][1] + ch)
        else:
            out.append((font_of(ch), ch))
    return out


def width_of(text: str, size: float) -> float:
    return sum(float(pdfmetrics.stringWidth(part, font, size)) for font, part in runs(text))


def units(text: str, quotes: bool = False) -> list[str]:
    """The pieces a line may break between: one Chinese character, or a run of Latin letters and digits; closing
    punctuation joins the piece before it, opening punctuation the piece after it. With ``quotes``, a quotation
    mark also joins the characters on both its sides (Unicode's line breaking, as LibreOffice and WPS apply it)."""
    pieces: list[str] = []
    for ch in text:
        if pieces and (ch in NO_START or pieces[-1][-1] in NO_END or (LATIN.match(ch) and LATIN.match(pieces[-1][-1]))
                       or (quotes and (ch in QUOTES or pieces[-1][-1] in QUOTES))):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def wrap(text: str, width: float, size: float, first_indent: float = 0.0, quotes: bool = False) -> list[str]:
    """The lines Word breaks a paragraph into at ``width``; punctuation that closes a line hangs past it."""
    lines: list[str] = []
    line = ""
    for piece in units(text, quotes):
        room = width - (first_indent if not lines else 0.0)
        if line and width_of(line + piece.rstrip(NO_START), size) > room:
            lines.append(line)
            line = piece.lstrip()
        else:
            line += piece
    return [*lines, line] if line else lines


@dataclass
class Page:
    # x, y, size, text, and the room a justified line adds between the pieces it may break between
    texts: list[tuple[float, float, float, str, float]] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # x1, y1, x2, y2


@dataclass
class Typesetter:
    layout: Layout
    title: str
    issuer: str
    date: str
    pages: list[Page] = field(default_factory=list)
    y: float = 0.0

    def new_page(self) -> None:
        layout = self.layout
        self.pages.append(Page())
        self.y = PAGE_H - layout.margins[2]
        if layout.header and (layout.header_first or len(self.pages) > 1):
            text = {"title": self.title, "issuer": self.issuer, "issuer_date": f"{self.issuer}　　{self.date}"}[layout.header]
            y = PAGE_H - 0.55 * layout.margins[2]
            self.pages[-1].texts.append((self.centre(text, HEADER_SIZE), y, HEADER_SIZE, text, 0.0))
            self.pages[-1].rules.append((layout.margins[0], y - 4, PAGE_W - layout.margins[1], y - 4))

    def centre(self, text: str, size: float) -> float:
        return self.layout.margins[0] + (self.layout.width - width_of(text, size)) / 2

    def room(self, height: float) -> None:
        if not self.pages or self.y - height < self.layout.margins[3]:
            self.new_page()

    def paragraph(self, text: str, size: float, align: str = "justify", indent: float = 0.0) -> None:
        layout = self.layout
        left, width = layout.margins[0], layout.width
        lines = wrap(text, width, size, indent, layout.quote_breaks)
        for i, line in enumerate(lines):
            self.room(size * layout.pitch)
            self.y -= size * layout.pitch
            start = left + (indent if i == 0 else 0.0)
            natural = width_of(line, size)
            spacing = 0.0
            if align == "center":
                start = self.centre(line, size)
            elif align == "right":
                start = left + width - natural - 2 * size  # 右对齐, two characters in from the margin
            elif align == "justify" and layout.justify and i < len(lines) - 1 and len(line) > 1:
                body = width_of(line.rstrip(NO_START), size)  # hanging punctuation stays outside the measure
                spacing = max(0.0, (left + width - start - body) / max(len(units(line)) - 1, 1))
            self.pages[-1].texts.append((start, self.y, size, line, spacing))

    def table(self, rows: list[list[str]]) -> None:
        """A ruled grid: as many columns as its widest row, a shorter row's first cell spanning the columns the
        row lacks; columns as wide as their text asks (Word's autofit) within the text width, the text of a
        cell wrapped inside it and centred."""
        layout, size = self.layout, self.layout.table_size
        columns = max(len(r) for r in rows)
        spans_of = [[(0, columns - len(r) + 1), *((columns - len(r) + k, columns - len(r) + k + 1)
                                                 for k in range(1, len(r)))] for r in rows]
        wanted = [2 * size] * columns
        for row, spans in zip(rows, spans_of, strict=True):
            for text, (a, b) in zip(row, spans, strict=True):
                if b == a + 1:
                    wanted[a] = max(wanted[a], width_of(text, size) + 2 * CELL_PAD)
        scale = layout.width / sum(wanted)
        edges = [layout.margins[0]]
        for w in wanted:
            edges.append(edges[-1] + w * scale)
        pitch = size * 1.3
        cells_of = [[wrap(text, edges[b] - edges[a] - 2 * CELL_PAD, size) if text else [] for text, (a, b) in
                     zip(row, spans, strict=True)] for row, spans in zip(rows, spans_of, strict=True)]
        for n, (spans, cells) in enumerate(zip(spans_of, cells_of, strict=True)):
            lines = max(1, *(len(c) for c in cells))
            if self.y - lines * pitch - 2 * CELL_PAD < layout.margins[3]:
                fit = int((self.y - layout.margins[3] - 2 * CELL_PAD) // pitch)
                if layout.split_rows and 0 < fit < lines:  # the row breaks across the pages, its cells' text too
                    self.row(edges, spans, [c[:fit] for c in cells], pitch, top_aligned=True)
                    cells = [c[fit:] for c in cells]
                self.new_page()
                if layout.repeat_header and n > 0:
                    self.row(edges, spans_of[0], cells_of[0], pitch)
            self.row(edges, spans, cells, pitch, top_aligned=cells is not cells_of[n])
        self.y -= layout.size * 0.5

    def row(self, edges: list[float], spans: list[tuple[int, int]], cells: list[list[str]], pitch: float,
            top_aligned: bool = False) -> None:
        """One row of ruled cells at the cursor, each cell's lines centred across it, and down it unless the
        row was broken across pages (then the text starts at the top, as Word sets it)."""
        size = self.layout.table_size
        height = max(1, *(len(c) for c in cells)) * pitch + 2 * CELL_PAD
        page, top = self.pages[-1], self.y
        for (a, b), lines in zip(spans, cells, strict=True):
            first = top - CELL_PAD - pitch if top_aligned else top - height / 2 + (len(lines) / 2 - 1) * pitch
            for k, line in enumerate(lines):
                x = edges[a] + (edges[b] - edges[a] - width_of(line, size)) / 2
                page.texts.append((x, first - k * pitch + 0.3 * pitch, size, line, 0.0))
            page.rules.append((edges[a], top, edges[a], top - height))
        page.rules += [(edges[-1], top, edges[-1], top - height), (edges[0], top, edges[-1], top),
                       (edges[0], top - height, edges[-1], top - height)]
        self.y = top - height

    def render(self) -> bytes:
        layout, total = self.layout, len(self.pages)
        out = BytesIO()
        sheet = canvas.Canvas(out, pagesize=A4)
        sheet.setTitle(self.title)
        for n, page in enumerate(self.pages, 1):
            number = layout.footer.format(n=n, total=total)
            if layout.footer_outer and n % 2 == 0:
                x = layout.margins[0]
            elif layout.footer_outer:
                x = PAGE_W - layout.margins[1] - width_of(number, FOOTER_SIZE)
            else:
                x = self.centre(number, FOOTER_SIZE)
            for x0, y, size, text, spacing in [*page.texts, (x, 0.5 * layout.margins[3], FOOTER_SIZE, number, 0.0)]:
                line = sheet.beginText(x0, y)
                for piece in units(text, layout.quote_breaks) if spacing else [text]:
                    line.setTextOrigin(x0, y)
                    for font, part in runs(piece):
                        line.setFont(font, size)
                        line.textOut(part)
                    x0 += width_of(piece, size) + spacing
                sheet.drawText(line)
            sheet.setLineWidth(0.5)
            for x1, y1, x2, y2 in page.rules:
                sheet.line(x1, y1, x2, y2)
            if layout.border:
                sheet.rect(BORDER, BORDER, PAGE_W - 2 * BORDER, PAGE_H - 2 * BORDER)
            sheet.showPage()
        sheet.save()
        return out.getvalue()


def signature_start(lines: list[str]) -> int:
    """Where the closing block (issuing body, date) begins: short lines at the end, the last one a date."""
    start = len(lines)
    if not lines or not DATE.match(lines[-1]):
        return start
    while start > 0 and len(lines[start - 1]) <= SIGNATURE_CHARS and "\t" not in lines[start - 1] and not (
            SENTENCE_END.search(lines[start - 1]) or HEADING.match(lines[start - 1])):
        start -= 1
    return start


def typeset(title: str, lines: list[str], layout: Layout = LAYOUTS[0]) -> bytes:
    """The report as a PDF: its title centred at the top, then its body as ``layout`` sets it."""
    closing = signature_start(lines)
    issuer = lines[closing] if closing < len(lines) - 1 else re.split(r"\d{4}", title)[0]
    date = lines[-1] if closing < len(lines) else ""
    setter = Typesetter(layout, title, issuer, date or title[:0])
    setter.room(0)
    setter.y -= layout.size
    setter.paragraph(title, TITLE_SIZE, "center")
    setter.y -= layout.size
    indent = 2 * layout.size if layout.indent else 0.0
    rows: list[list[str]] = []
    for i, line in enumerate([*lines, ""]):
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:
            setter.table(rows)
            rows = []
        if not line:
            continue
        if i >= closing:
            setter.paragraph(line, layout.size, "right")
        else:
            setter.paragraph(line, layout.size, indent=indent)
    return setter.render()


def report_bodies() -> Iterator[tuple[str, str, list[str]]]:
    """(body file, title, body lines) of every report of the fixture world with a hand-written body."""
    for path in sorted(EXPECTED.glob("*.yaml")):
        for report in yaml.safe_load(path.read_text("utf-8")).get("reports") or []:
            if report.get("body_file"):
                lines = (EXPECTED / report["body_file"]).read_text("utf-8").split("\n")
                yield report["body_file"], report["title"], [line for line in lines if line]
