"""The item a spider yields for a report page, filled in stage by stage by the pipelines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.clock import now
from crawler.text import FIELD_CUT

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.seeds import Seed

WARC_META = "warc"  # request meta: where an answer is in the capture (crawler/warc.py, Pointer.columns())
# Flags of a report whose text is in a file govcrawl could not read: the record is kept without text.
TEXT_IN_FILE = frozenset({"needs_ocr", "needs_conversion", "attachment_unreadable"})


@dataclass
class Paragraph:
    """One block of extracted text; ``linked`` when it is (nearly) all link text, as navigation is;
    ``row`` for a table row (cells joined by tabs)."""

    text: str
    linked: bool = False
    row: bool = False


@dataclass
class ReportPage:
    # From the spider: where and how the page was found.
    site_id: str
    site_name: str
    region: str
    url: str
    status: int
    fetched_at: str
    page_sha256: str
    html: str
    template: str
    body_selectors: tuple[str, ...] = ()
    list_title: str | None = None
    list_date: str | None = None
    referer: str | None = None
    found_via: str | None = None  # how the walk came to it when not by the site's links alone (Visit.via)
    raw: bytes = b""  # the page's bytes as served, for repairing a wrong decoding; never stored
    encoding: str | None = None  # the charset ``html`` was decoded with (Scrapy's reading of the page)
    # From the pipelines.
    meta: dict[str, str] = field(default_factory=dict)
    page_title: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    extracted_by: str | None = None
    body: list[str] = field(default_factory=list)
    title: str | None = None
    agency: str | None = None
    report_year: int | None = None
    publish_date: str | None = None
    kind: str | None = None
    attachments: list[str] = field(default_factory=list)
    attachment_files: list[dict[str, Any]] = field(default_factory=list)  # each file fetched: pipelines/attachments.py
    tables: dict | None = None
    flags: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    search_text: str | None = None  # title and body in Simplified script, for copies in another script

    level: str | None = None  # province, city, county, town or department
    edition: str | None = None  # six_part_2008, trial_2019, template_2021
    outline: list[dict[str, str | None]] = field(default_factory=list)
    metadata_evidence: dict[str, str] = field(default_factory=dict)
    # Errors rows a stage found on the page (kind, reason: crawler/errors.py), written by the store; a page with
    # one of kind ``stub`` is no report and is not stored as one.
    problems: list[tuple[str, str]] = field(default_factory=list)
    visit_key: str | None = None  # its visit's frontier row (crawler/frontier.py), done when the report is stored
    warc: dict[str, Any] | None = None  # where the page's answer is in the capture (crawler/warc.py)

    @classmethod
    def of_page(cls, seed: Seed, response: TextResponse, template: str, body_selectors: tuple[str, ...],
                list_title: str | None, list_date: str | None, referer: str | None,
                found_via: str | None = None) -> ReportPage:
        """A report page as fetched, before any stage has read it."""
        return cls(site_id=seed.id, site_name=seed.name, region=seed.region, url=response.url,
                   status=response.status, fetched_at=now(), page_sha256=hashlib.sha256(response.body).hexdigest(),
                   html=response.text, template=template, body_selectors=body_selectors, list_title=list_title,
                   list_date=list_date, referer=referer, found_via=found_via, raw=response.body,
                   encoding=response.encoding, warc=response.meta.get(WARC_META))

    @classmethod
    def of_document(cls, seed: Seed, url: str, template: str, list_title: str | None, list_date: str | None,
                    referer: str | None, found_via: str | None = None) -> ReportPage:
        """A report published only as a PDF or Word file: no page, the file is its attachment (the attachments
        stage downloads it and reads its text)."""
        return cls(site_id=seed.id, site_name=seed.name, region=seed.region, url=url, status=0, fetched_at=now(),
                   page_sha256="", html="", template=template, list_title=list_title, list_date=list_date,
                   referer=referer, found_via=found_via, attachments=[url])

    def capture(self) -> dict[str, Any]:
        """The WARC columns of the record holding its text: the page's, or for a report published as a file
        the first document's (crawler/store.py WARC_COLUMNS; empty when nothing was captured)."""
        if self.warc:
            return dict(self.warc)
        files = [f for f in self.attachment_files if f.get("warc_file") and f.get("sha256")]
        return {k: files[0][k] for k in ("warc_file", "warc_offset", "warc_record_id")} if files else {}

    @property
    def holds_report(self) -> bool:
        """Whether the store keeps it as a report: it has text, or its text is in a file govcrawl could not read."""
        return bool(self.body) or bool(TEXT_IN_FILE.intersection(self.flags))

    def __repr__(self) -> str:  # logs name the page, never print its HTML
        return f"<ReportPage {self.site_id} {self.url}>"

    def problem(self, kind: str, reason: str) -> None:
        if (kind, reason) not in self.problems:
            self.problems.append((kind, reason))

    def field_cut(self, name: str, served: int) -> None:
        """Mark a free-text field cut to its bound (crawler/text.py: FIELD_BOUNDS), with its length as served."""
        self.flag(FIELD_CUT, {**self.evidence.get(FIELD_CUT, {}), name: served})

    @property
    def page_title_cut(self) -> bool:
        """Whether the page's own title was absurd and cut (pipelines/extract.py): the list's title is better."""
        return "page_title" in self.evidence.get(FIELD_CUT, {})

    def flag(self, name: str, evidence: object = None) -> None:
        if name not in self.flags:
            self.flags.append(name)
        if evidence is not None:
            self.evidence[name] = evidence
