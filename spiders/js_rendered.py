"""Lists built by JavaScript from an API govcrawl does not know: render the column in headless Chromium.

The rendered page is read like any list; the list API it called is then paged through plainly, or, when none
can be seen, its pager is clicked page by page (crawler/rendered.py). Only the column pages go through the
browser; reports are fetched plainly.
"""

from __future__ import annotations

from typing import ClassVar

from crawler.pages import Anchor, Family, is_html, is_report_link


class JsRendered(Family):
    name: ClassVar[str] = "js_rendered"

    def needs_browser(self, entries: list[Anchor]) -> bool:
        """A column page whose plain HTML lists no report but carries scripts that may build the list, or one
        that shows signs of more than it lists (``Family.needs_browser``)."""
        if not is_html(self.response):
            return False
        if not any(is_report_link(a) for a in entries):
            return bool(self.response.css("script"))
        return super().needs_browser(entries)
