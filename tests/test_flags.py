from __future__ import annotations

from pipelines.flags import spam_evidence


def test_seed_004_injected_brand_is_found_with_its_line() -> None:
    body = ["按照《中华人民共和国政府信息公开条例》和《即时比分办公厅关于做好2019年度政府信息公开工作报告编制发布等工作的通知》要求，"
            "特编制铁岭市人民政府2019年度政府信息公开工作报告。", "一、总体情况"]
    evidence = spam_evidence("铁岭市2019年度政府信息公开工作报告", body)
    assert evidence is not None
    assert evidence["terms"] == ["即时比分"]
    assert evidence["lines"] == [body[0][:200]]


def test_ascii_terms_match_whole_words_only() -> None:
    assert spam_evidence("", ["访问 https://www.hthgov.cn 查看"]) is None
    assert spam_evidence("", ["hth华体会体育官网入口"])["terms"] == ["hth华体会"]
    assert spam_evidence("", ["HTH 体育"])["terms"] == ["HTH"]


def test_government_lottery_business_is_not_spam() -> None:
    assert spam_evidence("", ["福利彩票和体育彩票公益金使用情况已按规定公开。"]) is None
