"""Decoding repair from a page's bytes, mojibake repair and lost-character flags in its text."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.items import ReportPage
from pipelines.decode import DecodePipeline, redecode
from pipelines.repair import RepairPipeline, lost_characters, repair_lines

TEXT = "根据《中华人民共和国政府信息公开条例》规定，现公布威海市文登区政务服务中心2016年政府信息公开工作年度报告。"


def page(charset: str) -> str:
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>' \
           f"<body><div class='TRS_Editor'><p>{TEXT}</p><p>一、概述</p></div></body></html>"


def scrapy_reads(header: str, raw: bytes) -> str:
    return html_to_unicode(header, raw)[1]


def test_gbk_bytes_under_a_utf8_header_are_read_as_gbk() -> None:
    raw = page("gb2312").encode("gbk")
    seen = scrapy_reads("text/html; charset=utf-8", raw)
    assert TEXT not in seen and "\ufffd" in seen  # the header won over the meta tag
    found = redecode(raw, seen)
    assert found is not None and TEXT in found.text
    assert (found.encoding, found.declared) == ("gb18030", "gb2312")
    assert found.readability_before < 0.1 and found.readability_after == 1.0


def test_utf8_bytes_under_a_gbk_header_are_read_as_utf8() -> None:
    raw = page("gbk").encode("utf-8")
    seen = scrapy_reads("text/html; charset=gbk", raw)
    assert TEXT not in seen  # 鏍规嵁銆婁腑鍗庝汉姘戝叡鍜屽浗… mojibake
    found = redecode(raw, seen)
    assert found is not None and TEXT in found.text and found.encoding == "utf-8"


def test_a_page_read_right_is_left_alone_in_any_script() -> None:
    for charset, text in (("gbk", TEXT), ("big5", "根據《中華人民共和國政府信息公開條例》的規定，現公布雲城區年度報告。")):
        raw = f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'.encode(charset)
        assert redecode(raw, scrapy_reads(f"text/html; charset={charset}", raw)) is None


def test_the_decode_pipeline_replaces_the_html_and_records_why() -> None:
    raw = page("gb2312").encode("gbk")
    item = ReportPage(site_id="w", site_name="w", region="", url="http://www.wendeng.gov.cn/t1.html", status=200,
                      fetched_at="", page_sha256="", html=scrapy_reads("text/html; charset=utf-8", raw),
                      template="trs_wcm", raw=raw)
    DecodePipeline().process_item(item)
    assert TEXT in item.html
    assert item.flags == ["encoding_repaired"]
    assert item.evidence["encoding_repaired"]["decoded_as"] == "gb18030"


NAME = "政府信息公开工作年度报告"


def test_mojibake_lines_are_restored_when_the_round_trip_is_exact_and_flagged_when_not() -> None:
    utf8_as_gbk = NAME.encode("utf-8").decode("gb18030")  # 鏀垮簻淇℃伅鍏紑宸ヤ綔骞村害鎶ュ憡
    gbk_as_latin1 = TEXT.encode("gbk").decode("latin-1")
    lossy = TEXT.encode("utf-8").decode("gb18030", errors="replace")  # bytes the wrong charset had no use for: lost
    lines, repaired, damaged = repair_lines(["一、概述", utf8_as_gbk, gbk_as_latin1, lossy, "责任编辑：王喆"])
    assert lines == ["一、概述", NAME, TEXT, lossy, "责任编辑：王喆"]
    assert repaired == [utf8_as_gbk, gbk_as_latin1] and damaged == [lossy]


def test_lost_characters_are_found_beside_chinese_text_and_digits_but_not_in_urls_or_english() -> None:
    lines = ["特编制铁岭市人民政府2019年度政府信息公开工作报告。?", "?0", "0?", "?(三)深入推进重点部门的信息公开?",
             "详见 http://www.tieling.gov.cn/search?q=年报 。", "Is it open? Yes.", "第二十条第(一)项", "一七年一月八日"]
    assert lost_characters(lines) == {"count": 5, "lines": lines[:4], "line_count": 4}
    assert lost_characters(["无问题。", "政府信息\ufffd公开"]) == {"count": 1, "lines": ["政府信息\ufffd公开"], "line_count": 1}


def test_the_repair_pipeline_keeps_lost_characters_as_served_and_restores_a_mojibake_title() -> None:
    item = ReportPage(site_id="m", site_name="m", region="", url="http://m.example/1.html", status=200, fetched_at="",
                      page_sha256="", html="", template="ucap")
    item.page_title = NAME.encode("utf-8").decode("gb18030")
    item.body = ["一、总体情况?", "无。?"]
    RepairPipeline().process_item(item)
    assert item.body == ["一、总体情况?", "无。?"]
    assert item.page_title == NAME
    assert sorted(item.flags) == ["lost_characters", "mojibake_repaired"]
