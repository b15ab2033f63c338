"""Tables: the statistics of a 2019+ annual report as numbers, checked against the identities of its template.

Reports on 2019 onward fill in the tables of 国办公开办函〔2019〕60号 (the trial format of the 2019 and 2020
reports) or 〔2021〕30号: 主动公开 (第二十条第（一）（五）（六）（八）项, （九） in the trial),
收到和处理政府信息公开申请 and 行政复议/行政诉讼. A table reaches the body either as rows (cells joined by tabs
as the HTML has them, no colspan/rowspan expansion) or flattened to one cell per paragraph on mirrored copies
(seed 004). Both are read as one stream of cells: a row label, then its numbers. Labels are matched on keyword,
else numbering (data/tables.yaml), so local wording may vary; headings and header cells bound the tables.

Number cells: '33?' and '?0' are 33 and 0 (the '?' is a lost space); a lone '?', a blank cell, '-' or '/' is
unknown (None); 1863.74 and 31846.52万元 keep their fraction. A row with fewer numbers than columns has lost
blank cells (a mirror drops empty paragraphs, trafilatura trailing cells): every placement of the lost cells is a
reading, and the readings the template's identities hold best are taken, numbers kept to the left otherwise.
An outcome's own row carrying numbers beside its items, or a 小计 row after them, is its subtotal (stored under
the outcome's label and checked against the items); a 小计 column sums the 法人或其他组织 columns.

``parse_tables`` returns None when the body holds none of the tables, else::

    {
      "edition": "trial_2019" | "template_2021",  (the names the metadata stage uses)
      "active": {row: {column: number | None}},             # 规章, 行政许可 … × that edition's columns
      "applications": {row: {column: number | None}},       # 一、本年新收政府信息公开申请数量, （一）予以公开,
                                                            #   （三）不予公开 1.属于国家秘密 …
                                                            #   × 自然人 … 其他, [小计,] 总计
      "review_litigation": {row: {column: number | None}},  # 行政复议, 未经复议直接起诉, 复议后起诉 × 结果维持 … 总计
      "unknown": [[table, row, column], ...],               # cells read as unknown
      "unread": [str, ...],                                 # rows not recognised, not placeable, or missing
      "identities_checked": int,                            # identities whose every term is known
      "failed_identities": [str, ...],                      # e.g. "applications: 一+二=（七）+四 [自然人]"
      "consistent": bool,                                   # no identity failed
    }
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cache

from crawler.editions import editions, marked_edition, tables_template
from crawler.items import ReportPage
from crawler.rules import data_yaml
from crawler.text import fold

Number = int | float
Cell = Number | None
Grid = dict[str, dict[str, Cell]]

NUMBERING = re.compile(r"^(?:([一二三四五六七八九十]+)[、.]|(\([一二三四五六七八九十]+\))|([0-9]+)[.、](?![0-9]))")
INNER_NUMBERING = re.compile(r"(?<=\S)(?=\([一二三四五六七八九十]+\)|(?<![0-9.])[0-9]+\.(?![0-9]))")
NUMBER = re.compile(r"^[+-]?[0-9]{1,15}(?:\.[0-9]{1,6})?$")
UNKNOWN = re.compile(r"^(?:[?\ufffd\-—–/无]*|[0-9.]*[?\ufffd]+[0-9.]+[?\ufffd]*)$")  # '?', '-', '无', '1?109'
THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?:[,.]|$))")
MAX_PROSE_CHARS = 60  # a longer cell, or one with a full stop, is running text: the table has ended
MAX_LOST = 3  # cells a row may have lost (or gained as stray '?') and still be placed
PASSES = 3  # rounds of re-choosing each row's reading against the others'



@dataclass(frozen=True)
class RowSpec:
    key: str  # the official label the row is stored under
    number: str  # its numbering: 一 / (一) / 1
    pattern: re.Pattern[str]
    role: str  # received, carried_in, heading, outcome, total, carried_out, item
    group: str | None = None  # an item's outcome
    items: tuple[str, ...] = ()  # an outcome's items
    items_since: str = "2019"  # the first edition whose template has the items


@dataclass(frozen=True)
class Spec:
    regions: dict[str, re.Pattern[str]]
    unit: re.Pattern[str]
    active: dict[str, dict[str, tuple[tuple[str, ...], dict[str, re.Pattern[str]]]]]  # edition → 项 → columns, rows
    columns: dict[str, re.Pattern[str]]  # applicant columns
    total: str
    subtotal: str
    header: dict[str, re.Pattern[str]]  # every applications column, 总计 and 小计 included
    subtotal_row: re.Pattern[str]
    rows: tuple[RowSpec, ...]
    review_rows: tuple[str, ...]
    review_columns: tuple[str, ...]


def _number_of(label: str) -> tuple[str, str]:
    """The numbering of a folded label (一 / (一) / 1) and the text after it."""
    m = NUMBERING.match(label)
    return (next(g for g in m.groups() if g), label[m.end():]) if m else ("", label)


@cache
def spec() -> Spec:
    data = data_yaml("pipelines", "tables.yaml")
    app = data["applications"]
    rows: list[RowSpec] = []
    for row in app["rows"]:
        items = [(f"{row['label']} {item['label']}", item) for item in row.get("items", [])]
        rows.append(RowSpec(row["label"], _number_of(fold(row["label"]))[0], re.compile(row["pattern"]), row["role"],
                            items=tuple(k for k, _ in items), items_since=row.get("items_since", "2019")))
        rows += [RowSpec(key, _number_of(fold(item["label"]))[0], re.compile(item["pattern"]), "item", row["label"])
                 for key, item in items]
    [(total, total_pattern)] = app["total_column"].items()
    [(subtotal, subtotal_pattern)] = app["subtotal_column"].items()
    columns = {name: re.compile(p) for name, p in app["columns"].items()}
    return Spec(
        regions={name: re.compile(p) for name, p in data["regions"].items()},
        unit=re.compile(rf"(?<=[0-9])(?:{'|'.join(data['units'])})$"),
        active={e: {item: (tuple(s["columns"]), {row: re.compile(p) for row, p in s["rows"].items()})
                    for item, s in items.items()} for e, items in data["active"].items()},
        columns=columns, total=total, subtotal=subtotal,
        header={**columns, total: re.compile(total_pattern), subtotal: re.compile(subtotal_pattern)},
        subtotal_row=re.compile(app["subtotal_row"]), rows=tuple(rows),
        review_rows=tuple(data["review_litigation"]["rows"]),
        review_columns=tuple(data["review_litigation"]["columns"]),
    )


@dataclass(frozen=True)
class Token:
    text: str  # folded
    is_value: bool = False  # a number cell, or a cell where a number stood and none can be read
    number: Cell = None


def token(cell: str) -> Token:
    text = fold(cell)
    bare = THOUSANDS.sub("", spec().unit.sub("", text.strip("?\ufffd")))
    if NUMBER.match(bare):
        return Token(text, True, float(bare) if "." in bare else int(bare))
    return Token(text, True) if UNKNOWN.match(text) else Token(text)


def cells(body: list[str]) -> Iterator[Token | None]:
    """The body's cells in reading order; None where running text breaks the tables off."""
    for paragraph in body:
        parts = paragraph.split("\t")
        if len(parts) == 1:
            text = fold(paragraph)
            if not text:  # an empty paragraph is no cell; a blank cell of a row is
                continue
            if len(text) > MAX_PROSE_CHARS or "。" in text:
                yield None
                continue
        while parts and not parts[0].strip():  # a row's leading blank cells stand under a rowspan label
            parts.pop(0)
        yield from map(token, parts)


