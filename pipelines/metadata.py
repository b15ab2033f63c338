"""Metadata: title, agency, year reported on, publish date and kind, each from the best evidence present."""

from __future__ import annotations

import re

from crawler.classify import classify_title
from crawler.dates import parse_date
from crawler.items import ReportPage

TITLE_SUFFIX = re.compile(r"\s*[_|｜\-—–]+\s*[^_|｜\-—–]*(政府|门户|网站|网|办公室|平台|中心)[^_|｜\-—–]*$")
YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
# 统计期限自2014年1月1日起至2014年12月31日止 (the year may be left out after 至).
PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日.{0,4}?(?:至|到|—|-)\s*(?:\1\s*年\s*)?12\s*月\s*31\s*日"
)
DATE_LINE = re.compile(r"(发布日期|发布时间|发文日期|时间|日期)\s*[:：]\s*(.{6,40})")
AGENCY_END = re.compile(
    r"(人民政府办公室|人民政府|办公室|委员会|管理局|服务中心|中心|局|委|办|厅|镇|乡|街道|区|县|市|州|盟|旗)$"
)


def official_title(item: ReportPage) -> str | None:
    """ArticleTitle meta or the page's heading, then the list link text, then <title> without its site suffix."""
    candidates = [item.page_title, item.list_title]
    if item.page_title:
        candidates.append(TITLE_SUFFIX.sub("", item.page_title))
    for candidate in candidates:
        if candidate and classify_title(candidate).kind != "other":
            return TITLE_SUFFIX.sub("", candidate).strip()
    return next((c for c in candidates if c), None)


def report_year(title: str | None, body: list[str], publish_date: str | None) -> int | None:
    """The year reported on: the title's year, else the statistics period, else the year before publication."""
    if title and (m := YEAR_IN_TITLE.search(title)):
        return int(m[1])
    for line in body:
        if m := PERIOD.search(line):
            return int(m[1])
    return int(publish_date[:4]) - 1 if publish_date else None


def publish_date(item: ReportPage) -> str | None:
    """PubDate meta, a 发布日期/时间 line near the top, the list-page date, then a signature date at the end."""
    for name in ("pubdate", "publishdate", "firstpublishedtime", "article:published_time"):
        if (value := item.meta.get(name)) and (found := parse_date(value)):
            return found
    for p in item.paragraphs[:40]:
        if (m := DATE_LINE.search(p.text)) and (found := parse_date(m[2])):
            return found
    if item.list_date:
        return item.list_date
    for line in reversed(item.body[-3:]):
        if len(line) <= 30 and (found := parse_date(line)):
            return found
    return None


def agency(item: ReportPage, title: str | None) -> str:
    """ContentSource meta, else the title's issuer (the words before its year), else the seed's site name."""
    source = item.meta.get("contentsource", "").strip()
    if source and AGENCY_END.search(source):
        return source
    if title and (m := YEAR_IN_TITLE.search(title)):
        issuer = title[: m.start()].strip()
        if 2 <= len(issuer) <= 40 and AGENCY_END.search(issuer):
            return issuer
    return item.site_name


class MetadataPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        item.title = official_title(item)
        item.publish_date = publish_date(item)
        item.report_year = report_year(item.title, item.body, item.publish_date)
        item.agency = agency(item, item.title)
        item.kind = classify_title(item.title or "").kind
        return item
