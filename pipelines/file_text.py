"""File text: a report whose page holds no running text of its own (详见附件, or a column entry that is the file
itself) takes its text from the file the attachments stage downloaded (PDF, DOCX, DOC, RTF: crawler/documents.py).

The text replaces ``item.paragraphs`` before cleaning, so the cleaning and metadata stages run on it as on a
page. A report whose file holds no readable text is kept without text and flagged (``needs_ocr``,
``needs_conversion``, ``attachment_unreadable``), with the file recorded for a later pass. Pure: it reads the
files on disk and runs in the pipeline workers, so parsing a PDF or running antiword never stalls the crawl.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.chrome import chrome_rules
from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.documents import DOCUMENT_TYPES, DocumentText, document_text
from crawler.items import Paragraph, ReportPage
from crawler.rules import data_lines
from crawler.text import CJK, SENTENCE_END, simplified
from crawler.urls import DOCUMENT_EXT

MIN_OWN_TEXT = 100  # CJK characters a page needs, besides pointers to its attachment, to hold its own report
PROSE_CHARS = 80  # a line this long, or one that ends a sentence, is running text
OUTCOME_FLAGS = {"needs_ocr": "needs_ocr", "needs_conversion": "needs_conversion"}  # else attachment_unreadable


@cache
def pointer_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in data_lines("pipelines", "attachment_pointers.txt")), re.I)


def own_text(paragraphs: list[Paragraph], family: str | None = None) -> int:
    """CJK characters of the page's running text, not counting navigation, chrome, the title and headings, or
    lines that point to an attachment. Read on the extracted lines, so a page is cleaned once, after this stage
    has decided which text it keeps."""
    pattern, rules = pointer_pattern(), chrome_rules(family)
    count = 0
    for p in paragraphs:
        text = p.text
        if p.linked or p.row or not (SENTENCE_END.search(text) or len(text) > PROSE_CHARS) or rules.is_chrome(text):
            continue
        if not (pattern.search(text) or pattern.search(simplified(text))):
            count += len(CJK.findall(text))
    return count



def report_files(records: list[dict[str, Any]], report_url: str) -> list[dict[str, Any]]:
    """The files that may hold the report's text, most likely first: the report's own URL (a column entry
    that is the file), files named as an annual report, then the other documents in page order."""
    candidates = [r for r in records
                  if r.get("type") in DOCUMENT_TYPES or DOCUMENT_EXT.search(urlsplit(r["url"]).path)]

    def rank(record: dict[str, Any]) -> int:
        if record["url"] == report_url:
            return 0
        named = [record.get("name") or "", record.get("filename") or ""]
        return 1 if any(classify_title(n).kind == ANNUAL_REPORT for n in named) else 2

    return sorted(candidates, key=rank)



def read_file(record: dict[str, Any]) -> DocumentText:
    if record["status"] != "ok":
        return DocumentText("unreadable", detail=record["status"])
    return document_text(Path(record["path"]).read_bytes())


def take_text(item: ReportPage) -> None:
    """When the page holds no report text of its own, the report's text from its file (or the flags saying
    why not: the record is then kept without text, its file recorded)."""
    candidates = report_files(item.attachment_files, item.url)
    if not candidates or own_text(item.paragraphs, item.template) >= MIN_OWN_TEXT:
        return
    failed: dict[str, list[dict[str, str | None]]] = {}
    for record in candidates:
        result = read_file(record)
        if result.status == "ok":
            item.paragraphs = result.paragraphs
            item.extracted_by = f"attachment:{record['type']}"
            item.flag("from_attachment", {"url": record["url"], "type": record["type"],
                                          "filename": record["filename"]})
            return
        flag = OUTCOME_FLAGS.get(result.status, "attachment_unreadable")
        failed.setdefault(flag, []).append({"url": record["url"], "detail": result.detail})
    item.paragraphs = []  # the page's lines only pointed to the file
    for flag, files in failed.items():
        item.flag(flag, files)


class FileTextPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        take_text(item)
        return item
