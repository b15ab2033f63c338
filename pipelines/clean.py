"""Clean: from extracted paragraphs to the report body — one copy of the text, its title line and chrome gone.

Order matters: a body repeated on the page is reduced to one copy first (so the chrome between the copies
becomes an edge block), then chrome is stripped, then the title line is taken off the top. Both steps run
to a fixed point, so cleaning a clean body changes nothing.

A page whose clean text is a stub's (a redirect notice, a login wall, an error page served with status 200:
crawler/stubs.py) is marked so, and the store records it as an error of kind ``stub`` instead of a report.
"""

from __future__ import annotations

import re

from crawler.chrome import ChromeRules, chrome_rules
from crawler.classify import ANNUAL_REPORT, KEY_POINTS, classify_title
from crawler.errors import STUB
from crawler.items import Paragraph, ReportPage
from crawler.stubs import stub_of
from crawler.text import HEADING, NUMERAL, SENTENCE_END, key

# One entry of a headings list: "二、主动公开政府信息情况", up to the next entry's numeral or a separator.
TOC_ENTRY = re.compile(rf"(?:^|(?<=[,，;；\s]))\s*(?:\d+\s*)?([{NUMERAL}]+)[、.．]\s*([^,，;；]+?)\s*(?=[,，;；]|$)")
# A mirror's numbered 目录 box gives each entry its index, spaced or glued to the numeral ("1 一、…", "1一、…"),
# and its sub-entries a dotted one ("2.1(一)…").
INDEX_PREFIX = re.compile(rf"^\s*\d+(?:\.\d+)*\s*(?=[{NUMERAL}（(])")
TOC_LINE = re.compile(rf"^\s*(?:\d+\s*)?[{NUMERAL}]+[、.．]|^\s*\d+(?:\.\d+)+\s*[（(][{NUMERAL}]+[）)]")
SYMBOLS_ONLY = re.compile(r"^[\W_]+$")
MIN_REPEAT_BLOCK = 3  # paragraphs a repeated run must span to count as a second copy of the body
MIN_REPEAT_CHARS = 60  # ... and characters it must hold (runs of flattened "0" cells are not a body)
MIN_DUP_PARAGRAPH = 20  # characters a paragraph needs before its exact repeat is dropped
MIN_TOC_ENTRIES = 3  # section headings a line or block must list to be a table of contents
MAX_HEADING_CHARS = 40
LEAD_WINDOW = 12  # lines from the top in which the report's title line is looked for


def is_heading(p: Paragraph) -> bool:
    """A section heading line: numbered (一、 (一) 1.), short, not a sentence."""
    text = p.text
    return not p.row and len(text) <= MAX_HEADING_CHARS and bool(HEADING.match(text)) and not text.endswith("。")


def _is_title_line(text: str, title: str | None) -> bool:
    k = key(text)
    if not k:
        return False
    if title and (k == key(title) or (len(k) >= 8 and k in key(title))):
        return True
    if len(text) > 80 or SENTENCE_END.search(text):
        return False
    return classify_title(text).kind in (ANNUAL_REPORT, KEY_POINTS)


def _longest_repeat(keys: list[str]) -> tuple[int, int, int]:
    """(i, j, length) of the longest run keys[i:i+n] == keys[j:j+n] with i + n <= j; (0, 0, 0) if none."""
    best = (0, 0, 0)
    positions: dict[str, list[int]] = {}
    for index, k in enumerate(keys):
        positions.setdefault(k, []).append(index)
    for i, k in enumerate(keys):
        if not k:
            continue
        for j in positions[k]:
            if j <= i or (i > 0 and j > 0 and keys[i - 1] == keys[j - 1] and keys[i - 1]):
                continue  # only start runs at their first paragraph
            n = 0
            while i + n < j and j + n < len(keys) and keys[i + n] == keys[j + n]:
                n += 1
            if n > best[2]:
                best = (i, j, n)
    return best


def _numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (n < 100)."""
    tens, ones = divmod(n, 10)
    prefix = "" if tens == 0 else "十" if tens == 1 else NUMERAL[tens - 1] + "十"
    return prefix + (NUMERAL[ones - 1] if ones else "")


NUMERAL_VALUES = {_numeral(n): n for n in range(1, 100)}


def _toc_entries(text: str) -> list[str] | None:
    """Keys of the headings a one-line table of contents lists ("一、…,二、…,三、…"), numbered in sequence."""
    entries = TOC_ENTRY.findall(text)
    if len(entries) < MIN_TOC_ENTRIES or any(len(title) > MAX_HEADING_CHARS for _, title in entries):
        return None
    values = [NUMERAL_VALUES.get(numeral, 0) for numeral, _ in entries]
    if not all(values) or values != list(range(values[0], values[0] + len(values))):
        return None
    if len(key("".join(f"{n}{t}" for n, t in entries))) < 0.8 * len(key(text)):
        return None  # the entries must make up the line
    return [key(f"{n}、{t}") for n, t in entries]


def tables_of_contents(paragraphs: list[Paragraph]) -> list[tuple[int, int]]:
    """Spans [start, end) of the headings lists on the page: one line listing the sections, or a block of
    heading lines (as a mirror's 目录 box) whose headings recur later in the text as its section headings."""
    keys = [key(p.text) for p in paragraphs]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(paragraphs):
        p = paragraphs[i]
        entries = None if p.row else _toc_entries(p.text)
        if entries and sum(k in keys[i + 1:] for k in entries) >= MIN_TOC_ENTRIES:
            spans.append((i, i + 1))
            i += 1
            continue
        end, indexed = i, bool(INDEX_PREFIX.match(p.text))
        while end < len(paragraphs) and not paragraphs[end].row and len(paragraphs[end].text) <= MAX_HEADING_CHARS \
                and TOC_LINE.match(paragraphs[end].text) and bool(INDEX_PREFIX.match(paragraphs[end].text)) == indexed:
            end += 1  # a numbered box ends where its numbering does (the first heading may follow it at once)
        block = [key(INDEX_PREFIX.sub("", t.text)) for t in paragraphs[i:end]]
        if end - i >= MIN_TOC_ENTRIES and sum(k in keys[end:] for k in block) >= MIN_TOC_ENTRIES:
            spans.append((i, end))
            i = end
            continue
        i += 1
    return spans


def _drop_extra_tables_of_contents(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], bool]:
    """Keep the first headings list that is text; drop navigation (a linked list, or a numbered 目录 box as
    encyclopedia mirrors show, linked or not) and later copies.

    True when a copy of the text's own list went (a 目录 box is navigation, not a repeat)."""
    spans = tables_of_contents(paragraphs)
    if not spans:
        return paragraphs, False
    kept_one, copies = False, False
    doomed: set[int] = set()
    for start, end in spans:
        if all(p.linked or INDEX_PREFIX.match(p.text) for p in paragraphs[start:end]):
            doomed.update(range(start, end))
        elif kept_one:
            doomed.update(range(start, end))
            copies = True
        else:
            kept_one = True
    return [p for i, p in enumerate(paragraphs) if i not in doomed], copies


