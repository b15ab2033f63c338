"""Fallbacks for a column read short: the regulation asks for a report every year, so a site whose reports'
years have holes is a sign of a missed pager. Before such a site is done, each of its column pages is rendered
in the browser and walked by every usual page URL form (data/navigation.yaml: pager_forms); a form is followed
page after page while it brings reports not seen before. What each fallback found is counted in the stats
(``govcrawl/fallback/<name>/<site>``), and each report it found keeps it (``Visit.via``).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urljoin, urlsplit

from crawler.dates import title_year
from crawler.pages import navigation
from crawler.visits import Visit


class Fallbacks:
    def __init__(self) -> None:
        self.years: dict[str, set[int]] = defaultdict(set)
        self.reports: dict[str, set[str]] = defaultdict(set)
        self.columns: dict[str, dict[str, Visit]] = defaultdict(dict)
        self.tried: set[str] = set()

    def saw_report(self, site_id: str, url: str, title: str) -> bool:
        """Note a report link of a site; True when it was not seen before."""
        if year := title_year(title):
            self.years[site_id].add(year)
        new = url not in self.reports[site_id]
        self.reports[site_id].add(url)
        return new

    def saw_column(self, visit: Visit) -> None:
        """Note the first page of one of a site's column lists (an HTML page the walk came to by a link, not a
        further page of a list, nor a list API's answer)."""
        if visit.page_of is None:
            self.columns[visit.site_id].setdefault(visit.url, visit)

    def gaps(self, site_id: str) -> list[int]:
        years = self.years[site_id]
        return [y for y in range(min(years), max(years)) if y not in years] if years else []

    def visits(self, site_id: str, rendered: set[str]) -> list[Visit]:
        """The fallbacks' visits for a site about to be done, once per site: none when its years have no hole."""
        if site_id in self.tried or not self.gaps(site_id):
            return []
        self.tried.add(site_id)
        visits = []
        for url, column in self.columns[site_id].items():
            if url not in rendered:
                visits.append(Visit(site_id, url, "rendered", column.hops, via="fallback:render"))
            for rule in navigation()["pager_forms"]:
                visits.append(_probe(column.site_id, url, column.hops, rule["form"], int(rule["first"])))
        return visits

    @staticmethod
    def next_probe(visit: Visit, new_reports: int) -> Visit | None:
        """The next page of a page URL form whose page (``visit``) brought ``new_reports`` reports."""
        if visit.probe is None or visit.page_of is None or not new_reports:
            return None
        form, page = visit.probe
        return _probe(visit.site_id, visit.page_of, visit.hops, form, page + 1)

    def resumed(self, visit: Visit, done: bool) -> None:
        """Note a visit of an earlier run of the crawl (a resumed crawl): what the walk saw when it made it."""
        if visit.role == "report":
            self.saw_report(visit.site_id, visit.url, visit.list_title or "")
        elif visit.role == "column" and done:
            self.saw_column(visit)
        if (visit.via or "").startswith("fallback:"):
            self.tried.add(visit.site_id)


def _probe(site_id: str, column_url: str, hops: int, form: str, page: int) -> Visit:
    """Page ``page`` of the column at ``column_url`` by a page URL form; the visit carries its form and page."""
    name = urlsplit(column_url).path.rsplit("/", 1)[-1] or "index.html"
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot else (name, "")
    url = urljoin(column_url.split("?", 1)[0], form.format(stem=stem, ext=ext, n=page))
    return Visit(site_id, url, "column", hops, via="fallback:pager_forms", page_of=column_url, probe=(form, page))
