"""Every family's page object on its fixture directories (tests/fixtures/templates, format in
tests/page_objects.py): fingerprint, list entries, further list pages, the browser decision, the body region."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders import load_families
from spiders.hanweb_jcms import datastore_records
from tests.page_objects import KEYS, Case, cases, read

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_object_reads_what_the_case_expects(case: Case) -> None:
    expected = case.expected()
    assert expected, f"{case.name}: expected.yaml pins nothing"
    assert set(expected) <= set(KEYS), f"{case.name}: unknown keys {sorted(set(expected) - set(KEYS))}"
    got = read(case, tuple(k for k in KEYS if k in expected))
    for key in expected:
        assert got[key] == expected[key], f"{case.name}: {key}"


def test_every_family_has_fixture_cases() -> None:
    covered = {case.family.name for case in CASES}
    assert covered == set(load_families())


def test_hostile_list_xml_expands_no_entity_and_reads_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", "utf-8")
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
              f'<!ENTITY x SYSTEM "file://{secret}">]>'
              '<datastore><recordset><record>&c;&x;</record></recordset></datastore>')
    records, _ = datastore_records(laughs)
    assert all("哈哈" not in r and "机密" not in r for r in records)
    assert datastore_records("<datastore><record>unclosed")[0] in ([], ["unclosed"])
    assert datastore_records("not xml at all") == ([], None)