@dataclass
class Raw:
    """What a pass over the cells collects: each row label with its value cells, in order."""

    active: dict[str, tuple[str, list[Cell]]] = field(default_factory=dict)  # row → (第二十条 item, values)
    header: list[str] = field(default_factory=list)  # applications columns as their header cells come
    applications: dict[str, list[Cell]] = field(default_factory=dict)
    review: list[Cell] = field(default_factory=list)
    unmatched: dict[str, list[Cell]] = field(default_factory=dict)  # "table: label" → values


class Scanner:
    """A pass over the cells: which table a cell belongs to, and which row its numbers go to."""

    def __init__(self, edition: str) -> None:
        self.spec, self.edition = spec(), edition
        self.raw = Raw()
        self.region: str | None = None
        self.item = ""  # the 第二十条 item of the active table being read
        self.group: RowSpec | None = None  # the outcome whose numbered items follow
        self.target: list[Cell] | None = None  # where the next numbers go
        self.in_rows = False  # past the applications header

    def feed(self, cell: Token | None) -> None:
        if cell is None:
            self.region = self.target = None
        elif cell.is_value:
            if self.region == "review_litigation":
                self.raw.review.append(cell.number)
            elif self.target is not None:
                self.target.append(cell.number)
        else:
            self.label(cell.text)

    def label(self, text: str) -> None:
        regions = self.spec.regions
        if regions["end"].search(text):
            self.region = self.target = None
        elif m := regions["active"].search(text):
            self.region, self.item, self.target = "active", m[1], None
        elif regions["applications"].search(text) or (
                regions["applications_header"].search(text) and self.region != "applications"):
            self.region, self.target, self.in_rows, self.group = "applications", None, False, None
            self.column(text)
        elif regions["review_litigation"].search(text):
            if not self.raw.review:  # a table met twice is read once
                self.region, self.target = "review_litigation", None
        elif self.region == "active":
            self.active_row(text)
        elif self.region == "applications":
            for part in INNER_NUMBERING.split(text):  # "（三）不予公开1.属于国家秘密" in one cell is two labels
                if self.in_rows or not self.column(part):
                    self.application_row(part)

    def _unmatched(self, table: str, text: str) -> list[Cell]:
        return self.raw.unmatched.setdefault(f"{table}: {text}", [])

    def active_row(self, text: str) -> None:
        rows = self.spec.active[self.edition].get(self.item, ((), {}))[1]
        row = next((r for r, pattern in rows.items() if pattern.search(text)), None)
        if row is None:
            self.target = self._unmatched("active", text)
        elif row in self.raw.active and self.raw.active[row][1]:  # a table met twice is read once
            self.target = None
        else:
            self.target = self.raw.active.setdefault(row, (self.item, []))[1]

    def column(self, text: str) -> bool:
        name = next((c for c, pattern in self.spec.header.items() if pattern.search(text)), None)
        if name and name not in self.raw.header:
            self.raw.header.append(name)
        return name is not None

    def application_row(self, text: str) -> None:
        row = self.match(text)
        self.in_rows = self.in_rows or row is not None
        if row is None:
            self.target = self._unmatched("applications", text)
        elif self.raw.applications.get(row.key):
            self.target = None
        else:
            self.target = self.raw.applications.setdefault(row.key, [])

    def match(self, text: str) -> RowSpec | None:
        """The applications row a label names: by keyword, else by its numbering (an item's within its outcome)."""
        number, rest = _number_of(text)
        if self.group and self.spec.subtotal_row.search(rest):
            return self.group
        hits = [r for r in self.spec.rows if r.pattern.search(rest)]
        if len(hits) > 1:
            hits = [r for r in hits if r.number == number and r.group in (None, self.group and self.group.key)] or hits
        if not hits and number:
            group = self.group.key if self.group and number.isdigit() else None
            hits = [r for r in self.spec.rows if r.number == number and r.group == group]
        if not hits:
            return None
        row = hits[0]
        if row.role != "item":
            self.group = row if row.items else None
        return row


