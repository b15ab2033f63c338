"""Script: a copy in Traditional script keeps its text and gains a Simplified search field.

Mirrors convert Simplified originals to Traditional with Taiwan phrasing (门户网站 → 入口網站, 优化 → 最佳化,
网络 → 網路). OpenCC's ``tw2sp`` converts characters and undoes those phrase swaps, so a search in the
original's words finds the copy; ``t2s`` alone would leave 入口网站. The stored body stays as served.
"""

from __future__ import annotations

import difflib
import re

from crawler.items import ReportPage
from crawler.text import converter

HAN = re.compile(r"[\u3400-\u9fff]")
TRADITIONAL_SHARE = 0.05  # share of Chinese characters t2s changes in a Traditional text (≈0 in Simplified)
MIN_CHANGED = 10  # ... and at least this many, so a stray variant character decides nothing
MAX_EXAMPLES = 10
SWAP_GAP = 2  # changed stretches this close together are one phrase swap


def traditional_share(text: str) -> tuple[float, int]:
    """Share and count of the Chinese characters that Traditional→Simplified conversion changes."""
    simplified = converter("t2s").convert(text)
    changed = sum(a != b and bool(HAN.match(a)) for a, b in zip(text, simplified, strict=False))
    han = len(HAN.findall(text))
    return (changed / han if han else 0.0), changed


def phrase_swaps(text: str) -> list[str]:
    """Taiwan phrasings in ``text`` that tw2sp replaces beyond character conversion (入口網站→门户网站)."""
    chars, phrases = converter("t2s").convert(text), converter("tw2sp").convert(text)
    source = text if len(chars) == len(text) else chars  # t2s maps character for character: show the original
    spans: list[list[int]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, chars, phrases, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if spans and i1 - spans[-1][1] <= SWAP_GAP:  # 許可權→权限 is a deletion and an insertion two apart
            spans[-1][1:] = [i2, spans[-1][2], j2]
        else:
            spans.append([i1, i2, j1, j2])
    return list(dict.fromkeys(f"{source[i1:i2]}→{phrases[j1:j2]}" for i1, i2, j1, j2 in spans))


def simplified_search_text(title: str | None, body: list[str]) -> str | None:
    """Title and body in Simplified script with mainland phrasing, or None for a text already Simplified."""
    text = "\n".join([title or "", *body])
    share, changed = traditional_share(text)
    if share < TRADITIONAL_SHARE or changed < MIN_CHANGED:
        return None
    return converter("tw2sp").convert(text)


class ScriptPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        if search_text := simplified_search_text(item.title, item.body):
            item.search_text = search_text
            text = "\n".join([item.title or "", *item.body])
            share, _ = traditional_share(text)
            item.flag("converted_script", {"script": "traditional", "converted_by": "opencc tw2sp",
                                           "traditional_share": round(share, 3),
                                           "phrase_swaps": phrase_swaps(text)[:MAX_EXAMPLES]})
        return item
