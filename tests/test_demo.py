"""``govcrawl demo``, a new user's first run: quiet, its whole log in a file beside the database, its table lined up
by display width, and the README's sample what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database

from crawler.cli import DEMO, table_lines
from tests.conftest import ROOT
from tests.terminal import run_in_terminal

# What changes from one run to the next: the replay server's port, and the figures of the display and the summary
# (the rate and time taken; the counts too, which the test checks against each other and the database instead).
PORT = re.compile(r"127\.0\.0\.1:\d+")
FIGURE = re.compile(r"\d+(?:[.:]\d+)*")
DISPLAY = re.compile(r"(\d+)/(\d+) sites · (\d+) pages · (\d+) reports · (\d+) errors · \d+\.\d pages/s · \d+:\d\d:\d\d$")
SUMMARY = re.compile(r"run (\d+) finished: (\d+) pages fetched, (\d+) new reports, (\d+) seen again, (\d+) errors$")
DATA_ROW = re.compile(r"^[a-z0-9][a-z0-9._-]* {2,}\S")  # a table row: a site id, then the next column


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}


def width(text: str) -> int:
    """Display width, counted here independently of the code: East Asian wide and full-width take two cells."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_starts(line: str, cells: list[str]) -> list[int]:
    """The display column each cell starts at in ``line``."""
    starts, at = [], 0
    for cell in cells:
        found = line.index(cell, at)
        starts.append(width(line[:found]))
        at = found + len(cell)
    return starts


def normal(line: str) -> str:
    line = PORT.sub("127.0.0.1:PORT", line)
    return FIGURE.sub("N", line) if DISPLAY.search(line) or SUMMARY.match(line) else line


def readme_sample() -> list[str]:
    """The code block after "`make demo` prints" in README.md."""
    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"`make demo` prints.*?\n```\n(.*?)\n```", text, re.S)
    assert block, "README.md shows what `make demo` prints"
    return block[1].split("\n")


def test_the_readme_sample_is_what_the_demo_prints(tmp_path: Path) -> None:
    """``make demo`` on a terminal, as the screen shows it at the end; the sample may leave out table rows
    (a line ``...``)."""
    shown = run_in_terminal([sys.executable, "-m", "crawler", "demo", "--db", "data/govcrawl.db"], tmp_path,
                            environment(), timeout=1800, columns=160)  # a safety net: it takes two minutes
    assert shown.returncode == 0, "\n".join(shown.lines[-20:])
    printed = [normal(line) for line in shown.lines]
    at = 0
    sample = [normal(line) for line in readme_sample()]
    for k, wanted in enumerate(sample):
        if wanted == "...":
            continue
        if k and sample[k - 1] == "...":
            while at < len(printed) and printed[at] != wanted:
                assert DATA_ROW.match(printed[at]), f"the sample leaves out {printed[at]!r}, not a row of the table"
                at += 1
        assert at < len(printed) and printed[at] == wanted, (
            f"README line {k + 1}: {wanted!r}, the demo printed {printed[at] if at < len(printed) else 'nothing'!r}")
        at += 1
    assert printed[at:] == [], f"the demo printed more than the sample shows: {printed[at:]}"
    assert (tmp_path / "data" / "govcrawl.log").is_file()
    display = next(m for line in shown.lines if (m := DISPLAY.search(line)))
    summary = next(m for line in shown.lines if (m := SUMMARY.match(line)))
    done, total, pages, reports, errors = map(int, display.groups())
    run, fetched, new, seen, failed = map(int, summary.groups())
    corpus = Database(tmp_path / "data" / "govcrawl.db")
    row = corpus.table("runs").get(run)
    assert done == total == corpus["sites"].count
    assert (pages, reports, errors) == (fetched, new + seen, failed) == (row["pages"], new + seen, row["errors"])
    assert shown.lines[-1] == f"{corpus['reports'].count} reports"


def test_the_demo_is_quiet_and_keeps_its_log_beside_the_database(tmp_path: Path) -> None:
    """Not on a terminal: its own lines and the plain progress lines on standard error, the table on standard
    output; Scrapy's log and stats go to the file."""
    seeds = yaml.safe_load((DEMO / "seeds.yaml").read_text("utf-8"))
    seeds["sites"] = [site for site in seeds["sites"] if site["id"] in ("wendeng", "tieling")]
    seed_file = tmp_path / "two.yaml"
    seed_file.write_text(yaml.safe_dump(seeds, allow_unicode=True), "utf-8")
    result = subprocess.run([sys.executable, "-m", "crawler", "demo", "--seeds", str(seed_file), "--db",
                             str(tmp_path / "demo.db")], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=environment())
    assert result.returncode == 0, result.stderr[-3000:]
    log_file = tmp_path / "demo.log"
    said = result.stderr.splitlines()
    assert said[0].startswith("replaying the bundled portals on http://127.0.0.1:") and said[0].endswith(
        f"crawling 2 sites into {tmp_path / 'demo.db'}")
    assert said[-2].startswith("run 1 finished: ") and said[-1] == f"full log in {log_file}"
    progress = said[1:-2]
    assert progress and all(re.search(r"\[govcrawl\.progress\] INFO: (progress: sites|site \S+ done: )", line)
                            for line in progress), progress
    assert re.search(r"progress: sites 2/2 · pages fetched \d+", progress[-1])
    logged = log_file.read_text("utf-8")
    assert "[scrapy.core.engine] INFO: Spider opened" in logged and "Dumping Scrapy stats" in logged
    assert "[govcrawl.progress] INFO: site wendeng done:" in logged
    table = result.stdout.splitlines()
    assert table[0] == "" and table[1].split() == ["site", "year", "published", "urls", "title", "flags"]
    assert re.fullmatch(r"\d+ reports", table[-1]) and len(table) - 3 == int(table[-1].split()[0])


def cut(line: str, start: int, end: int | None) -> str:
    """The characters of ``line`` in display columns ``start`` to ``end``."""
    kept, at = [], 0
    for ch in line:
        if at >= start and (end is None or at + width(ch) <= end):
            kept.append(ch)
        at += width(ch)
    return "".join(kept)


def cells_under_headings(lines: list[str], header: tuple[str, ...]) -> list[list[str]]:
    """Each row cut at the display columns where the header line's headings start."""
    starts = column_starts(lines[0], list(header))
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [[cut(line, a, b).rstrip() for a, b in bounds] for line in lines[1:]]


def test_the_table_lines_up_cjk_titles_by_display_width() -> None:
    rows = [("ln-mirror", "2019", "2020-04-01", "1", "铁岭市2019年度政府信息公开工作报告", "lost_characters,tampered"),
            ("wendeng", "2016", "2017-01-21", "1", "威海市文登区政务服务中心2016年政府信息公开工作年度报告", ""),
            ("yongchang", "2014", "2015-01-21", "2", "永昌县２０１４年政府信息公開工作年度報告", "converted_script")]
    header = ("site", "year", "published", "urls", "title", "flags")
    lines = table_lines(header, rows)
    assert cells_under_headings(lines, header) == [list(row) for row in rows]
    assert all(line == line.rstrip() for line in lines)  # a row without flags ends after its title


cell = st.one_of(st.text(alphabet="abc-_.0123456789", max_size=12), st.text(alphabet="政府信息公开年报２０１", max_size=14))


@given(st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=8))
def test_every_row_cut_at_the_headings_gives_back_its_cells(rows: list[tuple[str, str, str]]) -> None:
    header = ("site", "title", "flags")
    assert cells_under_headings(table_lines(header, rows), header) == [list(row) for row in rows]
