"""The edition of a report (six_part_2008, trial_2019, template_2021), decided in one place from data/editions.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from crawler.rules import data_yaml
from crawler.text import fold


@dataclass(frozen=True)
class Fallback:
    edition: str
    words: str
    from_year: int | None = None
    before_year: int | None = None

    def holds(self, text: str, year: int | None) -> bool:
        if self.words not in text:
            return False
        if self.from_year is not None and not (year and year >= self.from_year):
            return False
        return self.before_year is None or bool(year and year < self.before_year)


@dataclass(frozen=True)
class Editions:
    markers: dict[str, tuple[str, ...]]  # edition → its own words, folded
    tables: dict[str, str]  # edition → its template's key in pipelines/data/tables.yaml
    fallbacks: tuple[Fallback, ...]


@cache
def editions() -> Editions:
    data = data_yaml("crawler", "editions.yaml")
    specs = data["editions"]
    return Editions(
        markers={name: tuple(fold(m) for m in spec.get("markers", ())) for name, spec in specs.items()
                 if spec.get("markers")},
        tables={name: str(spec["tables"]) for name, spec in specs.items() if spec.get("tables")},
        fallbacks=tuple(Fallback(**{**rule, "words": fold(rule["words"])}) for rule in data["fallbacks"]),
    )


def _marked(text: str) -> str | None:
    found = {name: sum(marker in text for marker in markers) for name, markers in editions().markers.items()}
    best = max(found, key=lambda name: found[name])
    return best if found[best] else None


@lru_cache(maxsize=16)
def _folded(body: tuple[str, ...]) -> str:
    """The body folded once for the stages that ask (tables, metadata)."""
    return fold("".join(body), cache=False)


def marked_edition(body: list[str]) -> str | None:
    """The edition whose own words (table labels, the notice that set it) the body uses most; None if none."""
    return _marked(_folded(tuple(body)))


def edition(body: list[str], year: int | None) -> str | None:
    """The report's edition: by its own words, else by its sections and the year reported on."""
    text = _folded(tuple(body))
    if found := _marked(text):
        return found
    return next((rule.edition for rule in editions().fallbacks if rule.holds(text, year)), None)


def tables_template(name: str) -> str:
    """The key of the edition's tables in pipelines/data/tables.yaml ("2019", "2021")."""
    return editions().tables[name]
