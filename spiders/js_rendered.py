"""Lists built by JavaScript from an API govcrawl does not know: render the column in headless Chromium.

The rendered page is read like any list, and its pager clicked page by page (crawler/rendered.py). Only the
column pages go through the browser; reports are fetched plainly.
"""

from __future__ import annotations

from typing import ClassVar

from crawler.pages import Anchor, Family, is_html, is_report_link


class JsRendered(Family):
    name: ClassVar[str] = "js_rendered"

    def needs_browser(self, entries: list[Anchor]) -> bool:
        """A column page whose plain HTML lists no report, but carries scripts that may build the list."""
        if not is_html(self.response) or any(is_report_link(a) for a in entries):
            return False
        return bool(self.response.css("script"))
