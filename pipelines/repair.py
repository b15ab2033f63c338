"""Repair: mojibake undone where the round trip is exact, flagged where it is not; lost characters flagged.

Two kinds of damage outlive a right decoding of the page, because they were in the text the page was made from:
- mojibake: a line (a title, a pasted paragraph) that once went through the wrong charset, such as UTF-8 read
  as GBK (鏀垮簻淇℃伅鍏紑 for 政府信息公开). Encoding it back with the wrong charset and decoding it with the
  right one restores it when no byte was lost (``mojibake_repaired``); a line that still reads badly is
  flagged ``mojibake``.
- lost characters: '?' where a character or a space did not survive a conversion to a narrower charset
  (seed 004: "报告。?", "?0", "0?"), and U+FFFD. What stood there cannot be known from the text, so the text is
  kept as served and flagged ``lost_characters`` with the lines concerned.
"""

from __future__ import annotations

import re

from crawler.items import ReportPage
from crawler.text import readability, suspect

# (charset the text was wrongly read with, charset its bytes really were in)
ROUND_TRIPS = (("gb18030", "utf-8"), ("cp1252", "utf-8"), ("latin-1", "utf-8"), ("latin-1", "gb18030"),
               ("big5hkscs", "utf-8"))
MOJIBAKE_BELOW = 0.6  # a line reading worse than this is mojibake
MIN_SUSPECTS = 3  # ... if it has this many odd characters (one rare character in a name is not mojibake)
REPAIRED_FROM = 0.9  # ... and a round trip must bring it to at least this
NEAR_LOST = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef\d]"
# '?' touching Chinese text, full-width punctuation or a digit, or alone at either end of a line; U+FFFD.
LOST = re.compile(rf"(?<={NEAR_LOST})\?|\?(?={NEAR_LOST})|^\?|\?$|\ufffd")
URL = re.compile(r"(?:https?:/{1,2}|www\.)[\x21-\x7e]+", re.I)
EVIDENCE_LINES = 5


def unmojibake(line: str) -> str | None:
    """The line restored by the first exact round trip that makes it read as Chinese, or None."""
    for wrong, right in ROUND_TRIPS:
        try:
            restored = line.encode(wrong).decode(right)
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if readability(restored) >= REPAIRED_FROM:
            return restored
    return None


def is_mojibake(line: str) -> bool:
    return readability(line) < MOJIBAKE_BELOW and sum(map(suspect, line)) >= MIN_SUSPECTS


def lost_characters(lines: list[str]) -> dict[str, object] | None:
    """Where '?' or U+FFFD stand for characters lost in a conversion, or None."""
    hits = [(line, len(LOST.findall(URL.sub(" ", line)))) for line in lines]
    hits = [(line, n) for line, n in hits if n]
    if not hits:
        return None
    return {"count": sum(n for _, n in hits), "lines": [line[:200] for line, _ in hits[:EVIDENCE_LINES]],
            "line_count": len(hits)}


def repair_lines(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The lines with mojibake undone where possible; the lines repaired (as they were); the lines left damaged."""
    out, repaired, damaged = [], [], []
    for line in lines:
        if is_mojibake(line):
            if (restored := unmojibake(line)) is not None:
                repaired.append(line)
                line = restored
            else:
                damaged.append(line)
        out.append(line)
    return out, repaired, damaged


class RepairPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        item.body, repaired, damaged = repair_lines(item.body)
        for name in ("page_title", "list_title"):
            if (title := getattr(item, name)) and is_mojibake(title) and (restored := unmojibake(title)):
                setattr(item, name, restored)
                repaired.append(title)
        if repaired:
            item.flag("mojibake_repaired", {"lines": [line[:200] for line in repaired[:EVIDENCE_LINES]],
                                            "line_count": len(repaired)})
        if damaged:
            item.flag("mojibake", {"lines": [line[:200] for line in damaged[:EVIDENCE_LINES]],
                                   "line_count": len(damaged)})
        if evidence := lost_characters(item.body):
            item.flag("lost_characters", evidence)
        return item
