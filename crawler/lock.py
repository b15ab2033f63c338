"""One run at a time per corpus: an exclusive ``flock`` on ``<db>.lock``, beside the database.

The lock file holds the holder's pid, host and start time, for the message a second run gives. A process that
dies, even by SIGKILL, leaves no stale lock: the kernel drops a flock with its last open descriptor (ours is not
inherited by the programs a crawl starts: Python opens it non-inheritable, and the stage pool forks from a fork
server started before any crawl).
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler import clock

POLL = 0.2  # seconds between tries of a bounded wait


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


class CorpusBusy(RuntimeError):
    """Another run holds the corpus (and, with a bounded wait, still held it when the wait ended)."""

    def __init__(self, db_path: str | Path, holder: str, waited: float = 0.0) -> None:
        self.db_path = db_path
        self.holder = holder
        self.waited = waited
        after = f" after waiting {waited:g} s" if waited else ""
        super().__init__(f"corpus {db_path} is in use{after}: {holder} holds {lock_path(db_path)}")


def holder(db_path: str | Path) -> str:
    """Who holds (or last held) the corpus lock, in words: ``run pid 1234 on host h since 2026-…``."""
    try:
        info = json.loads(lock_path(db_path).read_text("utf-8"))
        return f"run pid {info['pid']} on host {info['host']} since {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):  # between its lock and its write, or no file at all
        return "another run"


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


@contextmanager
def corpus_lock(db_path: str | Path, wait: float = 0.0,
                waiting: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the corpus at ``db_path`` for the block; yields the lock file's path.

    Busy: raises ``CorpusBusy`` at once (``wait`` 0), or waits for it, ``wait`` seconds at most (``math.inf``:
    as long as it takes), having called ``waiting`` with the holder's description once."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not _try_lock(fd):
            if not wait:
                raise CorpusBusy(db_path, holder(db_path))
            if waiting:
                waiting(holder(db_path))
            if math.isinf(wait):
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + wait
                while not _try_lock(fd):
                    if time.monotonic() >= deadline:
                        raise CorpusBusy(db_path, holder(db_path), wait)
                    time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": clock.now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # drops the lock
