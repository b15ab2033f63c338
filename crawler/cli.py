"""The govcrawl command line: crawl, export, extract, seeds check, serve, demo, runs, schedule."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.cells import cell_len
from sqlite_utils import Database

from crawler import store
from crawler.export import FORMATS, export
from crawler.families import template_names
from crawler.seeds import Seed, SeedError, load_seeds

if TYPE_CHECKING:
    from crawler.crawl import Capture

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
         log_level: str | None, log_file: Path, screen_level: str | None, allow_private: bool = False,
         wait: float = 0.0, fresh: bool = False, capture: Capture | None = None,
         replay: Sequence[Path] = ()) -> int:
    """Crawl; the exit code of the run: 0 every site ok or partial, 3 some site failed, 1 the run failed or was
    interrupted (crawler/runs.py), 2 a capture to replay that cannot be read."""
    from crawler.crawl import run_crawl
    from crawler.lock import CorpusBusy
    from crawler.progress import screen
    from crawler.replay import ReplayConfigError

    try:
        summary = run_crawl(seeds, db, seeds_file=seeds_file, proxy=proxy, delay=delay,
                            log_level=log_level or "INFO", log_file=log_file, shown=screen(screen_level),
                            allow_private=allow_private, wait=wait, fresh=fresh, capture=capture, replay=replay,
                            waiting=lambda holder: click.echo(f"waiting: corpus {db} is in use by {holder}", err=True))
    except CorpusBusy as exc:
        click.echo(f"error: {exc}{'' if exc.waited else '; --wait to wait for it'}", err=True)
        return 1
    except ReplayConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    for url, referrer in summary.replay_missing:
        click.echo(f"not in the capture: {url} (referrer {referrer or 'none'})", err=True)
    click.echo(summary.line(), err=True)
    click.echo(f"full log in {log_file}", err=True)
    return summary.exit_code


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
wait_option = click.option(
    "--wait", type=click.FloatRange(min=0), is_flag=False, flag_value=math.inf, default=0.0, metavar="[SECONDS]",
    help="When another run holds the database, wait for it (at most SECONDS) instead of exiting 1 at once.",
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
@wait_option
@click.option("--fresh", is_flag=True,
              help="Start the crawl over, even when the last run did not finish (by default it is resumed).")
@click.option("--warc-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write the raw capture (WARC files) here [default: warc/ beside the database].")
@click.option("--no-warc", is_flag=True, help="Keep no raw capture.")
@click.option("--replay", "replay", multiple=True, type=click.Path(exists=True, path_type=Path), metavar="PATH",
              help="Answer every request from this capture instead of the network: a WARC file, a folder of them, "
                   "or a folder of saved portals (repeatable). No raw capture is kept unless --warc-dir is given.")
def crawl(seeds_file: str, db: str, sites: tuple[str, ...], proxy: str | None, delay: float | None,
          log_level: str | None, log_file: str | None, allow_private: bool, wait: float, fresh: bool,
          warc_dir: str | None, no_warc: bool, replay: tuple[Path, ...]) -> None:
    """Crawl the sites of a seed list and store their annual reports.

    A run after one that did not finish (killed, interrupted, crashed) resumes it: what was done is not fetched
    again. Report pages and attachments stored before are revalidated (If-None-Match / If-Modified-Since).

    The whole log goes to the log file. On a terminal a live display shows the run, with errors (or the log at
    --log-level) above it; otherwise standard error carries the log and plain progress lines."""
    seeds = _load_seeds_or_exit(seeds_file, sites, allow_private)
    if warc_dir and no_warc:
        click.echo("error: --warc-dir and --no-warc contradict each other", err=True)
        sys.exit(2)
    if replay and proxy:
        click.echo("error: --replay answers every request from the capture: it takes no --proxy", err=True)
        sys.exit(2)
    from crawler.crawl import Capture

    capture = Capture(not no_warc and (not replay or bool(warc_dir)), warc_dir)
    sys.exit(_run(seeds, db, seeds_file, proxy, delay, log_level, log_path(db, log_file), log_level, allow_private,
                  wait, fresh, capture, replay))


@main.command("record")
@click.option("--seeds", "seeds_file", required=True, type=click.Path(dir_okay=False),
              help="Seed list (.yaml or .csv) holding the site.")
@click.option("--site", "site", required=True, metavar="ID", help="The seed id of the site to record.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The fixture folder (tests/replay/ID): its WARC, seed.yaml and expected.jsonl.")
@proxy_option
@delay_option
@log_option
@allow_private_option
def record_cmd(seeds_file: str, site: str, output: str, proxy: str | None, delay: float | None,
               log_level: str | None, allow_private: bool) -> None:
    """Record one site into a replay fixture: crawl it, keep its capture (WARC), its seed and the records it gave.

    The suite replays every folder under tests/replay/ through the same spiders and pipelines, with no network,
    and fails with a field-by-field diff when a record changes (docs/REPLAY-TESTS.md). Recording again replaces
    the folder's capture and records."""
    import tempfile

    from crawler.crawl import Capture
    from crawler.recording import write_expected, write_seed

    seeds = _load_seeds_or_exit(seeds_file, (site,), allow_private)
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("govcrawl-*.warc.gz"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="govcrawl-record-") as tmp:
        db = Path(tmp) / "record.db"
        code = _run(seeds, str(db), seeds_file, proxy, delay, log_level, Path(tmp) / "record.log", log_level,
                    allow_private, fresh=True, capture=Capture(True, str(folder)))
        if code not in (0, 3):
            click.echo(f"error: the crawl of {site} did not finish (exit {code}): nothing recorded", err=True)
            sys.exit(code)
        count = write_expected(store.export_records(store.open_db(db)), folder)
    write_seed(seeds[0], folder)
    warcs = sorted(folder.glob("*.warc.gz"))
    click.echo(f"recorded {site} into {folder}: {count} reports, {len(warcs)} WARC file(s), "
               f"replay with: govcrawl crawl --seeds {folder / 'seed.yaml'} --replay {folder}", err=True)
    sys.exit(code)


