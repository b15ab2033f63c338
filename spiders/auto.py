"""``template: auto``: walk like any spider, fingerprint each page seen, and read the column as its family.

The choice and the reasons for it are sent as ``template_chosen`` and kept in the ``sites`` table, so an
operator can see which family a site was taken for and pin it in the seed list.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from scrapy.http import TextResponse

from crawler import signals
from spiders.base import GovSpider, Template
from spiders.hanweb_jcms import HanwebJcms
from spiders.hanweb_jpaas import HanwebJpaas
from spiders.js_rendered import JsRendered
from spiders.trs_wcm import TrsWcm
from spiders.ucap import Ucap
from spiders.xxgk import Xxgk

FAMILIES: tuple[Template, ...] = (TrsWcm(), HanwebJcms(), HanwebJpaas(), Ucap(), Xxgk())
ROLE_WEIGHT = {"listing": 1, "report": 2, "column": 3}


class JsFallback(JsRendered):
    """What auto reads a site as when no family matched: generic, rendering a column that is empty without JS."""

    name: ClassVar[str] = "generic"


RENDERED = JsRendered()


class AutoSpider(GovSpider):
    name = "auto"
    fallback: ClassVar[Template] = JsFallback()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scores: dict[str, Counter[str]] = {}
        self.reasons: dict[str, dict[str, list[str]]] = {}
        self.chosen: dict[str, Template] = {}

    def template_for(self, site_id: str) -> Template:
        return self.chosen.get(site_id, self.fallback)

    def observe(self, response: TextResponse, role: str) -> None:
        """Score the families on a page: a column page tells most of how the list is built; a report page
        only decides a site not yet decided (a report fetched from a home-page link before the column)."""
        site_id = response.meta["site_id"]
        if self.chosen.get(site_id) is RENDERED or (role == "report" and site_id in self.chosen):
            return  # a column that needed the browser settles it; reports only decide undecided sites
        weight = ROLE_WEIGHT[role]
        scores = self.scores.setdefault(site_id, Counter())
        reasons = self.reasons.setdefault(site_id, {})
        for family in FAMILIES:
            for reason in family.fingerprint(response):
                if reason not in reasons.setdefault(family.name, []):
                    reasons[family.name].append(reason)
                    scores[family.name] += weight
        if not scores:
            return
        best = max(FAMILIES, key=lambda f: scores[f.name])
        if self.chosen.get(site_id) is not best:
            self.chosen[site_id] = best
            self.crawler.stats.set_value(f"govcrawl/template/{site_id}", best.name)
            self.crawler.signals.send_catch_log(signals.template_chosen, site_id=site_id, template=best.name,
                                                reasons=reasons[best.name])

    def browser_request(self, response: Any) -> Any:
        site_id = response.meta["site_id"]
        if site_id not in self.chosen:
            self.chosen[site_id] = RENDERED
            self.crawler.signals.send_catch_log(
                signals.template_chosen, site_id=site_id, template=RENDERED.name,
                reasons=[f"column {response.url} lists no report without JavaScript"])
        return super().browser_request(response)
