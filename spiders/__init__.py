"""The CMS families govcrawl walks: one module per family, each holding one ``crawler.pages.Family`` subclass.

``spiders.families`` makes a spider of each registered family; ``spiders.auto`` picks a family per site.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from crawler.pages import Family

WALKS = frozenset({"base", "families", "auto"})  # the modules that are no family: the walk and its spiders


@cache
def load_families() -> dict[str, type[Family]]:
    """Import every family module of this package, so that each family has registered itself; the registry."""
    for module in pkgutil.iter_modules(__path__):
        if module.name not in WALKS:
            importlib.import_module(f"{__name__}.{module.name}")
    return Family.registry
