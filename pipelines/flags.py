"""Flag suspect copies: spam terms that hijacked mirrors inject (the list is data: data/spam_terms.txt)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from crawler.items import ReportPage


@cache
def spam_pattern() -> re.Pattern[str]:
    lines = resources.files("pipelines").joinpath("data/spam_terms.txt").read_text("utf-8").splitlines()
    terms = sorted({t.strip() for t in lines if t.strip() and not t.startswith("#")}, key=len, reverse=True)
    alternatives = [rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])" if t.isascii() else re.escape(t) for t in terms]
    return re.compile("|".join(alternatives), re.I)


def spam_evidence(title: str, body: list[str]) -> dict[str, object] | None:
    """The spam terms found in a report and the lines they stand in, or None for a clean text."""
    pattern = spam_pattern()
    lines = [line for line in [title, *body] if line and pattern.search(line)]
    if not lines:
        return None
    terms = sorted({m.group(0) for line in lines for m in pattern.finditer(line)})
    return {"terms": terms, "lines": [line[:200] for line in lines[:5]], "count": len(lines)}


class FlagPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        if evidence := spam_evidence(item.title or "", item.body):
            item.flag("tampered", evidence)
        return item
