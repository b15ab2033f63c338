"""A real crawl's WARC files, read by the archiving world's own tools: warcio checks them, cdxj-indexer indexes
them, pywb replays them byte for byte, and ``govcrawl export --format wacz`` packages them as py-wacz validates."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator

from crawler.replay import ReplayServer
from crawler.wacz import package_name, packaged_pages, warc_files_of
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
PYWB = ROOT / ".venv" / "pywb" / "bin"  # pywb's own venv (make test): its pins clash with the project's
SITES = ("yongchang", "wendeng")  # UTF-8 and GBK pages: the bytes must come back as they were served
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, whatever the environment


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def govcrawl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "crawler", *args)


@pytest.fixture(scope="module")
def corpus(replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two demo sites crawled into a corpus; its database (its WARC files are in warc/ beside it)."""
    db = tmp_path_factory.mktemp("archive") / "corpus.db"
    site_args = [arg for site in SITES for arg in ("--site", site)]
    result = govcrawl("crawl", "--seeds", ROOT / "seeds" / "demo.yaml", "--db", db, "--proxy", replay.url,
                      "--delay", "0", *site_args)
    assert result.returncode == 0, result.stderr[-3000:]
    return db


@pytest.fixture(scope="module")
def warcs(corpus: Path) -> list[Path]:
    found = warc_files_of(corpus)
    assert found, f"the crawl wrote no WARC file in {corpus.parent / 'warc'}"
    return found


@pytest.fixture(scope="module")
def report_urls(corpus: Path) -> set[str]:
    urls = {row["url"] for row in Database(corpus).query("SELECT url FROM report_urls")}
    assert len(urls) >= 2 * len(SITES), urls  # the sites have several reports each
    return urls


@pytest.fixture(scope="module")
def index(warcs: list[Path]) -> list[dict]:
    """cdxj-indexer's lines for the WARC files: each its JSON block with the 14-digit timestamp added."""
    result = run(BIN / "cdxj-indexer", *warcs)
    assert result.returncode == 0, result.stderr
    entries = []
    for line in result.stdout.splitlines():
        _urlkey, timestamp, block = line.split(" ", 2)
        entries.append({**json.loads(block), "timestamp": timestamp})
    return entries


def payloads_by_digest(warcs: list[Path]) -> dict[str, bytes]:
    """The payload of every response record, by its WARC-Payload-Digest (the digest cdxj gives a revisit too),
    decoded from its Content-Encoding as warcio's content stream does."""
    found = {}
    for warc in warcs:
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    found[record.rec_headers.get_header("WARC-Payload-Digest")] = record.content_stream().read()
    return found


def test_every_warc_passes_warcio_check(warcs: list[Path]) -> None:
    for warc in warcs:
        assert warc.name.endswith(".warc.gz")
        assert run(BIN / "warcio", "check", warc).returncode == 0, warc
        lines = run(BIN / "warcio", "check", "-v", warc).stdout.splitlines()
        # Each record's line ("offset N WARC-Record-ID <…> type") is followed by its digest's verdict.
        verdicts: dict[str, set[str]] = defaultdict(set)
        for line, verdict in pairwise(lines):
            if "WARC-Record-ID" in line:
                verdicts[line.split()[-1]].add(verdict.strip())
        assert {"response", "request", "warcinfo"} <= set(verdicts), verdicts
        for record_type, seen in verdicts.items():
            # warcio checks a revisit's block but not the payload it stands for, and says so
            assert seen == ({"digest present but not checked (revisit)"} if record_type == "revisit"
                            else {"digest pass"}), (warc, record_type, seen)


def test_every_report_url_is_indexed_with_status_200(index: list[dict], report_urls: set[str]) -> None:
    ok = {entry["url"] for entry in index if entry.get("status") == "200"}
    assert report_urls <= ok, f"not indexed with status 200: {sorted(report_urls - ok)}"


