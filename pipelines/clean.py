"""Clean: from extracted paragraphs to the report body — one copy of the text, its title line and chrome gone.

Order matters: a body repeated on the page is reduced to one copy first (so the chrome between the copies
becomes an edge block), then chrome is stripped, then the title line is taken off the top.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from crawler.classify import ANNUAL_REPORT, KEY_POINTS, classify_title
from crawler.items import Paragraph, ReportPage

HEADING = re.compile(r"^([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+[、.．])")
SENTENCE_END = re.compile(r"[。；！？：:.;!?]$")
MIN_REPEAT_BLOCK = 3  # paragraphs a repeated run must span to count as a second copy of the body
MIN_REPEAT_CHARS = 60  # ... and characters it must hold (runs of flattened "0" cells are not a body)
MIN_DUP_PARAGRAPH = 20  # characters a paragraph needs before its exact repeat is dropped


@dataclass(frozen=True)
class ChromeRules:
    strong: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...]

    def is_strong(self, text: str) -> bool:
        return any(p.search(text) for p in self.strong)

    def is_weak(self, text: str) -> bool:
        return any(p.search(text) for p in self.weak)


@cache
def chrome_rules() -> ChromeRules:
    data = yaml.safe_load(resources.files("pipelines").joinpath("data/chrome.yaml").read_text("utf-8"))
    return ChromeRules(tuple(re.compile(p, re.I) for p in data["strong"]),
                       tuple(re.compile(p, re.I) for p in data["weak"]))


def key(text: str) -> str:
    """Comparison key: NFKC, no white space or punctuation. For matching only, never for stored text."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


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


def remove_repeats(paragraphs: list[Paragraph], title: str | None) -> tuple[list[Paragraph], bool]:
    """Keep one copy of a body that the page holds twice, with its title; drop repeated long paragraphs.

    Table rows are exempt from the paragraph rule: the header row of one statistics table recurs in the next.
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
    seen: set[str] = set()
    kept: list[Paragraph] = []
    for p in paragraphs:
        k = key(p.text)
        if not p.row and len(k) >= MIN_DUP_PARAGRAPH and k in seen:
            removed = True
            continue
        seen.add(k)
        kept.append(p)
    return kept, removed


def _edge_chrome(p: Paragraph, rules: ChromeRules) -> bool:
    return rules.is_strong(p.text) or rules.is_weak(p.text) or (p.linked and len(p.text) <= 40)


def strip_chrome(paragraphs: list[Paragraph], title: str | None) -> list[Paragraph]:
    rules = chrome_rules()
    # Everything above the report's own title line is page furniture (breadcrumb, list header, 时间 lines).
    for index, p in enumerate(paragraphs[:12]):
        if _is_title_line(p.text, title):
            paragraphs = paragraphs[index + 1:]
            break
    start, end = 0, len(paragraphs)
    while start < end and (_edge_chrome(paragraphs[start], rules) or _is_title_line(paragraphs[start].text, title)):
        start += 1
    while end > start and _edge_chrome(paragraphs[end - 1], rules):
        end -= 1
    return [p for p in paragraphs[start:end] if not rules.is_strong(p.text)]


def clean_body(paragraphs: list[Paragraph], title: str | None) -> tuple[list[str], list[str]]:
    """The clean body as paragraph strings, and the flags naming what was repaired."""
    flags: list[str] = []
    paragraphs, repeated = remove_repeats([p for p in paragraphs if p.text.strip()], title)
    if repeated:
        flags.append("repeat_removed")
    return [p.text for p in strip_chrome(paragraphs, title)], flags


class CleanPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        title = item.page_title if item.page_title and classify_title(item.page_title).kind != "other" else None
        item.body, flags = clean_body(item.paragraphs, title or item.list_title)
        for name in flags:
            item.flag(name)
        return item
