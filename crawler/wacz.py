"""Package a crawl's WARC files as one WACZ (py-wacz), so the captured portals replay in ReplayWeb.page or pywb
from a single file, its pages list leading to the annual reports."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from crawler.warc import default_folder

with warnings.catch_warnings():  # its cdxj-indexer imports pyamf, which warns that pkg_resources is deprecated
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    import wacz.main

log = logging.getLogger(__name__)

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "政府信息公开工作年度报告"}


class WaczError(RuntimeError):
    """py-wacz refused the WARC files or the pages; the message carries what it printed."""


def warc_files_of(db_path: Path, folder: Path | None = None) -> list[Path]:
    """The finished WARC files of the corpus at ``db_path`` (in ``folder``, by default ``warc/`` beside it), in name
    order. A ``.warc.gz.open`` file is still being written (or its crawl was killed): its last record may be cut
    short, so it is left out, with a warning."""
    folder = Path(folder) if folder else default_folder(db_path)
    for unfinished in sorted(folder.glob("*.warc.gz.open")):
        log.warning("skipped %s: still being written, or its crawl did not finish", unfinished)
    return sorted(folder.glob("*.warc.gz"))


def warc_timestamp(when: str) -> str:
    """An ISO 8601 time (``fetched_at``'s ``+00:00`` or a WARC-Date's ``Z``) as a WARC-Date in UTC, to the second:
    py-wacz matches a page to its capture by this 14-digit time, and its parser rejects ``+00:00``."""
    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages_jsonl(pages: Iterable[dict], path: Path) -> None:
    lines = [PAGES_HEADER, *({"url": p["url"], "ts": warc_timestamp(p["ts"]), "title": p.get("title") or p["url"]}
                             for p in pages)]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), "utf-8")


def packaged_pages(package: Path) -> list[dict]:
    """The pages list of a WACZ (``pages/pages.jsonl``), without its header line."""
    with zipfile.ZipFile(package) as archive:
        lines = archive.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [page for page in map(json.loads, lines) if "format" not in page]


def package_name(warc: Path) -> str:
    """``warc``'s name inside the WACZ: its datapackage names each resource by file name, and the Frictionless
    schema that ``wacz validate`` applies allows only ``[-a-z0-9._]``: govcrawl's names pass as they are, WARC
    files from elsewhere (upper case, ``~``) are renamed."""
    return re.sub(r"[^-a-z0-9._]", "-", warc.name.lower())


def write_wacz(warc_files: list[Path], out: Path, pages: list[dict], *, title: str = "govcrawl corpus") -> Path:
    """Package ``warc_files`` as the WACZ ``out``, its pages list one entry per ``pages`` item (``url``, ``ts``: the
    capture's WARC-Date or the report's ``fetched_at``, ``title``). py-wacz builds the zip, its CDXJ index and the
    datapackage with digests, from links to the files under their package names; it writes beside ``out``, renamed
    at the end, so a failure leaves no half package. A page whose capture is not in the files is dropped by
    py-wacz: logged as a warning."""
    if not warc_files:
        raise WaczError("no WARC files to package")
    names = [package_name(warc) for warc in warc_files]
    if len(set(names)) < len(names):
        raise WaczError(f"WARC files whose names differ only in case or punctuation: {', '.join(map(str, warc_files))}")
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    printed = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="govcrawl-wacz-") as work:
        links = [Path(work) / name for name in names]
        for link, warc in zip(links, warc_files, strict=True):
            link.symlink_to(Path(warc).resolve())
        pages_file = Path(work) / "pages.jsonl"
        _pages_jsonl(pages, pages_file)
        try:
            with contextlib.redirect_stdout(printed):  # py-wacz reports progress with print()
                code = wacz.main.main(["create", "-o", str(partial), "-p", str(pages_file), "--title", title,
                                       "--desc", f"{len(pages)} reports captured by govcrawl", *map(str, links)])
            if code != 0:
                raise WaczError(f"py-wacz could not package {len(warc_files)} WARC files: {printed.getvalue().strip()}")
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    packaged = {page["url"] for page in packaged_pages(out)}
    if missing := [p["url"] for p in pages if p["url"] not in packaged]:
        log.warning("%d pages have no capture in the WARC files, left out of %s: %s", len(missing), out,
                    ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))
    return out