@pytest.fixture(scope="module")
def wayback(warcs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb serving a collection ``corpus`` of the WARC files on a free loopback port; its base URL."""
    if not (PYWB / "wayback").exists():
        pytest.skip(f"pywb is not installed in {PYWB.parent} (make test installs it)")
    root = tmp_path_factory.mktemp("pywb")
    commands: list[list[str | Path]] = [["init", "corpus"], ["add", "corpus", *warcs]]
    for args in commands:
        result = run(PYWB / "wb-manager", *args, cwd=root)
        assert result.returncode == 0, result.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([PYWB / "wayback", "--port", str(port), "--bind", "127.0.0.1"], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else "wayback exited"
            try:
                with direct.open(base + "/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "pywb did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def test_pywb_replays_each_report_as_captured(wayback: str, warcs: list[Path], index: list[dict],
                                              report_urls: set[str]) -> None:
    payloads = payloads_by_digest(warcs)
    for url in sorted(report_urls):
        capture = max((e for e in index if e["url"] == url and e.get("status") == "200"),
                      key=lambda e: e["timestamp"])
        with direct.open(f"{wayback}/corpus/{capture['timestamp']}id_/{url}", timeout=30) as reply:
            body = reply.read()
            if reply.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
        assert body == payloads[capture["digest"]], url


def test_export_wacz_is_a_valid_package_of_the_warcs_and_reports(corpus: Path, warcs: list[Path], index: list[dict],
                                                                  tmp_path: Path) -> None:
    package = tmp_path / "corpus.wacz"
    result = govcrawl("export", "--db", corpus, "--format", "wacz", "-o", package)
    assert result.returncode == 0, result.stderr
    reports = list(Database(corpus).query("SELECT url, title FROM reports"))
    assert f"exported {len(reports)} reports" in result.stderr
    assert result.stdout == ""
    validated = run(BIN / "wacz", "validate", "-f", package)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Validation succeeded" in validated.stdout
    with zipfile.ZipFile(package) as archive:
        for warc in warcs:
            assert archive.read(f"archive/{package_name(warc)}") == warc.read_bytes()
    pages = {page["url"]: page for page in packaged_pages(package)}
    assert set(pages) == {r["url"] for r in reports}
    for report in reports:
        assert pages[report["url"]]["title"] == report["title"]
        captured = {e["timestamp"] for e in index if e["url"] == report["url"]}
        assert re.sub(r"\D", "", pages[report["url"]]["ts"]) in captured, report["url"]  # the page leads to it
    assert not list(tmp_path.glob("*.partial"))


def test_export_wacz_needs_an_output_file(corpus: Path) -> None:
    result = govcrawl("export", "--db", corpus, "--format", "wacz")
    assert result.returncode == 2
    assert "-o FILE.wacz" in result.stderr
    assert result.stdout == ""
    result = govcrawl("export", "--db", corpus, "--warc-dir", corpus.parent / "warc")
    assert result.returncode == 2
    assert "--warc-dir is for --format wacz" in result.stderr


def test_export_wacz_without_finished_warcs_names_the_folder(corpus: Path, warcs: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    shutil.copy(corpus, db)
    result = govcrawl("export", "--db", db, "--format", "wacz", "-o", tmp_path / "x.wacz")
    assert result.returncode == 1
    assert f"no finished WARC files (*.warc.gz) in {tmp_path / 'warc'}" in result.stderr
    (tmp_path / "warc").mkdir()
    unfinished = tmp_path / "warc" / f"{warcs[0].name}.open"
    shutil.copy(warcs[0], unfinished)
    result = govcrawl("export", "--db", db, "--format", "wacz", "-o", tmp_path / "x.wacz")
    assert result.returncode == 1
    assert f"skipped {unfinished}: still being written" in result.stderr
    assert not (tmp_path / "x.wacz").exists()


def test_unfinished_warcs_are_left_out_of_the_package(corpus: Path, warcs: list[Path], tmp_path: Path) -> None:
    elsewhere = tmp_path / "capture"
    shutil.copytree(corpus.parent / "warc", elsewhere)
    unfinished = elsewhere / "govcrawl-later.warc.gz.open"
    shutil.copy(warcs[0], unfinished)
    result = govcrawl("export", "--db", corpus, "--format", "wacz", "-o", tmp_path / "x.wacz", "--warc-dir", elsewhere)
    assert result.returncode == 0, result.stderr
    assert f"skipped {unfinished}" in result.stderr
    with zipfile.ZipFile(tmp_path / "x.wacz") as archive:
        assert sorted(n for n in archive.namelist() if n.startswith("archive/")) == sorted(
            f"archive/{package_name(w)}" for w in warcs)
