"""Run a command under a pseudo-terminal and read back the screen a person would see (pyte, a VT100 emulator).

The lines that scrolled off the top are kept (``pyte.HistoryScreen``), so ``Transcript.lines`` is the whole
session as the terminal shows it at the end: cursor moves, erased lines and redraws already applied.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyte
from pyte.screens import Char

COLUMNS, ROWS = 120, 40
TIMED_OUT = -1  # the return code of a command that had not exited by the timeout


@dataclass(frozen=True)
class Transcript:
    returncode: int
    lines: tuple[str, ...]  # every line the terminal shows, scrolled-off ones first, trailing blank lines dropped


def _text(row: dict[int, Char], columns: int) -> str:
    """A screen row as text; the second cell of a wide (CJK) character holds no character of its own."""
    return "".join(row[x].data for x in range(columns)).rstrip()


def run_in_terminal(args: Sequence[str], cwd: Path, env: dict[str, str], timeout: float = 600,
                    columns: int = COLUMNS, rows: int = ROWS) -> Transcript:
    """``args`` run on a terminal of ``columns`` × ``rows`` (its stdin, stdout and stderr) until it exits."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    process = subprocess.Popen(args, cwd=cwd, env=environment, stdin=slave, stdout=slave, stderr=slave,
                               close_fds=True, start_new_session=True)
    os.close(slave)
    screen = pyte.HistoryScreen(columns, rows, history=100_000)
    stream = pyte.ByteStream(screen)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            stream.feed(chunk)
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        returncode = TIMED_OUT  # the screen so far is still the transcript: the test says what it showed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    lines = [_text(row, columns) for row in screen.history.top]
    lines += [_text(screen.buffer[y], columns) for y in range(screen.lines)]
    while lines and not lines[-1]:
        lines.pop()
    return Transcript(returncode, tuple(lines))