@main.command("export")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True),
              help="SQLite corpus to read.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write here instead of standard output (bagit: a new folder).")
@click.option("--warc-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="wacz, bagit: the crawl's WARC files are here [default: warc/ beside the database].")
@click.option("--site", metavar="ID", help="Only this seed id's reports.")
@click.option("--region", metavar="NAME", help="Only reports whose region (as printed) contains NAME.")
@click.option("--year", type=int, metavar="N", help="Only reports on year N.")
@click.option("--level", type=click.Choice(["province", "city", "county", "town", "department"]))
@click.option("--flag", metavar="FLAG", help="Only reports carrying this flag (e.g. tampered).")
def export_cmd(db: str, fmt: str, output: str | None, warc_dir: str | None, site: str | None, region: str | None,
               year: int | None, level: str | None, flag: str | None) -> None:
    """Export the reports, one record per report (JSONL line, CSV row, Parquet row: -o FILE.parquet), as a BagIt
    bag (-o DIR: records, database and raw capture), or the crawl's WARC files as one WACZ web archive
    (-o FILE.wacz) whose pages are the reports."""
    from crawler.export import FILE_FORMATS, ArchiveError, Selection, export_wacz, write_bag, write_parquet

    selection = Selection(site, region, year, level, flag)
    if warc_dir and fmt not in ("wacz", "bagit"):
        click.echo("error: --warc-dir is for --format wacz or bagit", err=True)
        sys.exit(2)
    if fmt == "wacz" and selection != Selection():
        click.echo("error: --format wacz packages the whole capture: it takes no --site/--region/--year/--level/"
                   "--flag", err=True)
        sys.exit(2)
    if fmt in FILE_FORMATS and not output:
        target = {"wacz": "a zip file: name it with -o FILE.wacz", "parquet": "a file: name it with -o FILE.parquet",
                  "bagit": "a folder: name a new one with -o DIR"}[fmt]
        click.echo(f"error: --format {fmt} writes {target}", err=True)
        sys.exit(2)
    if output and fmt != "bagit" and Path(output).is_dir():
        click.echo(f"error: -o {output} is a folder: --format {fmt} writes a file", err=True)
        sys.exit(2)
    database = store.open_db(db)
    capture = Path(warc_dir) if warc_dir else None
    try:
        if fmt == "wacz":
            count = export_wacz(database, Path(db), Path(output or ""), capture)
        elif fmt == "bagit":
            count = write_bag(database, Path(db), Path(output or ""), capture, selection)
        elif fmt == "parquet":
            count = write_parquet(database, Path(output or ""), selection)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = export(database, fmt, out, selection)
        else:
            count = export(database, fmt, sys.stdout, selection)
    except ArchiveError as exc:
        click.echo(f"error: {db}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"exported {count} reports", err=True)


@main.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True),
              help="SQLite corpus to search.")
