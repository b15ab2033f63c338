"""Repair: mojibake undone where the round trip is exact, flagged where it is not; lost characters flagged, and
taken out where they were white space.

Two kinds of damage outlive a right decoding of the page, because they were in the text the page was made from:
- mojibake: a line (a title, a pasted paragraph) that once went through the wrong charset, such as UTF-8 read
  as GBK (鏀垮簻淇℃伅鍏紑 for 政府信息公开). Encoding it back with the wrong charset and decoding it with the
  right one restores it when no byte was lost (``mojibake_repaired``); a line that still reads badly is
  flagged ``mojibake``.
- lost characters: '?' where a character or a space did not survive a conversion to a narrower charset
  (seed 004: "报告。?", "?0", "0?"), and U+FFFD, flagged ``lost_characters`` with the lines as served. A '?'
  that can only have been white space (a no-break space, a line break) goes: after a sentence, a field label
  or a space, at a number's edge, at a line's end after punctuation, at a line's start before anything but a
  Chinese character, alone on a line beside running text. So does a '?' beside a Chinese word at a line's edge
  (一、总体情况?), which could also be a question mark or a lost character of the word, on a page whose other
  '?' certainly were white space, unless its sentence asks a question (data/question_words.txt). The rest
  stays, for what stood there cannot be known: a '?' inside a word or a number (1?109), a URL's, a lone '?'
  among table cells (the tables stage reads it as an unknown cell).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

from crawler.items import ReportPage
from crawler.rules import data_lines
from crawler.text import CJK, SENTENCE_END, clean_line, readability, simplified, suspect

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
RUN = re.compile(r"\?+")
NEAR = re.compile(NEAR_LOST)
CLOSERS = frozenset(")]）】》」』〕”’\"'")  # a question may end in a quote or a bracket: these end words
ENDS = frozenset("。；：！？;:!")  # a '?' after a sentence or a field label stands where a space or a line break stood
SENTENCE_START = re.compile(r".*[。；！？;!]")  # the text up to the sentence a '?' ends
NUMBER_CELL = re.compile(r"^[?\ufffd]*[+-]?\d[\d.,?\ufffd]*%?$")  # 33  33?  ?0  1?109
RUNNING_TEXT_CHARS = 60  # a longer line, or one ending a sentence, is running text (no table cell)


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


@cache
def question_words() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in data_lines("pipelines", "question_words.txt")))


def _question(sentence: str) -> bool:
    pattern = question_words()
    return bool(pattern.search(sentence) or pattern.search(simplified(sentence)))


def _lost_runs(cell: str) -> Iterator[tuple[int, int, bool]]:
    """The '?' runs of a cell (a line, or a table row's cell) that stand for lost white space, as (start, end,
    certain). Not certain: a run at the end of the cell after a word, or at its start before one, which could be
    a question mark or a character of the word."""
    urls = [m.span() for m in URL.finditer(cell)]
    for m in RUN.finditer(cell):
        start, end = m.span()
        if any(a <= start < b for a, b in urls):
            continue
        before, after = cell[:start].rstrip(), cell[end:].lstrip()
        prev, next_ = before[-1:], after[:1]
        if before and after and not (NEAR.match(prev) or NEAR.match(next_)):
            continue  # inside English text
        if not before:
            yield start, end, not CJK.match(next_)
        elif prev in ENDS or cell[start - 1].isspace():
            yield start, end, True
        elif not after:
            if prev.isdigit() or (unicodedata.category(prev).startswith("P") and prev not in CLOSERS):
                yield start, end, True  # no question mark follows a number or a comma
            elif (CJK.match(prev) or prev in CLOSERS) and not _question(SENTENCE_START.sub("", before)):
                yield start, end, False


def _lone(line: str) -> bool:
    """A paragraph of nothing but '?': a lost line break, or a table cell whose value was lost."""
    return "?" in line and not line.strip("? ")


def _table_cell(line: str | None) -> bool:
    return line is not None and ("\t" in line or bool(NUMBER_CELL.match(line)))


def _running_text(line: str | None) -> bool:
    text = (line or "").strip("? ")  # "第二十条第(一)项?" ends in a lost space, not a question
    return len(text) > RUNNING_TEXT_CHARS or bool(SENTENCE_END.search(text))


def _neighbours(lines: list[str], index: int) -> tuple[str | None, str | None]:
    """The nearest lines before and after ``index`` that are not lone '?' themselves."""
    before = next((line for line in reversed(lines[:index]) if not _lone(line)), None)
    return before, next((line for line in lines[index + 1:] if not _lone(line)), None)


def restore_white_space(lines: list[str]) -> tuple[list[str], int]:
    """The lines without the '?' that stood for lost spaces or line breaks, and how many went."""
    runs = [[list(_lost_runs(cell)) for cell in line.split("\t")] for line in lines]
    damaged = any(certain for cells in runs for cell in cells for _, _, certain in cell)
    out: list[str] = []
    removed = 0
    for index, (line, cells) in enumerate(zip(lines, runs, strict=True)):
        if _lone(line):  # a lost line break between paragraphs of text goes; among table cells it is a cell
            neighbours = _neighbours(lines, index)
            if any(map(_running_text, neighbours)) and not any(map(_table_cell, neighbours)):
                removed += line.count("?")
                continue
            out.append(line)
            continue
        fixed = []
        for cell, found in zip(line.split("\t"), cells, strict=True):
            if cell.strip("? ") and (taken := [(a, b) for a, b, certain in found if certain or damaged]):
                for a, b in reversed(taken):
                    cell = cell[:a] + " " + cell[b:]
                    removed += b - a
                cell = clean_line(cell)
            fixed.append(cell)
        out.append("\t".join(fixed))
    return out, removed


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
            item.body, evidence["white_space_restored"] = restore_white_space(item.body)
            item.flag("lost_characters", evidence)
        return item
