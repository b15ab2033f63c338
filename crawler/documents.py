"""Documents: what a downloaded file really is, and the report text it holds (PDF, DOCX, legacy DOC, RTF).

Portals answer a dead attachment with an HTML error page under its .pdf name, so the type comes from the bytes,
never from the URL. Text comes out as the paragraphs extraction gives for a page (``crawler.items.Paragraph``;
table rows as tab-joined cells), so the same cleaning and metadata stages run on it. A file that holds no
readable text is not an error but an outcome with its reason: ``needs_ocr`` (a scan), ``needs_conversion``
(a legacy DOC with no converter here), ``unreadable`` (broken or hostile), ``not_a_document``. PDF pages are
read back into paragraphs in crawler/pdf_layout.py, RTF in crawler/rtf.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import docx
import pdfplumber
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from crawler.items import Paragraph
from crawler.pdf_layout import page_lines, reflow
from crawler.rtf import rtf_paragraphs
from crawler.text import clean_line, readability

PDF, DOCX, DOC, RTF = "pdf", "docx", "doc", "rtf"
DOCUMENT_TYPES = (PDF, DOCX, DOC, RTF)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
WORD_STREAM = "WordDocument".encode("utf-16-le")  # the stream a Word 97+ file keeps its text in
RTF_START = re.compile(rb"^\s*\{\\rtf", re.I)  # after a byte-order mark or white space some servers add
HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<title|<script|<!--)", re.I)
PDF_HEADER_WINDOW = 1024  # readers accept %PDF- this far in, after junk a server put before it
MAX_DOCX_XML = 200 * 1024 * 1024  # word/document.xml larger than this once inflated is a zip bomb
ANTIWORD_TIMEOUT = 60  # seconds
MIN_TEXT_PER_PAGE = 20  # letters, digits and CJK characters a page of a text PDF has at the least
MIN_READABILITY = 0.5  # a text layer reading worse than this is glyph codes, not text (fonts without a Unicode map)
TELLING = re.compile(r"[\w\u3400-\u9fff\ufffd]")  # \ufffd: a glyph with no character to it is text lost, not none


@dataclass(frozen=True)
class DocumentText:
    status: str  # ok, needs_ocr, needs_conversion, unreadable, not_a_document
    paragraphs: list[Paragraph] = field(default_factory=list)
    detail: str | None = None


def sniff(data: bytes) -> str:
    """The file's real type from its bytes: pdf, docx, doc, rtf, html, image, zip, ole (Excel, PowerPoint, WPS),
    empty, unknown."""
    if not data.strip():
        return "empty"
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                return DOCX if "word/document.xml" in archive.namelist() else "zip"
        except (zipfile.BadZipFile, ValueError):
            return "unknown"
    if data.startswith(OLE2_MAGIC):
        return DOC if WORD_STREAM in data else "ole"
    if data.startswith(IMAGE_MAGIC):
        return "image"  # a report posted as photographed pages (图解, scans)
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    if RTF_START.match(head):
        return RTF  # Word's "Rich Text" save, often served as .doc
    return "html" if HTML_START.search(head) or b"<html" in head.lower() else "unknown"


def pdf_text(data: bytes) -> DocumentText:
    """The PDF's text layer as paragraphs and table rows; ``needs_ocr`` for a scan (no text layer, or one of
    glyph codes). Read with pdfplumber (pdfminer.six), which gives each character's place and size and the
    rules a table is drawn with."""
    try:
        with pdfplumber.open(BytesIO(data)) as pdf:
            pages = [page_lines(page) for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many kinds on broken or hostile files; each is this file's fault
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc  # pdfplumber wraps some
        if isinstance(cause, PDFPasswordIncorrect):
            return DocumentText("unreadable", detail="encrypted with a password")
        return DocumentText("unreadable", detail=f"PDF: {type(cause).__name__}: {cause}"[:300])
    if not pages:
        return DocumentText("unreadable", detail="PDF: no pages")
    text = "\n".join(line.text for page in pages for line in page)
    if len(TELLING.findall(text)) < MIN_TEXT_PER_PAGE * len(pages):
        return DocumentText("needs_ocr", detail=f"no text layer ({len(pages)} pages)")
    if readability(text) < MIN_READABILITY:
        return DocumentText("needs_ocr", detail="text layer is glyph codes, not text (fonts without a Unicode map)")
    return DocumentText("ok", reflow(pages))


def _cell_text(cell: _Cell) -> str:
    return "".join(clean_line(p.text) for p in cell.paragraphs)


def _rows(table: Table) -> list[Paragraph]:
    """One line per row, one cell per <w:tc> as HTML has one per <td>; a cell merged from above is empty."""
    rows = []
    for tr in table._tbl.tr_lst:
        cells = ["" if tc.vMerge == "continue" else _cell_text(_Cell(tc, table)) for tc in tr.tc_lst]
        if any(cells):
            rows.append(Paragraph("\t".join(cells), row=True))
    return rows


def docx_text(data: bytes) -> DocumentText:
    """Paragraphs and table rows of a DOCX in document order."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if archive.getinfo("word/document.xml").file_size > MAX_DOCX_XML:
                return DocumentText("unreadable", detail="DOCX: word/document.xml inflates past the limit")
        document = docx.Document(BytesIO(data))
        paragraphs: list[Paragraph] = []
        for block in document.iter_inner_content():
            if isinstance(block, DocxParagraph):
                if text := clean_line(block.text):
                    paragraphs.append(Paragraph(text))
            else:
                paragraphs += _rows(block)
    except Exception as exc:  # zipfile, lxml and python-docx errors on a broken or hostile file
        return DocumentText("unreadable", detail=f"DOCX: {type(exc).__name__}: {exc}"[:300])
    if not paragraphs:
        return DocumentText("needs_ocr", detail="DOCX holds no text (a pasted scan)")
    return DocumentText("ok", paragraphs)


