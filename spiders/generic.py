"""The fallback for any portal: link texts and URL shapes lead to the column; pager links walk it."""

from __future__ import annotations

from typing import ClassVar

from crawler.pages import Family


class Generic(Family):
    name: ClassVar[str] = "generic"
