"""Seed lists: one site per entry, read from YAML or CSV and validated before any fetch.

Fields (a contract other tools read): ``id``, ``name``, ``region``, ``url``, ``template`` (``auto`` or a
CMS family, i.e. a spider name), optional ``report_column`` and ``allowed_domains``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawler.targets import host_refusal, normal_host, numeric_address, refusal

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


def _valid_host(host: str) -> bool:
    try:
        return bool(HOST_RE.match(host)) or numeric_address(host) is not None
    except ValueError:
        return False


def _check_url(value: str, allow_private: bool) -> str | None:
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in value):
        return f"URL contains a space or a control character: {value!r}"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return f"not a valid URL: {value!r}"
    if parts.scheme not in ("http", "https"):
        return f"not an http(s) URL: {value!r}"
    if not host or not _valid_host(host):
        return f"URL has no valid host: {value!r}"
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"URL has a bad port: {value!r}"
    if not allow_private and (reason := refusal(value)):
        return private_target(reason)
    return None


def private_target(reason: str) -> str:
    return f"private or local target: {reason} (--allow-private crawls it)"


def _entries_from_yaml(path: Path, text: str) -> list[object]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SeedError(path, [f"{where}invalid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if data is None:
        raise SeedError(path, ["empty file: expected a list of sites"])
    if isinstance(data, dict) and "sites" in data:
        data = data["sites"]
    if not isinstance(data, list):
        raise SeedError(path, ["expected a list of sites (or a mapping with a 'sites' list)"])
    return data


def _entries_from_csv(path: Path, text: str) -> list[object]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise SeedError(path, ["empty CSV: expected a header row naming the fields"])
    if not set(reader.fieldnames) & set(REQUIRED + OPTIONAL):
        raise SeedError(path, [f"header: the first row names no field (expected a header row naming "
                               f"{', '.join(REQUIRED + OPTIONAL)})"])
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
        clean = {k: v.strip() for k, v in row.items() if v is not None and (k in REQUIRED or v.strip())}
        if "allowed_domains" in clean:
            clean["allowed_domains"] = re.split(r"[\s;|]+", clean["allowed_domains"])
        entries.append(clean)
    return entries


def _domains(value: object, allow_private: bool) -> tuple[tuple[str, ...] | None, str | None]:
    """``allowed_domains`` as domain names (one name, or a list), or why not."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        return None, "expected a list of domain names"
    domains = tuple(d.strip().lower() for d in value)
    if bad := [d for d in domains if not _valid_host(d)]:
        return None, f"not a domain name: {bad[0]!r}"
    if not allow_private and (private := [r for d in domains if (r := host_refusal(d))]):
        return None, private_target(private[0])
    return domains, None


def _validate(entry: object, label: str, templates: Iterable[str],
              allow_private: bool) -> tuple[Seed | None, list[str]]:
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
                problems.append(f"{label}: field {key!r}: {'missing' if value is None else 'empty'}")
            continue
        if key == "allowed_domains":
            domains, error = _domains(value, allow_private)
            if error:
                problems.append(f"{label}: field 'allowed_domains': {error}")
            else:
                values[key] = domains
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            problems.append(f"{label}: field {key!r}: expected text, got {type(value).__name__}")
            continue
        values[key] = str(value).strip()
    seed_id = values.get("id")
    if isinstance(seed_id, str) and not ID_RE.match(seed_id):
        problems.append(f"{label}: field 'id': {seed_id!r} must be lower-case letters, digits, '-', '_' or '.'")
    checked = {key: _check_url(str(values[key]), allow_private) for key in ("url", "report_column") if key in values}
    problems += [f"{label}: field {key!r}: {err}" for key, err in checked.items() if err]
    known = sorted(templates)
    template = values.get("template")
    if isinstance(template, str) and template not in known:
        problems.append(f"{label}: field 'template': unknown template {template!r} (known: {', '.join(known)})")
    if problems:
        return None, problems
    seed = Seed(**values)  # type: ignore[arg-type]
    column_host = normal_host(urlsplit(seed.report_column).hostname or "") if seed.report_column else None
    if column_host is not None and not any(column_host == d or column_host.endswith("." + d) for d in seed.domains):
        return None, [f"{label}: field 'report_column': host {column_host!r} is outside the site's domains "
                      f"({', '.join(seed.domains)})"]
    return seed, []


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SeedError(path, ["no such file"]) from exc
    except IsADirectoryError as exc:
        raise SeedError(path, ["a directory, not a seed list file"]) from exc
    except OSError as exc:
        raise SeedError(path, [f"cannot be read: {exc.strerror}"]) from exc
    if (nul := data.find(b"\0")) >= 0:
        raise SeedError(path, [f"binary data, not a text seed list (a NUL byte at byte {nul})"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SeedError(path, [f"not UTF-8 text (byte {exc.start}, line {line}): save the list as UTF-8"]) from exc


def load_seeds(path: str | Path, templates: Iterable[str], *, allow_private: bool = False) -> list[Seed]:
    """Read and validate a seed list; raise SeedError naming every faulty entry and field. Private and local
    targets (crawler/targets.py) are faults unless ``allow_private``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml") and not path.is_dir():
        raise SeedError(path, ["unknown seed list format: use .yaml, .yml or .csv"])
    text = _read(path)
    entries = _entries_from_csv(path, text) if suffix == ".csv" else _entries_from_yaml(path, text)
    templates = set(templates)
    seeds: list[Seed] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        ident = entry.get("id") if isinstance(entry, dict) else None
        label = f"entry {index}" + (f" (id {ident!r})" if isinstance(ident, str) and ident.strip() else "")
        seed, errs = _validate(entry, label, templates, allow_private)
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
