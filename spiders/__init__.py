"""One spider per CMS family; a spider's ``name`` is the ``template`` value seeds use."""

from __future__ import annotations

from functools import cache

AUTO = "auto"


@cache
def template_names() -> frozenset[str]:
    """Every value a seed's ``template`` field may take: ``auto`` and each spider's name."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("crawler.settings")
    return frozenset({AUTO, *SpiderLoader.from_settings(settings).list()})


def spider_for(template: str) -> str:
    """The spider that crawls a seed of ``template`` (until fingerprinting, ``auto`` walks generically)."""
    return "generic" if template == AUTO else template
