"""Signals that govcrawl's spiders send, for the store and the progress display."""

# fetch_failed(site_id: str, url: str, reason: str, kind: str): a request of a site failed for good, or was cut by
# a bound (kinds: crawler/errors.py).
fetch_failed = object()
# site_finished(site_id: str): a site has no request left in flight.
site_finished = object()
# template_chosen(site_id: str, template: str, reasons: list[str]): `auto` took a site for this CMS family.
template_chosen = object()
# column_found(site_id: str, url: str, via: str): the first list page of a site's annual-report column that listed
# a report, and how the walk came to it ("links", "report_column", "usual_path", "fallback:render", ...).
column_found = object()
# list_read(site_id: str, list_url: str, entries: list[dict]): the entries of one list page of the column,
# each {url, title, date, kind, reason}: what was followed and what was not, so nothing seen is lost.
list_read = object()
# report_checked(site_id: str, url: str, warc: dict | None): a stored report's page revalidated unchanged (a 304,
# or the same bytes); ``warc``: where the capture of that check is (crawler/warc.py, Pointer.columns()).
report_checked = object()
# report_gone(site_id: str, url: str): a stored report's page answered 404 or 410: the report is withdrawn there.
report_gone = object()
