"""Search the corpus for Chinese words of any length, in either script (``govcrawl search``).

The reports' trigram index (``reports_fts``) cannot find a word of one or two characters (复议, 诉讼, 收费). So a
second FTS5 index, ``report_chars``, holds each report's title and body in Simplified script with every Han
character a token of its own; a query word is the phrase of its characters, which must stand next to each other.
It is still an index lookup, ranked by bm25 (the title weighs more). The index follows the reports: ``sync``
brings it up to date from their text hashes, after every crawl and before every search.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from crawler.text import simplified

if TYPE_CHECKING:
    from sqlite_utils import Database

INDEX, STATE = "report_chars", "report_chars_state"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"([{HAN}])")
_TOKEN = re.compile(rf"[{HAN}]|[^\W_{HAN}]+")
START, END = "\x02", "\x03"  # snippet markers, made <mark> tags once the spacing is undone
_SPACED = re.compile(rf"(?<=[{HAN}{START}{END}]) +| +(?=[{HAN}{START}{END}])")
TITLE_WEIGHT = 5.0


def spaced(text: str) -> str:
    """Text as the index holds it: Simplified script, each Han character a token."""
    return _HAN_CHAR.sub(r" \1 ", simplified(text))


def unspaced(text: str) -> str:
    return _SPACED.sub("", text).replace(START, "<mark>").replace(END, "</mark>")


def query_of(words: str) -> str:
    """The FTS5 query of a search: each word (split on white space) the phrase of its tokens, all required."""
    phrases = [" ".join(_TOKEN.findall(simplified(word))) for word in words.split()]
    if not (phrases := [p for p in phrases if p]):
        raise ValueError(f"nothing to search for in {words!r}: give a word")
    return " AND ".join(f'"{p}"' for p in phrases)


def ensure_index(db: Database) -> None:
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING fts5(report_id UNINDEXED, title, body, "
               "tokenize = 'unicode61')")
    db.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (report_id TEXT PRIMARY KEY, sha256 TEXT)")


def sync(db: Database) -> int:
    """Index the reports whose text is new or changed since the index last saw them, drop those gone; the
    number reindexed."""
    ensure_index(db)
    stale = list(db.query(f"SELECT r.id, r.title, r.body, r.sha256 FROM reports r LEFT JOIN {STATE} s "
                          "ON s.report_id = r.id WHERE s.sha256 IS NOT r.sha256"))
    with db.atomic():
        db.execute(f"DELETE FROM {INDEX} WHERE report_id NOT IN (SELECT id FROM reports)")
        db.execute(f"DELETE FROM {STATE} WHERE report_id NOT IN (SELECT id FROM reports)")
        for row in stale:
            db.execute(f"DELETE FROM {INDEX} WHERE report_id = ?", [row["id"]])
            db.execute(f"INSERT INTO {INDEX} (report_id, title, body) VALUES (?, ?, ?)",
                       [row["id"], spaced(row["title"] or ""), spaced(row["body"] or "")])
            db.execute(f"INSERT OR REPLACE INTO {STATE} (report_id, sha256) VALUES (?, ?)", [row["id"], row["sha256"]])
    return len(stale)


@dataclass(frozen=True)
class Hit:
    id: str
    url: str
    title: str | None
    region: str | None
    report_year: int | None
    level: str | None
    site_id: str
    snippet: str  # the best passage, the words found in <mark> tags (Simplified script)
    rank: float  # bm25: lower is better

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def search(db: Database, words: str, *, region: str | None = None, year: int | None = None,
           level: str | None = None, site: str | None = None, limit: int = 20) -> list[Hit]:
    """Reports holding every word, best first; ``region`` is a part of the region's name as printed."""
    sync(db)
    where = [f"{INDEX} MATCH ?"]
    params: list[str | int] = [query_of(words)]
    for clause, value in (("r.region LIKE ?", f"%{region}%" if region else None), ("r.report_year = ?", year),
                          ("r.level = ?", level), ("r.site_id = ?", site)):
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = db.query(
        f"SELECT r.id, r.url, r.title, r.region, r.report_year, r.level, r.site_id, "
        f"snippet({INDEX}, -1, '{START}', '{END}', '…', 24) AS snippet, "
        f"bm25({INDEX}, 0, {TITLE_WEIGHT}, 1.0) AS rank FROM {INDEX} JOIN reports r ON r.id = {INDEX}.report_id "
        f"WHERE {' AND '.join(where)} ORDER BY rank LIMIT ?", [*params, limit])
    return [Hit(**{**row, "snippet": unspaced(row["snippet"])}) for row in rows]
