"""Scheduled crawls: a systemd service and timer, or a cron.d line, that run ``govcrawl crawl`` as a non-root user.

Pure text generation; ``govcrawl schedule`` (crawler/cli.py) prints or installs it. Two runs of one corpus never
overlap: the crawl holds its corpus (crawler/lock.py) and a second one exits 1 naming the first.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EVERY = {"hourly": "hourly", "daily": "daily", "weekly": "weekly"}  # --every word → OnCalendar
# cron's own words as OnCalendar (cron's @weekly is Sunday midnight, systemd's weekly Monday's)
CRON_WORDS = {"@hourly": "hourly", "@daily": "daily", "@midnight": "daily", "@weekly": "Sun *-*-* 00:00:00",
              "@monthly": "monthly", "@yearly": "yearly", "@annually": "yearly"}
# --every word → a crontab schedule at the moments systemd's word means
CRON_EVERY = {"hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 1"}
# Spread of the start, so that timers set for the same moment do not all fire at once; a cron expression names
# the time its operator chose, and is kept close to it.
RANDOMIZED_DELAY = {"daily": "30min", "weekly": "30min"}
DEFAULT_DELAY = "5min"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
SYSTEMD_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
# cron field: (name, lowest, highest)
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


class ScheduleError(ValueError):
    """A schedule that cannot be written (an untranslatable cron expression, a root user, a bad name)."""


@dataclass(frozen=True)
class Job:
    """What a scheduled run does: ``command`` (absolute program and arguments) as ``user`` in ``workdir``."""
    name: str
    user: str
    workdir: str
    command: tuple[str, ...]
    seeds: str
    db: str


def default_name(seeds: str) -> str:
    """The schedule's name when none is given: the seed list's file name without extension, in unit-name
    characters."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", Path(seeds).stem).strip("-_") or "crawl"


