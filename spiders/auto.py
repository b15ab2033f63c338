"""``template: auto``: walk like any spider, fingerprint each page seen, and read the column as its family.

The candidates are every registered family. The choice and the reasons for it are sent as ``template_chosen``
and kept in the ``sites`` table, so an operator can see which family a site was taken for and pin it in the
seed list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import TextResponse

from crawler import signals
from crawler.frontier import Row
from crawler.pages import Family
from crawler.seeds import Seed
from crawler.visits import Visit
from spiders import load_families
from spiders.base import GovSpider
from spiders.js_rendered import JsRendered

ROLE_WEIGHT = {"listing": 1, "report": 2, "column": 3}


class JsFallback(JsRendered, register=False):
    """What auto reads a site as when no family matched: generic, rendering a column that is empty without JS."""

    name: ClassVar[str] = "generic"


class AutoSpider(GovSpider):
    name = "auto"
    family: ClassVar[type[Family]] = JsFallback

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = [family for _, family in sorted(load_families().items())]
        self.scores: dict[str, Counter[str]] = {}
        self.reasons: dict[str, dict[str, list[str]]] = {}
        self.chosen: dict[str, type[Family]] = {}

    def family_for(self, site_id: str) -> type[Family]:
        return self.chosen.get(site_id, self.family)

    def observe(self, response: TextResponse, role: str) -> None:
        """Score the families on a page: a column page tells most of how the list is built; a report page
        only decides a site not yet decided (a report fetched from a home-page link before the column)."""
        site_id = self.visit_of(response).site_id
        if self.chosen.get(site_id) is JsRendered or (role == "report" and site_id in self.chosen):
            return  # a column that needed the browser settles it; reports only decide undecided sites
        scores = self.scores.setdefault(site_id, Counter())
        reasons = self.reasons.setdefault(site_id, {})
        scored = scores.total()
        for family in self.candidates:
            for reason in family(response).fingerprint():
                if reason not in reasons.setdefault(family.name, []):
                    reasons[family.name].append(reason)
                    scores[family.name] += ROLE_WEIGHT[role]
        if scores.total() == scored:
            return
        current = self.chosen.get(site_id)
        best = max(self.candidates, key=lambda f: (scores[f.name], f is current))  # a tie keeps the choice
        if best is not current:
            self.chosen[site_id] = best
            self.crawler.stats.set_value(f"govcrawl/template/{site_id}", best.name)
            self.crawler.signals.send_catch_log(signals.template_chosen, site_id=site_id, template=best.name,
                                                reasons=reasons[best.name])
        self.keep(site_id)

    def resumed(self, seed: Seed, rows: list[Row]) -> None:
        """A resumed crawl goes on with the scores and the choice the earlier runs of it made."""
        super().resumed(seed, rows)
        if kept := self.frontier.kept(seed.id, "auto"):
            self.scores[seed.id] = Counter(kept["scores"])
            self.reasons[seed.id] = kept["reasons"]
            known: list[type[Family]] = [*self.candidates, JsRendered, self.family]
            if family := {f.name: f for f in known}.get(kept["chosen"] or ""):
                self.chosen[seed.id] = family

    def keep(self, site_id: str) -> None:
        """Keep the site's scores and choice in the frontier (a crash loses neither)."""
        chosen = self.chosen.get(site_id)
        self.frontier.keep(site_id, "auto", {"scores": self.scores.get(site_id, {}),
                                             "reasons": self.reasons.get(site_id, {}),
                                             "chosen": chosen.name if chosen else None})

    def before_done(self, site_id: str) -> bool:
        """A site no family's fingerprint matched is read as generic, and recorded so."""
        if super().before_done(site_id):
            return True
        if site_id not in self.chosen:
            self.chosen[site_id] = self.family
            self.crawler.signals.send_catch_log(signals.template_chosen, site_id=site_id, template=self.family.name,
                                                reasons=["no family's fingerprint matched a page of the site"])
            self.keep(site_id)
        return False

    def fetch(self, visit: Visit) -> Iterator[scrapy.Request]:
        """A column that lists no report without JavaScript settles an undecided site as ``js_rendered``."""
        if visit.browser and visit.site_id not in self.chosen and not (visit.via or "").startswith("fallback:"):
            self.chosen[visit.site_id] = JsRendered
            self.crawler.signals.send_catch_log(
                signals.template_chosen, site_id=visit.site_id, template=JsRendered.name,
                reasons=[f"column {visit.url} lists no report without JavaScript"])
            self.keep(visit.site_id)
        yield from super().fetch(visit)