def readings(values: list[Cell], n: int) -> list[list[Cell]]:
    """Ways to read a row's value cells as n columns, numbers to the left first: lost cells come back as None,
    surplus unknown cells (a '?' that was a paragraph of its own) go."""
    gap = n - len(values)
    if gap == 0:
        return [values]
    if 0 < gap <= MAX_LOST:
        out = []
        for holes in itertools.combinations(range(n - 1, -1, -1), gap):
            rest = iter(values)
            out.append([None if i in holes else next(rest) for i in range(n)])
        return out
    if -MAX_LOST <= gap < 0:
        unknown = [i for i, v in enumerate(values) if v is None]
        return [[v for i, v in enumerate(values) if i not in drop] for drop in itertools.combinations(unknown, -gap)]
    return []


@dataclass(frozen=True)
class Identity:
    """Σ left = Σ right over cells (row, column) of one table."""

    name: str
    left: tuple[tuple[str, str], ...]
    right: tuple[tuple[str, str], ...]

    def terms(self, grid: Grid) -> tuple[list[Cell], list[Cell]]:
        return ([grid.get(r, {}).get(c) for r, c in self.left], [grid.get(r, {}).get(c) for r, c in self.right])

    def fails(self, grid: Grid) -> bool | None:
        """Whether it fails; None when a term is unknown."""
        left, right = self.terms(grid)
        if None in left or None in right:
            return None
        return abs(sum(left) - sum(right)) > 1e-6  # type: ignore[arg-type]

    def implausible(self, grid: Grid) -> bool:
        """It fails, or its one unknown term would have to be negative: a reading to reject."""
        left, right = self.terms(grid)
        unknown = [*left, *right].count(None)
        if unknown == 0:
            return bool(self.fails(grid))
        if unknown > 1:
            return False
        known = sum(v for v in left if v is not None) - sum(v for v in right if v is not None)
        return (known if None in right else -known) < 0


