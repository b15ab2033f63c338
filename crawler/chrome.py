"""Portal chrome (footers, toolbars, breadcrumbs): the rules of data/chrome.yaml, and the one notion of "this
paragraph is chrome" that extraction, attachments and cleaning share.

A rule names chrome words; whether the paragraph holding them is chrome depends on the paragraph. A footer line,
a toolbar, a share widget or a breadcrumb is made of the chrome words and of ``label：value`` fields; a report
paragraph that mentions the same words in passing (群众可通过扫描二维码关注…) is made of sentences. So a paragraph
is chrome when it matches a rule and, once the rules' words, the field labels and the bare fields are set aside,
too little sentence text is left: less than a short paragraph's worth at the body's edges (where chrome gathers,
and weak rules apply too), less than one clause inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from crawler.rules import data_yaml
from crawler.text import simplified

FIELD_BREAK = re.compile(r"[\s|｜]+")  # between the fields of a footer line, the links of a link bar
CLAUSE_BREAK = re.compile(r"[，。；！？,;!?]+")
SENTENCE_MARK = re.compile(r"[，。；！？]|(?<=[\u3400-\u9fff])[,;!?]")  # a stretch without one holds no sentence
LABEL = re.compile(r"^[^:：]{1,8}[:：]")  # the label of a field (地址：…, 网站名称：…)
EDGE_PROSE_CHARS = 40  # sentence text beside the chrome words that keeps a paragraph at the body's edges
INNER_PROSE_CHARS = 16  # ... and inside the body, between paragraphs of the report


@dataclass(frozen=True)
class ChromeRules:
    strong: re.Pattern[str]  # each kind's rules joined into one alternation
    weak: re.Pattern[str]

    def is_chrome(self, text: str, *, edge: bool = False) -> bool:
        """Whether a paragraph is chrome: it matches a strong rule (at the body's leading or trailing block,
        ``edge``, a weak one too) and is not running text that mentions the rule's words in passing."""
        patterns = (self.strong, self.weak) if edge else (self.strong,)
        if not any(_matches(p, text) for p in patterns):
            return False
        return prose_chars(text, patterns) < (EDGE_PROSE_CHARS if edge else INNER_PROSE_CHARS)


def _matches(pattern: re.Pattern[str], text: str) -> bool:
    return bool(pattern.search(text)) or ((other := simplified(text)) != text and bool(pattern.search(other)))


def _matched_chars(patterns: tuple[re.Pattern[str], ...], clause: str) -> int:
    for text in dict.fromkeys((clause, simplified(clause))):  # as written, else in Simplified script
        if found := sum(len(m[0]) for p in patterns for m in p.finditer(text)):
            return found
    return 0


def prose_chars(text: str, patterns: tuple[re.Pattern[str], ...]) -> int:
    """Characters of a paragraph's sentence text: of the stretches between white space that hold sentence
    punctuation (not the bare fields and links of a footer line or a link bar), their clauses without field
    labels and chrome words."""
    count = 0
    for stretch in FIELD_BREAK.split(text):
        if SENTENCE_MARK.search(stretch):
            for clause in CLAUSE_BREAK.split(stretch):
                clause = LABEL.sub("", clause)
                count += max(0, len(clause) - _matched_chars(patterns, clause))
    return count


@cache
def chrome_rules(family: str | None = None) -> ChromeRules:
    """The common chrome rules plus the extras of a CMS family (a template name) if it has any."""
    data = data_yaml("crawler", "chrome.yaml")
    extra = (data.get("families") or {}).get(family or "", {})
    joined = {kind: re.compile("|".join(f"(?:{p})" for p in [*data[kind], *extra.get(kind, [])]), re.I)
              for kind in ("strong", "weak")}
    return ChromeRules(joined["strong"], joined["weak"])
