"""A timestamp-free snapshot of what a crawl of the fixture world stores, to check that a change keeps behaviour.

    python bench/corpus_snapshot.py OUT_DIR          # crawl seeds/demo.yaml as `auto` and with each site's family
    python bench/corpus_snapshot.py --diff A B       # compare two snapshots, table by table

Each mode writes ``<mode>.export.json`` (the export records, fetched_at left out) and ``<mode>.db.json`` (every
table's rows, times and run ids left out, sorted; the run's counts and stats). Two crawls of the same code can
differ in what depends on fetch order: which list page first linked a report (``report_urls.referer`` and
``list_date``), and whose page meta a report found at two URLs keeps (``reports.page_meta``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.replay import ReplayServer, ReplayWorld  # noqa: E402

TABLES = ("sites", "pages", "reports", "report_urls", "listings", "errors", "report_stats", "attachment_files")
VOLATILE = {"fetched_at", "first_seen", "last_seen", "updated_at", "detected_at", "at", "run_id", "path"}


def family_seeds(folder: Path) -> Path:
    """seeds/demo.yaml with each site's template set to its family (tests/fixtures/expected)."""
    expected = {p.stem: yaml.safe_load(p.read_text("utf-8"))
                for p in (ROOT / "tests" / "fixtures" / "expected").glob("*.yaml")}
    listed = yaml.safe_load((ROOT / "seeds" / "demo.yaml").read_text("utf-8"))
    for site in listed["sites"]:
        site["template"] = expected[site["id"]]["family"]
    path = folder / "family.yaml"
    path.write_text(yaml.safe_dump(listed, allow_unicode=True), "utf-8")
    return path


def govcrawl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)


def dump(db_path: Path) -> dict[str, Any]:
    db = Database(db_path)
    tables: dict[str, Any] = {}
    for name in TABLES:
        rows = [{k: v for k, v in row.items() if k not in VOLATILE and not (name == "errors" and k == "id")}
                for row in db.table(name).rows]
        tables[name] = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    [run] = list(db.table("runs").rows)
    tables["run"] = {k: run[k] for k in ("status", "pages", "reports_new", "reports_seen", "errors")}
    tables["stats"] = json.loads(run["stats"])
    return tables


def snapshot(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server = ReplayServer(ReplayWorld(ROOT / "tests" / "fixtures" / "portals")).start_background()
    try:
        for mode in ("auto", "family"):
            with tempfile.TemporaryDirectory() as tmp:
                seeds = ROOT / "seeds" / "demo.yaml" if mode == "auto" else family_seeds(Path(tmp))
                db = Path(tmp) / "corpus.db"
                crawl = govcrawl("crawl", "--seeds", str(seeds), "--db", str(db), "--proxy", server.url,
                                 "--delay", "0", "--log-level", "ERROR")
                print(f"{mode}: {crawl.stderr.strip().splitlines()[-1]}")
                records = [json.loads(line) for line in govcrawl("export", "--db", str(db)).stdout.splitlines()]
                for record in records:
                    record.pop("fetched_at")
                (out / f"{mode}.export.json").write_text(
                    json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
                (out / f"{mode}.db.json").write_text(json.dumps(dump(db), ensure_ascii=False, indent=1), "utf-8")
    finally:
        server.stop()


def diff(a: Path, b: Path) -> int:
    """Print what differs between two snapshots; the number of differing tables or exports."""
    differing = 0
    for path in sorted(a.glob("*.json")):
        left, right = json.loads(path.read_text("utf-8")), json.loads((b / path.name).read_text("utf-8"))
        if path.name.endswith(".export.json"):
            if left != right:
                differing += 1
                print(f"{path.name}: {sum(x != y for x, y in zip(left, right, strict=False))} records differ, "
                      f"{len(left)} vs {len(right)} records")
            continue
        for table in left:
            if left[table] != right[table]:
                differing += 1
                if isinstance(left[table], list):
                    gone, new = set(left[table]) - set(right[table]), set(right[table]) - set(left[table])
                    print(f"{path.name}: {table}: {len(gone)} rows only in {a}, {len(new)} only in {b}")
                    for row in sorted(gone)[:3]:
                        print(f"  - {row[:300]}")
                    for row in sorted(new)[:3]:
                        print(f"  + {row[:300]}")
                else:
                    print(f"{path.name}: {table}: {left[table]} vs {right[table]}")
    print("no difference" if not differing else f"{differing} differences")
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--diff", action="store_true", help="compare two snapshot folders")
    args = parser.parse_args()
    if args.diff:
        sys.exit(1 if diff(*args.paths) else 0)
    snapshot(args.paths[0])


if __name__ == "__main__":
    main()
