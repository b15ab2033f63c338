"""Flag suspect copies: spam that hijacked mirrors inject, found two ways, both driven by data files.

- terms: brands and phrases such mirrors insert (data/spam_terms.txt);
- the shape of the damage: a slot where a report names an agency (《X办公厅关于…》, 由X办公厅编制, 可在X门户网站)
  holding an X that is no place and no agency (data/agency_slots.yaml), which catches brands no list knows.
Either makes the report ``tampered``, with the terms, the names and the lines they stand in as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from crawler.items import ReportPage
from crawler.rules import data_lines, data_yaml
from crawler.text import simplified

EVIDENCE_LINES = 5


@cache
def spam_pattern() -> re.Pattern[str]:
    terms = sorted(set(data_lines("pipelines", "spam_terms.txt")), key=len, reverse=True)
    alternatives = [rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])" if t.isascii() else re.escape(t) for t in terms]
    return re.compile("|".join(alternatives), re.I)


@dataclass(frozen=True)
class AgencySlots:
    slots: tuple[re.Pattern[str], ...]
    agency_end: re.Pattern[str]
    agency_names: frozenset[str]

    def is_agency(self, name: str) -> bool:
        """The name, or a leading part of it, ends the way a place's or an agency's name does."""
        return name in self.agency_names or any(self.agency_end.search(name[:end]) for end in range(2, len(name) + 1))


@cache
def agency_slots() -> AgencySlots:
    data = data_yaml("pipelines", "agency_slots.yaml")
    return AgencySlots(tuple(re.compile(p) for p in data["slots"]), re.compile(data["agency_end"]),
                       frozenset(data["agency_names"]))


def spam_evidence(title: str, body: list[str]) -> dict[str, Any] | None:
    """The spam terms found in a report and the lines they stand in, or None for a clean text."""
    pattern = spam_pattern()
    lines = [line for line in [title, *body] if line and pattern.search(line)]
    if not lines:
        return None
    terms = sorted({m.group(0) for line in lines for m in pattern.finditer(line)})
    return {"terms": terms, "lines": [line[:200] for line in lines[:EVIDENCE_LINES]], "count": len(lines)}


def damage_evidence(title: str, body: list[str]) -> dict[str, Any] | None:
    """Agency slots of a report that hold something other than an agency's name, or None."""
    rules = agency_slots()
    names: list[str] = []
    lines: list[str] = []
    for line in (line for line in [title, *body] if line):
        found = [m["name"] for slot in rules.slots for m in slot.finditer(simplified(line))
                 if not rules.is_agency(m["name"])]
        if found:
            names += found
            lines.append(line[:200])
    if not names:
        return None
    return {"names": sorted(set(names)), "lines": lines[:EVIDENCE_LINES], "count": len(lines)}


class FlagPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        title = item.title or ""
        found = {kind: evidence for kind, evidence in (("spam_terms", spam_evidence(title, item.body)),
                                                        ("agency_slots", damage_evidence(title, item.body)))
                 if evidence}
        if found:
            item.flag("tampered", found)
        return item
