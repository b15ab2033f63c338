"""Benchmarks of govcrawl on the bundled portal world (run: `make bench`; figures go in docs/BENCHMARKS.md).

1. Crawl throughput: pages/s of a full crawl of seeds/demo.yaml through the replay server (no delay).
2. Cleaning quality and cost on the replay cases of tests/cleaning (seed docs in portal HTML, the fixture
   portals' pages with hand-written bodies): mean and minimum character F1 against the expected body, chrome
   lines left, and ms/page, for the pipelines as govcrawl reads any page (crawler/reading.py, the reader of
   `govcrawl extract`, through tests/cleaning/cases.py: run; with and without the family's body container) and
   for trafilatura.extract alone on the same pages.
3. Reports published only as PDF (bench/documents.py): the fixture world's hand-written bodies typeset as Word
   exports them, read back: character F1, paragraphs and whole reports exactly right, ms/page.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.documents import bench_pdf  # noqa: E402
from crawler.replay import ReplayServer, ReplayWorld  # noqa: E402
from crawler.text import clear_caches  # noqa: E402
from tests.cleaning.cases import Case, all_cases, char_f1, chrome_left, run  # noqa: E402

PORTALS = ROOT / "tests" / "fixtures" / "portals"
CRAWL_RUNS = 3
CLEANING_ROUNDS = 5
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")  # a Markdown table's header rule line


def bench_crawl() -> dict[str, float]:
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    rates, walls, pages = [], [], 0
    try:
        for _ in range(CRAWL_RUNS):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "bench.db"
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db", str(db),
                                "--proxy", server.url, "--delay", "0", "--log-level", "ERROR"],
                               cwd=ROOT, check=True, capture_output=True)
                wall = time.perf_counter() - start
                pages = Database(db)["pages"].count
                walls.append(wall)
                rates.append(pages / wall)
    finally:
        server.stop()
    return {"pages": pages, "wall_s": statistics.median(walls), "pages_per_s": statistics.median(rates)}


def bench_capture() -> dict[str, float]:
    """The raw capture's cost: crawls of the fixture world with and without WARC files, taken in turns so that a
    change of the machine's load falls on both; the median walls' ratio and the capture's bytes."""
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    walls: dict[bool, list[float]] = {True: [], False: []}
    warc_bytes, body_bytes = 0, 0
    try:
        for _ in range(CRAWL_RUNS):
            for capture in (True, False):
                with tempfile.TemporaryDirectory() as tmp:
                    server.requests.clear()
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db",
                                    str(Path(tmp) / "bench.db"), "--proxy", server.url, "--delay", "0", "--log-level",
                                    "ERROR", *([] if capture else ["--no-warc"])], cwd=ROOT, check=True,
                                   capture_output=True)
                    walls[capture].append(time.perf_counter() - start)
                    if capture:
                        warc_bytes = sum(f.stat().st_size for f in (Path(tmp) / "warc").glob("*.warc.gz"))
                        body_bytes = sum(seen.body_bytes for seen in server.requests)
    finally:
        server.stop()
    with_warc, without = statistics.median(walls[True]), statistics.median(walls[False])
    return {"wall_s": with_warc, "wall_no_warc_s": without, "ratio": with_warc / without, "warc_bytes": warc_bytes,
            "body_bytes": body_bytes}


def trafilatura_lines(html: str, url: str) -> list[str]:
    """trafilatura's text as body lines; its Markdown table rows become tab-joined rows, as in our bodies."""
    text = trafilatura.extract(html, url=url, include_tables=True, deduplicate=False) or ""
    lines = []
    for line in (line.strip() for line in text.splitlines()):
        if TABLE_RULE.match(line):
            continue
        if line.startswith("|") and line.endswith("|"):
            line = "\t".join(cell.strip() for cell in line[1:-1].split("|"))
        if line:
            lines.append(line)
    return lines


def bench_cleaning() -> dict[str, dict[str, float]]:
    """Quality (character F1, chrome lines left) and cost (ms/page) on the replay cases of tests/cleaning."""
    cases = all_cases()
    readers: dict[str, Callable[[Case], list[str]]] = {
        "pipelines": lambda case: run(case).body,
        "pipelines without the family's container": lambda case: run(case, selectors=()).body,
        "trafilatura alone": lambda case: trafilatura_lines(case.html(), case.url),
    }
    figures = {}
    for name, read in readers.items():
        scores, chrome, times = [], 0, []
        for case in cases:
            for _ in range(CLEANING_ROUNDS):
                clear_caches()  # per-text caches: each round starts cold, as a page new to a crawl does
                start = time.perf_counter()
                body = read(case)
                times.append(time.perf_counter() - start)
            scores.append(char_f1(body, case.expected))
            chrome += len(chrome_left(body, case.expected))
        figures[name] = {"cases": len(cases), "mean_f1": statistics.mean(scores), "min_f1": min(scores),
                         "at_least_099": sum(s >= 0.99 for s in scores), "chrome_lines": chrome,
                         "ms_per_page": statistics.mean(times) * 1000}
    return figures


