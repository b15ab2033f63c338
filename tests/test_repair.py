"""Decoding repair from a page's bytes, mojibake repair and lost-character flags in its text."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.items import ReportPage
from pipelines.decode import DecodePipeline, redecode
from pipelines.repair import RepairPipeline, lost_characters, repair_lines, restore_white_space
from pipelines.tables import parse_tables
from tests.conftest import FIXTURES

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


def test_the_repair_pipeline_takes_out_lost_spaces_keeps_the_lines_as_served_and_restores_a_mojibake_title() -> None:
    item = ReportPage(site_id="m", site_name="m", region="", url="http://m.example/1.html", status=200, fetched_at="",
                      page_sha256="", html="", template="ucap")
    item.page_title = NAME.encode("utf-8").decode("gb18030")
    item.body = ["一、总体情况?", "本年度政府信息公开工作稳步推进。?", "无。?"]
    RepairPipeline().process_item(item)
    assert item.body == ["一、总体情况", "本年度政府信息公开工作稳步推进。", "无。"]
    assert item.evidence["lost_characters"] == {"count": 3, "lines": ["一、总体情况?", "本年度政府信息公开工作稳步推进。?", "无。?"],
                                                "line_count": 3, "white_space_restored": 3}
    assert item.page_title == NAME
    assert sorted(item.flags) == ["lost_characters", "mojibake_repaired"]


def test_question_marks_that_stood_for_spaces_or_line_breaks_go() -> None:
    """The shapes of seed 004: after a paragraph, after a heading, before and after a number cell, at the start of
    an indented heading, after a space, after a colon, in a table row's cells, alone between paragraphs."""
    lines = ["特编制铁岭市人民政府2019年度政府信息公开工作报告。?", "一、总体情况?", "?0", "33?", "?(三)深入推进重点部门的信息公开?",
             "市政府网站设立专栏同步公开。 ?", "针对以上问题,我们将做好以下几方面工作:?", "规章\t?13\t13?\t90",
             "(二)健全工作机制。?一是制订了政务公开工作年度工作计划。", "?", "五、存在的主要问题及改进情况"]
    assert restore_white_space(lines) == ([
        "特编制铁岭市人民政府2019年度政府信息公开工作报告。", "一、总体情况", "0", "33", "(三)深入推进重点部门的信息公开",
        "市政府网站设立专栏同步公开。", "针对以上问题,我们将做好以下几方面工作:", "规章\t13\t13\t90",
        "(二)健全工作机制。 一是制订了政务公开工作年度工作计划。", "五、存在的主要问题及改进情况"], 12)


def test_a_question_a_url_and_characters_lost_inside_words_or_numbers_keep_their_question_mark() -> None:
    kept = ["申请人来函询问：该信息是否属于政府信息公开的范围?", "請問：申請公開的信息屬於哪個部門?", "能否通过网上申请?请予答复。",
            "详见 http://www.tieling.gov.cn/search?q=年报 。", "规范性文件", "327", "1?109", "铁岭市政府?信息公开办公室",
            "Is it open? Yes, it is open?"]
    lines = ["本报告电子版可在门户网站查阅。?", *kept]  # the page's other '?' certainly stood for spaces
    assert restore_white_space(lines) == (["本报告电子版可在门户网站查阅。", *kept], 1)


def test_a_question_mark_ending_a_word_stays_on_a_page_with_no_other_damage() -> None:
    lines = ["三、依申请公开情况", "市民来电询问，政府信息公开申请一般需要多长时间办结?", "本年度共受理申请42件。"]
    assert restore_white_space(lines) == (lines, 0)  # a question without a question word, or a lost space: unknown


def test_a_lone_question_mark_goes_between_paragraphs_and_stays_among_table_cells() -> None:
    lines = ["本年度未发生行政复议和行政诉讼案件。", "?", "二、主动公开政府信息情况", "规章", "13", "?", "90",
             "信息内容", "?", "本年新制作数量", "全年共受理申请42件，按时办结42件。", "?", "?", "五、存在的主要问题及改进情况"]
    assert restore_white_space(lines) == (
        [line for i, line in enumerate(lines) if i not in (1, 11, 12)], 3)


SEED_004_TABLES = FIXTURES / "tables" / "seed004-tieling-2019-flattened.txt"  # '?' as the hijacked copy serves them


def test_the_tables_read_the_same_numbers_and_unknowns_once_the_lost_spaces_are_out() -> None:
    served = [line for line in SEED_004_TABLES.read_text("utf-8").splitlines() if line.strip()]
    restored, removed = restore_white_space(served)
    assert removed > 150 and not any("?" in line for line in restored)
    assert parse_tables(restored) == parse_tables(served) is not None
    row = served.index("一、本年新收政府信息公开申请数量")
    with_unknowns = [*served[:row + 5], "?", *served[row + 6:]]  # 法律服务机构 lost: a lone '?' among the cells
    restored, _ = restore_white_space([line.replace(" 1109", "1?109") for line in with_unknowns])
    tables = parse_tables(restored)
    assert tables is not None and "?" in restored and "1?109" in restored
    assert tables == parse_tables([line.replace(" 1109", "1?109") for line in with_unknowns])
    assert tables["unknown"] == [["active", "规范性文件", "对外公开总数量"],
                                 ["applications", "一、本年新收政府信息公开申请数量", "法律服务机构"]]
