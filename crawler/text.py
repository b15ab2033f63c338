"""Chinese text helpers every stage shares: line and key normalisation, script conversion, heading shapes,
and how much of a text reads as ordinary characters (the test of a decoding).

Keys (``key``) and Simplified readings (``simplified``) are for matching only, never for stored text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache

import opencc

CJK = re.compile(r"[\u3400-\u9fff]")
NUMERAL = "一二三四五六七八九十"
HEADING = re.compile(rf"^([{NUMERAL}]+[、.．]|[（(][{NUMERAL}]+[）)]|\d+[、.．])")  # 一、 (一) 1.
SENTENCE_END = re.compile(r"[。；！？：:.;!?]$")
SPACES = re.compile(r"[ \t\r\n\f\v\u3000\xa0\u2002\u2003\u2009]+")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never text; lxml refuses them in a tree it edits
# C1 controls (U+0080-U+009F) are never text either, but UTF-8 read as Latin-1 is made of them after a Latin-1
# letter (政 → æ\x94¿): a run of them after anything else is a control, one after such a letter mojibake to repair.
C1_CONTROLS = re.compile(r"(?<![\u00a0-\u00ff])[\u0080-\u009f]+")
ANY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # either kind: one scan finds a page has none
CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’《》〈〉（）【】〔〕…—·％．－")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # ASCII reads the same in every charset these pages use: it tells nothing
FOLD_QUOTES = str.maketrans({"−": "-", "“": None, "”": None, "\"": None, "‘": None, "’": None, "'": None})


@cache
def converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per direction (``t2s``, ``tw2sp``, ``s2t``), built once per process."""
    return opencc.OpenCC(config)


def _simplified(text: str) -> str:
    try:
        text.encode("gb2312")  # all-Simplified already: skip the conversion
        return text
    except UnicodeEncodeError:
        return converter("tw2sp").convert(text)


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """The text in Simplified script with Taiwan phrasing undone (tw2sp: 入口網站 → 门户网站)."""
    return _simplified(text)


def clear_caches() -> None:
    """Forget the cached keys and readings (a benchmark round that must start cold)."""
    key.cache_clear()
    simplified.cache_clear()


def fold(text: str, *, cache: bool = True) -> str:
    """Matching key of a table cell, label or marker word: NFKC, Simplified script, no white space or quotes.
    Lines recur across pages and their readings are cached; a whole body (``cache=False``) is not."""
    folded = (simplified if cache else _simplified)(unicodedata.normalize("NFKC", text)).translate(FOLD_QUOTES)
    return "".join(folded.split())


@lru_cache(maxsize=16384)
def key(text: str) -> str:
    """Comparison key: NFKC, no white space or punctuation."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def without_controls(text: str) -> str:
    """The text without control characters (C0 but tab and line breaks; C1 runs that are no mojibake)."""
    if not ANY_CONTROL.search(text):  # nearly every page: one scan, not two substitutions
        return text
    return C1_CONTROLS.sub("", CONTROL.sub("", text))


# Bounds on the free-text fields a site controls, in characters: a longer value is cut to its bound (and the
# cut is marked by the stage that made it: the flag ``field_cut`` with each field's length as served).
FIELD_BOUNDS = {
    "title": 300,  # the report's title (a page's <title>, heading or ArticleTitle)
    "list_title": 300,  # a list entry's title
    "agency": 120,
    "region": 120,
    "page_meta": 500,  # each value of the page's meta tags (SiteName, ContentSource: the publisher, the source)
    "attachment_name": 255,  # an attachment's name (its link text, its served file name)
}
FIELD_CUT = "field_cut"


def bounded(text: str, name: str) -> str:
    """``text`` cut to the bound of the field ``name`` (FIELD_BOUNDS), trimmed."""
    bound = FIELD_BOUNDS[name]
    return text if len(text) <= bound else text[:bound].rstrip()


def clean_line(text: str) -> str:
    """White space of a line collapsed to single spaces and trimmed; zero-width characters dropped."""
    return SPACES.sub(" ", ZERO_WIDTH.sub("", text)).strip()


@cache
def common_characters() -> frozenset[str]:
    """GB2312 level 1 (the 3,755 most used Chinese characters), in Simplified and Traditional script.

    Text decoded with the wrong charset (UTF-8 read as GBK, GBK read as UTF-8 or Latin-1) is made of rare
    characters, replacement marks and Latin letters instead: the share of these is the test of a decoding.
    """
    level1 = "".join(bytes([row, cell]).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
                     if (row, cell) < (0xD7, 0xFA))
    return frozenset(level1 + converter("s2t").convert(level1)) | CJK_PUNCTUATION


def suspect(ch: str) -> bool:
    """A character that ordinary Chinese text seldom holds but wrong decodings produce in numbers."""
    code = ord(ch)
    return (ch == "\ufffd" or 0x80 <= code <= 0x9F or 0xC0 <= code <= 0x24F or 0xE000 <= code <= 0xF8FF
            or (0x3400 <= code <= 0x9FFF and ch not in common_characters()))


def readability(text: str) -> float:
    """Share of a text's telling characters (Chinese, Latin-1 letters, replacement marks) that are common
    Chinese characters or punctuation; 1.0 for a text with none of them (plain ASCII)."""
    common = common_characters()
    good = bad = 0
    for ch, count in Counter("".join(NON_ASCII.findall(text))).items():
        if ch in common:
            good += count
        elif suspect(ch):
            bad += count
    return good / (good + bad) if good + bad else 1.0
