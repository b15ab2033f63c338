"""The template names a seed may use, from Scrapy's spider loader (one spider per registered family, and auto),
and the registered CMS families themselves.

crawler/ never imports spiders/: the loader finds the spiders through the SPIDER_MODULES setting, and importing
them registers every family (``crawler.pages.Family.registry``).
"""

from __future__ import annotations

from functools import cache

from scrapy.http import TextResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.pages import Family

AUTO = "auto"  # the template that fingerprints each site instead of naming its family
FALLBACK = "generic"  # what auto reads a page as when no family recognises it


@cache
def template_names() -> frozenset[str]:
    """Every value a seed's ``template`` field may take: each spider's name."""
    settings = Settings()
    settings.setmodule("crawler.settings")
    return frozenset(SpiderLoader.from_settings(settings).list())


def families() -> dict[str, type[Family]]:
    """The registered CMS families by name, every family module imported (through the spider loader)."""
    template_names()
    return dict(Family.registry)


def recognise(response: TextResponse, candidates: dict[str, type[Family]]) -> tuple[type[Family], list[str]]:
    """The family one page looks most like, as ``template: auto`` scores a page (the most fingerprint reasons;
    a tie goes to the first by name), with its reasons; the generic family when none recognises it."""
    best: tuple[type[Family], list[str]] = (candidates[FALLBACK], [])
    for _, family in sorted(candidates.items()):
        reasons = family(response).fingerprint()
        if len(reasons) > len(best[1]):
            best = (family, reasons)
    return best
