"""One spider per registered CMS family: the walk of spiders/base.py with that family's page object.

Adding a family is one module under spiders/ (its ``Family`` subclass) and its fixtures: its spider, its
``template`` name in seed lists and its candidacy in ``auto`` follow from the registry.
"""

from __future__ import annotations

from spiders import load_families
from spiders.base import GovSpider


def _spider(family_name: str) -> type[GovSpider]:
    family = load_families()[family_name]
    attrs = {"name": family.name, "family": family, "__module__": __name__,
             "__doc__": f"The walk with the {family.name} page object ({family.__module__})."}
    return type(f"{family.__name__}Spider", (GovSpider,), attrs)


SPIDERS = {name: _spider(name) for name in sorted(load_families())}
globals().update({spider.__name__: spider for spider in SPIDERS.values()})  # where Scrapy's loader looks
