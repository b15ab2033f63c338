"""Deploy to a real Scrapyd: the egg ``scrapyd-deploy`` builds of this project, uploaded to a Scrapyd on loopback,
crawls one site of the bundled world (run zipped, as Scrapyd runs eggs) into the database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlite_utils import Database

from crawler.replay import ReplayServer
from tests.conftest import FIXTURES, ROOT

SITE = "yongchang"
# What the egg is built from: the packaging files and the packages pyproject.toml names (a copy, so that the
# build's build/ and egg-info folders stay out of the shared tree).
BUILD_FROM = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "crawler", "spiders", "pipelines")
JOB_WAIT = 180.0  # seconds; a bound for a loaded machine, not a measurement


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(home: Path) -> dict[str, str]:
    """This environment without proxy variables or a PYTHONPATH into the source tree, and with its own HOME
    (Scrapyd also reads ~/.scrapyd.conf)."""
    drop = {"http_proxy", "https_proxy", "no_proxy", "all_proxy", "pythonpath"}
    return {**{k: v for k, v in os.environ.items() if k.lower() not in drop}, "HOME": str(home)}


@pytest.fixture(scope="module")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("egg-source")
    for name in BUILD_FROM:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("egg") / "govcrawl.egg"
    built = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(out), "--debug"],
                           cwd=source, capture_output=True, text=True, timeout=300, env=clean_env(source))
    assert built.returncode == 0 and out.is_file(), built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Scrapyd of its own on a free loopback port, every folder of it in a temp dir; its URL and folder."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\npoll_interval = 0.5\nmax_proc = 1\n", "utf-8")
    url = f"http://127.0.0.1:{port}/"
    with open(home / "scrapyd.out", "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=clean_env(home),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (home / "scrapyd.out").read_text("utf-8", "replace")[-3000:]
            try:
                if requests.get(url + "daemonstatus.json", timeout=5).json()["status"] == "ok":
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "scrapyd did not answer within 60 s"
            time.sleep(0.2)
        yield url, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_egg_holds_the_settings_entry_point_and_the_data_files(egg: Path) -> None:
    with zipfile.ZipFile(egg) as zipped:
        names = set(zipped.namelist())
        entry_points = zipped.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    for package in ("crawler", "pipelines"):
        shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / package / "data").iterdir() if p.is_file()}
        assert shipped and shipped <= names, shipped - names
    portals = {p.relative_to(ROOT).as_posix() for p in (ROOT / "crawler" / "demo").rglob("*") if p.is_file()}
    assert portals <= names, sorted(portals - names)[:5]


def test_rules_load_from_the_zipped_egg(egg: Path, tmp_path: Path) -> None:
    """The data files are read through importlib.resources, so from inside the zip, not from the source tree."""
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import crawler, crawler.rules as r; "
             "print(crawler.__file__); print(len(r.data_yaml('crawler', 'chrome.yaml')), "
             "len(r.data_lines('pipelines', 'spam_terms.txt')))")
    ran = subprocess.run([sys.executable, "-c", probe, str(egg)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env=clean_env(tmp_path))
    assert ran.returncode == 0, ran.stderr[-3000:]
    module_file, sizes = ran.stdout.splitlines()
    assert module_file.startswith(str(egg) + os.sep)
    assert all(int(n) > 0 for n in sizes.split())


def wait_for_job(url: str, job: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_WAIT
    while time.monotonic() < deadline:
        jobs = requests.get(url + "listjobs.json", params={"project": "govcrawl"}, timeout=10).json()
        if done := [j for j in jobs["finished"] if j["id"] == job]:
            return done[0]
        time.sleep(0.5)
    raise AssertionError(f"job {job} not finished within {JOB_WAIT:.0f} s: {jobs}")


def test_a_deployed_egg_crawls_a_site(egg: Path, scrapyd: tuple[str, Path], replay: ReplayServer,
                                      tmp_path: Path) -> None:
    url, home = scrapyd
    with open(egg, "rb") as f:
        added = requests.post(url + "addversion.json", data={"project": "govcrawl", "version": "1"},
                              files={"egg": ("govcrawl.egg", f)}, timeout=60).json()
    assert added["status"] == "ok", added
    assert "auto" in requests.get(url + "listspiders.json", params={"project": "govcrawl"}, timeout=60).json()["spiders"]

    db = tmp_path / "corpus.db"
    settings = {"GOVCRAWL_PROXY": replay.url, "GOVCRAWL_DB": str(db), "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_START_DELAY": "0"}
    scheduled = requests.post(url + "schedule.json", timeout=30, data={
        "project": "govcrawl", "spider": "auto", "seeds": str(ROOT / "seeds" / "demo.yaml"), "site": SITE,
        "setting": [f"{k}={v}" for k, v in settings.items()]}).json()
    assert scheduled["status"] == "ok", scheduled
    finished = wait_for_job(url, scheduled["jobid"])

    log = (home / "logs" / "govcrawl" / "auto" / f"{finished['id']}.log").read_text("utf-8")
    assert "Traceback" not in log, log[-5000:]
    assert "Spider closed (finished)" in log, log[-3000:]

    expected = yaml.safe_load((FIXTURES / "expected" / f"{SITE}.yaml").read_text("utf-8"))
    want = {u for r in expected["reports"] for u in [r["url"], *(r.get("also_at") or [])]}
    corpus = Database(db)
    found = {row["url"] for row in corpus["report_urls"].rows_where("site_id = ?", [SITE])}
    assert found == want, f"missing {want - found}, unexpected {found - want}"
    titles = {row["url"]: (row["title"], row["report_year"]) for row in corpus["reports"].rows_where("site_id = ?", [SITE])}
    for report in expected["reports"]:
        assert titles.get(report["url"]) == (report["title"], report["report_year"]), report["url"]
    assert {row["site_id"] for row in corpus["reports"].rows} == {SITE}
