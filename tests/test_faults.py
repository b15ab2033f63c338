"""One crawl of the fault world (tests/faults.py): every good report stored intact, each fault recorded with its
kind, memory and time bounded, no forbidden target reached, Retry-After and robots.txt obeyed as the server saw."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from tests.conftest import ROOT
from tests.faults import FORBIDDEN_HOSTS, FaultServer, Served, Site, fault_world, seeds_yaml, served_reports

DOWNLOAD_TIMEOUT = 5
ROBOTS_RETRY = 4
WALL_BOUND = 240.0  # seconds, despite a site that stalls forever (about 40 s on a quiet 2-core machine)
RSS_BOUND = 1024 * 1024 * 1024  # bytes, for the crawl's whole process tree
SITES = fault_world()
BY_ID = {s.id: s for s in SITES}


def tree_rss(root: int) -> int:
    """The resident memory of a process and all its descendants (bytes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("faults")
    seeds = folder / "seeds.yaml"
    seeds.write_text(seeds_yaml(SITES), "utf-8")
    server = FaultServer(SITES).start_background()
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    settings = {"GOVCRAWL_DB": folder / "corpus.db", "GOVCRAWL_FILES": folder / "files", "GOVCRAWL_PROXY": server.url,
                "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0, "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
                "GOVCRAWL_ROBOTS_RETRY": ROBOTS_RETRY, "LOG_FILE": folder / "crawl.log"}
    command = [sys.executable, "-m", "scrapy", "crawl", "auto", "-a", f"seeds={seeds}",
               *(arg for key, value in settings.items() for arg in ("-s", f"{key}={value}"))]
    peak, done = [0], threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, stderr = process.communicate(timeout=WALL_BOUND * 2)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    server.stop()
    db = Database(folder / "corpus.db")
    yield {"folder": folder, "returncode": process.returncode, "stderr": stderr.decode("utf-8", "replace"),
           "wall": wall, "peak_rss": peak[0], "log": list(server.log), "db": db,
           "errors": list(db["errors"].rows), "reports": list(db["reports"].rows)}
    db.close()


def errors_of(world: dict, site: Site, path: str) -> set[str]:
    return {e["kind"] for e in world["errors"] if e["url"] == f"http://{site.host}{path}"}


def served(world: dict, host: str) -> list[Served]:
    return [s for s in world["log"] if s.host == host]


def test_the_crawl_finishes_in_bounded_time(world: dict) -> None:
    assert world["returncode"] == 0, world["stderr"][-3000:]
    assert world["wall"] < WALL_BOUND
    assert "Traceback" not in (world["folder"] / "crawl.log").read_text("utf-8")


def test_peak_memory_of_the_whole_tree_is_bounded(world: dict) -> None:
    assert 0 < world["peak_rss"] < RSS_BOUND
    bombs = [s for s in world["log"] if s.fault in ("gzip_bomb", "attachment_bomb", "huge", "huge_length")]
    assert {s.fault for s in bombs} == {"gzip_bomb", "attachment_bomb", "huge", "huge_length"}  # all were sent


@pytest.mark.parametrize("site", [s for s in SITES if served_reports(s) and s.robots != "503"], ids=lambda s: s.id)
def test_every_good_report_is_stored_intact(world: dict, site: Site) -> None:
    stored = {r["url"]: r for r in world["reports"] if r["site_id"] == site.id}
    for report in served_reports(site):
        url = f"http://{site.host}{report.path}"
        assert url in stored, f"{url} not stored"
        assert stored[url]["title"] == report.title
        assert stored[url]["body"].split("\n") == list(report.paragraphs), url


FAULT_KINDS = {
    "status_500": {"http"}, "status_503": {"rate_limited"}, "reset": {"connection"}, "reset_body": {"truncated"},
    "truncated": {"truncated"}, "trickle": {"timeout"}, "stall": {"timeout"}, "gzip_bomb": {"decompression_bomb"},
    "huge": {"too_large"}, "huge_length": {"too_large"}, "deep": {"too_deep"}, "redirect_loop": {"redirect_loop"},
    "redirect_chain": {"redirect_loop"}, "redirect_ip": {"refused_target"}, "redirect_localhost": {"refused_target"},
    "redirect_v6": {"refused_target"}, "refresh_ip": {"refused_target"}, "refresh_localhost": {"refused_target"},
    "refresh_v6": {"refused_target"},
}
FAULTS = [(s, path, fault) for s in SITES for path, fault in s.faults.items() if fault in FAULT_KINDS]


@pytest.mark.parametrize(("site", "path", "fault"), FAULTS, ids=[f"{s.id}:{f}" for s, _, f in FAULTS])
def test_each_fault_is_recorded_with_its_kind(world: dict, site: Site, path: str, fault: str) -> None:
    kinds = errors_of(world, site, path)
    if fault == "redirect_chain":  # recorded at the hop that broke the bound
        kinds = {e["kind"] for e in world["errors"] if "/f/chain-" in e["url"] and e["site_id"] == site.id}
    elif fault == "redirect_loop":
        kinds = {e["kind"] for e in world["errors"] if "/f/loop-" in e["url"] and e["site_id"] == site.id}
    assert kinds == FAULT_KINDS[fault], f"{path}: {kinds}"


def test_a_retried_429_is_no_error(world: dict) -> None:
    site = BY_ID["faulty-b"]
    assert not errors_of(world, site, "/f/429.html")


def test_attachments_that_are_bombs_are_cut(world: dict) -> None:
    site = BY_ID["faulty-c"]
    assert errors_of(world, site, "/upload/bomb.pdf") & {"too_large", "decompression_bomb"}


def test_no_attachment_lands_outside_the_files_folder(world: dict) -> None:
    folder: Path = world["folder"]
    capture = list((folder / "warc").iterdir())  # the raw capture, under govcrawl's own file names
    assert capture and all(p.name.startswith("govcrawl-") and p.name.endswith(".warc.gz") for p in capture)
    outside = [p for p in folder.rglob("*") if p.is_file() and not p.is_relative_to(folder / "files")
               and p not in capture and p.name not in ("corpus.db", "corpus.db.lock", "crawl.log", "seeds.yaml")
               and not p.name.startswith("corpus.db-")]
    assert outside == []
    assert not list(ROOT.glob("etc/passwd*")) and not (folder.parent / "etc").exists()
    hostile = {s.path for s in served(world, "www.faulty-c.gov.cn") if s.fault == "hostile_name"}
    assert len(hostile) == 4  # every hostile name was served
    names = [p.name for p in (folder / "files").rglob("*") if p.is_file()]
    assert names and all(len(n.encode()) <= 255 and "\x00" not in n and "\u202e" not in n for n in names)


def test_no_request_for_a_forbidden_target(world: dict) -> None:
    assert [s for s in world["log"] if s.host in FORBIDDEN_HOSTS] == []
    # the redirects and refreshes towards them were served, so the check means something
    assert {s.fault for s in world["log"] if s.fault.startswith(("redirect_", "refresh_"))} >= {
        "redirect_ip", "redirect_localhost", "redirect_v6", "refresh_ip", "refresh_localhost", "refresh_v6"}


def test_retry_after_holds_the_whole_host(world: dict) -> None:
    on_host = served(world, "www.faulty-b.gov.cn")
    limited = [n for n, s in enumerate(on_host) if s.status == 429]
    assert len(limited) == 1
    later = on_host[limited[0] + 1:]
    assert later and {s.path for s in later} > {"/f/429.html"}  # the URL and others waited
    assert min(s.at for s in later) - on_host[limited[0]].at >= 2.0


def test_a_5xx_robots_site_is_never_crawled(world: dict) -> None:
    site = BY_ID["robots-503"]
    asked = served(world, site.host)
    assert asked and {s.path for s in asked} == {"/robots.txt"}
    retry = [s.at for s in asked]
    assert max(retry) - min(retry) >= ROBOTS_RETRY  # asked again later in the run
    assert errors_of(world, site, "/robots.txt") == {"robots_unavailable"}
    assert not [r for r in world["reports"] if r["site_id"] == site.id]


def test_a_robots_site_back_after_its_503_is_crawled(world: dict) -> None:
    site = BY_ID["robots-later"]
    asked = served(world, site.host)
    first_page = next(s for s in asked if s.path != "/robots.txt")
    failures = [s for s in asked if s.status == 503]
    assert failures and all(s.path == "/robots.txt" for s in failures)
    assert first_page.at - failures[0].at >= ROBOTS_RETRY
    assert errors_of(world, site, "/robots.txt") == {"robots_unavailable"}


def test_a_stalled_site_is_recorded_and_left(world: dict) -> None:
    site = BY_ID["stalled"]
    assert {s.path for s in served(world, site.host)} == {"/robots.txt"}
    assert errors_of(world, site, "/robots.txt") == {"robots_unavailable"}


def test_robots_rules_are_obeyed_however_served(world: dict) -> None:
    for site_id in ("robots-big", "robots-redirect"):
        site = BY_ID[site_id]
        paths = {s.path for s in served(world, site.host)}
        assert "/private/hidden.html" not in paths, site_id
        assert "/robots.txt" in paths
    assert "/robots-real.txt" in {s.path for s in served(world, BY_ID["robots-redirect"].host)}
    for site_id in ("robots-junk", "robots-404", "robots-big"):  # no rules to obey, or rules past the junk: crawled
        assert not [e for e in world["errors"] if e["site_id"] == site_id], site_id
