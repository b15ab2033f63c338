"""The replay cases of tests/cleaning: each page through the pipelines, against the body written out by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.cleaning.cases import Case, all_cases, char_f1, chrome_left, run

CASES = all_cases()
SEEDS = [c for c in CASES if c.name.startswith("seed/")]
MIN_F1 = 0.99


def ids(case: Case) -> str:
    return case.name


def test_every_seed_doc_and_thirty_more_pages_are_cases() -> None:
    assert [c.name.split("/")[1][:3] for c in SEEDS] == ["000", "001", "002", "003", "004"]
    others = [c for c in CASES if c not in SEEDS]
    assert len(others) >= 30
    assert {c.template for c in CASES} >= {"trs_wcm", "hanweb_jcms", "ucap", "generic"}
    assert any("gb" in c.content_type.lower() or b"gb2312" in c.raw[:2000].lower() for c in others)  # GBK pages


def check(case: Case, body: list[str]) -> None:
    if case.exact:
        assert body == list(case.expected)
    assert char_f1(body, case.expected) >= MIN_F1
    assert chrome_left(body, case.expected) == []


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_body_and_flags(case: Case) -> None:
    item = run(case)
    check(case, item.body)
    if case.all_flags:
        assert set(item.flags) == case.flags
    else:
        assert case.flags <= set(item.flags)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_same_body_without_the_familys_container(case: Case) -> None:
    """The second strategy alone (main block, trafilatura) and the cleaner get the same body."""
    check(case, run(case, selectors=()).body)


def seed(number: str) -> Case:
    return next(c for c in SEEDS if c.name.startswith(f"seed/{number}"))


def test_seed_000_keeps_traditional_text_and_gains_a_simplified_search_field() -> None:
    item = run(seed("000"))
    assert "入口網站" in "\n".join(item.body) and "最佳化" in "\n".join(item.body)
    assert item.search_text is not None
    assert "门户网站" in item.search_text and "优化" in item.search_text and "入口网站" not in item.search_text
    assert item.search_text.startswith("云城区人民政府2014年政府信息公开工作年度报告\n")
    assert "入口→门户" in item.evidence["converted_script"]["phrase_swaps"]
    assert item.report_year == 2014 and item.kind == "annual_report"


def test_seed_001_is_read_as_gbk_despite_its_header() -> None:
    item = run(seed("001"))
    assert item.evidence["encoding_repaired"]["decoded_as"] == "gb18030"
    assert item.publish_date == "2017-01-21"
    assert item.attachments == ["http://www.wendeng.gov.cn/bmxxgk/zwfwzx/201701/P020170121389526704411.rtf"]
    assert "(http:/www.wendeng.gov.cn)" in item.body[-2]  # the malformed URL is text, kept as written


def test_seed_002_is_a_key_points_report() -> None:
    item = run(seed("002"))
    assert item.kind == "key_points" and item.publish_date == "2015-11-26"


def test_seed_004_is_tampered_with_evidence_and_its_lost_characters_are_flagged_and_taken_out() -> None:
    item = run(seed("004"))
    tampered = item.evidence["tampered"]
    assert tampered["spam_terms"]["terms"] == ["即时比分"]
    assert tampered["agency_slots"]["names"] == ["即时比分"]
    assert tampered["agency_slots"]["lines"][0].startswith("按照《中华人民共和国政府信息公开条例》和《即时比分办公厅")
    lost = item.evidence["lost_characters"]
    assert lost["lines"][:2] == [item.body[0] + "?", "一、总体情况?"] and lost["count"] > 100  # the lines as served
    assert item.body[1] == "一、总体情况" and not any("?" in line for line in item.body)
    assert lost["white_space_restored"] == lost["count"]  # every '?' of this copy stood for a space or a break
    assert item.body[item.body.index("行政许可") + 1: item.body.index("行政许可") + 4] == ["653", "52", "821198"]


def test_seed_004_differs_from_its_original_only_by_the_spam_and_three_dropped_characters() -> None:
    """The hijacked copy against the hand-written body of the Tieling original: with its lost spaces taken out,
    what is left is the swap of 辽宁省人民政府 for 即时比分 and the 减 its tables' header 本年增/减 lost."""
    original = next(c for c in CASES if c.name == "portal/www.tieling.gov.cn/t20200331_4105829")
    copy, genuine = (Counter(ch for line in body for ch in line if not ch.isspace())
                     for body in (run(seed("004")).body, original.expected))
    assert copy - genuine == Counter("即时比分")
    assert genuine - copy == Counter("辽宁省人民政府减减减")
