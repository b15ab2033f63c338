"""The item a spider yields for a report page, filled in stage by stage by the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    raw: bytes = b""  # the page's bytes as served, for repairing a wrong decoding; never stored
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
    evidence: dict[str, object] = field(default_factory=dict)
    search_text: str | None = None  # title and body in Simplified script, for copies in another script

    level: str | None = None  # province, city, county, town or department
    edition: str | None = None  # six_part_2008, trial_2019, template_2021
    outline: list[dict[str, str | None]] = field(default_factory=list)
    metadata_evidence: dict[str, str] = field(default_factory=dict)

    def flag(self, name: str, evidence: object = None) -> None:
        if name not in self.flags:
            self.flags.append(name)
        if evidence is not None:
            self.evidence[name] = evidence
