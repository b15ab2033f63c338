"""Portal chrome (footers, toolbars, breadcrumbs): the rules of data/chrome.yaml, for extraction and cleaning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from crawler.rules import data_yaml
from crawler.text import simplified


@dataclass(frozen=True)
class ChromeRules:
    strong: re.Pattern[str]  # each kind's rules joined into one alternation
    weak: re.Pattern[str]

    def is_strong(self, text: str) -> bool:
        return _matches(self.strong, text)

    def is_weak(self, text: str) -> bool:
        return _matches(self.weak, text)


def _matches(pattern: re.Pattern[str], text: str) -> bool:
    return bool(pattern.search(text)) or ((other := simplified(text)) != text and bool(pattern.search(other)))


@cache
def chrome_rules(family: str | None = None) -> ChromeRules:
    """The common chrome rules plus the extras of a CMS family (a template name) if it has any."""
    data = data_yaml("crawler", "chrome.yaml")
    extra = (data.get("families") or {}).get(family or "", {})
    joined = {kind: re.compile("|".join(f"(?:{p})" for p in [*data[kind], *extra.get(kind, [])]), re.I)
              for kind in ("strong", "weak")}
    return ChromeRules(joined["strong"], joined["weak"])
