"""Decode: a page Scrapy decoded with the wrong charset is decoded again from its bytes.

w3lib takes the charset from the BOM, then the HTTP header, then the <meta> tag, then detection: a wrong
header beats a right meta tag (header utf-8, bytes and meta GBK gives a page of U+FFFD), and a header or meta
naming GBK for UTF-8 bytes gives UTF-8-read-as-GBK mojibake. When the text Scrapy made reads badly, each
plausible charset is tried on the bytes and the best reading replaces it (a few broken bytes in a page only
lower the reading's score, as their U+FFFD count against it).

Bytes that are no character of the page's charset become U+FFFD (not dropped: the repair stage flags the line
``lost_characters`` and the tables stage reads such a cell as unknown, where a dropped byte would silently
change a number). In a double-byte charset (GBK, Big5) a broken byte also shifts every pair after it (a stray
lead byte takes the next character's first byte as its second) until the next ASCII byte, so the rest of the
paragraph reads as rare characters: after an invalid sequence the reading resumes at the byte, a few ahead,
from which the text reads best (``decode``). Control characters go (tab and line breaks stay): they are never
text, and the tree builders refuse or keep them as junk.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from crawler.items import ReportPage
from crawler.text import readability, without_controls

META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
# Python's codecs for the names pages declare; GB2312 and GBK pages are read as their superset GB18030.
CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs",
          "utf8": "utf-8"}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
SUSPECT_BELOW = 0.9  # a page reading worse than this is decoded again
MIN_GAIN = 0.1  # ... and the new reading must be this much better
RESYNC = "govcrawl-resync"  # the error handler of ``decode``
RESYNC_REACH = 4  # bytes past an invalid sequence the reading may resume at
RESYNC_WINDOW = 24  # bytes read from each candidate resume point to score it
DOUBLE_BYTE = frozenset({"gb18030", "big5hkscs", "big5", "cp950", "euc-kr", "shift_jis", "cp932"})


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


def _resync(error: UnicodeError) -> tuple[str, int]:
    """U+FFFD for an invalid sequence, the reading resumed where the next bytes read best (the nearest on a tie)."""
    assert isinstance(error, UnicodeDecodeError)
    data, end = error.object, error.end
    if error.encoding.lower().replace("_", "-") not in DOUBLE_BYTE:
        return "\ufffd", end

    def score(start: int) -> float:
        return readability(data[start:start + RESYNC_WINDOW].decode(error.encoding, "replace"))

    resume = max(range(end, min(end + RESYNC_REACH, len(data)) + 1), key=lambda start: (score(start), -start))
    return "\ufffd", resume


codecs.register_error(RESYNC, _resync)


def decode(raw: bytes, encoding: str) -> str:
    """The bytes as text in ``encoding``: invalid sequences U+FFFD, a double-byte reading resynchronised after
    one, control characters out. Raises LookupError for a charset Python does not know."""
    return without_controls(raw.decode(_codec(encoding), RESYNC))


def invalid_in(raw: bytes, encoding: str) -> bool:
    """Whether the bytes hold a sequence that is no character of ``encoding``."""
    try:
        raw.decode(_codec(encoding))
    except UnicodeDecodeError:
        return True
    except LookupError:
        return False
    return False


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
            candidate = decode(raw, encoding)
        except LookupError:  # a charset name Python does not know
            continue
        score = readability(candidate)
        if best is None or score > best[0]:
            best = (score, encoding, candidate)
    if best is None or best[0] < SUSPECT_BELOW or best[0] < before + MIN_GAIN:
        return None
    return Redecoded(best[2], best[1], meta, round(before, 3), round(best[0], 3))


def reread(raw: bytes, text: str, encoding: str | None) -> str:
    """The page's text without control characters; read again from its bytes (``decode``) when they hold
    invalid sequences of a double-byte charset it was read in, whose reading lost its footing after them."""
    if raw and encoding and _codec(encoding) in DOUBLE_BYTE and invalid_in(raw, encoding):
        return decode(raw, encoding)
    return without_controls(text)


class DecodePipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        item.html = reread(item.raw, item.html, item.encoding)
        if found := redecode(item.raw, item.html):
            item.html = found.text
            item.flag("encoding_repaired", {"decoded_as": found.encoding, "meta_charset": found.declared,
                                            "readability": [found.readability_before, found.readability_after]})
        return item
