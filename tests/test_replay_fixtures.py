"""Recorded replay fixtures: every folder under tests/replay/ (``govcrawl record``: a site's capture, its seed and
the records it gave) crawled again from its capture alone, through the same spiders and pipelines, must give
the same records, field by field (docs/REPLAY-TESTS.md). A page of a capture altered must fail with a diff."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from crawler.recording import EXPECTED, SEED, differences, read_expected
from crawler.replay import ReplayServer
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "replay"
FOLDERS = sorted(p for p in FIXTURES.iterdir() if (p / SEED).is_file()) if FIXTURES.is_dir() else []
FAMILIES = {"generic", "hanweb_jcms", "hanweb_jpaas", "js_rendered", "trs_wcm", "ucap", "xxgk"}


def replayed(folder: Path, capture: Path, tmp: Path) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    """The folder's site crawled from ``capture`` alone: the proxy variables point at a closed port, so a
    request that reached for the network would fail."""
    db = tmp / "replayed.db"
    dead = "http://127.0.0.1:9"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "http_proxy": dead, "https_proxy": dead, "no_proxy": ""}
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--seeds", str(folder / SEED), "--replay",
                             str(capture), "--db", str(db), "--delay", "0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    exported = subprocess.run([sys.executable, "-m", "crawler", "export", "--db", str(db), "--format", "jsonl"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    return result, [json.loads(line) for line in exported.stdout.splitlines()]


def test_every_family_has_a_recorded_fixture() -> None:
    """One fixture per CMS family at least, each named after its site (the family as tests/fixtures/expected
    says the site is built)."""
    sites = {f.name: {r["site_id"] for r in read_expected(f)} for f in FOLDERS}
    assert all(ids == {name} for name, ids in sites.items()), sites
    expected = ROOT / "tests" / "fixtures" / "expected"
    families = {yaml.safe_load((expected / f"{name}.yaml").read_text("utf-8"))["family"] for name in sites}
    assert families == FAMILIES


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_a_recorded_site_replays_to_its_records(folder: Path, tmp_path: Path) -> None:
    result, records = replayed(folder, folder, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not in the capture" not in result.stderr, result.stderr[-3000:]
    expected = read_expected(folder)
    assert expected, f"{folder.name}: the fixture holds no records"
    diff = differences(expected, records)
    assert not diff, f"{folder.name}: the replay differs from the recording:\n" + "\n".join(diff)


def _altered(capture: Path, out: Path, url: str, old: bytes, new: bytes) -> None:
    """A copy of a capture whose response for ``url`` has ``old`` replaced by ``new`` (digests recomputed)."""
    writer_out = out.open("wb")
    writer = WARCWriter(writer_out, gzip=True, warc_version="1.1")
    changed = 0
    with capture.open("rb") as data:
        for record in ArchiveIterator(data):
            payload = record.content_stream().read() if record.rec_type == "response" else None
            target = record.rec_headers.get_header("WARC-Target-URI")
            if payload is not None and target == url and old in payload:
                payload = payload.replace(old, new)
                changed += 1
            if payload is None:
                writer.write_record(record)
                continue
            for name in ("WARC-Payload-Digest", "WARC-Block-Digest", "Content-Length"):
                record.rec_headers.remove_header(name)
            record.http_headers.remove_header("Content-Length")
            record.http_headers.remove_header("Content-Encoding")
            writer.write_record(writer.create_warc_record(
                target, "response", payload=BytesIO(payload), length=len(payload), http_headers=record.http_headers,
                warc_headers_dict=dict(record.rec_headers.headers)))
    writer_out.close()
    assert changed, f"{url}: no response holding {old!r} in {capture.name}"


def test_an_altered_page_of_a_capture_fails_with_a_readable_diff(tmp_path: Path) -> None:
    folder = next(f for f in FOLDERS if f.name == "yongchang")
    expected = read_expected(folder)
    report = next(r for r in expected if r["body"] and len(r["body"].split("\n")) > 5)
    line = report["body"].split("\n")[3]
    changed_line = line[:4] + "（已更正）" + line[4:]
    work = tmp_path / "capture"
    work.mkdir()
    for warc in folder.glob("*.warc.gz"):
        _altered(warc, work / warc.name, report["url"], line[:12].encode("utf-8"),
                 changed_line[:12 + len("（已更正）")].encode("utf-8"))
    result, records = replayed(folder, work, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    diff = "\n".join(differences(expected, records))
    assert f"report {report['url']}:" in diff and "    body:" in diff and "sha256" in diff
    assert f"-{line}" in diff and f"+{changed_line}" in diff, diff


def test_record_writes_a_fixture_that_replays(replay: ReplayServer, tmp_path: Path) -> None:
    """``govcrawl record`` on the fixture world: a folder with its WARC, seed.yaml and expected.jsonl."""
    out = tmp_path / "jingning"
    recorded = subprocess.run([sys.executable, "-m", "crawler", "record", "--seeds", "seeds/demo.yaml", "--site",
                               "jingning", "-o", str(out), "--proxy", replay.url, "--delay", "0"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert recorded.returncode == 0, recorded.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".warc.gz")) == [EXPECTED, SEED]
    assert len(list(out.glob("*.warc.gz"))) == 1
    assert "recorded jingning" in recorded.stderr
    expected = read_expected(out)
    assert expected and all(r["site_id"] == "jingning" for r in expected)
    result, records = replayed(out, out, tmp_path)
    assert result.returncode == 0 and not differences(expected, records)
    again = subprocess.run([sys.executable, "-m", "crawler", "record", "--seeds", "seeds/demo.yaml", "--site",
                            "jingning", "-o", str(out), "--proxy", replay.url, "--delay", "0"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and len(list(out.glob("*.warc.gz"))) == 1  # recording again replaces it
    shutil.rmtree(out)
