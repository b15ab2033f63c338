"""The govcrawl command line: crawl, export, extract, seeds check, serve, demo."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.cells import cell_len
from sqlite_utils import Database

from crawler import store
from crawler.export import FORMATS, export
from crawler.families import template_names
from crawler.seeds import Seed, SeedError, load_seeds

DEFAULT_DB = "data/govcrawl.db"
DEMO = Path(__file__).resolve().parent / "demo"  # the demo's seed list and saved portals, shipped in the package


def _load_seeds_or_exit(path: str, sites: tuple[str, ...] = (), allow_private: bool = False) -> list[Seed]:
    try:
        seeds = load_seeds(path, template_names(), allow_private=allow_private)
    except SeedError as exc:
        for problem in exc.problems:
            click.echo(f"error: {exc.path}: {problem}", err=True)
        sys.exit(2)
    if sites:
        known = {s.id for s in seeds}
        if unknown := [s for s in sites if s not in known]:
            click.echo(f"error: {path}: no site with id {', '.join(map(repr, unknown))}", err=True)
            sys.exit(2)
        seeds = [s for s in seeds if s.id in sites]
    return seeds


def log_path(db: str, log_file: str | None) -> Path:
    """Where a run's log goes: ``log_file``, else beside the database under its name (data/govcrawl.log)."""
    return Path(log_file) if log_file else Path(db).with_suffix(".log")


def _run(seeds: list[Seed], db: str, seeds_file: str, proxy: str | None, delay: float | None,
         log_level: str | None, log_file: Path, screen_level: str | None, allow_private: bool = False) -> None:
    from crawler.crawl import run_crawl
    from crawler.progress import screen

    summary = run_crawl(seeds, db, seeds_file=seeds_file, proxy=proxy, delay=delay, log_level=log_level or "INFO",
                        log_file=log_file, shown=screen(screen_level), allow_private=allow_private)
    click.echo(summary.line(), err=True)
    click.echo(f"full log in {log_file}", err=True)
    if summary.status not in ("finished",):
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govcrawl")
def main() -> None:
    """Crawl government portals for 政府信息公开工作年度报告 into a clean SQLite corpus."""


proxy_option = click.option(
    "--proxy", metavar="URL",
    help="Send every fetch through this HTTP proxy (default: the http_proxy/https_proxy variables).",
)
delay_option = click.option(
    "--delay", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
    help="Delay between requests to one host (default from settings: 1.0, adapted by AutoThrottle).",
)
log_option = click.option(
    "--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="Level of the log (default: INFO).",
)
log_file_option = click.option(
    "--log-file", type=click.Path(dir_okay=False), metavar="PATH",
    help="Append the run's whole log here (default: beside the database, e.g. data/govcrawl.log).",
)
allow_private_option = click.option(
    "--allow-private", is_flag=True,
    help="Allow private and local targets (loopback, private networks, localhost, *.local); refused by default.",
)


@main.command()
@click.option("--seeds", "seeds_file", required=True, type=click.Path(dir_okay=False),
              help="Seed list (.yaml or .csv).")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite corpus.")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this seed id (repeatable).")
@proxy_option
@delay_option
@log_option
@log_file_option
@allow_private_option
def crawl(seeds_file: str, db: str, sites: tuple[str, ...], proxy: str | None, delay: float | None,
          log_level: str | None, log_file: str | None, allow_private: bool) -> None:
    """Crawl the sites of a seed list and store their annual reports.

    The whole log goes to the log file. On a terminal a live display shows the run, with errors (or the log at
    --log-level) above it; otherwise standard error carries the log and plain progress lines."""
    seeds = _load_seeds_or_exit(seeds_file, sites, allow_private)
    _run(seeds, db, seeds_file, proxy, delay, log_level, log_path(db, log_file), log_level, allow_private)


@main.command("export")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True),
              help="SQLite corpus to read.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def export_cmd(db: str, fmt: str, output: str | None) -> None:
    """Export the reports, one record per report (JSONL line or CSV row)."""
    database = store.open_db(db)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = export(database, fmt, out)
    else:
        count = export(database, fmt, sys.stdout)
    click.echo(f"exported {count} reports", err=True)


@main.command("extract")
@click.argument("page", type=click.Path())  # checked by read_file, whose errors name what and where
@click.option("--url", metavar="URL",
              help="The page's URL, for its links and the record (default: the file's file:// URL).")
