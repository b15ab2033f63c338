"""RTF as Word and WPS write Chinese reports: paragraphs and table rows, in the code page the file declares.

The text of an RTF file is escaped: ``\\'xx`` bytes (two to a GBK character) in the code page of the font in use
(``\\fcharset134``: GBK; Word names the font of double-byte text with ``\\dbch\\afN``) or of the document
(``\\ansicpg936``), and ``\\uN`` UTF-16 units followed by ``\\ucN`` fallback characters to skip; some writers put
raw GBK bytes in the text. Destinations that hold no body text (font table, style sheet, headers and footers,
pictures, field instructions, ``{\\*...}``; crawler/data/documents.yaml) are skipped, a field's result kept. A
table is its ``\\cell``s and ``\\row``s: one cell per cell defined, a cell merged into the one on its left
(``\\clmrg``) dropped and one merged into the one above (``\\clvmrg``) left empty, as the DOCX reader has them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from functools import cache

from crawler.items import Paragraph
from crawler.rules import data_yaml
from crawler.text import clean_line

TOKEN = re.compile(  # a control word and its number, a \'xx byte, a control symbol, a brace, line ends, text
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+|([^\\{}\r\n]+)", re.S)
MAX_DEPTH = 512  # groups nested deeper than this are no RTF a word processor wrote
BREAKS = frozenset({"par", "sect", "page", "line"})
SYMBOLS = {"emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘", "rquote": "’", "ldblquote": "“",
           "rdblquote": "”", "emspace": " ", "enspace": " ", "tab": " "}
LITERAL = {b"\\": "\\", b"{": "{", b"}": "}", b"~": " ", b"_": "-"}


@cache
def rtf_rules() -> tuple[frozenset[str], dict[int, str | None]]:
    """Destinations that hold no body text, and the code page of each font character set (None: the document's)."""
    data = data_yaml("crawler", "documents.yaml")
    return frozenset(data["rtf_skip"]), {int(k): v for k, v in data["rtf_charsets"].items()}


def _codec(name: str) -> str:
    """A code page's Python codec; GBK read as GB18030, its superset, as the pages' decoding does."""
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return "cp1252"
    return "gb18030" if found in ("gbk", "gb2312", "cp936") else found


@dataclass(frozen=True)
class State:
    """What a group sets and its closing brace restores."""

    skip: bool = False  # inside a destination that holds no body text
    fonttbl: bool = False  # inside the font table
    font: str | None = None  # \fN
    dbch_font: str | None = None  # \dbch\afN: the font of double-byte text
    dbch: bool = False  # the last of \loch \hich \dbch named was \dbch
    uc: int = 1  # fallback characters that follow a \uN
    in_table: bool = False  # \intbl


@dataclass
class Reader:
    """The document as it is read: its code pages, the paragraph, cell and row being read, what is done."""

    codepage: str = "cp1252"
    fonts: dict[str, str] = field(default_factory=dict)  # font number → codec
    defining: str | None = None  # the font the font table is defining
    paragraphs: list[Paragraph] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)  # bytes of the text not yet decoded
    pending_codec: str = "cp1252"
    high: int | None = None  # a UTF-16 high surrogate waiting for its low half
    cell: list[str] = field(default_factory=list)  # paragraphs of the cell being read
    cells: list[str] = field(default_factory=list)  # cells of the row being read
    merged: list[bool] = field(default_factory=list)  # per cell the row defines: merged into the one on its left
    next_merged: bool = False

    def codec(self, state: State) -> str:
        for font in (state.dbch_font, state.font):
            if font in self.fonts:
                return self.fonts[font]
        return self.codepage

    def add_bytes(self, data: bytes, state: State) -> None:
        codec = self.codec(state)
        if self.pending and codec != self.pending_codec:
            self.flush()
        self.pending_codec = codec
        self.pending += data

    def add(self, text: str) -> None:
        self.flush()
        self.text.append(text)

    def add_unit(self, unit: int) -> None:
        """One UTF-16 unit of a \\uN; a surrogate pair makes one character."""
        unit %= 0x10000  # \uN writes units above 32767 as negative numbers
        if 0xD800 <= unit < 0xDC00:
            self.flush()
            self.high = unit
            return
        if 0xDC00 <= unit < 0xE000:
            if self.high is not None:
                self.add(chr(0x10000 + ((self.high - 0xD800) << 10) + unit - 0xDC00))
        else:
            self.add(chr(unit))
        self.high = None

    def flush(self) -> None:
        if self.pending:
            self.text.append(bytes(self.pending).decode(self.pending_codec, "replace"))
            self.pending.clear()

    def line(self) -> str:
        self.flush()
        text = clean_line("".join(self.text))
        self.text.clear()
        return text

    def end_paragraph(self, state: State) -> None:
        text = self.line()
        if state.in_table:
            self.cell.append(text)
        elif text:
            self.paragraphs.append(Paragraph(text))

    def end_cell(self) -> None:
        self.cell.append(self.line())
        self.cells.append("".join(self.cell))
        self.cell.clear()

    def end_row(self) -> None:
        cells = [c for i, c in enumerate(self.cells) if not (i < len(self.merged) and self.merged[i])]
        if any(cells):
            self.paragraphs.append(Paragraph("\t".join(cells), row=True))
        self.cells.clear()

    def control(self, name: str, number: int | None, state: State) -> State:
        """Apply one control word; the state the rest of the group reads on with."""
        if state.fonttbl:
            if name == "f" and number is not None:
                self.defining = str(number)
            elif name == "fcharset" and number is not None and self.defining is not None:
                charset = rtf_rules()[1].get(number)
                self.fonts[self.defining] = _codec(charset) if charset else self.codepage
            elif name == "cpg" and number is not None and self.defining is not None:
                self.fonts[self.defining] = _codec(f"cp{number}")
            return state
        if name == "ansicpg" and number is not None:
            self.codepage = _codec(f"cp{number}")
        elif name in ("loch", "hich", "dbch"):
            return replace(state, dbch=name == "dbch")
        elif name == "af" and number is not None and state.dbch:
            return replace(state, dbch_font=str(number))
        elif name == "f" and number is not None:
            return replace(state, font=str(number))
        elif name == "uc" and number is not None:
            return replace(state, uc=max(number, 0))
        elif name == "pard":
            return replace(state, in_table=False)
        elif name == "intbl":
            return replace(state, in_table=True)
        elif name == "trowd":
            self.merged, self.next_merged = [], False
        elif name == "clmrg":
            self.next_merged = True
        elif name == "cellx":
            self.merged.append(self.next_merged)
            self.next_merged = False
        elif state.skip:
            return state
        elif name in BREAKS:
            self.end_paragraph(state)
        elif name in ("cell", "nestcell"):
            self.end_cell()
        elif name == "row":
            self.end_row()
        elif name in SYMBOLS:
            self.add(SYMBOLS[name])
        return state


