"""Reports published only as PDF: the hand-written bodies of the fixture world, typeset as county offices export
them from Word (tests/typeset.py: wrapped lines, indents, headings, running headers, page-number footers, ruled
tables), read back by the PDF reader and compared with the body. One layout per report, in turn."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from io import BytesIO

import pdfplumber

from crawler.documents import pdf_text
from tests.cleaning.cases import char_f1
from tests.typeset import LAYOUTS, Layout, report_bodies, typeset

ROUNDS = 3


def typeset_reports() -> list[tuple[str, Layout, bytes, list[str]]]:
    """(name, layout, PDF, the lines a reader must give: the title, then the body)."""
    return [(name, LAYOUTS[i % len(LAYOUTS)], typeset(title, body, LAYOUTS[i % len(LAYOUTS)]), [title, *body])
            for i, (name, title, body) in enumerate(report_bodies())]


def exactly_right(got: list[str], expected: list[str]) -> int:
    """Expected paragraphs the reader gave exactly (as multisets: a line given twice counts once)."""
    return sum((Counter(got) & Counter(expected)).values())


def bench_pdf() -> dict[str, float]:
    """Character F1 against the body (mean, minimum), paragraphs given exactly, whole reports given exactly, and
    ms per page of ``pdf_text`` (typesetting not timed)."""
    scores, right, wanted, whole, times, pages = [], 0, 0, 0, [], 0
    for _, _, data, expected in typeset_reports():
        for _ in range(ROUNDS):
            start = time.perf_counter()
            result = pdf_text(data)
            times.append(time.perf_counter() - start)
        got = [p.text for p in result.paragraphs]
        scores.append(char_f1(got, expected))
        right += exactly_right(got, expected)
        wanted += len(expected)
        whole += got == expected
        with pdfplumber.open(BytesIO(data)) as pdf:
            pages += len(pdf.pages)
    reports = len(scores)
    return {"reports": reports, "mean_f1": statistics.mean(scores), "min_f1": min(scores), "right": right,
            "wanted": wanted, "whole": whole, "ms_per_page": 1000 * sum(times) / ROUNDS / max(pages, 1)}