@click.option("--template", default="auto", show_default=True, metavar="FAMILY|auto",
              help="The CMS family whose body containers to try first; auto recognises it from the page.")
@click.option("--charset", metavar="C", help="Read the bytes in this charset, whatever the page declares.")
@click.option("--text", "text_only", is_flag=True, help="Print the body alone, one paragraph a line.")
def extract_cmd(page: str, url: str | None, template: str, charset: str | None, text_only: bool) -> None:
    """Read one saved report page into the record a crawl would store (export fields, as JSON).

    Every stage a crawl runs on a report page runs on it; its attachments are listed, not downloaded."""
    from crawler.reading import PageError, read_file

    try:
        reading = read_file(page, url=url, template=template, charset=charset)
    except PageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if reading.reasons:
        click.echo(f"{page}: read as {reading.family} ({'; '.join(reading.reasons)})", err=True)
    if text_only:
        click.echo("\n".join(reading.item.body))
    else:
        click.echo(json.dumps(store.item_record(reading.item), ensure_ascii=False, indent=2))


@main.group()
def seeds() -> None:
    """Seed list tools."""


@seeds.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@allow_private_option
def seeds_check(file: str, allow_private: bool) -> None:
    """Validate a seed list without fetching anything (exit 2 on any fault)."""
    found = _load_seeds_or_exit(file, allow_private=allow_private)
    click.echo(f"{file}: {len(found)} sites OK")


@main.command()
@click.argument("path", type=click.Path(file_okay=False, exists=True))
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
def serve(path: str, port: int) -> None:
    """Replay a folder of saved portals on 127.0.0.1 (as an HTTP proxy and by Host header)."""
    from crawler.replay import ReplayServer, ReplayWorld

    server = ReplayServer(ReplayWorld(path), port)
    world = server.world
    click.echo(f"replaying {len(world.host_names)} hosts from {path} on {server.url}")
    click.echo(f"use it as a proxy: http_proxy={server.url} or govcrawl crawl --proxy {server.url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("--seeds", "seeds_file", type=click.Path(dir_okay=False),
              help="Seed list (default: the demo's own, shipped with govcrawl).")
@click.option("--portals", type=click.Path(file_okay=False, exists=True),
              help="Saved portals to replay (default: the demo portals shipped with govcrawl).")
@log_option
@log_file_option
@allow_private_option
def demo(db: str, seeds_file: str | None, portals: str | None, log_level: str | None, log_file: str | None,
         allow_private: bool) -> None:
    """Replay the bundled portals on loopback, crawl them, and print the reports found.

    The screen shows the progress and the table; the whole log (errors included) goes to the log file."""
    from crawler.replay import ReplayServer, ReplayWorld

    seeds_file = seeds_file or str(DEMO / "seeds.yaml")
    seeds_list = _load_seeds_or_exit(seeds_file, allow_private=allow_private)
    server = ReplayServer(ReplayWorld(portals or str(DEMO / "portals"))).start_background()
    click.echo(f"replaying {portals or 'the bundled portals'} on {server.url}; crawling {len(seeds_list)} sites "
               f"into {db}", err=True)
    try:
        _run(seeds_list, db, seeds_file, server.url, 0.05, log_level, log_path(db, log_file), "CRITICAL",
             allow_private)
    finally:
        server.stop()
    print_reports(store.open_db(db))


REPORT_COLUMNS = ("site", "year", "published", "urls", "title", "flags")


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows padded to each column's display width (a CJK character takes two cells), so columns line up on a
    terminal; the last column is not padded and no line ends in spaces."""
    widths = [max(cell_len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return ["  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in (header, *rows)]


def print_reports(db: Database) -> None:
    rows = [(row["site_id"], str(row["report_year"] or ""), row["publish_date"] or "", str(row["urls"]),
             row["title"] or "", ",".join(json.loads(row["flags"] or "[]")))
            for row in db.query(
                "SELECT site_id, report_year, publish_date, title, flags, "
                "(SELECT count(*) FROM report_urls u WHERE u.report_id = r.id) AS urls FROM reports r "
                "ORDER BY site_id, report_year, publish_date, title")]
    click.echo()
    for line in table_lines(REPORT_COLUMNS, rows):
        click.echo(line)
    click.echo(f"{len(rows)} reports")