def remove_repeats(paragraphs: list[Paragraph], title: str | None) -> tuple[list[Paragraph], bool]:
    """Keep one copy of a body that the page holds twice, with its title; drop repeated long paragraphs,
    doubled table rows and extra copies of a headings list.

    Table rows repeat legitimately (the header row of one statistics table recurs in the next), so only a
    row identical to the row before it goes; section headings stay even when a headings list named them.
    """
    keys = [key(p.text) for p in paragraphs]
    i, j, n = _longest_repeat(keys)
    removed = False
    if n >= MIN_REPEAT_BLOCK and sum(len(k) for k in keys[i:i + n]) >= MIN_REPEAT_CHARS:
        removed = True
        title_before_second = j > 0 and _is_title_line(paragraphs[j - 1].text, title)
        if title_before_second:
            # [lead][copy A][chrome][title][copy B][tail] → [lead][title][copy B][tail]
            paragraphs = paragraphs[:i] + paragraphs[j - 1:]
        else:
            # [lead][copy A][between][copy B][tail] → [lead][copy A][tail]
            paragraphs = paragraphs[: i + n] + paragraphs[j + n:]
    paragraphs, toc_removed = _drop_extra_tables_of_contents(paragraphs)
    seen: set[str] = set()
    kept: list[Paragraph] = []
    for p in paragraphs:
        k = key(p.text)
        doubled_row = p.row and kept and kept[-1].row and kept[-1].text == p.text
        repeated = not p.row and not is_heading(p) and len(k) >= MIN_DUP_PARAGRAPH and k in seen
        if doubled_row or repeated:
            removed = True
            continue
        seen.add(k)
        kept.append(p)
    return kept, removed or toc_removed


def _edge_chrome(p: Paragraph, rules: ChromeRules) -> bool:
    return rules.is_chrome(p.text, edge=True) or (p.linked and len(p.text) <= 40) or bool(SYMBOLS_ONLY.match(p.text))


def _prose(p: Paragraph) -> bool:
    return not p.row and bool(SENTENCE_END.search(p.text) or len(p.text) > 80)


def strip_chrome(paragraphs: list[Paragraph], title: str | None, family: str | None = None) -> list[Paragraph]:
    rules = chrome_rules(family)
    # Everything above the report's own title line is page furniture (breadcrumb, list header, 时间 lines),
    # as long as no running text stands above it.
    for index, p in enumerate(paragraphs[:LEAD_WINDOW]):
        if _is_title_line(p.text, title):
            paragraphs = paragraphs[index + 1:]
            break
        if _prose(p) and not _edge_chrome(p, rules):
            break
    start, end = 0, len(paragraphs)
    while start < end and (_edge_chrome(paragraphs[start], rules) or _is_title_line(paragraphs[start].text, title)):
        start += 1
    while end > start and _edge_chrome(paragraphs[end - 1], rules):
        end -= 1
    return [p for p in paragraphs[start:end] if not rules.is_chrome(p.text)]


def clean_body(paragraphs: list[Paragraph], title: str | None, family: str | None = None
               ) -> tuple[list[str], list[str]]:
    """The clean body as paragraph strings, and the flags naming what was repaired."""
    flags: list[str] = []
    paragraphs = [p for p in paragraphs if p.text.strip()]
    while True:
        paragraphs, repeated = remove_repeats(paragraphs, title)
        stripped = strip_chrome(paragraphs, title, family)
        if repeated and "repeat_removed" not in flags:
            flags.append("repeat_removed")
        if len(stripped) == len(paragraphs) and not repeated:
            return [p.text for p in stripped], flags
        paragraphs = stripped


class CleanPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        title = item.page_title or item.list_title
        if item.page_title_cut:
            title = item.list_title or title
        item.body, flags = clean_body(item.paragraphs, title, item.template)
        for name in flags:
            item.flag(name)
        lines = item.body or [p.text for p in item.paragraphs if not p.linked]
        if stub := stub_of(item.page_title, lines, item.html):
            item.problem(STUB, stub.reason)
        return item
