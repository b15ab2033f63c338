"""Lists built by JavaScript from an API govcrawl does not know: render the column in headless Chromium.

The rendered page is read like any list; its pager is clicked page by page (GovSpider.parse_rendered_column).
Only the column pages go through the browser; reports are fetched plainly.
"""

from __future__ import annotations

from typing import ClassVar

from scrapy.http import TextResponse

from spiders.base import Anchor, GovSpider, Template, is_html


class JsRendered(Template):
    name: ClassVar[str] = "js_rendered"

    def wants_browser(self, response: TextResponse, entries: list[Anchor]) -> bool:
        """A column page whose plain HTML lists no report, but carries scripts that may build the list."""
        if not is_html(response) or any(GovSpider.is_report_link(a) for a in entries):
            return False
        return bool(response.css("script"))


class JsRenderedSpider(GovSpider):
    name = "js_rendered"
    template: ClassVar[Template] = JsRendered()