@click.option("--region", metavar="NAME", help="Only reports whose region (as printed) contains NAME.")
@click.option("--year", type=int, metavar="N", help="Only reports on year N.")
@click.option("--level", type=click.Choice(["province", "city", "county", "town", "department"]))
@click.option("--site", metavar="ID", help="Only this seed id's reports.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit (snippets with <mark> tags).")
def search_cmd(words: tuple[str, ...], db: str, region: str | None, year: int | None, level: str | None,
               site: str | None, limit: int, as_json: bool) -> None:
    """Find reports holding every word (1 character or more, Simplified or Traditional), best first."""
    from crawler.search import search

    try:
        hits = search(store.open_db(db), " ".join(words), region=region, year=year, level=level, site=site,
                      limit=limit)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for hit in hits:
        if as_json:
            click.echo(json.dumps(hit.as_dict(), ensure_ascii=False))
        else:
            click.echo(f"{hit.title} · {hit.region} · {hit.report_year} · {hit.url}")
            snippet = hit.snippet.replace("<mark>", "\x1b[1m" if sys.stdout.isatty() else "[")
            click.echo("    " + snippet.replace("</mark>", "\x1b[0m" if sys.stdout.isatty() else "]"))
    more = f" (the best {limit}: --limit for more)" if len(hits) == limit else ""
    click.echo(f"{len(hits)} reports found{more}", err=True)


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
        code = _run(seeds_list, db, seeds_file, server.url, 0.05, log_level, log_path(db, log_file), "CRITICAL",
                    allow_private)
    finally:
        server.stop()
    if code in (0, 3):  # the run finished: what it stored (not after a failed run, nor on a busy corpus)
        print_reports(store.open_db(db))
    sys.exit(code)


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


RUN_COLUMNS = ("run", "started", "finished", "status", "outcome", "ok", "partial", "failed", "pages", "new",
               "errors")
SITE_COLUMNS = ("site", "outcome", "pages", "304", "new", "seen", "errors", "seconds", "failing since", "reason")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _open_existing(db: str) -> Database:
    if not Path(db).is_file():
        click.echo(f"error: {db}: no such database", err=True)
        sys.exit(2)
    return store.open_db(db)


@main.group(invoke_without_command=True)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite corpus.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of runs) for machines.")
@click.pass_context
def runs(ctx: click.Context, db: str, as_json: bool) -> None:
    """List the runs, newest first: sites ok / partial / failed, pages, new reports, errors."""
    ctx.obj = db
    if ctx.invoked_subcommand is not None:
        return
    from crawler.runs import LIST_FIELDS, list_runs

    rows = list_runs(_open_existing(db))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for line in table_lines(RUN_COLUMNS, [[_text(row[name]) for name in LIST_FIELDS] for row in rows]):
        click.echo(line)


