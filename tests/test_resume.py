"""A crawl killed with SIGKILL at ten points of a real crawl of the fixture world, and resumed each time, ends with
the corpus an uninterrupted crawl makes; nothing its frontier had done is fetched again (crawler/frontier.py)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crawler.recording import differences
from crawler.replay import ReplayServer
from tests.conftest import ROOT

# Five sites of the demo world, one of each kind the walk rebuilds: a column only a browser lists (jiayuguan), a
# list API (jinchang), plain pagers, year folders and attachments; all read as `auto`, whose choice must survive.
SITES = ("jiayuguan", "jinchang", "tieling", "xiangan", "yongchang")
POINTS = 10


def govcrawl(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def crawl_command(seeds: Path, db: Path, replay: ReplayServer) -> list[str]:
    return govcrawl("crawl", "--seeds", str(seeds), "--db", str(db), "--proxy", replay.url, "--delay", "0")


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}


def finish(seeds: Path, db: Path, replay: ReplayServer) -> subprocess.CompletedProcess[str]:
    return subprocess.run(crawl_command(seeds, db, replay), cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=environment())


def corpus(db: Path) -> list[dict]:
    """The export, fetch times aside; a report's URLs as a set (they are listed in the order first seen)."""
    out = subprocess.run(govcrawl("export", "--db", str(db), "--format", "jsonl"), cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    records = []
    for line in out.splitlines():
        record = json.loads(line)
        record.pop("fetched_at")
        record["urls"] = sorted(record["urls"])
        records.append(record)
    return sorted(records, key=lambda r: (r["site_id"], r["url"]))


def fetched(replay: ReplayServer) -> list[str]:
    return [f"http://{seen.host}{seen.target}" for seen in replay.requests]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    listed = yaml.safe_load((ROOT / "seeds" / "demo.yaml").read_text("utf-8"))
    listed["sites"] = [s for s in listed["sites"] if s["id"] in SITES]
    path = tmp_path_factory.mktemp("resume") / "seeds.yaml"
    path.write_text(yaml.safe_dump(listed, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def reference(seeds: Path, replay: ReplayServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The uninterrupted crawl: its corpus and how many requests the server answered."""
    db = tmp_path_factory.mktemp("reference") / "c.db"
    replay.requests.clear()
    result = finish(seeds, db, replay)
    assert result.returncode == 0, result.stderr[-3000:]
    requests = len(replay.requests)
    replay.requests.clear()
    records = corpus(db)
    assert {r["site_id"] for r in records} == set(SITES) and len(records) >= 25
    return {"records": records, "requests": requests}


def kill_at(seeds: Path, db: Path, replay: ReplayServer, served: int) -> None:
    """Start a crawl and SIGKILL its whole process group (browser and stage workers too) once the server has
    answered ``served`` requests."""
    replay.requests.clear()
    process = subprocess.Popen(crawl_command(seeds, db, replay), cwd=ROOT, env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(replay.requests) < served:
            assert process.poll() is None, f"the crawl ended before {served} requests ({len(replay.requests)})"
            assert time.monotonic() < deadline, "the crawl never reached its kill point"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def frontier_rows(db: Path) -> dict[str, tuple[str, str, str]]:
    """The frontier's rows by key: (url, role, state); the database checked whole first."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {key: (url, role, state) for key, url, role, state in conn.execute(
            "SELECT key, url, role, state FROM frontier")}


@pytest.mark.parametrize("point", range(1, POINTS + 1))
def test_a_crawl_killed_at_any_point_resumes_to_the_uninterrupted_corpus(
        point: int, seeds: Path, replay: ReplayServer, reference: dict, tmp_path: Path) -> None:
    served = max(2, reference["requests"] * point // (POINTS + 2))
    db = tmp_path / "c.db"
    kill_at(seeds, db, replay, served)
    rows = frontier_rows(db)
    assert rows, "the killed crawl recorded no visit"
    left = {key for key, (url, role, state) in rows.items() if state in ("pending", "in_flight")}

    replay.requests.clear()
    result = finish(seeds, db, replay)
    assert result.returncode == 0, result.stderr[-3000:]
    again = set(fetched(replay))
    after = frontier_rows(db)
    # Only the visits left open and those found after the kill are made; a URL one of them shares with a done
    # visit (a column read plainly, then rendered) is fetched for that visit.
    made = {after[key][0] for key in after.keys() - (rows.keys() - left)}
    done = {url for key, (url, role, state) in rows.items() if key not in left}
    assert not (done - made) & again, f"fetched again though done: {sorted((done - made) & again)[:5]}"
    assert {after[key][2] for key in left} <= {"done", "failed"}  # made again (or refused: robots.txt)

    resumed = corpus(db)
    assert resumed == reference["records"], "\n".join(differences(reference["records"], resumed))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        runs = conn.execute("SELECT id, status, crawl_id FROM runs ORDER BY id").fetchall()
        states = dict(conn.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall())
    assert [(status, crawl) for _, status, crawl in runs] == [("interrupted", runs[0][0]), ("finished", runs[0][0])]
    assert set(states) <= {"done", "failed"}
    # The capture: the killed crawl's file was closed at its last whole record; every file passes warcio check.
    warcs = sorted((tmp_path / "warc").iterdir())
    assert warcs and all(w.name.endswith(".warc.gz") for w in warcs)  # none left .open
    for warc in warcs:
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(warc)])
        assert check.returncode == 0, warc.name


def test_a_finished_crawl_is_not_resumed_and_fresh_starts_over(
        seeds: Path, replay: ReplayServer, reference: dict, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    kill_at(seeds, db, replay, max(2, reference["requests"] // 2))
    replay.requests.clear()
    fresh = subprocess.run([*crawl_command(seeds, db, replay), "--fresh"], cwd=ROOT, capture_output=True, text=True,
                           timeout=600, env=environment())
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert len(replay.requests) >= reference["requests"] * 0.9  # everything again, not the rest of the crawl
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT id, status, crawl_id FROM runs ORDER BY id").fetchall()
    assert [(status, crawl == run) for run, status, crawl in runs] == [("interrupted", True), ("finished", True)]
    assert corpus(db) == reference["records"]
