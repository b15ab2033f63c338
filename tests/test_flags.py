from __future__ import annotations

from crawler.items import ReportPage
from pipelines.flags import FlagPipeline, damage_evidence, spam_evidence


def test_seed_004_injected_brand_is_found_with_its_line() -> None:
    body = ["按照《中华人民共和国政府信息公开条例》和《即时比分办公厅关于做好2019年度政府信息公开工作报告编制发布等工作的通知》要求，"
            "特编制铁岭市人民政府2019年度政府信息公开工作报告。", "一、总体情况"]
    evidence = spam_evidence("铁岭市2019年度政府信息公开工作报告", body)
    assert evidence is not None
    assert evidence["terms"] == ["即时比分"]
    assert evidence["lines"] == [body[0][:200]]


def test_ascii_terms_match_whole_words_only() -> None:
    assert spam_evidence("", ["访问 https://www.hthgov.cn 查看"]) is None
    assert (found := spam_evidence("", ["hth华体会体育官网入口"])) and found["terms"] == ["hth华体会"]
    assert (found := spam_evidence("", ["HTH 体育"])) and found["terms"] == ["HTH"]


def test_government_lottery_business_is_not_spam() -> None:
    assert spam_evidence("", ["福利彩票和体育彩票公益金使用情况已按规定公开。"]) is None


def test_an_agency_slot_holding_no_agency_is_damage_even_for_an_unlisted_brand() -> None:
    body = ["本报告根据《中华人民共和国政府信息公开条例》要求，由鸿运来棋牌办公厅编制。",
            "本报告电子版可在鸿运来棋牌门户网站（www.ln.gov.cn）下载。"]
    evidence = damage_evidence("辽宁省人民政府2019年政府信息公开工作年度报告", body)
    assert evidence == {"names": ["鸿运来棋牌"], "lines": body, "count": 2}
    assert spam_evidence("", body) is None  # no term list knows it: the shape alone finds it


def test_genuine_agencies_in_the_slots_are_not_damage() -> None:
    body = ["按照《辽宁省人民政府办公厅关于做好2019年度政府信息公开工作报告编制发布等工作的通知》要求编制。",
            "依据《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》。",
            "根据《中共中央办公厅 国务院办公厅关于全面推进政务公开工作的意见》，由县政府办公室编制。",
            "本报告电子版可在永昌县人民政府门户网站（www.yongchang.gov.cn）查阅，也可在本机关门户网站下载。",
            "涉及公众切身利益的决策事项在会前通过门户网站公开征求意见。", "《國務院辦公廳關於做好政府信息公開工作的通知》"]
    assert damage_evidence("", body) is None


def test_the_flag_pipeline_reports_both_kinds_of_evidence() -> None:
    item = ReportPage(site_id="m", site_name="m", region="", url="http://m.example/1.html", status=200, fetched_at="",
                      page_sha256="", html="", template="trs_wcm")
    item.title = "铁岭市2019年度政府信息公开工作报告"
    item.body = ["按照《即时比分办公厅关于做好2019年度政府信息公开工作报告编制发布等工作的通知》要求编制。", "一、总体情况"]
    FlagPipeline().process_item(item)
    assert item.flags == ["tampered"]
    assert item.evidence["tampered"]["spam_terms"]["terms"] == ["即时比分"]
    assert item.evidence["tampered"]["agency_slots"]["names"] == ["即时比分"]


def test_a_term_inside_an_ordinary_word_is_not_spam() -> None:
    assert spam_evidence("", ["3月召开云城区政务公开工作推进会，部署全年工作。"]) is None