def unit_name(name: str) -> str:
    """``govcrawl-<name>``, the unit's (and cron.d file's) name; letters, digits, ``_`` and ``-`` only (run-parts
    ignores cron.d files with dots in their names)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise ScheduleError(f"schedule name {name!r}: use letters, digits, '_' and '-' only")
    return f"govcrawl-{name}"


def check_user(user: str, uid: int | None) -> str:
    """The user a crawl runs as: never root (``uid``: the name's uid on this machine, when it has one)."""
    if user in ("root", "0") or uid == 0:
        raise ScheduleError(f"user {user!r}: a scheduled crawl never runs as root; name an unprivileged user with "
                            "--user")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*\$?", user):
        raise ScheduleError(f"user {user!r}: not a user name")
    return user


def _cron_value(text: str, field: int) -> int:
    name, low, high = FIELDS[field]
    names = {3: MONTHS, 4: DAYS}.get(field)
    if names and text.lower() in names:
        return names.index(text.lower()) + (1 if field == 3 else 0)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleError(f"{name} {text!r}: not a value from {low} to {high}")
    return int(text)


def _cron_field(text: str, field: int) -> str:
    """One cron field as the matching OnCalendar component (``*`` stays ``*``)."""
    name, low, _ = FIELDS[field]
    width = 2 if field < 4 else 0
    if text == "*":
        return "*"
    if text.startswith("*/"):
        step = text[2:]
        if field == 4 or not step.isdigit() or int(step) < 1:
            raise ScheduleError(f"{name} {text!r}: steps (*/N) are translated for minutes, hours, days and months")
        return f"{low:0{width}d}/{int(step)}"
    parts, days = [], set()
    for item in text.split(","):
        if "/" in item:
            raise ScheduleError(f"{name} {text!r}: a step other than */N has no OnCalendar form")
        first, _, last = item.partition("-")
        values = [_cron_value(first, field)] + ([_cron_value(last, field)] if last else [])
        if last and values[0] > values[1]:
            raise ScheduleError(f"{name} {text!r}: a range must go upwards")
        if field == 4:
            days |= {v % 7 for v in range(values[0], values[-1] + 1)}  # 7 is Sunday too
        else:
            parts.append("..".join(f"{v:0{width}d}" for v in values))
    return _weekdays(days) if field == 4 else ",".join(parts)


def _weekdays(days: set[int]) -> str:
    """Cron's days (0 Sunday … 6) in systemd's week, Monday first: runs of three or more as ``Mon..Fri``."""
    order = sorted((d - 1) % 7 for d in days)  # Monday 0 … Sunday 6
    runs: list[list[int]] = []
    for day in order:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = [SYSTEMD_DAYS[(d + 1) % 7] for d in range(7)]
    return ",".join(f"{names[r[0]]}..{names[r[-1]]}" if len(r) > 2 else ",".join(names[d] for d in r)
                    for r in runs)


def cron_to_calendar(expression: str) -> str:
    """A 5-field cron expression (or ``@daily`` …) as a systemd OnCalendar expression.

    Translated: fixed values, lists, ranges, ``*/N`` steps, month and day names. Refused, with the reason: other
    steps, ``@reboot``, and a day of month together with a day of week (cron runs on either, systemd on both)."""
    words = expression.split()
    if len(words) == 1 and words[0].startswith("@"):
        if words[0] not in CRON_WORDS:
            raise ScheduleError(f"cron {expression!r}: only {', '.join(CRON_WORDS)} have an OnCalendar form")
        return CRON_WORDS[words[0]]
    if len(words) != 5:
        raise ScheduleError(f"cron {expression!r}: needs 5 fields (minute hour day-of-month month day-of-week)")
    minute, hour, day, month, weekday = (_cron_field(word, i) for i, word in enumerate(words))
    if day != "*" and weekday != "*":
        raise ScheduleError(f"cron {expression!r}: with both a day of month and a day of week cron runs on either, "
                            "OnCalendar only on both; schedule them as two timers")
    return f"{weekday + ' ' if weekday != '*' else ''}*-{month}-{day} {hour}:{minute}:00"


def on_calendar(every: str) -> str:
    """``--every`` (hourly, daily, weekly or a cron expression) as an OnCalendar expression."""
    return EVERY.get(every) or cron_to_calendar(every)


def _systemd_quote(arg: str) -> str:
    """One ExecStart argument: quoted when it has to be, ``%`` (a specifier) and ``$`` (a variable) doubled."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def service_text(job: Job) -> str:
    """The ``.service``: one run of the crawl, at idle CPU and I/O priority. Exit 3 (some sites failed) is a run
    that finished."""
    return (f"[Unit]\n"
            f"Description=govcrawl crawl of {job.seeds} into {job.db}\n"
            f"Wants=network-online.target\n"
            f"After=network-online.target\n"
            f"\n"
            f"[Service]\n"
            f"Type=oneshot\n"
            f"User={job.user}\n"
            f"WorkingDirectory={job.workdir}\n"
            f"ExecStart={' '.join(_systemd_quote(a) for a in job.command)}\n"
            f"SuccessExitStatus=3\n"
            f"Nice=19\n"
            f"IOSchedulingClass=idle\n")


def timer_text(job: Job, every: str) -> str:
    """The ``.timer``: ``every`` (see ``on_calendar``); a missed run is made up at boot (Persistent)."""
    return (f"[Unit]\n"
            f"Description=Scheduled govcrawl crawl of {job.seeds} ({every})\n"
            f"\n"
            f"[Timer]\n"
            f"OnCalendar={on_calendar(every)}\n"
            f"Persistent=true\n"
            f"RandomizedDelaySec={RANDOMIZED_DELAY.get(every, DEFAULT_DELAY)}\n"
            f"Unit={unit_name(job.name)}.service\n"
            f"\n"
            f"[Install]\n"
            f"WantedBy=timers.target\n")


def cron_schedule(every: str) -> str:
    """``every`` as a crontab schedule: a word at the moments systemd's word means, a cron expression checked as
    for OnCalendar (so both forms accept the same)."""
    if every in CRON_EVERY:
        return CRON_EVERY[every]
    cron_to_calendar(every)
    return " ".join(every.split())


def cron_text(job: Job, every: str, log: str) -> str:
    """A cron.d file (``/etc/cron.d/govcrawl-<name>``): the line runs the crawl as the user, its output appended
    to ``log``; an overlapping start exits 1 at once with govcrawl's own lock message, in the log."""
    command = " ".join(shlex.quote(a) for a in job.command)
    line = f"cd {shlex.quote(job.workdir)} && nice -n 19 ionice -c 3 {command} >> {shlex.quote(log)} 2>&1"
    line = line.replace("%", "\\%")  # cron reads a bare % as a newline
    return f"# govcrawl crawl of {job.seeds} into {job.db}\n{cron_schedule(every)} {job.user} {line}\n"


def crawl_command(program: Sequence[str], seeds: str, db: str, proxy: str | None, allow_private: bool,
                  ) -> tuple[str, ...]:
    """The scheduled ``govcrawl crawl``'s argument list (``program``: the govcrawl executable, absolute)."""
    return (*program, "crawl", "--seeds", seeds, "--db", db, *(("--proxy", proxy) if proxy else ()),
            *(("--allow-private",) if allow_private else ()))
