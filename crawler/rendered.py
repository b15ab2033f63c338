"""A list that JavaScript builds, read in the browser: the list API its page called, or its pager clicked.

Works on a Playwright page (scrapy-playwright hands it over with ``playwright_include_page``); knows nothing of
spiders or requests. Once the rendered page shows its first entries, the XHR/fetch answer that listed them is
the list API (``list_api``), which the walk then pages through plainly — cheaper, and polite. When no answer
lists them, the pager's 下一页 is clicked, and each click waits for the list request it sends to be answered
(a slow API on later pages is waited for, not timed out on a fixed delay). The page is closed when the pages
have been read or the reader stops early.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.http import HtmlResponse

from crawler import json_lists
from crawler.pages import Anchor, navigation_rules

LIST_CALL_TIMEOUT = 30.0  # seconds a click may wait for the list request it sent to be answered
REDRAW_TIMEOUT = 3.0  # seconds for the list to change once that answer (or none) has come
POLL = 0.1
CALL_TYPES = ("xhr", "fetch")
_calls: dict[int, list[Any]] = {}  # a page's XHR/fetch responses, from its creation (``watch``)


def render_meta(page_init: Any) -> dict[str, Any]:
    """Request meta that has scrapy-playwright render a page, with ``page_init`` governing its requests
    (``crawler.browser.page_init``), and hand it over for clicks."""
    return {"playwright": True, "playwright_include_page": True, "playwright_page_init_callback": page_init,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"}}


def watch(page: Any) -> None:
    """Keep the XHR/fetch answers a page receives, to find its list API afterwards."""
    calls = _calls.setdefault(id(page), [])
    page.on("response", lambda r: calls.append(r) if r.request.resource_type in CALL_TYPES else None)
    page.on("close", lambda _: _calls.pop(id(page), None))


@dataclass(frozen=True)
class ListApi:
    url: str
    method: str
    body: str | None
    answer: Any
    shown: int  # entries the answer listed

    def other_pages(self) -> list[json_lists.ApiPage]:
        return json_lists.other_pages(self.url, self.method, self.body, self.answer, self.shown)


async def list_api(page: Any, shown: list[Anchor]) -> ListApi | None:
    """The XHR/fetch request whose JSON answer lists entries the rendered page shows: the list's API."""
    on_page = {a.url for a in shown}
    for response in list(_calls.get(id(page), [])):
        try:
            answer = json_lists.load(await response.text())
        except Exception:  # a body the browser no longer holds, or no text: not the list
            continue
        listed = json_lists.entries(answer, response.url) if answer is not None else []
        if any(e.url in on_page for e in listed):
            request = response.request
            return ListApi(response.url, request.method, request.post_data, answer, len(listed))
    return None


async def rendered_pages(page: Any, first_html: str, before_close: Callable[[Any], Awaitable[None]] | None = None,
                         ) -> AsyncGenerator[HtmlResponse, None]:
    """The rendered list page, then each page its pager leads to, as responses to read like any list page;
    ``before_close`` is awaited before the page is closed (the capture of what it received)."""
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
        if before_close is not None:
            await before_close(page)
        await page.close()


async def click_next(page: Any) -> bool:
    """Click the pager's last enabled 下一页 control and wait for the list request it sends to be answered;
    False when there is no such control."""
    pager = page.locator("a, button, span, li").filter(has_text=navigation_rules()["next_page_text"])
    if await pager.count() == 0:
        return False
    target = pager.last
    state = " ".join(filter(None, [await target.get_attribute("class"), await target.get_attribute("aria-disabled"),
                                   await target.get_attribute("disabled")]))
    href = (await target.get_attribute("href") or "").strip().lower()
    if "disabled" in state or "true" in state or (href and not href.startswith(("javascript", "#"))):
        return False  # a pager link to another page is the plain walk's to follow, not the browser's to click
    try:
        async with page.expect_response(lambda r: r.request.resource_type in (*CALL_TYPES, "document"),
                                        timeout=LIST_CALL_TIMEOUT * 1000):
            await target.click()
    except PlaywrightTimeoutError:
        pass  # a pager that redraws from what the page already holds, or a list request that never came back
    return True


async def changed_content(page: Any, before: str, timeout: float = REDRAW_TIMEOUT) -> str | None:
    """The page's HTML once the list has been redrawn, or None when it did not change."""
    await page.wait_for_load_state("networkidle")
    for _ in range(int(timeout / POLL)):
        html = await page.content()
        if html != before:
            return html
        await page.wait_for_timeout(POLL * 1000)
    return None
