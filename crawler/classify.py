"""Tell annual reports from the titles that look close to them; the rules live in data/report_kinds.yaml."""

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


@cache
def _rules() -> tuple[re.Pattern[str], tuple[Rule, ...], str]:
    data = data_yaml("crawler", "report_kinds.yaml")
    rules = tuple(
        Rule(
            kind=r["kind"],
            reason=r["reason"],
            any=tuple(re.compile(p) for p in r.get("any", ())),
            all=tuple(re.compile(p) for p in r.get("all", ())),
            year=bool(r.get("year", False)),
        )
        for r in data["rules"]
    )
    return re.compile(data["year"]), rules, data["default"]


def classify_title(title: str) -> Classification:
    """Classify a page or link title as ``annual_report``, ``key_points`` or ``other``.

    Traditional-script titles (mirrors, Hong Kong/Taiwan copies) are read through OpenCC's t2s.
    """
    compact = converter("t2s").convert(re.sub(r"\s+", "", title or ""))
    year_re, rules, default = _rules()
    has_year = bool(year_re.search(compact))
    for rule in rules:
        if rule.matches(compact, has_year):
            return Classification(rule.kind, rule.reason)
    return Classification(default, "no rule matched")
