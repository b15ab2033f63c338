"""Seed lists: one site per entry, read from YAML or CSV and validated before any fetch.

Fields (a contract other tools read): ``id``, ``name``, ``region``, ``url``, ``template`` (``auto`` or a
CMS family, i.e. a spider name), optional ``report_column`` and ``allowed_domains``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REQUIRED = ("id", "name", "region", "url", "template")
OPTIONAL = ("report_column", "allowed_domains")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Seed:
    id: str
    name: str
    region: str
    url: str
    template: str
    report_column: str | None = None
    allowed_domains: tuple[str, ...] = field(default=())

    @property
    def domains(self) -> tuple[str, ...]:
        """Domains the crawl of this site may enter: the given ones, else the seed host without ``www.``."""
        if self.allowed_domains:
            return self.allowed_domains
        host = urlsplit(self.url).hostname or ""
        return (host.removeprefix("www."),)

    def as_row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "url": self.url,
            "template": self.template,
            "report_column": self.report_column,
            "allowed_domains": list(self.domains),
        }


class SeedError(ValueError):
    """A seed list that cannot be used; ``problems`` names file, entry and field of each fault."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


def _check_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return f"not an http(s) URL: {value!r}"
    host = parts.hostname or ""
    if not host or not (HOST_RE.match(host) or re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host)):
        return f"URL has no valid host: {value!r}"
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"URL has a bad port: {value!r}"
    return None


def _entries_from_yaml(path: Path, text: str) -> list[object]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SeedError(path, [f"{where}invalid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if isinstance(data, dict) and "sites" in data:
        data = data["sites"]
    if not isinstance(data, list):
        raise SeedError(path, ["expected a list of sites (or a mapping with a 'sites' list)"])
    return data


def _entries_from_csv(path: Path, text: str) -> list[object]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise SeedError(path, ["empty CSV: expected a header row naming the fields"])
    unknown = [f for f in reader.fieldnames if f not in REQUIRED + OPTIONAL]
    missing = [f for f in REQUIRED if f not in reader.fieldnames]
    problems = [f"header: unknown column {f!r}" for f in unknown]
    problems += [f"header: missing column {f!r}" for f in missing]
    if problems:
        raise SeedError(path, problems)
    entries: list[object] = []
    for row in reader:
        if None in row:
            entries.append({"__error__": f"more cells than header columns (line {reader.line_num})"})
            continue
        clean = {k: v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
        if "allowed_domains" in clean:
            clean["allowed_domains"] = re.split(r"[\s;|]+", clean["allowed_domains"])
        entries.append(clean)
    return entries


def _validate(entry: object, label: str, templates: Iterable[str]) -> tuple[Seed | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"{label}: expected a mapping of fields, got {type(entry).__name__}"]
    if "__error__" in entry:
        return None, [f"{label}: {entry['__error__']}"]
    problems: list[str] = []
    for key in entry:
        if key not in REQUIRED + OPTIONAL:
            problems.append(f"{label}: field {key!r}: unknown field (expected one of {', '.join(REQUIRED + OPTIONAL)})")
    values: dict[str, object] = {}
    for key in REQUIRED + OPTIONAL:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if key in REQUIRED:
                problems.append(f"{label}: field {key!r}: missing")
            continue
        if key == "allowed_domains":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
                problems.append(f"{label}: field 'allowed_domains': expected a list of domain names")
                continue
            bad = [d for d in value if not HOST_RE.match(d.strip().lower())]
            if bad:
                problems.append(f"{label}: field 'allowed_domains': not a domain name: {bad[0]!r}")
                continue
            values[key] = tuple(d.strip().lower() for d in value)
            continue
        if not isinstance(value, str | int):
            problems.append(f"{label}: field {key!r}: expected text, got {type(value).__name__}")
            continue
        values[key] = str(value).strip()
    seed_id = values.get("id")
    if isinstance(seed_id, str) and not ID_RE.match(seed_id):
        problems.append(f"{label}: field 'id': {seed_id!r} must be lower-case letters, digits, '-', '_' or '.'")
    for key in ("url", "report_column"):
        if isinstance(values.get(key), str) and (err := _check_url(values[key])):  # type: ignore[arg-type]
            problems.append(f"{label}: field {key!r}: {err}")
    known = sorted(templates)
    template = values.get("template")
    if isinstance(template, str) and template not in known:
        problems.append(f"{label}: field 'template': unknown template {template!r} (known: {', '.join(known)})")
    if problems:
        return None, problems
    return Seed(**values), []  # type: ignore[arg-type]


def load_seeds(path: str | Path, templates: Iterable[str]) -> list[Seed]:
    """Read and validate a seed list; raise SeedError naming every faulty entry and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SeedError(path, ["no such file"]) from exc
    except UnicodeDecodeError as exc:
        raise SeedError(path, [f"not UTF-8 text (byte {exc.start})"]) from exc
    if path.suffix.lower() == ".csv":
        entries = _entries_from_csv(path, text)
    elif path.suffix.lower() in (".yaml", ".yml"):
        entries = _entries_from_yaml(path, text)
    else:
        raise SeedError(path, ["unknown seed list format: use .yaml, .yml or .csv"])
    templates = set(templates)
    seeds: list[Seed] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        ident = entry.get("id") if isinstance(entry, dict) else None
        label = f"entry {index}" + (f" (id {ident!r})" if ident else "")
        seed, errs = _validate(entry, label, templates)
        problems += errs
        if seed is None:
            continue
        if seed.id in seen:
            problems.append(f"{label}: field 'id': duplicate id, first used by entry {seen[seed.id]}")
            continue
        seen[seed.id] = index
        seeds.append(seed)
    if not entries:
        problems.append("the list has no sites")
    if problems:
        raise SeedError(path, problems)
    return seeds