def choose(options: dict[str, list[list[Cell]]], columns: tuple[str, ...], identities: list[Identity]
           ) -> dict[str, list[Cell]]:
    """Each row's reading: the one its identities reject least, given the others' (a few rounds, rows in order)."""
    chosen = {row: rows[0] for row, rows in options.items()}
    touching = {row: [i for i in identities if any(r == row for r, _ in (*i.left, *i.right))] for row in options}

    def score(row: str, reading: list[Cell]) -> int:
        grid = {r: dict(zip(columns, reading if r == row else chosen[r], strict=True)) for r in chosen}
        return sum(i.implausible(grid) for i in touching[row])

    for _ in range(PASSES):
        changed = False
        for row, rows in options.items():
            if len(rows) > 1 and (best := min(rows, key=lambda reading: score(row, reading))) is not chosen[row]:
                chosen[row], changed = best, True
        if not changed:
            break
    return chosen


def application_columns(header: list[str]) -> tuple[str, ...]:
    """自然人, the 法人或其他组织 columns, 总计; with a 小计 column where its header cell stands among them."""
    s = spec()
    person, *legal = s.columns
    if s.subtotal not in header:
        return (person, *legal, s.total)
    order = [c for c in header if c in legal or c == s.subtotal]
    if set(order) != {*legal, s.subtotal}:
        order = [*legal, s.subtotal]
    return (person, *order, s.total)


def application_identities(rows: list[str], columns: tuple[str, ...], edition: str) -> list[Identity]:
    s = spec()
    role = {r.role: r.key for r in s.rows if r.role in ("received", "carried_in", "total", "carried_out")}
    outcomes = [r for r in s.rows if r.role == "outcome"]

    def parts(outcome: RowSpec) -> tuple[str, ...]:
        """What an outcome counts as: its items where the template or the table has them, else its own row."""
        uses_items = outcome.items and (edition >= outcome.items_since or any(i in rows for i in outcome.items))
        return outcome.items if uses_items else (outcome.key,)

    person = next(iter(s.columns))
    applicants = [c for c in columns if c in s.columns]
    legal = [c for c in applicants if c != person]
    out = [Identity(f"applications: 一+二=（七）+四 [{c}]", ((role["received"], c), (role["carried_in"], c)),
                    ((role["total"], c), (role["carried_out"], c))) for c in columns]
    out += [Identity(f"applications: （七）=Σ办理结果 [{c}]", ((role["total"], c),),
                     tuple((p, c) for o in outcomes for p in parts(o))) for c in columns]
    out += [Identity(f"applications: {o.key}=Σ分项 [{c}]", ((o.key, c),), tuple((i, c) for i in o.items))
            for o in outcomes if o.key in rows and parts(o) != (o.key,) for c in columns]
    out += [Identity(f"applications: 总计=Σ申请人 [{r}]", ((r, s.total),), tuple((r, c) for c in applicants))
            for r in rows]
    if s.subtotal in columns:
        out += [Identity(f"applications: 小计=Σ法人或其他组织 [{r}]", ((r, s.subtotal),), tuple((r, c) for c in legal))
                for r in rows]
    return out


