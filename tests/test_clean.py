from __future__ import annotations

from crawler.items import Paragraph
from pipelines.clean import clean_body, remove_repeats, strip_chrome
from pipelines.extract import extract
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
