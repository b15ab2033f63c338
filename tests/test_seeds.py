from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.families import template_names
from crawler.seeds import SeedError, load_seeds
from tests.conftest import ROOT

TEMPLATES = {"auto", "generic"}
GOOD = """
sites:
  - id: yongchang
    name: 永昌县人民政府
    region: 甘肃省金昌市永昌县
    url: http://www.yongchang.gov.cn/
    template: auto
  - id: wendeng
    name: 威海市文登区人民政府
    region: 山东省威海市文登区
    url: http://www.wendeng.gov.cn/
    template: generic
    report_column: http://www.wendeng.gov.cn/zwgk/zfxxgknb/index.html
    allowed_domains: [wendeng.gov.cn, whwd.gov.cn]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SeedError) as info:
        load_seeds(path, TEMPLATES)
    assert info.value.path == path
    return info.value.problems


def test_demo_seed_list_is_valid() -> None:
    seeds = load_seeds(ROOT / "seeds" / "demo.yaml", TEMPLATES)
    assert [s.id for s in seeds][:4] == ["yongchang", "wendeng", "tieling", "ln-mirror"]


def test_fields_and_default_domains(tmp_path: Path) -> None:
    seeds = load_seeds(write(tmp_path, "s.yaml", GOOD), TEMPLATES)
    assert seeds[0].domains == ("yongchang.gov.cn",)
    assert seeds[1].domains == ("wendeng.gov.cn", "whwd.gov.cn")
    assert seeds[1].report_column == "http://www.wendeng.gov.cn/zwgk/zfxxgknb/index.html"


def test_csv_list(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "id,name,region,url,template,allowed_domains\n"
                 "tieling,铁岭市人民政府,辽宁省铁岭市,http://www.tieling.gov.cn/,auto,tieling.gov.cn;ln.gov.cn\n")
    [seed] = load_seeds(path, TEMPLATES)
    assert seed.allowed_domains == ("tieling.gov.cn", "ln.gov.cn")


ENTRY = "- {id: a, name: 甲县人民政府, region: 甲省甲县, url: 'http://www.a.gov.cn/', template: auto%s}\n"
HEADER = "id,name,region,url,template,report_column,allowed_domains\n"
ROW = "a,甲县人民政府,甲省甲县,http://www.a.gov.cn/,auto,,%s\n"
FIELDS = "id, name, region, url, template, report_column, allowed_domains"
A = "entry 1 (id 'a')"
PRIVATE = "private or local target: %s (--allow-private crawls it)"


def entry(**fields: str) -> str:
    """One YAML entry: the good one with ``fields`` replaced (an empty value leaves the field out)."""
    base = {"id": "a", "name": "甲县人民政府", "region": "甲省甲县", "url": "'http://www.a.gov.cn/'", "template": "auto"}
    merged = {**base, **fields}
    return "- {" + ", ".join(f"{k}: {v}" for k, v in merged.items() if v) + "}\n"


# (case, file name, content, every problem reported, in order)
MALFORMED: list[tuple[str, str, str | bytes, list[str]]] = [
    ("not a list", "s.yaml", "just text\n", ["expected a list of sites (or a mapping with a 'sites' list)"]),
    ("empty file", "s.yaml", "", ["empty file: expected a list of sites"]),
    ("comments only", "s.yaml", "# sites to come\n", ["empty file: expected a list of sites"]),
    ("empty list", "s.yaml", "sites: []\n", ["the list has no sites"]),
    ("YAML syntax error", "s.yaml", "sites:\n  - id: a\n    name: [unclosed\n",
     ["line 4, column 1: invalid YAML: expected ',' or ']', but got '<stream end>'"]),
    ("YAML tab indent", "s.yaml", "sites:\n\t- id: a\n",
     ["line 2, column 1: invalid YAML: found character '\\t' that cannot start any token"]),
    ("mapping without sites", "s.yaml", "site: {id: a}\n",
     ["expected a list of sites (or a mapping with a 'sites' list)"]),
    ("sites not a list", "s.yaml", "sites: 5\n", ["expected a list of sites (or a mapping with a 'sites' list)"]),
    ("entry not a mapping", "s.yaml", "sites:\n  - http://www.a.gov.cn/\n",
     ["entry 1: expected a mapping of fields, got str"]),
    ("missing id", "s.yaml", entry(id=""), ["entry 1: field 'id': missing"]),
    ("missing name", "s.yaml", entry(name=""), [f"{A}: field 'name': missing"]),
    ("missing region", "s.yaml", entry(region=""), [f"{A}: field 'region': missing"]),
    ("missing url", "s.yaml", entry(url=""), [f"{A}: field 'url': missing"]),
    ("missing template", "s.yaml", entry(template=""), [f"{A}: field 'template': missing"]),
    ("unknown field", "s.yaml", entry(colour="red"),
     [f"{A}: field 'colour': unknown field (expected one of {FIELDS})"]),
    ("name a list", "s.yaml", entry(name="[甲, 乙]"), [f"{A}: field 'name': expected text, got list"]),
    ("name a boolean", "s.yaml", entry(name="yes"), [f"{A}: field 'name': expected text, got bool"]),
    ("empty name", "s.yaml", entry(name="'  '"), [f"{A}: field 'name': empty"]),
    ("duplicate id", "s.yaml", entry() + entry(url="'http://www.b.gov.cn/'"),
     ["entry 2 (id 'a'): field 'id': duplicate id, first used by entry 1"]),
    ("bad id characters", "s.yaml", entry(id="Yong Chang"),
     ["entry 1 (id 'Yong Chang'): field 'id': 'Yong Chang' must be lower-case letters, digits, '-', '_' or '.'"]),
    ("url without scheme", "s.yaml", entry(url="www.a.gov.cn"),
     [f"{A}: field 'url': not an http(s) URL: 'www.a.gov.cn'"]),
    ("ftp url", "s.yaml", entry(url="'ftp://www.a.gov.cn/'"),
     [f"{A}: field 'url': not an http(s) URL: 'ftp://www.a.gov.cn/'"]),
    ("url without host", "s.yaml", entry(url="'http:///index.html'"),
     [f"{A}: field 'url': URL has no valid host: 'http:///index.html'"]),
    ("url with a bad host", "s.yaml", entry(url="'http://exa_mple!/'"),
     [f"{A}: field 'url': URL has no valid host: 'http://exa_mple!/'"]),
    ("url with a bad port", "s.yaml", entry(url="'http://www.a.gov.cn:99999/'"),
     [f"{A}: field 'url': URL has a bad port: 'http://www.a.gov.cn:99999/'"]),
    ("url with a space", "s.yaml", entry(url="'http://www.a.gov.cn/nb 2020.html'"),
     [f"{A}: field 'url': URL contains a space or a control character: 'http://www.a.gov.cn/nb 2020.html'"]),
    ("loopback url", "s.yaml", entry(url="'http://127.0.0.1:8765/'"),
     [f"{A}: field 'url': " + PRIVATE % "127.0.0.1 is a loopback address"]),
    ("decimal loopback url", "s.yaml", entry(url="'http://2130706433/'"),
     [f"{A}: field 'url': " + PRIVATE % "127.0.0.1 is a loopback address"]),
    ("short hex loopback url", "s.yaml", entry(url="'http://0x7f.1/'"),
     [f"{A}: field 'url': " + PRIVATE % "127.0.0.1 is a loopback address"]),
    ("IPv4-mapped IPv6 url", "s.yaml", entry(url="'http://[::ffff:127.0.0.1]/'"),
     [f"{A}: field 'url': " + PRIVATE % "::ffff:7f00:1 (IPv4 127.0.0.1) is a loopback address"]),
    ("localhost url", "s.yaml", entry(url="'http://localhost/'"),
     [f"{A}: field 'url': " + PRIVATE % "localhost is a local name"]),
    ("private network url", "s.yaml", entry(url="'https://192.168.1.10/'"),
     [f"{A}: field 'url': " + PRIVATE % "192.168.1.10 is a private address"]),
    ("local report_column and domain", "s.yaml",
     entry(report_column="'http://oa.a.local/nb/'", allowed_domains="[a.gov.cn, a.local]"),
     [f"{A}: field 'allowed_domains': " + PRIVATE % "a.local is a local name",
      f"{A}: field 'report_column': " + PRIVATE % "oa.a.local is a local name"]),
    ("link-local report_column and domain", "s.yaml",
     entry(report_column="'http://169.254.169.254/latest/'", allowed_domains="[a.gov.cn, 169.254.169.254]"),
     [f"{A}: field 'allowed_domains': " + PRIVATE % "169.254.169.254 is a link-local address",
      f"{A}: field 'report_column': " + PRIVATE % "169.254.169.254 is a link-local address"]),
    ("localhost in allowed_domains", "s.yaml", entry(allowed_domains="[a.gov.cn, localhost]"),
     [f"{A}: field 'allowed_domains': " + PRIVATE % "localhost is a local name"]),
    ("private IP in allowed_domains", "s.yaml", entry(allowed_domains="[10.0.0.5]"),
     [f"{A}: field 'allowed_domains': " + PRIVATE % "10.0.0.5 is a private address"]),
    (".internal allowed_domains", "s.yaml", entry(allowed_domains="gov.internal"),
     [f"{A}: field 'allowed_domains': " + PRIVATE % "gov.internal is a local name"]),
    ("report_column off the site", "s.yaml", entry(report_column="'http://www.b.gov.cn/nb/'"),
     [f"{A}: field 'report_column': host 'www.b.gov.cn' is outside the site's domains (a.gov.cn)"]),
    ("report_column off allowed_domains", "s.yaml",
     entry(report_column="'http://www.a.gov.cn/nb/'", allowed_domains="[b.gov.cn]"),
     [f"{A}: field 'report_column': host 'www.a.gov.cn' is outside the site's domains (b.gov.cn)"]),
    ("unknown template", "s.yaml", entry(template="trs"),
     [f"{A}: field 'template': unknown template 'trs' (known: auto, generic)"]),
    ("allowed_domains not a list", "s.yaml", entry(allowed_domains="{a: 1}"),
     [f"{A}: field 'allowed_domains': expected a list of domain names"]),
    ("allowed_domains wildcard", "s.yaml", entry(allowed_domains="['*.a.gov.cn']"),
     [f"{A}: field 'allowed_domains': not a domain name: '*.a.gov.cn'"]),
    ("allowed_domains a URL", "s.yaml", entry(allowed_domains="['http://a.gov.cn/']"),
     [f"{A}: field 'allowed_domains': not a domain name: 'http://a.gov.cn/'"]),
    ("every fault of every entry", "s.yaml", "- {id: A, name: '', url: 'ftp://x/', template: nope}\n- 5\n",
     ["entry 1 (id 'A'): field 'name': empty", "entry 1 (id 'A'): field 'region': missing",
      "entry 1 (id 'A'): field 'id': 'A' must be lower-case letters, digits, '-', '_' or '.'",
      "entry 1 (id 'A'): field 'url': not an http(s) URL: 'ftp://x/'",
      "entry 1 (id 'A'): field 'template': unknown template 'nope' (known: auto, generic)",
      "entry 2: expected a mapping of fields, got int"]),
    ("CSV without a header", "s.csv", "a,甲县人民政府,甲省甲县,http://www.a.gov.cn/,auto\n",
     [f"header: the first row names no field (expected a header row naming {FIELDS})"]),
    ("CSV missing columns", "s.csv", "id,name,url\na,甲县人民政府,http://www.a.gov.cn/\n",
     ["header: missing column 'region'", "header: missing column 'template'"]),
    ("CSV unknown column", "s.csv", "id,name,region,url,template,colour\n",
     ["header: unknown column 'colour'"]),
    ("CSV extra cells", "s.csv", HEADER + ROW % ",extra", ["entry 1: more cells than header columns (line 2)"]),
    ("CSV empty cell", "s.csv", HEADER + "a,,甲省甲县,http://www.a.gov.cn/,auto,,\n", [f"{A}: field 'name': empty"]),
    ("CSV empty", "s.csv", "", ["empty CSV: expected a header row naming the fields"]),
    ("CSV header only", "s.csv", HEADER, ["the list has no sites"]),
    ("CSV local domain", "s.csv", HEADER + ROW % "a.gov.cn;router.home.arpa",
     [f"{A}: field 'allowed_domains': " + PRIVATE % "router.home.arpa is a local name"]),
    ("CSV in GBK", "s.csv", (HEADER + ROW % "").encode("gbk"),
     ["not UTF-8 text (byte 60, line 2): save the list as UTF-8"]),
    ("YAML in GBK", "s.yaml", ("sites:\n" + entry()).encode("gbk"),
     ["not UTF-8 text (byte 23, line 2): save the list as UTF-8"]),
    ("binary garbage", "s.yaml", b"\xff\xd8\xff\xe0JFIF garbage", ["not UTF-8 text (byte 0, line 1): save the list as UTF-8"]),
    ("binary with NUL bytes", "s.yaml", bytes(range(256)),
     ["binary data, not a text seed list (a NUL byte at byte 0)"]),
    ("unknown extension", "s.txt", GOOD, ["unknown seed list format: use .yaml, .yml or .csv"]),
]


@pytest.mark.parametrize(("name", "content", "expected"), [(n, c, e) for _, n, c, e in MALFORMED],
                         ids=[case for case, *_ in MALFORMED])
def test_malformed_lists_name_file_entry_and_field(tmp_path: Path, name: str, content: str | bytes,
                                                   expected: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    assert problems(path) == expected


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert problems(tmp_path / "absent.yaml") == ["no such file"]
    (tmp_path / "list.yaml").mkdir()
    assert problems(tmp_path / "list.yaml") == ["a directory, not a seed list file"]


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    csv_list = tmp_path / "s.csv"
    csv_list.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW % "a.gov.cn").encode("utf-8"))
    yaml_list = tmp_path / "s.yaml"
    yaml_list.write_bytes(b"\xef\xbb\xbf" + entry().encode("utf-8"))
    assert [s.id for s in load_seeds(csv_list, TEMPLATES)] == [s.id for s in load_seeds(yaml_list, TEMPLATES)] == ["a"]


PRIVATE_CASES = [(case, name, content) for case, name, content, expected in MALFORMED
                 if any("--allow-private" in p for p in expected)]


@pytest.mark.parametrize(("name", "content"), [(n, c) for _, n, c in PRIVATE_CASES],
                         ids=[case for case, *_ in PRIVATE_CASES])
def test_allow_private_accepts_private_targets(tmp_path: Path, name: str, content: str | bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    [seed] = load_seeds(path, TEMPLATES, allow_private=True)
    assert seed.id == "a"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_seeds_check_command(tmp_path: Path) -> None:
    ok = run_cli("seeds", "check", "seeds/demo.yaml")
    assert ok.returncode == 0 and re.search(r"\d+ sites OK", ok.stdout)
    example = run_cli("seeds", "check", "seeds/example.yaml")  # the README's example
    assert example.returncode == 0 and "seeds/example.yaml: 2 sites OK" in example.stdout
    bad = write(tmp_path, "bad.yaml", GOOD.replace("id: wendeng", "id: yongchang").replace(
        "http://www.yongchang.gov.cn/", "http://localhost:8080/").replace("template: generic", "template: nope"))
    result = run_cli("seeds", "check", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}: entry 1 (id 'yongchang'): field 'url': " + PRIVATE % "localhost is a local name",
        f"error: {bad}: entry 2 (id 'yongchang'): field 'template': unknown template 'nope' (known: "
        + ", ".join(sorted(template_names())) + ")",
    ]
    local = write(tmp_path, "local.yaml", entry(url="'http://127.0.0.1:8765/'"))
    refused = run_cli("seeds", "check", str(local))
    assert (refused.returncode, refused.stderr.splitlines()) == (
        2, [f"error: {local}: {A}: field 'url': " + PRIVATE % "127.0.0.1 is a loopback address"])
    allowed = run_cli("seeds", "check", "--allow-private", str(local))
    assert (allowed.returncode, allowed.stdout.strip()) == (0, f"{local}: 1 sites OK")


def test_crawl_refuses_a_bad_list_before_any_fetch(tmp_path: Path, dead_port: int) -> None:
    bad = write(tmp_path, "bad.yaml", GOOD.replace("template: generic", "template: nope").replace(
        "allowed_domains: [wendeng.gov.cn, whwd.gov.cn]", "allowed_domains: [wendeng.gov.cn, 127.0.0.9]"))
    db = tmp_path / "corpus.db"
    result = run_cli("crawl", "--seeds", str(bad), "--db", str(db), "--proxy", f"http://127.0.0.1:{dead_port}")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}: entry 2 (id 'wendeng'): field 'allowed_domains': "
        + PRIVATE % "127.0.0.9 is a loopback address",
        f"error: {bad}: entry 2 (id 'wendeng'): field 'template': unknown template 'nope' (known: "
        + ", ".join(sorted(template_names())) + ")"]
    assert not db.exists()
