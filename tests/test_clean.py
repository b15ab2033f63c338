from __future__ import annotations

import pytest

from crawler.chrome import chrome_rules
from crawler.items import Paragraph
from crawler.text import CJK
from pipelines.clean import clean_body, remove_repeats, strip_chrome
from pipelines.extract import extract, prose_weight
from pipelines.file_text import own_text
from tests.conftest import PORTALS

TITLE = "厦门市翔安区内厝镇人民政府2015年政府信息公开工作要点落实情况报告"


def paras(*lines: str, linked: tuple[int, ...] = ()) -> list[Paragraph]:
    return [Paragraph(text, linked=i in linked) for i, text in enumerate(lines)]


def test_leading_and_trailing_chrome_go_and_a_body_address_stays() -> None:
    body = [
        "根据《条例》规定，现将有关情况报告如下：",
        "一、强化领导，夯实政府信息公开工作基础",
        "如对本报告有疑问，请与镇党政办联系。",
        "地址：厦门市翔安区内厝镇内厝路1号",  # inside the body: the report's own contact paragraph
        "三、存在问题和改进措施",
        "下步，我们将着力从以下几方面加以改进。",
    ]
    page = paras(
        "当前位置：首页 > 政务公开 > 工作要点", "翔安区", TITLE, "时间:2015-11-26 10:22", "【字号：大 中 小】",
        *body,
        "附件下载", "扫一扫在手机上查看当前页面", "相关解读", "文字解读", "图片解读", "媒体报道",
        "【打印本页】【关闭窗口】", "网站地图 | 联系我们", "主办单位：厦门市翔安区人民政府办公室",
        "闽ICP备05001234号-1", "闽公网安备 35021302000123号", "网站标识码：3502130001",
        "地址：厦门市翔安区行政中心", "微信公众号",
        linked=(1, 21),
    )
    cleaned, flags = clean_body(page, TITLE)
    assert cleaned == body
    assert flags == []


def test_strong_chrome_inside_a_body_goes() -> None:
    cleaned = strip_chrome(paras("一、概述", "分享到：", "正文第一段，内容完整。", "【打印本页】【关闭窗口】", "正文第二段。"),
                           None)
    assert [p.text for p in cleaned] == ["一、概述", "正文第一段，内容完整。", "正文第二段。"]


def test_a_body_twice_on_a_page_keeps_one_copy_with_its_title() -> None:
    page = (PORTALS / "www.yongchang.gov.cn/art/2015/1/21/art_4171_290801.html").read_text("utf-8")
    extraction = extract(page, "http://www.yongchang.gov.cn/art/2015/1/21/art_4171_290801.html", ("#zoom",))
    title = "永昌县2014年政府信息公开工作年度报告"
    cleaned, flags = clean_body(extraction.paragraphs, title)
    assert flags == ["repeat_removed"]
    assert cleaned[0].startswith("本年报以《中华人民共和国政府信息公开条例》")
    assert cleaned[1] == "一、概述"
    assert cleaned[-1].startswith("2015年，我们将重点做好以下工作")
    assert sum(p.startswith("本年报以") for p in cleaned) == 1
    assert len(cleaned) == len(set(cleaned))
    assert title not in cleaned


def test_repeat_before_a_title_less_second_copy_keeps_the_first() -> None:
    copy = ["一、概述", "本年度，全县政府信息公开工作有序开展，主动公开信息一千余条，依申请公开办理及时规范。",
            "二、存在问题", "公开内容有待深化，政策解读形式较为单一，基层公开标准化规范化建设仍需加强。"]
    kept, removed = remove_repeats(paras(*copy, "领导简介", "关闭", *copy), None)
    assert removed and [p.text for p in kept] == copy


def test_repeated_long_paragraph_goes_but_table_rows_stay() -> None:
    header = Paragraph("信息内容\t上一年项目数量\t本年增/减\t处理决定数量", row=True)
    long = "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"
    kept, removed = remove_repeats([Paragraph(long), header, Paragraph("行政许可\t653\t52\t821198", row=True),
                                    header, Paragraph(long)], None)
    assert removed
    assert [p.text for p in kept].count(header.text) == 2
    assert [p.text for p in kept].count(long) == 1


def test_clean_text_is_left_alone() -> None:
    body = ["一、总体情况", "2019年，铁岭政府信息公开工作稳步推进。", "二、主动公开政府信息情况"]
    assert clean_body(paras(*body), None) == (body, [])


def test_runs_of_flattened_table_cells_are_not_a_second_copy() -> None:
    cells = ["规章", "?0", "?0", "?0", "规范性文件", "?0", "?0", "?0", "行政许可", "?0", "?0", "?0"]
    kept, removed = remove_repeats(paras("二、主动公开政府信息情况", *cells), None)
    assert not removed and [p.text for p in kept][1:] == cells


