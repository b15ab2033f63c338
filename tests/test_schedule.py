"""`govcrawl schedule` (systemd units, cron.d lines, cron → OnCalendar) and the corpus lock that keeps two runs
of one database from overlapping, on real `govcrawl crawl` and `scrapy crawl` processes and a replayed world."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.lock import CorpusBusy, corpus_lock, lock_path
from crawler.replay import ReplayServer, ReplayWorld
from crawler.schedule import Job, ScheduleError, check_user, cron_text, cron_to_calendar, service_text, timer_text
from tests.conftest import ROOT, column_site, put

JOB = Job("example", "alice", "/srv/govcrawl",
          ("/srv/govcrawl/.venv/bin/govcrawl", "crawl", "--seeds", "/srv/govcrawl/seeds/example.yaml", "--db",
           "/srv/govcrawl/data/govcrawl.db"), "/srv/govcrawl/seeds/example.yaml", "/srv/govcrawl/data/govcrawl.db")

SERVICE = """[Unit]
Description=govcrawl crawl of /srv/govcrawl/seeds/example.yaml into /srv/govcrawl/data/govcrawl.db
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=alice
WorkingDirectory=/srv/govcrawl
ExecStart=/srv/govcrawl/.venv/bin/govcrawl crawl --seeds /srv/govcrawl/seeds/example.yaml --db /srv/govcrawl/data/govcrawl.db
SuccessExitStatus=3
Nice=19
IOSchedulingClass=idle
"""


def timer(every: str, calendar: str, delay: str) -> str:
    return f"""[Unit]
Description=Scheduled govcrawl crawl of /srv/govcrawl/seeds/example.yaml ({every})

[Timer]
OnCalendar={calendar}
Persistent=true
RandomizedDelaySec={delay}
Unit=govcrawl-example.service

