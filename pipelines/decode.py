"""Decode: a page Scrapy decoded with the wrong charset is decoded again from its bytes.

w3lib takes the charset from the BOM, then the HTTP header, then the <meta> tag, then detection: a wrong
header beats a right meta tag (header utf-8, bytes and meta GBK gives a page of U+FFFD), and a header or meta
naming GBK for UTF-8 bytes gives UTF-8-read-as-GBK mojibake. When the text Scrapy made reads badly, each
plausible charset is tried on the bytes and the best reading replaces it (a few broken bytes in a page only
lower the reading's score, as their U+FFFD count against it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.items import ReportPage
from crawler.text import readability

META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
# Python's codecs for the names pages declare; GB2312 and GBK pages are read as their superset GB18030.
CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs",
          "utf8": "utf-8"}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
SUSPECT_BELOW = 0.9  # a page reading worse than this is decoded again
MIN_GAIN = 0.1  # ... and the new reading must be this much better


@dataclass(frozen=True)
class Redecoded:
    text: str
    encoding: str
    declared: str | None  # the charset the page's <meta> tag names
    readability_before: float
    readability_after: float


def _codec(name: str) -> str:
    name = name.lower()
    return CODECS.get(name, name)


def redecode(raw: bytes, text: str) -> Redecoded | None:
    """The page's bytes read with the charset that gives the most readable text, if that beats ``text``."""
    before = readability(text)
    if not raw or before >= SUSPECT_BELOW:
        return None
    declared = META_CHARSET.search(raw[:4096])
    meta = declared[1].decode("ascii").lower() if declared else None
    best: tuple[float, str, str] | None = None
    for encoding in dict.fromkeys([*([_codec(meta)] if meta else []), *FALLBACKS]):
        try:
            candidate = raw.decode(encoding, errors="replace")
        except LookupError:  # a charset name Python does not know
            continue
        score = readability(candidate)
        if best is None or score > best[0]:
            best = (score, encoding, candidate)
    if best is None or best[0] < SUSPECT_BELOW or best[0] < before + MIN_GAIN:
        return None
    return Redecoded(best[2], best[1], meta, round(before, 3), round(best[0], 3))


class DecodePipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        if found := redecode(item.raw, item.html):
            item.html = found.text
            item.flag("encoding_repaired", {"decoded_as": found.encoding, "meta_charset": found.declared,
                                            "readability": [found.readability_before, found.readability_after]})
        return item