HEADINGS = ["一、主要做法", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、存在问题及改进措施"]
SECTION = "本年度全区政府信息公开工作有序开展，主动公开信息一千余条，依申请公开办理及时规范。"


def test_a_headings_line_is_kept_once_and_a_linked_contents_box_goes() -> None:
    toc_line = ",".join(HEADINGS) + ","
    box = [Paragraph(f"{i} {h}", linked=True) for i, h in enumerate(HEADINGS, 1)]
    sections = [line for h in HEADINGS for line in (h, SECTION.replace("本年度", h[2:4]))]
    page = [Paragraph("根据《条例》规定，现公布本区2014年政府信息公开工作年度报告，内容涵盖全年工作情况。"), Paragraph("目录"), *box,
            Paragraph(toc_line), *paras(*sections), Paragraph(toc_line)]
    cleaned, flags = clean_body(page, None)
    assert cleaned == [page[0].text, toc_line, *sections]
    assert flags == ["repeat_removed"]  # the second copy of the text's own list is a repeat; the linked box is not


def test_section_headings_named_by_a_contents_block_are_not_dropped_as_repeats() -> None:
    long_headings = ["一、因政府信息公开申请提起行政复议和行政诉讼的情况", "二、政府信息公开工作存在的主要问题及改进情况",
                     "三、政府信息公开保密审查及监督检查情况说明"]
    body = [line for i, h in enumerate(long_headings) for line in (h, SECTION.replace("一千", f"{i + 2}千"))]
    kept, _ = remove_repeats(paras(*long_headings, *body), None)
    assert [p.text for p in kept] == long_headings + body  # an unlinked block stays (it may be the text's own)
    assert sum(p.text == long_headings[0] for p in kept) == 2


def test_traditional_chrome_is_matched_through_its_simplified_form() -> None:
    body = ["根據《中華人民共和國政府信息公開條例》的規定，現公布本區2014年政府信息公開工作年度報告。", "一、主要做法"]
    page = paras("當前位置：首頁 > 政務公開", *body, "相關詞條", "熱門詞條", "聯絡我們", "版權所有 粵ICP備09076321號",
                 linked=(0, 4))
    assert clean_body(page, None) == (body, [])


def test_a_doubled_table_row_goes() -> None:
    row = Paragraph("行政许可\t653\t52\t821198", row=True)
    kept, removed = remove_repeats([Paragraph("二、主动公开政府信息情况"), row, Paragraph(row.text, row=True)], None)
    assert removed and [p.text for p in kept] == ["二、主动公开政府信息情况", row.text]


def test_a_familys_extra_rules_apply_to_its_pages_only() -> None:
    page = paras("<$[信息来源]>", "一、概述", "本年度政府信息公开工作有序开展，主动公开信息一千余条。")
    assert clean_body(page, None, "hanweb_jcms")[0] == ["一、概述", "本年度政府信息公开工作有序开展，主动公开信息一千余条。"]
    assert clean_body(page, None, "trs_wcm")[0][0] == "<$[信息来源]>"


def test_the_title_line_cuts_the_lead_only_above_the_running_text() -> None:
    first = "本报告根据《条例》要求编制，全文包括概述、主动公开政府信息情况等六部分，统计期限为2015年全年。"
    body = [first, "永昌县2015年政府信息公开工作年度报告", "一、概述"]  # the title, quoted inside the text, stays
    page = paras("政府信息公开年报", *body, linked=(0,))
    assert clean_body(page, "永昌县2015年政府信息公开工作年度报告")[0] == body


def test_signature_lines_at_the_end_stay() -> None:
    body = ["六、其他需要报告的事项", "本年度无其他需要报告的事项。", "威海市文登区人民政府办公室", "一七年一月八日"]
    page = paras(*body, "【打印本页】【关闭窗口】", "责任编辑：王喆", "上一篇：泽库镇2016年工作要点")
    assert clean_body(page, None)[0] == body


QR_PARAGRAPH = ("（三）拓展公开渠道。充分发挥政府门户网站、政务微博、政务微信等平台作用，不断拓宽政府信息公开渠道。全年通过政府门户网站"
                "主动公开政府信息12563条，通过“铁岭发布”政务微博发布信息3210条。同时在市政务服务中心、市档案馆、市图书馆设立政府信息"
                "公开查阅点，群众可通过扫描二维码关注政务公开微信公众号，获取政府文件、政策解读和办事指南等信息，实现政府信息“掌上查”。")
FOOTER_FIELDS = ("版权所有：铁岭市人民政府  主办单位：铁岭市人民政府办公室  地址：铁岭市凡河新区金沙江路16号  邮编：112000  "
                 "电话：024-72826123  传真：024-72826100")


def test_running_text_that_mentions_chrome_words_stays_wherever_it_stands_and_chrome_lines_go() -> None:
    for at in (0, 1, 2):  # the body's first paragraph, between two others, its last
        body = ["一、总体情况", "2019年，铁岭政府信息公开工作稳步推进。"]
        body.insert(at, QR_PARAGRAPH)
        page = paras("当前位置：首页 > 政务公开", "分享到：", *body, "扫一扫在手机上查看当前页面", "【打印本页】【关闭窗口】",
                     FOOTER_FIELDS, "建议使用IE9以上浏览器，1024×768分辨率浏览本站", linked=(0,))
        assert clean_body(page, None) == (body, [])


def test_one_notion_of_chrome_for_extraction_attachments_and_cleaning() -> None:
    rules = chrome_rules()
    assert len(FOOTER_FIELDS) > 80 and rules.is_chrome(FOOTER_FIELDS) and rules.is_chrome(FOOTER_FIELDS, edge=True)
    assert not rules.is_chrome(QR_PARAGRAPH) and not rules.is_chrome(QR_PARAGRAPH, edge=True)
    assert prose_weight(Paragraph(QR_PARAGRAPH)) == len(QR_PARAGRAPH) and prose_weight(Paragraph(FOOTER_FIELDS)) == 0
    assert own_text([Paragraph(QR_PARAGRAPH), Paragraph(FOOTER_FIELDS)]) == len(CJK.findall(QR_PARAGRAPH))
    short = "群众可通过扫描二维码关注政务公开微信公众号，获取最新政府信息。"  # one sentence besides the chrome words
    assert not rules.is_chrome(short) and rules.is_chrome(short, edge=True)  # text inside the body, chrome at its edge
    assert rules.is_chrome("地址：铁岭市凡河新区金沙江路16号", edge=True) and not rules.is_chrome("地址：铁岭市凡河新区金沙江路16号")


def mirror_page(title: str, lead: str, catalog: str, entries: list[str], sections: list[tuple[str, str]], *,
                linked: bool) -> str:
    """A page as encyclopedia mirrors serve reports: the lead paragraph, a numbered 目录 box whose index is glued
    to the heading's numeral (1一、…), then the sections under their headings."""
    items = "".join(
        f'<li><a href="#sec{i}"><span class="index">{i}</span>{h}</a></li>' if linked
        else f'<li><span class="index">{i}</span><span class="text">{h}</span></li>' for i, h in enumerate(entries, 1))
    text = "".join(f'<div class="para-title level-2"><h2>{h}</h2><a class="edit-lemma" href="/edit/1">編輯本段</a></div>'
                   f"<p>{p}</p>" for h, p in sections)
    return (f"<html><head><title>{title}</title></head><body><div class='crumb'>當前位置：<a href='/'>百科</a></div>"
            f"<div class='lemma'><h1>{title}</h1><p>{lead}</p><table class='lemma-catalog'><tr><td class='catalog-title'>{catalog}</td>"
            f"</tr><tr><td><ol>{items}</ol></td></tr></table>{text}</div><div class='tags'>相關詞條</div></body></html>")


MIRROR_SECTIONS = {
    "traditional": ("雲城區人民政府2014年政府信息公開工作年度報告",
                    "根據《中華人民共和國政府信息公開條例》的規定，現公布雲城區人民政府2014年政府信息公開工作年度報告。", "目錄", [
        ("一、主要做法", "我區高度重視政務公開工作，把政務公開工作納入重要工作日程，設立區政府信息公開工作領導小組及其辦公室。"),
        ("二、主動公開政府信息情況", "區政府及區府辦主要通過區政府入口網站以及報刊、廣播、電視等方式主動公開相關政府信息。"),
        ("三、依申請公開政府信息及諮詢受理情況", "2014年，區政府及區府辦沒有收到政府信息公開申請，提交諮詢投訴868宗。"),
        ("四、存在問題及2015年工作計畫", "我區政府信息公開工作取得了新的進展，但同時也存在一些問題，需進一步深化。")]),
    "simplified": ("永昌县2014年政府信息公开工作年度报告",
                   "本年报以《中华人民共和国政府信息公开条例》为依据，由永昌县人民政府办公室编制。", "目录", [
        ("一、概述", "我县高度重视政府信息公开工作，把政府信息公开工作纳入重要议事日程，明确了分管领导和工作人员。"),
        ("二、主动公开政府信息情况", "全年通过县政府门户网站主动公开政府信息1286条，其中政策文件97条、规划计划26条。"),
        ("三、依申请公开政府信息情况", "2014年，全县共收到政府信息公开申请12件，均在规定时限内予以答复。"),
        ("四、存在的主要问题及改进措施", "公开内容有待深化，政策解读形式较为单一，基层公开标准化规范化建设仍需加强。")]),
}


@pytest.mark.parametrize("script", MIRROR_SECTIONS)
@pytest.mark.parametrize("linked", [True, False], ids=["linked", "plain"])
def test_a_numbered_contents_box_of_a_mirror_goes_and_its_headings_stay_in_the_text(script: str, linked: bool) -> None:
    title, lead, catalog, sections = MIRROR_SECTIONS[script]
    headings = [h for h, _ in sections]
    html = mirror_page(title, lead, catalog, headings, sections, linked=linked)
    extraction = extract(html, "http://baike.example.com/item/1.html", ())
    texts = [p.text for p in extraction.paragraphs]
    box = texts.index(f"1{headings[0]}")
    assert texts[box - 1:box + 4] == [catalog, *(f"{i}{h}" for i, h in enumerate(headings, 1))]  # the index glued
    cleaned, flags = clean_body(extraction.paragraphs, title)
    assert cleaned == [lead, *(line for section in sections for line in section)]
    assert flags == []  # a contents box is navigation, not a second copy of the text's own list