[Install]
WantedBy=timers.target
"""


def test_the_service_runs_the_crawl_once_as_the_user_at_idle_priority() -> None:
    assert service_text(JOB) == SERVICE


@pytest.mark.parametrize(("every", "calendar", "delay"), [
    ("weekly", "weekly", "30min"),
    ("daily", "daily", "30min"),
    ("hourly", "hourly", "5min"),
    ("30 2 * * 1-5", "Mon..Fri *-*-* 02:30:00", "5min"),
])
def test_the_timer_fires_at_the_chosen_moments(every: str, calendar: str, delay: str) -> None:
    assert timer_text(JOB, every) == timer(every, calendar, delay)


def test_an_argument_with_spaces_percent_or_dollar_is_quoted_for_systemd_and_for_cron() -> None:
    odd = Job("odd", "alice", "/srv/my crawls", ("/srv/govcrawl/.venv/bin/govcrawl", "crawl", "--seeds",
                                                 "/srv/my crawls/s.yaml", "--proxy", "http://p:8080/%x$y"),
              "/srv/my crawls/s.yaml", "/srv/my crawls/c.db")
    assert ('ExecStart=/srv/govcrawl/.venv/bin/govcrawl crawl --seeds "/srv/my crawls/s.yaml" '
            '--proxy "http://p:8080/%%x$$y"\n') in service_text(odd)
    assert cron_text(odd, "daily", "/srv/my crawls/c.cron.log") == (
        "# govcrawl crawl of /srv/my crawls/s.yaml into /srv/my crawls/c.db\n"
        "0 0 * * * alice cd '/srv/my crawls' && nice -n 19 ionice -c 3 /srv/govcrawl/.venv/bin/govcrawl crawl "
        "--seeds '/srv/my crawls/s.yaml' --proxy 'http://p:8080/\\%x$y' >> '/srv/my crawls/c.cron.log' 2>&1\n")


def test_the_cron_form_runs_at_the_moments_of_the_systemd_words() -> None:
    log = "/srv/govcrawl/data/govcrawl.cron.log"
    line = ("alice cd /srv/govcrawl && nice -n 19 ionice -c 3 /srv/govcrawl/.venv/bin/govcrawl crawl --seeds "
            "/srv/govcrawl/seeds/example.yaml --db /srv/govcrawl/data/govcrawl.db >> "
            "/srv/govcrawl/data/govcrawl.cron.log 2>&1\n")
    head = "# govcrawl crawl of /srv/govcrawl/seeds/example.yaml into /srv/govcrawl/data/govcrawl.db\n"
    assert cron_text(JOB, "weekly", log) == f"{head}0 0 * * 1 {line}"  # systemd's weekly: Monday 00:00
    assert cron_text(JOB, "hourly", log) == f"{head}0 * * * * {line}"
    assert cron_text(JOB, "*/10  3 * * sun", log) == f"{head}*/10 3 * * sun {line}"
    with pytest.raises(ScheduleError, match="needs 5 fields"):
        cron_text(JOB, "0 3 * *", log)


TRANSLATED = [
    ("30 2 * * *", "*-*-* 02:30:00"),
    ("0 3 * * 1", "Mon *-*-* 03:00:00"),
    ("0 3 * * 1,3,5", "Mon,Wed,Fri *-*-* 03:00:00"),
    ("15 4 * * mon-fri", "Mon..Fri *-*-* 04:15:00"),
    ("0 0 * * 0", "Sun *-*-* 00:00:00"),
    ("0 0 * * 7", "Sun *-*-* 00:00:00"),
    ("0 0 * * 5-7", "Fri..Sun *-*-* 00:00:00"),
    ("0 0 * * 0-2", "Mon,Tue,Sun *-*-* 00:00:00"),
    ("0 0 * * sun,mon-wed,6", "Mon..Wed,Sat,Sun *-*-* 00:00:00"),
    ("*/15 * * * *", "*-*-* *:00/15:00"),
    ("0 */6 * * *", "*-*-* 00/6:00:00"),
    ("5 1-3 * * *", "*-*-* 01..03:05:00"),
    ("0 0 1 * *", "*-*-01 00:00:00"),
    ("0 6 */10 * *", "*-*-01/10 06:00:00"),
    ("0 5 1,15 jan,JUL *", "*-01,07-01,15 05:00:00"),
    ("45 23 * */3 *", "*-01/3-* 23:45:00"),
]


@pytest.mark.parametrize(("cron", "calendar"), TRANSLATED)
def test_a_cron_expression_becomes_the_matching_oncalendar(cron: str, calendar: str) -> None:
    assert cron_to_calendar(cron) == calendar


@pytest.mark.parametrize(("cron", "calendar"), [("@hourly", "hourly"), ("@daily", "daily"), ("@midnight", "daily"),
                                                 ("@weekly", "Sun *-*-* 00:00:00"), ("@monthly", "monthly"),
                                                 ("@yearly", "yearly")])
def test_crons_own_words_keep_their_moments(cron: str, calendar: str) -> None:
    assert cron_to_calendar(cron) == calendar


@pytest.mark.parametrize(("cron", "reason"), [
    ("0 0 1 * 1", "cron runs on either, OnCalendar only on both"),
    ("0 0 * * */2", "steps (*/N) are translated for minutes, hours, days and months"),
    ("5-30/5 * * * *", "a step other than */N has no OnCalendar form"),
    ("0 0 * * fri-mon", "day of week 'fri-mon': a range must go upwards"),
    ("0 5-1 * * *", "a range must go upwards"),
    ("61 * * * *", "minute '61': not a value from 0 to 59"),
    ("0 24 * * *", "hour '24': not a value from 0 to 23"),
    ("0 0 32 * *", "day of month '32': not a value from 1 to 31"),
    ("0 0 * 13 *", "month '13': not a value from 1 to 12"),
    ("0 0 * * L", "day of week 'L': not a value from 0 to 7"),
    ("*/0 * * * *", "steps (*/N)"),
    ("0 0 * *", "needs 5 fields"),
    ("@reboot", "only @hourly"),
])
def test_an_untranslatable_cron_expression_is_refused_with_its_reason(cron: str, reason: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        cron_to_calendar(cron)
    assert reason in str(refused.value)


def cron_matches(cron: str, moment: datetime) -> bool:
    """Cron's own reading of the translated forms (no day-of-month with day-of-week: those are refused)."""
    names = {3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
             4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]}

    def value(text: str, field: int) -> int:
        if field in names and text.lower() in names[field]:
            return names[field].index(text.lower()) + (field == 3)
        return int(text)

    actual = (moment.minute, moment.hour, moment.day, moment.month, moment.isoweekday() % 7)
    for field, text in enumerate(cron.split()):
        if text.startswith("*/"):
            low = 1 if field in (2, 3) else 0
            if (actual[field] - low) % int(text[2:]):
                return False
        elif text != "*" and not any(
                value(a, field) <= now <= value(b or a, field)
                for a, _, b in (item.partition("-") for item in text.split(","))
                for now in ((0, 7) if field == 4 and actual[field] == 0 else (actual[field],))):  # Sunday: 0 or 7
            return False
    return True


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed on this machine")
@pytest.mark.parametrize(("cron", "calendar"), TRANSLATED)
def test_systemd_fires_a_translation_when_cron_would(cron: str, calendar: str) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    result = subprocess.run(["systemd-analyze", "calendar", "--base-time=2026-01-01 00:00:00 UTC", "--iterations=6",
                             calendar], capture_output=True, text=True, timeout=60, env={**os.environ, "TZ": "UTC"})
    assert result.returncode == 0, result.stderr
    fired = [datetime.strptime(m, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
             for m in re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", result.stdout)]
    expected: list[datetime] = []
    moment = base
    while len(expected) < 6 and moment < base + timedelta(days=4 * 366):
        moment += timedelta(minutes=1)
        if cron_matches(cron, moment):
            expected.append(moment)
    assert fired == expected


def test_root_is_refused_whatever_its_name() -> None:
    for user, uid in (("root", 0), ("toor", 0), ("0", None)):
        with pytest.raises(ScheduleError, match="never runs as root"):
            check_user(user, uid)
    assert check_user("alice", None) == "alice"
    with pytest.raises(ScheduleError, match="not a user name"):
        check_user("alice smith", None)


def govcrawl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def test_schedule_refuses_root_and_as_root_wants_a_user() -> None:
    refused = govcrawl("schedule", "--seeds", "seeds/example.yaml", "--user", "root")
    assert refused.returncode == 2
    assert "error: user 'root': a scheduled crawl never runs as root" in refused.stderr
    env = {k: v for k, v in os.environ.items() if k != "SUDO_USER"}
    default = govcrawl("schedule", "--seeds", "seeds/example.yaml", env=env)
    if os.geteuid() == 0:
        assert default.returncode == 2
        assert "error: running as root: name the user the scheduled crawl runs as with --user" in default.stderr
        sudo = govcrawl("schedule", "--seeds", "seeds/example.yaml", env={**env, "SUDO_USER": "alice"})
        assert sudo.returncode == 0, sudo.stderr
        assert "\nUser=alice\n" in sudo.stdout
    else:
        assert default.returncode == 0, default.stderr
        assert f"\nUser={pwd.getpwuid(os.geteuid()).pw_name}\n" in default.stdout


def test_schedule_checks_the_seed_list_as_seeds_check_does(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: x, name: X, region: 甘肃省, url: 'ftp://x.gov.cn/', template: generic}\n", "utf-8")
    scheduled = govcrawl("schedule", "--seeds", str(bad), "--user", "alice")
    checked = govcrawl("seeds", "check", str(bad))
    assert scheduled.returncode == checked.returncode == 2
    assert scheduled.stderr == checked.stderr
    assert f"{bad}: entry 1 (id 'x'): field 'url': not an http(s) URL" in scheduled.stderr
    assert scheduled.stdout == ""
    untranslatable = govcrawl("schedule", "--seeds", "seeds/example.yaml", "--user", "alice", "--every", "0 0 1 * 1")
    assert untranslatable.returncode == 2
    assert "error: cron '0 0 1 * 1': with both a day of month and a day of week" in untranslatable.stderr


def a_user() -> str:
    """A user of this machine that is not root."""
    return next(u.pw_name for u in pwd.getpwall() if u.pw_uid != 0 and u.pw_name != "nobody")


def test_install_writes_the_service_and_the_timer_and_says_how_to_enable_them(tmp_path: Path) -> None:
    user = a_user()
    args = ("schedule", "--seeds", "seeds/example.yaml", "--db", str(tmp_path / "c.db"), "--every", "daily",
            "--user", user, "--proxy", "http://127.0.0.1:8765")
    printed = govcrawl(*args)
    installed = govcrawl(*args, "--install", "--unit-dir", str(tmp_path))
    assert installed.returncode == 0, installed.stderr
    service, timer_file = tmp_path / "govcrawl-example.service", tmp_path / "govcrawl-example.timer"
    assert installed.stdout == (f"wrote {service}\nwrote {timer_file}\n"
                                "now run: systemctl daemon-reload && systemctl enable --now govcrawl-example.timer\n")
    assert printed.stdout == (f"# /etc/systemd/system/govcrawl-example.service\n{service.read_text('utf-8')}\n"
                              f"# /etc/systemd/system/govcrawl-example.timer\n{timer_file.read_text('utf-8')}")
    text = service.read_text("utf-8")
    assert f"\nUser={user}\nWorkingDirectory={ROOT}\n" in text
    assert (f"\nExecStart={Path(sys.executable).parent / 'govcrawl'} crawl --seeds {ROOT / 'seeds/example.yaml'} "
            f"--db {tmp_path / 'c.db'} --proxy http://127.0.0.1:8765\n") in text
    assert "\nOnCalendar=daily\n" in timer_file.read_text("utf-8")
    cron = govcrawl(*args, "--cron", "--install", "--unit-dir", str(tmp_path))
    assert cron.returncode == 0, cron.stderr
    assert (tmp_path / "govcrawl-example").read_text("utf-8").splitlines()[1].startswith(f"0 0 * * * {user} cd ")
    nobody_here = govcrawl(*args[:-4], "--user", "no-such-user-here", "--install", "--unit-dir", str(tmp_path))
    assert nobody_here.returncode == 2
    assert "error: user 'no-such-user-here': no such user on this machine" in nobody_here.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed on this machine")
@pytest.mark.parametrize("every", ["weekly", "*/20 1-4 * * mon-fri"])
def test_systemd_analyze_verifies_the_generated_units(tmp_path: Path, every: str) -> None:
    installed = govcrawl("schedule", "--seeds", "seeds/example.yaml", "--db", str(tmp_path / "c.db"),
                         "--user", a_user(), "--every", every, "--install", "--unit-dir", str(tmp_path))
    assert installed.returncode == 0, installed.stderr
    units = [str(tmp_path / "govcrawl-example.service"), str(tmp_path / "govcrawl-example.timer")]
    verified = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    assert "govcrawl-example" not in verified.stderr, verified.stderr  # no warning about our units


def test_the_lock_names_its_holder_and_a_bounded_wait_gives_up(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with corpus_lock(db) as held:
        assert held == lock_path(db) == tmp_path / "c.db.lock"
        with pytest.raises(CorpusBusy) as busy, corpus_lock(db):
            pass
        assert f"corpus {db} is in use: run pid {os.getpid()} on host " in str(busy.value)
        waited: list[str] = []
        with pytest.raises(CorpusBusy) as still, corpus_lock(db, wait=0.3, waiting=waited.append):
            pass
        assert "in use after waiting 0.3 s" in str(still.value)
        assert waited == [busy.value.holder]
    with corpus_lock(db):  # released: the next one takes it
        pass


# A small replayed world: a quick site, and a slow one whose robots.txt takes a long time to answer.
COLUMN = "/zwgk/zfxxgknb/"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="PubDate" content="{date}">
<title>{title}_人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div><h1>{title}</h1>
<div class="TRS_Editor">{body}</div><div class="footer">版权所有：人民政府办公室</div></body></html>"""
QUICK, SLOW = "www.quicktown.gov.cn", "www.slowtown.gov.cn"
REPORT = f"{COLUMN}202101/t20210120_2020.html"
HOLD = 40  # seconds the slow site's robots.txt takes: the first run holds the corpus that long at least


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayServer]:
    root = tmp_path_factory.mktemp("lock-world")
    column_site(root, QUICK, PAGE, "快乐县", COLUMN, [(2020, REPORT, "2021-01-20")])
    body = ("<p>本报告根据《中华人民共和国政府信息公开条例》要求，由快乐县人民政府办公室编制，统计期限自2020年1月1日起至2020年12月31日止。</p>"
            "<p>一、总体情况</p><p>2020年，快乐县全年主动公开政府信息1120条，其中通过政府门户网站公开920条。</p>")
    put(root, QUICK, REPORT, PAGE.format(date="2021-01-20", title="快乐县2020年政府信息公开工作年度报告", body=body))
    column_site(root, SLOW, PAGE, "迟缓县", COLUMN, [])
    put(root, SLOW, "_replay.yaml", f"routes:\n  '/robots.txt': {{delay: {HOLD}}}\n")
    replay = ReplayServer(ReplayWorld(root)).start_background()
    yield replay
    replay.stop()


def seeds(folder: Path, host: str) -> Path:
    site_id = host.split(".")[1]
    path = folder / f"{site_id}.yaml"
    path.write_text(f"- {{id: {site_id}, name: {site_id}人民政府, region: 甘肃省, url: 'http://{host}/', "
                    "template: generic}\n", "utf-8")
    return path


def crawl_args(folder: Path, host: str, proxy: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "crawl", "--seeds", str(seeds(folder, host)), "--db",
            str(folder / "c.db"), "--delay", "0", "--proxy", proxy]


def asked(server: ReplayServer, host: str, since: int = 0) -> list[str]:
    """What the server was asked of ``host`` since its ``since``-th request (the world is the module's)."""
    return [seen.target for seen in list(server.requests)[since:] if seen.host == host]


def until(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_second_run_exits_1_naming_the_first_and_a_killed_holder_blocks_nothing(
        server: ReplayServer, tmp_path: Path) -> None:
    before = len(server.requests)
    first = subprocess.Popen(crawl_args(tmp_path, SLOW, server.url), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        until(lambda: "/robots.txt" in asked(server, SLOW, before))  # the first run is crawling: it holds the corpus
        second = subprocess.run(crawl_args(tmp_path, QUICK, server.url), cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert first.poll() is None, "the first run ended before the second was refused"
        assert second.returncode == 1
        assert (f"error: corpus {tmp_path / 'c.db'} is in use: run pid {first.pid} on host "
                in second.stderr), second.stderr
        assert "; --wait to wait for it" in second.stderr
        assert asked(server, QUICK, before) == []  # the refused run fetched nothing
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        first.kill()
        first.wait()
    third = subprocess.run(crawl_args(tmp_path, QUICK, server.url), cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert third.returncode == 0, third.stderr[-3000:]
    assert REPORT in asked(server, QUICK, before)
    runs = {row["id"]: row["status"] for row in Database(tmp_path / "c.db")["runs"].rows}
    assert runs[max(runs)] == "finished" and len(runs) == 2  # the killed run's and the third's: none for the second


def test_wait_waits_for_the_holder_then_crawls(server: ReplayServer, tmp_path: Path) -> None:
    err, before = tmp_path / "err.txt", len(server.requests)
    with corpus_lock(tmp_path / "c.db"), err.open("w") as stderr:
        waiting = subprocess.Popen([*crawl_args(tmp_path, QUICK, server.url), "--wait"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
        until(lambda: "waiting:" in err.read_text("utf-8"))
        assert (f"waiting: corpus {tmp_path / 'c.db'} is in use by run pid {os.getpid()} on host "
                in err.read_text("utf-8"))
        assert waiting.poll() is None
        assert asked(server, QUICK, before) == []
        assert not (tmp_path / "c.db").exists()  # nothing of the run before the lock is its own
    assert waiting.wait(timeout=300) == 0, err.read_text("utf-8")[-3000:]
    assert REPORT in asked(server, QUICK, before)
    assert [row["status"] for row in Database(tmp_path / "c.db")["runs"].rows] == ["finished"]


def test_a_bounded_wait_gives_up_with_exit_1(server: ReplayServer, tmp_path: Path) -> None:
    with corpus_lock(tmp_path / "c.db"):
        gave_up = subprocess.run([*crawl_args(tmp_path, QUICK, server.url), "--wait", "1"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
    assert gave_up.returncode == 1
    assert f"error: corpus {tmp_path / 'c.db'} is in use after waiting 1 s: run pid {os.getpid()}" in gave_up.stderr
    assert "--wait to wait for it" not in gave_up.stderr
    assert not (tmp_path / "c.db").exists()


def test_scrapy_crawl_holds_the_corpus_too(server: ReplayServer, tmp_path: Path) -> None:
    db, before = tmp_path / "c.db", len(server.requests)
    with corpus_lock(db):
        refused = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "generic", "-a",
                                  f"seeds={seeds(tmp_path, QUICK)}", "-s", f"GOVCRAWL_DB={db}",
                                  "-s", f"GOVCRAWL_PROXY={server.url}"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert f"error: corpus {db} is in use: run pid {os.getpid()} on host " in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not db.exists()
    assert asked(server, QUICK, before) == []
