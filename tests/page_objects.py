"""Page-object cases as fixture directories: ``tests/fixtures/templates/<family>/<case>/``.

A case folder holds ``meta.yaml`` and ``expected.yaml``, and the page itself as served when it is not a page of
the portal world (any other file in the folder: ``page.html``, ``answer.xml``, ``answer.json``)::

    meta.yaml       url: the page's URL (a page of tests/fixtures/portals is replayed from there when the folder
                    holds no page); optional method, body (a POST list request), content_type (default: from
                    the file name), frozen_time (ISO 8601: the clock during the case)
    expected.yaml   what the family's page object reads there — any of:
                    fingerprint: [reason, ...]
                    entries: [{url, title, date}, ...]          (every entry, in order)
                    next_pages: [{url, method, body, headers, browser}, ...]   (GET, no body … left out)
                    needs_browser: true | false
                    body_region: how extraction found the body with the family's containers
                                 ("selector:#zoom", "main-block", "trafilatura")
                    fetched_at: the time the report item is stamped with (a case with frozen_time)

Write a new case's expected.yaml from what the code reads now, then read it through before committing:
``python -m tests.page_objects tests/fixtures/templates/<family>/<case>``.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from scrapy.http import Headers, Request, TextResponse
from scrapy.responsetypes import responsetypes

from crawler import clock
from crawler.items import ReportPage
from crawler.pages import Family, is_html
from crawler.replay import ReplayWorld
from crawler.seeds import Seed
from pipelines.extract import extract
from spiders import load_families

HERE = Path(__file__).resolve().parent
CASES = HERE / "fixtures" / "templates"
PORTALS = HERE / "fixtures" / "portals"
CASE_FILES = {"meta.yaml", "expected.yaml"}
KEYS = ("fingerprint", "entries", "next_pages", "needs_browser", "body_region", "fetched_at")
TYPES = {".html": "text/html", ".htm": "text/html", ".xml": "text/xml", ".json": "application/json"}
SEED = Seed("case", "case", "", "http://case.invalid/", "auto")


@dataclass(frozen=True)
class Case:
    folder: Path
    family: type[Family]
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"

    def response(self) -> TextResponse:
        """The page as Scrapy would build it from the bytes served."""
        url = self.meta["url"]
        pages = [p for p in self.folder.iterdir() if p.name not in CASE_FILES]
        if len(pages) > 1:
            raise ValueError(f"{self.name}: one page per case folder, found {sorted(p.name for p in pages)}")
        if pages:
            body = pages[0].read_bytes()
            headers = {"Content-Type": self.meta.get("content_type") or TYPES.get(pages[0].suffix, "text/html")}
        else:
            parts = urlsplit(url)
            target = f"{parts.path}?{parts.query}" if parts.query else parts.path
            reply = ReplayWorld(PORTALS).reply(parts.hostname or "", target)
            if reply.status != 200:
                raise ValueError(f"{self.name}: {url} is not a page of the portal world (HTTP {reply.status})")
            body, headers = reply.body, reply.headers
        request = Request(url, method=self.meta.get("method", "GET"), body=self.meta.get("body"))
        cls = responsetypes.from_args(headers=Headers(headers), url=url, body=body)
        response = cls(url=url, status=200, headers=headers, body=body, request=request)
        if not isinstance(response, TextResponse):
            raise ValueError(f"{self.name}: {url} is served as {cls.__name__}, not as text")
        return response

    def expected(self) -> dict[str, Any]:
        return yaml.safe_load((self.folder / "expected.yaml").read_text("utf-8")) or {}


def cases() -> list[Case]:
    families = load_families()
    found = []
    for folder in sorted(p for p in CASES.glob("*/*") if p.is_dir()):
        if folder.parent.name not in families:
            raise ValueError(f"{folder}: no family named {folder.parent.name!r} (known: {', '.join(sorted(families))})")
        meta = yaml.safe_load((folder / "meta.yaml").read_text("utf-8"))
        found.append(Case(folder, families[folder.parent.name], meta))
    return found


def read(case: Case, keys: tuple[str, ...] = KEYS) -> dict[str, Any]:
    """What the family's page object reads on the case's page, in expected.yaml's shape."""
    frozen = case.meta.get("frozen_time")
    with clock.frozen(str(frozen)) if frozen else nullcontext():
        response = case.response()
        page = case.family(response)
        entries = page.entries()
        values: dict[str, Any] = {
            "fingerprint": page.fingerprint() if is_html(response) else [],  # the walk fingerprints markup only
            "entries": [{"url": a.url, "title": a.text, "date": a.date} for a in entries],
            "next_pages": [_page(p) for p in page.next_pages()],
            "needs_browser": page.needs_browser(entries),
        }
        if "body_region" in keys or "fetched_at" in keys:
            item = ReportPage.of_page(SEED, response, case.family.name, case.family.report_selectors(), None, None,
                                      None)
            values["body_region"] = extract(item.html, item.url, item.body_selectors).method
            values["fetched_at"] = item.fetched_at
    return {k: values[k] for k in keys}


def _page(page: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"url": page.url}
    if page.method != "GET":
        described["method"] = page.method
    if page.body is not None:
        described["body"] = page.body
    if page.headers:
        described["headers"] = dict(page.headers)
    if page.browser:
        described["browser"] = True
    return described


def write(folder: Path) -> None:
    """Write expected.yaml for a case from what the code reads now (keep only the keys worth pinning)."""
    [case] = [c for c in cases() if c.folder == folder.resolve()]
    keys = tuple(k for k in KEYS if k != "fetched_at" or case.meta.get("frozen_time"))
    values = read(case, keys)
    if not str(values.get("body_region")).startswith("selector:"):
        del values["body_region"]  # no family container holds a body here: a list page, not a report
    text = yaml.safe_dump(values, allow_unicode=True, sort_keys=False, width=120)
    (folder / "expected.yaml").write_text(text, "utf-8")
    print(f"wrote {folder / 'expected.yaml'}: read it through before committing")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        write(Path(arg))
