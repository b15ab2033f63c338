"""What the walk means to fetch, as plain data (``Visit``): the spider builds its requests from these.

A visit holds everything needed to rebuild its request — site, URL, method, form body, headers and the walk's
state (role, hops, the list entry's title and date, the referring list page) — and no callback or browser
object, so it can be stored (a persistent frontier, a Redis queue) and turned back into the same request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# What the fetched page is to the walk (its callback is parse_<role>): a home or section page, a list page of the
# annual-report column, that column rendered by a browser, a report page.
ROLES = ("listing", "column", "rendered", "report")


@dataclass(frozen=True)
class Visit:
    site_id: str
    url: str
    role: str
    hops: int = 0
    method: str = "GET"
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    list_title: str | None = None
    list_date: str | None = None
    referer: str | None = None
    # How the walk came here when not by the site's links alone: "report_column" (the seed's), "usual_path",
    # "list_api", "fallback:render", "fallback:pager_forms"; the pages it leads to inherit it.
    via: str | None = None
    candidate: bool = False  # a report link whose list title says too little: the page's own title decides
    page_of: str | None = None  # a further page of the list at this URL (a pager's, an API's page)
    probe: tuple[str, int] | None = None  # a fallback's page URL form and the page number it asks for

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"visit of {self.url}: unknown role {self.role!r} (one of {', '.join(ROLES)})")

    @property
    def browser(self) -> bool:
        """Whether the page is fetched by the headless browser."""
        return self.role == "rendered"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "headers": [list(pair) for pair in self.headers]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Visit:
        probe = data.get("probe")
        return cls(**{**data, "headers": tuple(tuple(pair) for pair in data.get("headers") or ()),
                      "probe": (probe[0], int(probe[1])) if probe else None})
