"""What changed between two texts of one report: which paragraphs (difflib's opcodes over the paragraph lists)
and which statistical table cells (every cell of a ``{table: {row: {column: value}}}`` grid whose value differs,
appeared or went)."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any


def changes(old_body: list[str], new_body: list[str], old_tables: dict | None,
            new_tables: dict | None) -> dict[str, list[dict[str, Any]]]:
    """``{"paragraphs": [{op, old_at, new_at, old, new}], "cells": [{table, row, column, old, new}]}``: a side
    without the cell is None; cells sorted by table, row and column."""
    matcher = SequenceMatcher(a=old_body, b=new_body, autojunk=False)
    paragraphs = [{"op": op, "old_at": i1, "new_at": j1, "old": old_body[i1:i2], "new": new_body[j1:j2]}
                  for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]
    old_cells, new_cells = _cells(old_tables), _cells(new_tables)
    cells = [{"table": t, "row": r, "column": c, "old": old_cells.get((t, r, c)), "new": new_cells.get((t, r, c))}
             for t, r, c in sorted(old_cells.keys() | new_cells.keys())
             if (t, r, c) not in old_cells or (t, r, c) not in new_cells or old_cells[t, r, c] != new_cells[t, r, c]]
    return {"paragraphs": paragraphs, "cells": cells}


def summary(change: dict[str, list[dict[str, Any]]]) -> str:
    """One line for a person: "2 paragraphs changed, 1 added; 3 table cells changed"."""
    counts = {"changed": 0, "added": 0, "removed": 0}
    for entry in change["paragraphs"]:
        old, new = len(entry["old"]), len(entry["new"])
        counts["changed"] += min(old, new)
        counts["added"] += max(new - old, 0)
        counts["removed"] += max(old - new, 0)
    parts = [f"{n} {op}" for op, n in counts.items() if n]
    if parts:
        first = next(n for n in counts.values() if n)
        parts[0] = parts[0].replace(" ", f" paragraph{'s' * (first != 1)} ", 1)
    text = ", ".join(parts) or "no paragraph changed"
    if n := len(change["cells"]):
        text += f"; {n} table cell{'s' * (n != 1)} changed"
    return text


def _cells(tables: dict | None) -> dict[tuple[str, str, str], Any]:
    return {(name, row, column): value for name, grid in (tables or {}).items() if isinstance(grid, dict)
            for row, cells in grid.items() if isinstance(cells, dict) for column, value in cells.items()}
