"""Replay fixtures: one site recorded into a folder — its capture (WARC), its seed, the records it gave — and
what differs when that capture is crawled again (``govcrawl record``, tests/test_replay_fixtures.py,
docs/REPLAY-TESTS.md)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from crawler.seeds import Seed

SEED, EXPECTED = "seed.yaml", "expected.jsonl"
VOLATILE = ("fetched_at",)  # export fields that differ between two crawls of the same bytes
MAX_DIFF_LINES = 24


def write_seed(seed: Seed, folder: Path) -> Path:
    """The one-site seed list the fixture is replayed with."""
    row = {k: v for k, v in seed.as_row().items() if v not in (None, [])}
    if not seed.allowed_domains:
        row.pop("allowed_domains", None)
    path = folder / SEED
    path.write_text(yaml.safe_dump({"sites": [row]}, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def write_expected(records: Iterable[dict[str, Any]], folder: Path) -> int:
    lines = [json.dumps(record, ensure_ascii=False, sort_keys=False) for record in records]
    (folder / EXPECTED).write_text("".join(f"{line}\n" for line in lines), "utf-8")
    return len(lines)


def read_expected(folder: Path) -> list[dict[str, Any]]:
    path = folder / EXPECTED
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _comparable(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records by URL, volatile fields aside, a report's URLs as a set (listed in the order first seen)."""
    kept = {}
    for record in records:
        record = {k: v for k, v in record.items() if k not in VOLATILE}
        record["urls"] = sorted(record.get("urls") or [])
        kept[record["url"]] = record
    return kept


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else f"{text[:117]}..."


def _field_diff(name: str, expected: Any, got: Any) -> list[str]:
    """One field's difference: a line diff for text of several lines or a list, else both values."""
    if isinstance(expected, str) and isinstance(got, str) and ("\n" in expected or "\n" in got):
        old, new = expected.splitlines(), got.splitlines()
    elif isinstance(expected, list) and isinstance(got, list):
        old, new = [_shown(v) for v in expected], [_shown(v) for v in got]
    else:
        return [f"    {name}: expected {_shown(expected)}", f"    {' ' * len(name)}  got      {_shown(got)}"]
    lines = list(difflib.unified_diff(old, new, "expected", "got", n=1, lineterm=""))[2:]
    cut = lines[:MAX_DIFF_LINES] + ([f"... {len(lines) - MAX_DIFF_LINES} more lines"]
                                    if len(lines) > MAX_DIFF_LINES else [])
    return [f"    {name}:"] + [f"      {line}" for line in cut]


def differences(expected: Iterable[dict[str, Any]], got: Iterable[dict[str, Any]]) -> list[str]:
    """What a replay gave that the fixture did not expect, readable: reports missing or new, then per report
    each field that changed (volatile fields aside). Empty when they agree."""
    want, have = _comparable(expected), _comparable(got)
    report = [f"  missing report {url} ({_shown(want[url].get('title'))})" for url in sorted(want.keys() - have.keys())]
    report += [f"  unexpected report {url} ({_shown(have[url].get('title'))})"
               for url in sorted(have.keys() - want.keys())]
    for url in sorted(want.keys() & have.keys()):
        names = dict.fromkeys([*want[url], *have[url]])
        changed = [name for name in names if want[url].get(name) != have[url].get(name)]
        if changed:
            report.append(f"  report {url}:")
            for name in changed:
                report += _field_diff(name, want[url].get(name), have[url].get(name))
    return report
