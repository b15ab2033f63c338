"""One spider per CMS family; a spider's ``name`` is the ``template`` value seeds use (``auto`` included)."""

from __future__ import annotations

from functools import cache


@cache
def template_names() -> frozenset[str]:
    """Every value a seed's ``template`` field may take: each spider's name."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("crawler.settings")
    return frozenset(SpiderLoader.from_settings(settings).list())
