"""The govcrawl command line: crawl, export, seeds check, serve, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlite_utils import Database

from crawler import store
from crawler.export import FORMATS, export
from crawler.families import template_names
from crawler.seeds import Seed, SeedError, load_seeds

DEFAULT_DB = "data/govcrawl.db"
DEMO = Path(__file__).resolve().parent / "demo"  # the demo's seed list and saved portals, shipped in the package


def _load_seeds_or_exit(path: str, sites: tuple[str, ...] = ()) -> list[Seed]:
    try:
        seeds = load_seeds(path, template_names())
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


def _run(seeds: list[Seed], db: str, seeds_file: str, proxy: str | None, delay: float | None,
         log_level: str | None) -> None:
    from crawler.crawl import run_crawl

    # On a terminal the status line and the errors table tell of failed fetches; keep the log to real trouble.
    level = log_level or ("ERROR" if sys.stderr.isatty() else "INFO")
    summary = run_crawl(seeds, db, seeds_file=seeds_file, proxy=proxy, delay=delay, log_level=level)
    click.echo(summary.line(), err=True)
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
    help="Scrapy log level (default: ERROR on a terminal, INFO otherwise).",
)


@main.command()
@click.option("--seeds", "seeds_file", required=True, type=click.Path(dir_okay=False),
              help="Seed list (.yaml or .csv).")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite corpus.")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this seed id (repeatable).")
@proxy_option
@delay_option
@log_option
def crawl(seeds_file: str, db: str, sites: tuple[str, ...], proxy: str | None, delay: float | None,
          log_level: str | None) -> None:
    """Crawl the sites of a seed list and store their annual reports."""
    seeds = _load_seeds_or_exit(seeds_file, sites)
    _run(seeds, db, seeds_file, proxy, delay, log_level)


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


@main.group()
def seeds() -> None:
    """Seed list tools."""


@seeds.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def seeds_check(file: str) -> None:
    """Validate a seed list without fetching anything (exit 2 on any fault)."""
    found = _load_seeds_or_exit(file)
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
def demo(db: str, seeds_file: str | None, portals: str | None, log_level: str | None) -> None:
    """Replay the bundled portals on loopback, crawl them, and print the reports found."""
    from crawler.replay import ReplayServer, ReplayWorld

    seeds_file = seeds_file or str(DEMO / "seeds.yaml")
    portals = portals or str(DEMO / "portals")
    seeds_list = _load_seeds_or_exit(seeds_file)
    server = ReplayServer(ReplayWorld(portals)).start_background()
    click.echo(f"replaying {portals} on {server.url}; crawling {len(seeds_list)} sites into {db}", err=True)
    try:
        _run(seeds_list, db, seeds_file, server.url, 0.05, log_level)
    finally:
        server.stop()
    print_reports(store.open_db(db))


def print_reports(db: Database) -> None:
    rows = list(db.query(
        "SELECT site_id, report_year, publish_date, title, flags, "
        "(SELECT count(*) FROM report_urls u WHERE u.report_id = r.id) AS urls FROM reports r "
        "ORDER BY site_id, report_year"))
    click.echo(f"\n{'site':<12} {'year':<5} {'published':<11} {'urls':<4} {'flags':<18} title")
    for row in rows:
        flags = ",".join(json.loads(row["flags"] or "[]"))
        click.echo(f"{row['site_id']:<12} {row['report_year'] or '':<5} {row['publish_date'] or '':<11} "
                   f"{row['urls']:<4} {flags:<18} {row['title']}")
    click.echo(f"{len(rows)} reports")
