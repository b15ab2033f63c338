from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("mutation", "expected"), [
    (lambda t: t.replace("    region: 甘肃省金昌市永昌县\n", ""), "entry 1 (id 'yongchang'): field 'region': missing"),
    (lambda t: t.replace("id: wendeng", "id: yongchang"), "entry 2 (id 'yongchang'): field 'id': duplicate id"),
    (lambda t: t.replace("http://www.yongchang.gov.cn/", "ftp://www.yongchang.gov.cn/"),
     "entry 1 (id 'yongchang'): field 'url': not an http(s) URL"),
    (lambda t: t.replace("http://www.yongchang.gov.cn/", "http://exa mple/"), "field 'url': URL has no valid host"),
    (lambda t: t.replace("template: generic", "template: trs"), "entry 2 (id 'wendeng'): field 'template': unknown"),
    (lambda t: t.replace("report_column: http", "report_column: htp"), "field 'report_column': not an http(s) URL"),
    (lambda t: t.replace("    template: auto\n", "    template: auto\n    colour: red\n"), "field 'colour': unknown"),
])
def test_faults_name_file_entry_and_field(tmp_path: Path, mutation, expected: str) -> None:
    found = problems(write(tmp_path, "s.yaml", mutation(GOOD)))
    assert any(expected in p for p in found), found


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    [problem] = problems(write(tmp_path, "s.yaml", "sites:\n  - id: a\n    name: [unclosed\n"))
    assert "invalid YAML" in problem and "line" in problem


def test_bad_csv_header_and_ragged_row(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "s.csv", "id,name,url\n")) == [
        "header: missing column 'region'", "header: missing column 'template'"]
    ragged = "id,name,region,url,template\na,甲,乙,http://a.gov.cn/,auto,extra\n"
    assert "more cells than header columns" in problems(write(tmp_path, "r.csv", ragged))[0]


def test_every_fault_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("    region: 甘肃省金昌市永昌县\n", "").replace("template: generic", "template: nope")
    assert len(problems(write(tmp_path, "s.yaml", text))) == 2


def test_empty_and_missing_and_wrong_type(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "s.yaml", "sites: []\n")) == ["the list has no sites"]
    assert problems(tmp_path / "absent.yaml") == ["no such file"]
    assert "unknown seed list format" in problems(write(tmp_path, "s.txt", GOOD))[0]
    assert "expected a list of sites" in problems(write(tmp_path, "s.yaml", "just text\n"))[0]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_seeds_check_command(tmp_path: Path) -> None:
    ok = run_cli("seeds", "check", "seeds/demo.yaml")
    assert ok.returncode == 0 and re.search(r"\d+ sites OK", ok.stdout)
    example = run_cli("seeds", "check", "seeds/example.yaml")  # the README's example
    assert example.returncode == 0 and "seeds/example.yaml: 2 sites OK" in example.stdout
    bad = write(tmp_path, "bad.yaml", GOOD.replace("id: wendeng", "id: yongchang"))
    result = run_cli("seeds", "check", str(bad))
    assert result.returncode == 2
    assert f"{bad}: entry 2 (id 'yongchang'): field 'id': duplicate id" in result.stderr


def test_crawl_refuses_a_bad_list_before_any_fetch(tmp_path: Path, dead_port: int) -> None:
    bad = write(tmp_path, "bad.yaml", GOOD.replace("template: generic", "template: nope"))
    db = tmp_path / "corpus.db"
    result = run_cli("crawl", "--seeds", str(bad), "--db", str(db), "--proxy", f"http://127.0.0.1:{dead_port}")
    assert result.returncode == 2
    assert "field 'template': unknown template 'nope'" in result.stderr
    assert not db.exists()
