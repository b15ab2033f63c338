from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from crawler.replay import ReplayServer, ReplayWorld

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PORTALS = FIXTURES / "portals"


@pytest.fixture(scope="session")
def replay() -> Iterator[ReplayServer]:
    """The bundled portal world on a free loopback port."""
    server = ReplayServer(ReplayWorld(PORTALS)).start_background()
    yield server
    server.stop()


@pytest.fixture
def dead_port() -> int:
    """A loopback port with nothing listening (for 'nothing was fetched' checks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl_one_site(folder: Path, seed: str, *args: str, env: dict[str, str] | None = None,
                   ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``govcrawl crawl`` of a one-site seed list (``seed``: the entry's YAML flow mapping) into ``folder/c.db``,
    with no delay and ``args`` (``--proxy URL``, …) added; the database's path and the finished process."""
    seeds = folder / "s.yaml"
    seeds.write_text(f"- {seed}\n", "utf-8")
    db = folder / "c.db"
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds), "--db", str(db),
                             "--delay", "0", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    return db, result


def put(root: Path, host: str, path: str, text: str) -> None:
    """A saved page of ``host`` in a replay world at ``root``."""
    target = root / host / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")


def column_site(root: Path, host: str, page: str, county: str, column: str,
                entries: Iterable[tuple[int, str, str]]) -> None:
    """A small portal in a replay world: robots.txt (``/private/`` disallowed), a home page linking 政务公开, which
    links the annual-report column ``column``, whose list names ``county``'s report of each (year, path, date).
    ``page`` is the site's template, with ``{date}``, ``{title}`` and ``{body}`` fields."""
    put(root, host, "robots.txt", "User-agent: *\nDisallow: /private/\n")
    put(root, host, "index.html", page.format(date="", title="首页", body='<a href="/zwgk/index.html">政务公开</a>'))
    put(root, host, "zwgk/index.html", page.format(date="", title="政务公开",
                                                   body=f'<a href="{column}index.html">政府信息公开年报</a>'))
    items = "".join(f'<li><a href="{path}">{county}{year}年政府信息公开工作年度报告</a><span>{date}</span></li>'
                    for year, path, date in entries)
    put(root, host, f"{column}index.html", page.format(date="", title="政府信息公开年报", body=f"<ul>{items}</ul>"))
