"""The pager of a list that JavaScript builds: read the rendered page, click 下一页, wait for the redrawn list.

Works on a Playwright page (scrapy-playwright hands it over with ``playwright_include_page``); knows nothing of
spiders or requests. The page is closed when the pages have been read or the reader stops early.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from scrapy.http import HtmlResponse

from crawler.pages import navigation_rules

REDRAW_TIMEOUT = 10.0  # seconds a click may take to change the list
POLL = 0.1


def render_meta() -> dict[str, Any]:
    """Request meta that has scrapy-playwright render a page and hand it over for clicks."""
    return {"playwright": True, "playwright_include_page": True,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"}}


async def rendered_pages(page: Any, first_html: str) -> AsyncGenerator[HtmlResponse, None]:
    """The rendered list page, then each page its pager leads to, as responses to read like any list page."""
    html = first_html
    try:
        while True:
            yield HtmlResponse(url=page.url, body=html.encode("utf-8"), encoding="utf-8")
            if not await click_next(page):
                return
            after = await changed_content(page, html)
            if after is None:
                return
            html = after
    finally:
        await page.close()


async def click_next(page: Any) -> bool:
    """Click the pager's last enabled 下一页 control; False when there is none."""
    pager = page.locator("a, button, span, li").filter(has_text=navigation_rules()["next_page_text"])
    if await pager.count() == 0:
        return False
    target = pager.last
    state = " ".join(filter(None, [await target.get_attribute("class"), await target.get_attribute("aria-disabled"),
                                   await target.get_attribute("disabled")]))
    if "disabled" in state or "true" in state:
        return False
    await target.click()
    return True


async def changed_content(page: Any, before: str, timeout: float = REDRAW_TIMEOUT) -> str | None:
    """The page's HTML once a click has changed it (the list is redrawn after its XHR), or None."""
    for _ in range(int(timeout / POLL)):
        await page.wait_for_timeout(POLL * 1000)
        html = await page.content()
        if html != before:
            await page.wait_for_load_state("networkidle")
            return await page.content()
    return None
