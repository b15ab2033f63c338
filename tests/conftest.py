from __future__ import annotations

import socket
from collections.abc import Iterator
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
