"""Dates as portals and reports write them: 2015-01-21, 2015年1月21日, 二〇一七年一月八日, 一七年一月八日, and
the same in full-width digits and separators (２０２２年３月１日, ２０２２－０３－０１)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

ARABIC_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇零○O一二三四五六七八九十"  # matched on NFKC-folded text: a full-width Ｏ is an O there
CHINESE_DATE = re.compile(rf"([{_CN}]{{2,4}})年([{_CN}]{{1,3}})月([{_CN}]{{1,3}})日")
# What may stand between a label and the date it labels: 发布日期：2019-01-25, 发布时间:[2019-01-25].
LEADING = re.compile(r"^[\s:：\[【(（]*")


def _cn_number(text: str) -> int:
    """Read 一, 十, 十二, 二十, 二十一 (month and day numerals)."""
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _arabic(m: re.Match[str]) -> str | None:
    return _valid(int(m[1]), int(m[2]), int(m[3]))


def _chinese(m: re.Match[str]) -> str | None:
    try:
        digits = "".join(str(_CN_DIGITS[c]) for c in m[1])
        month, day = _cn_number(m[2]), _cn_number(m[3])
    except KeyError:
        return None
    year = int(digits) if len(digits) == 4 else 2000 + int(digits[-2:])  # 一七年 is 2017 in a signature
    return _valid(year, month, day)


def _folded(text: str) -> str:
    """Full-width digits and separators as ASCII (NFKC), for matching only: the text itself is never changed."""
    return unicodedata.normalize("NFKC", text)


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as YYYY-MM-DD, or None."""
    folded = _folded(text)
    if m := ARABIC_DATE.search(folded):
        return _arabic(m)
    if m := CHINESE_DATE.search(folded):
        return _chinese(m)
    return None


def leading_date(text: str) -> str | None:
    """The date ``text`` starts with (after a colon, white space or an opening bracket), as YYYY-MM-DD, or None:
    what a label such as 发布日期 labels, and not a date somewhere further on."""
    folded = _folded(text)
    start = LEADING.match(folded)
    rest = folded[start.end() if start else 0:]
    if m := ARABIC_DATE.match(rest):
        return _arabic(m)
    if m := CHINESE_DATE.match(rest):
        return _chinese(m)
    return None


TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
CN_YEAR = re.compile(rf"([{_CN}0]{{4}})\s*年")


def title_year(text: str) -> int | None:
    """The year a title names: 2014年, 2019年度, ２０２２年 (full-width), 二〇一九年, 二0一六年."""
    folded = _folded(text)
    if m := TITLE_YEAR.search(folded):
        return int(m[1])
    if m := CN_YEAR.search(folded):
        digits = "".join("0" if c == "0" else str(_CN_DIGITS.get(c, "")) for c in m[1])
        if len(digits) == 4 and digits.startswith(("19", "20")):
            return int(digits)
    return None