def review_identities() -> list[Identity]:
    s = spec()
    *parts, total = s.review_columns
    return [Identity(f"review_litigation: 总计=Σ结果 [{r}]", ((r, total),), tuple((r, c) for c in parts))
            for r in s.review_rows]


def missing_rows(rows: Collection[str], edition: str) -> list[str]:
    """The rows of the edition's applications table that a table lacks."""
    expected: list[str] = []
    for r in spec().rows:
        if r.role == "outcome" and r.items and edition >= r.items_since:
            expected += r.items
        elif r.role == "outcome" and r.items:  # the trial's one （六） row, unless a table has the items anyway
            expected += [] if any(i in rows for i in r.items) else [r.key]
        elif r.role not in ("heading", "item"):
            expected.append(r.key)
    return [f"applications: no row {key}" for key in expected if key not in rows]


def grid_of(rows: tuple[str, ...], columns: tuple[str, ...], values: list[Cell]) -> Grid:
    it = iter(values)
    return {row: {column: next(it) for column in columns} for row in rows}


EDITION_NAMES = {tables_template(name): name for name in editions().tables}  # "2019" → trial_2019 (crawler/editions)


def parse_tables(body: list[str]) -> dict | None:
    """The 2019+ statistical tables of a report body (see the module docstring); None when it has none."""
    marked = marked_edition(body)
    found = tables_template(marked) if marked else None
    scanner = Scanner(found or "2019")
    for cell in cells(body):
        scanner.feed(cell)
    raw = scanner.raw
    if found is None and not any(raw.applications.values()):
        return None
    found = found or "2019"
    s = spec()
    unread = [f"{label}: {len(values)} numbers" for label, values in raw.unmatched.items() if values]

    def placed(table: str, row: str, values: list[Cell], n: int) -> list[list[Cell]]:
        options = readings(values, n)
        if not options:
            unread.append(f"{table}: {row}: {len(values)} numbers for {n} columns")
        return options

    active: Grid = {}
    for row, (item, values) in raw.active.items():
        columns = s.active[found][item][0]
        if values and (options := placed("active", row, values, len(columns))):
            active[row] = dict(zip(columns, options[0], strict=True))

    columns = application_columns(raw.header)
    by_row = {row: o for row, values in raw.applications.items()
              if values and (o := placed("applications", row, values, len(columns)))}
    checks = application_identities(list(by_row), columns, found)
    applications = {row: dict(zip(columns, reading, strict=True))
                    for row, reading in choose(by_row, columns, checks).items()}
    if applications:
        unread += missing_rows(applications, found)

    review: Grid = {}
    review_checks = review_identities()
    size = len(s.review_rows) * len(s.review_columns)
    if raw.review and (flat := placed("review_litigation", "行政复议/行政诉讼", raw.review, size)):
        grids = [grid_of(s.review_rows, s.review_columns, o) for o in flat]
        review = min(grids, key=lambda g: sum(i.implausible(g) for i in review_checks))
    if not (active or applications or review):
        return None

    tables = {"active": active, "applications": applications, "review_litigation": review}
    verdicts = [(i.name, i.fails(applications)) for i in checks] + [(i.name, i.fails(review)) for i in review_checks]
    return {
        "edition": EDITION_NAMES[found],
        **tables,
        "unknown": [[t, r, c] for t, grid in tables.items() for r, row in grid.items()
                    for c, v in row.items() if v is None],
        "unread": unread,
        "identities_checked": sum(v is not None for _, v in verdicts),
        "failed_identities": [name for name, v in verdicts if v],
        "consistent": not any(v for _, v in verdicts),
    }


class TablesPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        item.tables = parse_tables(item.body)
        if item.tables and not item.tables["consistent"]:
            item.flag("tables_inconsistent", item.tables["failed_identities"])
        return item