def doc_text(data: bytes, timeout: float = ANTIWORD_TIMEOUT) -> DocumentText:
    """A legacy Word file's text through antiword (Debian's package), or ``needs_conversion`` without it."""
    antiword = shutil.which("antiword")
    if antiword is None:
        return DocumentText("needs_conversion", detail="antiword is not installed")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "attachment.doc"
        path.write_bytes(data)
        try:
            done = subprocess.run([antiword, "-m", "UTF-8.txt", "-w", "0", str(path)], capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return DocumentText("needs_conversion", detail=f"antiword ran past {timeout:g} s")
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().replace(str(path), "attachment.doc")
        return DocumentText("needs_conversion", detail=f"antiword failed: {message}"[:300])
    paragraphs = []
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("|") and line.rstrip().endswith("|"):  # antiword draws a table row as |cell |cell |
            cells = [clean_line(c) for c in line.strip()[1:-1].split("|")]
            if any(cells):
                paragraphs.append(Paragraph("\t".join(cells), row=True))
        elif text := clean_line(line):
            paragraphs.append(Paragraph(text))
    if not paragraphs:
        return DocumentText("needs_ocr", detail="DOC holds no text (a pasted scan)")
    return DocumentText("ok", paragraphs)


def rtf_text(data: bytes) -> DocumentText:
    """Paragraphs and table rows of an RTF file in document order."""
    try:
        paragraphs = rtf_paragraphs(data)
    except ValueError as exc:
        return DocumentText("unreadable", detail=f"RTF: {exc}"[:300])
    if not paragraphs:
        return DocumentText("needs_ocr", detail="RTF holds no text (a pasted scan)")
    return DocumentText("ok", paragraphs)


def document_text(data: bytes) -> DocumentText:
    """The report text of a downloaded file, whatever it claims to be."""
    kind = sniff(data)
    if kind == PDF:
        return pdf_text(data)
    if kind == DOCX:
        return docx_text(data)
    if kind == DOC:
        return doc_text(data)
    if kind == RTF:
        return rtf_text(data)
    return DocumentText("not_a_document", detail=f"the file is {kind}")