@runs.command("show")
@click.argument("run_id", type=int)
@click.option("--db", type=click.Path(dir_okay=False), help=f"SQLite corpus (default: runs --db, {DEFAULT_DB}).")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON (the report file's content).")
@click.pass_obj
def runs_show(obj: str, run_id: int, db: str | None, as_json: bool) -> None:
    """One run: its counts, its errors by kind and one row per site (outcome, reason, failing since)."""
    from crawler.runs import UnknownRun, run_report

    try:
        report = run_report(_open_existing(db or obj), run_id)
    except UnknownRun as exc:
        click.echo(f"error: {db or obj}: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    kinds = ", ".join(f"{kind} {n}" for kind, n in report["errors_by_kind"].items()) or "none"
    click.echo(f"run {report['id']}: {report['status']}, outcome {_text(report['outcome'])}; "
               f"{report['started_at']} – {_text(report['finished_at'])}; seeds {report['seeds_file'] or '-'}")
    click.echo(f"sites {_text(report['sites_ok'])} ok, {_text(report['sites_partial'])} partial, "
               f"{_text(report['sites_failed'])} failed; {report['pages']} pages, {report['reports_new']} new "
               f"reports, {report['reports_seen']} seen again, {report['errors']} errors ({kinds})")
    rows = [[_text(site[name]) for name in ("site_id", "outcome", "pages", "not_modified", "reports_new",
                                             "reports_seen", "errors", "duration_s", "failing_since", "reason")]
            for site in report["sites"]]
    click.echo()
    for line in table_lines(SITE_COLUMNS, rows):
        click.echo(line)


def _schedule_user(user: str | None, install: bool) -> str:
    """The user a scheduled crawl runs as: ``user``, else the invoking one (under sudo, the one who ran sudo)."""
    import os
    import pwd

    from crawler.schedule import ScheduleError, check_user

    if user is None:
        if os.geteuid() != 0:
            user = pwd.getpwuid(os.geteuid()).pw_name
        elif os.environ.get("SUDO_USER", "root") != "root":
            user = os.environ["SUDO_USER"]
        else:
            click.echo("error: running as root: name the user the scheduled crawl runs as with --user "
                       "(it never runs as root)", err=True)
            sys.exit(2)
    try:
        uid: int | None = pwd.getpwnam(user).pw_uid
    except KeyError:
        uid = None
    try:
        check_user(user, uid)
    except ScheduleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if install and uid is None:
        click.echo(f"error: user {user!r}: no such user on this machine", err=True)
        sys.exit(2)
    return user


@main.command("schedule")
@click.option("--seeds", "seeds_file", required=True, type=click.Path(dir_okay=False),
              help="Seed list (.yaml or .csv), checked first as `govcrawl seeds check` does.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="SQLite corpus.")
@click.option("--every", default="weekly", show_default=True, metavar="hourly|daily|weekly|CRON",
              help="When to crawl: a word, or a 5-field cron expression such as '30 2 * * 1-5'.")
@click.option("--user", help="Run the crawl as this user (default: the invoking one; required as root; never root).")
@click.option("--name", help="Name the units govcrawl-NAME (default: the seed list's file name).")
@proxy_option
@allow_private_option
@click.option("--cron", "as_cron", is_flag=True, help="Write a cron.d file instead of a systemd service and timer.")
@click.option("--install", is_flag=True, help="Write the files instead of printing them.")
@click.option("--unit-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Where --install writes (default: /etc/systemd/system; with --cron, /etc/cron.d).")
def schedule_cmd(seeds_file: str, db: str, every: str, user: str | None, name: str | None, proxy: str | None,
                 allow_private: bool, as_cron: bool, install: bool, unit_dir: str | None) -> None:
    """Print (or --install) a systemd service and timer, or a cron.d line, that crawl the seed list on schedule.

    The crawl runs as a non-root user; a run that finds the previous one still going exits 1 at once, saying so."""
    import os

    from crawler import schedule as plan

    _load_seeds_or_exit(seeds_file, allow_private=allow_private)
    user = _schedule_user(user, install)
    venv_program = Path(sys.executable).parent / "govcrawl"
    program = (str(venv_program),) if os.access(venv_program, os.X_OK) else (sys.executable, "-m", "crawler")
    seeds_abs, db_abs = os.path.abspath(seeds_file), os.path.abspath(db)
    try:
        unit = plan.unit_name(name or plan.default_name(seeds_file))
        job = plan.Job(unit.removeprefix("govcrawl-"), user, os.getcwd(),
                       plan.crawl_command(program, seeds_abs, db_abs, proxy, allow_private), seeds_abs, db_abs)
        if as_cron:
            files = {unit: plan.cron_text(job, every, str(Path(db_abs).with_suffix(".cron.log")))}
        else:
            files = {f"{unit}.service": plan.service_text(job), f"{unit}.timer": plan.timer_text(job, every)}
    except plan.ScheduleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    folder = Path(unit_dir or ("/etc/cron.d" if as_cron else "/etc/systemd/system"))
    enable = ("cron reads it by itself" if as_cron
              else f"systemctl daemon-reload && systemctl enable --now {unit}.timer")
    if not install:
        click.echo("\n".join(f"# {folder / file}\n{text}" for file, text in files.items()), nl=False)
        click.echo(f"install with --install, then: {enable}", err=True)
        return
    for file, text in files.items():
        try:
            (folder / file).write_text(text, "utf-8")
        except OSError as exc:
            click.echo(f"error: cannot write {folder / file}: {exc.strerror} (run as root, or --unit-dir DIR)",
                       err=True)
            sys.exit(1)
        click.echo(f"wrote {folder / file}")
    click.echo(f"now run: {enable}" if not as_cron else f"installed: {enable}")
