"""Tell annual reports from the titles that look close to them; the rules live in data/report_kinds.yaml.

A title says what the document is in its last word (报告, 函, 通知, 要点 …) and what it is about before it: a
notice about compiling annual reports is a notice, a letter on carrying out the key points is that report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from crawler.rules import data_yaml
from crawler.text import converter

ANNUAL_REPORT = "annual_report"
KEY_POINTS = "key_points"
OTHER = "other"


@dataclass(frozen=True)
class Rule:
    kind: str
    reason: str
    any: tuple[re.Pattern[str], ...]
    all: tuple[re.Pattern[str], ...]
    year: bool

    def matches(self, title: str, has_year: bool) -> bool:
        if self.year and not has_year:
            return False
        if self.any and not any(p.search(title) for p in self.any):
            return False
        return all(p.search(title) for p in self.all)


@dataclass(frozen=True)
class Classification:
    kind: str
    reason: str


@dataclass(frozen=True)
class TypeWords:
    """The document-type words a title may end in: those that carry a report (its subject decides the kind)
    and those that never do."""

    report: re.Pattern[str]
    not_report: re.Pattern[str]
    not_report_reason: str
    trailer: re.Pattern[str]

    def last_word(self, title: str) -> tuple[str, bool] | None:
        """The type word ``title`` ends in, trailers aside (a site-name suffix, a bracketed note, a file
        extension, an ellipsis), and whether it carries a report; None when it ends in none."""
        while title:
            ends = [(m.start(), m[0], carries) for pattern, carries in ((self.report, True), (self.not_report, False))
                    if (m := pattern.search(title))]
            if ends:
                _, word, carries = min(ends)  # the longest word ending the title: 复函 rather than 函
                return word, carries
            stripped = self.trailer.sub("", title, count=1)
            if stripped == title:
                return None
            title = stripped
        return None


@dataclass(frozen=True)
class Rules:
    year: re.Pattern[str]
    types: TypeWords
    rules: tuple[Rule, ...]
    default: str


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(f"(?:{'|'.join(words)})$")


@cache
def _rules() -> Rules:
    data = data_yaml("crawler", "report_kinds.yaml")
    types = data["type_words"]
    return Rules(
        year=re.compile(data["year"]),
        types=TypeWords(report=_words(types["report"]), not_report=_words(types["not_report"]["words"]),
                        not_report_reason=types["not_report"]["reason"], trailer=re.compile(types["trailer"])),
        rules=tuple(
            Rule(
                kind=r["kind"],
                reason=r["reason"],
                any=tuple(re.compile(p) for p in r.get("any", ())),
                all=tuple(re.compile(p) for p in r.get("all", ())),
                year=bool(r.get("year", False)),
            )
            for r in data["rules"]
        ),
        default=data["default"],
    )


def classify_title(title: str) -> Classification:
    """Classify a page or link title as ``annual_report``, ``key_points`` or ``other``.

    Traditional-script titles (mirrors, Hong Kong/Taiwan copies) are read through OpenCC's t2s.
    """
    compact = converter("t2s").convert(re.sub(r"\s+", "", title or ""))
    rules = _rules()
    if (last := rules.types.last_word(compact)) and not last[1]:
        return Classification(OTHER, f"ends in {last[0]}: {rules.types.not_report_reason}")
    has_year = bool(rules.year.search(compact))
    for rule in rules.rules:
        if rule.matches(compact, has_year):
            return Classification(rule.kind, rule.reason)
    return Classification(rules.default, "no rule matched")
