"""The fallback for any portal: link texts and URL shapes lead to the column; pager links walk it."""

from __future__ import annotations

from typing import ClassVar

from spiders.base import GovSpider, Template


class GenericSpider(GovSpider):
    name = "generic"
    template: ClassVar[Template] = Template()