def rtf_paragraphs(data: bytes) -> list[Paragraph]:
    """The paragraphs and table rows of an RTF file, in document order. Raises ValueError on groups nested past
    any word processor's."""
    skip_words = rtf_rules()[0]
    reader = Reader()
    stack: list[State] = []
    state = State()
    fallback = 0  # characters of a \uN's fallback still to skip
    pos = 0
    while match := TOKEN.match(data, pos):
        pos = match.end()
        word, arg, hexbyte, symbol, brace, text = match.groups()
        if brace == b"{":
            if len(stack) >= MAX_DEPTH:
                raise ValueError("RTF groups nested too deep")
            stack.append(state)
            fallback = 0
        elif brace == b"}":
            if not stack:
                break
            state = stack.pop()
            fallback = 0
            if not stack:
                break  # the document's group is closed: what follows is not the document
        elif word is not None:
            name, number = word.decode("ascii"), int(arg) if arg is not None else None
            if name == "bin" and number:
                pos += max(number, 0)  # that many bytes of binary data (a picture)
                continue
            fallback = 0
            if name == "fonttbl":
                state = replace(state, skip=True, fonttbl=True)
            elif name in skip_words:
                state = replace(state, skip=True)
            elif name == "u" and number is not None:
                if not state.skip:
                    reader.add_unit(number)
                fallback = state.uc
            else:
                state = reader.control(name, number, state)
        elif symbol is not None:
            fallback = 0
            if symbol == b"*":
                state = replace(state, skip=True)
            elif symbol in (b"\n", b"\r") and not state.skip:
                reader.end_paragraph(state)
            elif symbol in LITERAL and not state.skip:
                reader.add(LITERAL[symbol])
        elif hexbyte is not None:
            if fallback:
                fallback -= 1
            elif not state.skip:
                reader.add_bytes(bytes.fromhex(hexbyte.decode("ascii")), state)
        elif text is not None:
            skipped = min(fallback, len(text))
            fallback -= skipped
            if not state.skip and text[skipped:]:
                reader.add_bytes(text[skipped:], state)
    reader.end_paragraph(replace(state, in_table=False))
    return reader.paragraphs
