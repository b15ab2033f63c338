"""Measures of Chinese text shared by the repair stages: how much of a text reads as ordinary characters."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import opencc

CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’《》〈〉（）【】〔〕…—·％．－")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # ASCII reads the same in every charset these pages use: it tells nothing


@cache
def common_characters() -> frozenset[str]:
    """GB2312 level 1 (the 3,755 most used Chinese characters), in Simplified and Traditional script.

    Text decoded with the wrong charset (UTF-8 read as GBK, GBK read as UTF-8 or Latin-1) is made of rare
    characters, replacement marks and Latin letters instead: the share of these is the test of a decoding.
    """
    level1 = "".join(bytes([row, cell]).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
                     if (row, cell) < (0xD7, 0xFA))
    return frozenset(level1 + opencc.OpenCC("s2t").convert(level1)) | CJK_PUNCTUATION


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
