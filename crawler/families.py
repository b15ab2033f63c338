"""The template names a seed may use, from Scrapy's spider loader (one spider per registered family, and auto).

crawler/ never imports spiders/: the loader finds the spiders through the SPIDER_MODULES setting.
"""

from __future__ import annotations

from functools import cache

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader


@cache
def template_names() -> frozenset[str]:
    """Every value a seed's ``template`` field may take: each spider's name."""
    settings = Settings()
    settings.setmodule("crawler.settings")
    return frozenset(SpiderLoader.from_settings(settings).list())