def bench_recrawl() -> dict[str, float]:
    """A crawl of the fixture world, then a second one of the same corpus with nothing changed: its requests,
    body bytes (as the replay server sent them) and wall time as ratios of the first's."""
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    figures: list[tuple[int, int, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(2):
                server.requests.clear()
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", "seeds/demo.yaml", "--db",
                                str(Path(tmp) / "bench.db"), "--proxy", server.url, "--delay", "0", "--log-level",
                                "ERROR"], cwd=ROOT, check=True, capture_output=True)
                wall = time.perf_counter() - start
                figures.append((len(server.requests), sum(seen.body_bytes for seen in server.requests), wall))
            not_modified = sum(seen.status == 304 for seen in server.requests)
    finally:
        server.stop()
    (requests, body, wall), (requests2, body2, wall2) = figures
    return {"requests": requests, "bytes": body, "wall_s": wall, "requests2": requests2, "bytes2": body2,
            "wall2_s": wall2, "not_modified": not_modified}


def main() -> None:
    recrawl = bench_recrawl()
    print(f"| second crawl of an unchanged world ({recrawl['requests2']} requests, {recrawl['not_modified']} "
          f"answered 304) | requests {recrawl['requests2'] / recrawl['requests']:.2f}, body bytes "
          f"{recrawl['bytes2'] / recrawl['bytes']:.2f} ({recrawl['bytes2']:,} of {recrawl['bytes']:,}), wall time "
          f"{recrawl['wall2_s'] / recrawl['wall_s']:.2f} ({recrawl['wall2_s']:.1f} s of {recrawl['wall_s']:.1f} s) "
          f"of the first |")
    capture = bench_capture()
    print(f"| crawl with its WARC capture against --no-warc (median of {CRAWL_RUNS} each, in turns) | wall "
          f"{capture['ratio']:.2f} ({capture['wall_s']:.1f} s against {capture['wall_no_warc_s']:.1f} s); WARC "
          f"{capture['warc_bytes']:,} bytes for {capture['body_bytes']:,} body bytes served |")
    crawl = bench_crawl()
    cleaning = bench_cleaning()
    print("| benchmark | figure |")
    print("|---|---|")
    print(f"| full crawl of the fixture world ({crawl['pages']} pages, median of {CRAWL_RUNS}) | "
          f"{crawl['pages_per_s']:.1f} pages/s ({crawl['wall_s']:.1f} s wall, process start included) |")
    print()
    cases = next(iter(cleaning.values()))["cases"]
    print(f"Cleaning, {cases} replay cases × {CLEANING_ROUNDS} rounds:")
    print()
    print("| reader | mean char F1 | min char F1 | cases ≥ 0.99 | chrome lines left | ms/page |")
    print("|---|---|---|---|---|---|")
    for name, f in cleaning.items():
        print(f"| {name} | {f['mean_f1']:.4f} | {f['min_f1']:.4f} | {f['at_least_099']}/{f['cases']} | "
              f"{f['chrome_lines']} | {f['ms_per_page']:.2f} |")
    ours, theirs = (cleaning[name]["ms_per_page"] for name in ("pipelines", "trafilatura alone"))
    print()
    print(f"Cost ratio, pipelines / trafilatura alone, same pages, same run: {ours / theirs:.2f}")
    pdf = bench_pdf()
    print()
    print(f"Reports published only as PDF, {pdf['reports']} hand-written bodies typeset as Word exports them:")
    print()
    print("| reader | mean char F1 | min char F1 | paragraphs exactly right | reports exactly right | ms/page |")
    print("|---|---|---|---|---|---|")
    print(f"| crawler.documents.pdf_text | {pdf['mean_f1']:.4f} | {pdf['min_f1']:.4f} | "
          f"{pdf['right']}/{pdf['wanted']} | {pdf['whole']}/{pdf['reports']} | {pdf['ms_per_page']:.1f} |")


if __name__ == "__main__":
    main()
