from __future__ import annotations

from pipelines.extract import extract
from tests.conftest import FIXTURES

TRS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="铁岭市2018年政府信息公开工作年度报告">
<meta name="PubDate" content="2019-03-29 10:12"><meta name="ContentSource" content="铁岭市人民政府办公室">
<title>铁岭市2018年政府信息公开工作年度报告_铁岭市人民政府</title>
<script>var rel_appendix = '<a href="./P020190329512345678901.pdf">附件：统计表</a>';</script></head>
<body><div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
<p>　　根据《中华人民共和国政府信息公开条例》规定，现公布铁岭市人民政府2018年政府信息公开工作年度报告。</p>
<p>一、概述</p><p>2018年，我市认真贯彻落实<span>政务公开</span>工作要点，<br>推进决策、执行、管理、服务、结果公开。</p>
<div style="display:none">即时比分 华体会</div>
<table class="MsoNormalTable"><tr><td><p>信息内容</p></td><td><p>本年新</p><p>制作数量</p></td></tr>
<tr><td>规章</td><td>13</td></tr></table>
<p><a href="./P020190329512345678902.xls">附件：2018年政府信息公开情况统计表.xls</a></p>
</div></div>
<div class="footer">版权所有：铁岭市人民政府 辽ICP备05023109号</div></body></html>"""


def test_selector_body_keeps_paragraphs_rows_and_hidden_text_out() -> None:
    result = extract(TRS_PAGE, "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/201903/t20190329_1.html",
                     ("div.TRS_UEDITOR", "div.TRS_Editor"))
    texts = [p.text for p in result.paragraphs]
    assert result.method == "selector:div.TRS_Editor"
    assert texts[0] == "根据《中华人民共和国政府信息公开条例》规定，现公布铁岭市人民政府2018年政府信息公开工作年度报告。"
    assert texts[1] == "一、概述"
    assert texts[2] == "2018年，我市认真贯彻落实政务公开工作要点，"  # <br> breaks a line, inline <span> does not
    assert texts[3] == "推进决策、执行、管理、服务、结果公开。"
    assert texts[4:6] == ["信息内容\t本年新制作数量", "规章\t13"]
    assert [p.row for p in result.paragraphs[4:6]] == [True, True]
    assert not any("即时比分" in t or "ICP" in t or "首页" in t for t in texts)
    assert result.paragraphs[-1].linked


def test_meta_title_and_attachments_including_script_variables() -> None:
    result = extract(TRS_PAGE, "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/201903/t20190329_1.html",
                     ("div.TRS_Editor",))
    assert result.page_title == "铁岭市2018年政府信息公开工作年度报告"
    assert result.meta["pubdate"] == "2019-03-29 10:12"
    assert result.attachments == [
        "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/201903/P020190329512345678902.xls",
        "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/201903/P020190329512345678901.pdf",
    ]


def test_ucap_container_on_a_real_gov_cn_page() -> None:
    html = (FIXTURES / "real" / "govcn_zhengce_content_5338761.fragment.html").read_text("utf-8")
    result = extract(f"<html><body>{html}</body></html>", "http://www.gov.cn/zhengce/content/2018-11/09/c.htm",
                     ("#UCAP-CONTENT",))
    texts = [p.text for p in result.paragraphs]
    assert result.method == "selector:#UCAP-CONTENT"
    assert texts[2] == "国办函〔2018〕71号"
    assert "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：" in texts
    assert not any("索 引 号" in t or "主题分类" in t for t in texts)  # the metadata table is outside the body


def test_without_a_container_the_main_block_of_a_table_layout_page_is_the_body() -> None:
    paragraphs = "".join(f"<p>（{n}）本年度政府信息公开工作稳步推进，主动公开政府信息{n}千余条，依申请公开办理及时规范。</p>"
                         for n in "一二三四五")
    page = f"""<html><body><table width="1000"><tr><td class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a>
    | <a href="/xwzx/">新闻中心</a></td></tr><tr><td width="220"><a href="/zfxxgknb/">政府信息公开年报</a><br>
    <a href="/zfxxgkzn/">政府信息公开指南</a></td><td class="text">{paragraphs}</td></tr>
    <tr><td>主办单位：某某县人民政府办公室，承办单位：某某县信息中心，地址：某某县府前街1号</td></tr></table></body></html>"""
    result = extract(page, "http://a.gov.cn/x.html", ("#zoom",))
    assert result.method == "main-block"
    assert [p.text[:3] for p in result.paragraphs] == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_trafilatura_is_the_fallback_when_no_running_text_anchors_a_main_block() -> None:
    items = "".join(f"<li>第{i}项 政府信息公开目录第{i}类主动公开事项清单及责任单位</li>" for i in range(1, 9))
    page = f"<html><body><div class='main'><article><h1>主动公开事项清单</h1><ul>{items}</ul></article></div></body></html>"
    result = extract(page, "http://a.gov.cn/x.html", ("#zoom",))
    assert result.method == "trafilatura"
    assert "第1项 政府信息公开目录第1类主动公开事项清单及责任单位" in [p.text for p in result.paragraphs]


def test_a_family_container_gives_way_only_to_a_clearly_better_body() -> None:
    report = "".join(f"<p>{n}、本年度全县政府信息公开工作有序开展，主动公开信息一千余条，依申请公开办理及时规范，未发生行政复议。</p>"
                     for n in "一二三四五六七八")
    page = (f"<html><body><div class='content'><p>本栏目介绍：政府信息公开年报，按年度发布。</p></div>"
            f"<div class='main-text'>{report}</div></body></html>")
    wrong_container = extract(page, "http://a.gov.cn/x.html", ("div.content",))
    assert wrong_container.method == "main-block" and len(wrong_container.paragraphs) == 8
    right_container = extract(page, "http://a.gov.cn/x.html", ("div.main-text",))
    assert right_container.method == "selector:div.main-text"


def test_layout_tables_read_as_blocks_and_data_tables_as_rows() -> None:
    layout = ('<table><tr><td><ul><li><a href="#s1">1 一、概述</a></li><li><a href="#s2">2 二、主动公开</a></li></ul>'
              '</td></tr></table>')
    data = "<table><tr><td><p>本年新</p><p>制作数量</p></td><td>13</td></tr><tr><td><a href='/a'>规章</a></td><td>2</td></tr></table>"
    result = extract(f"<html><body><div id='zoom'>{layout}{data}</div></body></html>", "http://a.gov.cn/", ("#zoom",))
    assert [(p.text, p.linked, p.row) for p in result.paragraphs] == [
        ("1 一、概述", True, False), ("2 二、主动公开", True, False), ("本年新制作数量\t13", False, True),
        ("规章\t2", False, True)]


def test_off_screen_spam_and_zero_width_characters_are_not_text() -> None:
    page = ('<html><body><div style="position:absolute;top:-999px;left:-999px"><a href="https://x.example/">即时比分</a></div>'
            '<div id="zoom"><p>政府\u200b信息\ufeff公开</p></div></body></html>')
    result = extract(page, "http://a.gov.cn/", ("#zoom",))
    assert [p.text for p in result.paragraphs] == ["政府信息公开"]


def test_broken_input_never_raises() -> None:
    for page in ("", "   ", "<html", "<<<>>>", "\x00\x01", "<table><tr><td>孤立单元格"):
        result = extract(page, "http://a.gov.cn/", ("#zoom",))
        assert isinstance(result.paragraphs, list)


def test_attachment_labelled_beside_the_link_below_the_body() -> None:
    page = ('<html><body><div id="zoom"><p>' + "正文内容。" * 40 + '</p></div>'
            '<p class="fj">附件：<a href="./P020200331555512345678.pdf">铁岭市2019年度政府信息公开工作报告.pdf</a></p>'
            '<div class="foot"><a href="/files/site-guide.pdf">网站使用说明</a></div></body></html>')
    result = extract(page, "http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/202003/t1.html", ("#zoom",))
    assert result.attachments == ["http://www.tieling.gov.cn/tieling/zwgk/zfxxgknb/202003/P020200331555512345678.pdf"]


def test_attachments_listed_only_in_script_data() -> None:
    page = ('<html><body><div id="zoom"><p>' + "正文内容。" * 40 + '</p></div><ul id="fjList"></ul>'
            '<script>var fjxx = "年度报告.pdf|/xxgk/zfxxgknb/202201/P020220124597301824216.pdf;'
            '年度报告（图解）.jpg|/xxgk/zfxxgknb/202201/W020220124597302219437.jpg";</script>'
            '<script>var fileList = [{"fileName": "统计表.pdf", "filePath": "/upload/file/2021/01/27/161.pdf"}];</script>'
            '<script src="/js/jquery.js"></script><script>var banner = "/images/banner.jpg";</script></body></html>')
    result = extract(page, "http://www.xiangan.gov.cn/xxgk/zfxxgknb/202201/t1.htm", ("#zoom",))
    assert result.attachments == [
        "http://www.xiangan.gov.cn/xxgk/zfxxgknb/202201/P020220124597301824216.pdf",
        "http://www.xiangan.gov.cn/xxgk/zfxxgknb/202201/W020220124597302219437.jpg",
        "http://www.xiangan.gov.cn/upload/file/2021/01/27/161.pdf",
    ]


def test_attachment_label_in_the_block_before_the_list() -> None:
    page = ('<html><body><div id="zoom"><p>' + "正文内容。" * 40 + '</p></div>'
            '<div class="fj"><p>附件：</p><ul><li><a href="/attach/0/a.pdf">统计表</a></li></ul></div>'
            '<div class="foot"><ul><li><a href="/files/guide.pdf">网站使用说明</a></li></ul></div></body></html>')
    result = extract(page, "http://www.jinchang.gov.cn/col/col2391/art/2022/art_1.html", ("#zoom",))
    assert result.attachments == ["http://www.jinchang.gov.cn/attach/0/a.pdf"]


REPORT_TEXT = "".join(
    f"<p>　　{n}、2021年，全县认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息{n}千余条，依申请公开办理及时规范。</p>"
    for n in "一二三四五")
# The site's document links around an article, each kind told apart by another rule: a left column before the
# title (document order), a right column named as such (data/page_regions.yaml), a column menu of pages with a
# PDF among them, an unnamed footer with a help file beside its chrome lines.
LEFT_COLUMN = ('<div class="col-l"><div class="box"><h3>表格下载</h3><ul>'
               '<li><a href="/uploadfiles/bgxz/sqb.doc">政府信息公开申请表</a></li>'
               '<li><a href="/uploadfiles/bgxz/wts.doc">授权委托书</a></li></ul></div></div>')
RIGHT_COLUMN = ('<div class="main_right"><div class="box"><h3>下载中心</h3><ul>'
                '<li><a href="/uploadfiles/2019/zfxxgkzn.pdf">政府信息公开指南</a></li>'
                '<li><a href="/uploadfiles/2019/bszn.docx">办事指南</a></li></ul></div></div>')
COLUMN_MENU = ('<div class="lm"><a href="/zwgk/zfxxgkzd/">政府信息公开制度</a> <a href="/zwgk/ysqgk/">依申请公开</a> '
               '<a href="/zwgk/zfxxgkml/">政府信息公开目录</a> <a href="/uploadfiles/2019/ml.pdf">目录（PDF版）</a></div>')
PAGE_FOOTER = ('<div class="bq"><p><a href="/wzsm/">网站声明</a> <a href="/uploadfiles/help/wzsysm.pdf">网站使用帮助</a></p>'
               '<p>版权所有：某某县人民政府 主办单位：某某县人民政府办公室 陇ICP备05002178号-1</p></div>')
NAV = '<div class="menu"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/files/wza.pdf">无障碍说明</a> <a href="/hdjl/">互动交流</a></div>'


def attachments_of(article: str, selectors: tuple[str, ...] = ("div.TRS_Editor",), title: bool = True) -> list[str]:
    meta = "<meta name='ArticleTitle' content='会宁县2021年政府信息公开工作年度报告'>" if title else ""
    page = (f"<html><head>{meta}</head><body>{NAV}<div class='container'>{LEFT_COLUMN}"
            f"<div class='main_left'>{article}{COLUMN_MENU}</div>{RIGHT_COLUMN}</div>{PAGE_FOOTER}</body></html>")
    result = extract(page, "http://www.huining.gov.cn/zwgk/zfxxgknb/202201/t20220126_1.html", selectors)
    assert [p.text[:2] for p in result.paragraphs][:5] == ["一、", "二、", "三、", "四、", "五、"]  # read as before
    return result.attachments


def test_a_file_list_below_the_article_outside_its_container_is_attachments() -> None:
    article = ("<h1>会宁县2021年政府信息公开工作年度报告</h1><div class='info'>发布时间：2022-01-26</div>"
               f"<div class='article'><div class='TRS_Editor'>{REPORT_TEXT}</div></div>"
               "<ul class='article-att-list'><li><a href='./W020220126381526704411.pdf'>会宁县2021年政府信息公开工作年度报告.pdf</a></li>"
               "<li><a href='/uploadfiles/2022/01/tjb.xlsx' title='统计表'>统计表.xlsx</a></li></ul>"
               "<div class='tools'><a href='javascript:window.print()'>【打印本页】</a></div>")
    assert attachments_of(article) == ["http://www.huining.gov.cn/zwgk/zfxxgknb/202201/W020220126381526704411.pdf",
                                       "http://www.huining.gov.cn/uploadfiles/2022/01/tjb.xlsx"]


def test_a_file_box_after_the_article_wrapper_is_attachments_the_sidebar_and_footer_files_are_not() -> None:
    article = ("<div class='detail'><div class='detail-title'>会宁县2021年政府信息公开工作年度报告</div>"
               f"<div class='TRS_Editor'>{REPORT_TEXT}</div></div>"
               "<div class='fj'><a href='/module/download/downfile.jsp?classid=0&filename=220126.pdf'>报告全文</a></div>")
    assert attachments_of(article) == ["http://www.huining.gov.cn/module/download/downfile.jsp?classid=0&filename=220126.pdf"]


def test_a_file_cell_beside_the_body_in_a_layout_table_is_attachments() -> None:
    article = ("<table width='100%'><tr><td colspan='2' class='bt'>会宁县2021年政府信息公开工作年度报告</td></tr>"
               f"<tr><td width='75%'><div class='TRS_Editor'>{REPORT_TEXT}</div></td>"
               "<td class='xgwj' valign='top'><a href='/uploadfiles/2022/01/2021nb.docx'>报告（Word版）</a><br>"
               "<a href='/uploadfiles/2022/01/2021nb.ofd'>报告（OFD版）</a></td></tr></table>")
    assert attachments_of(article) == ["http://www.huining.gov.cn/uploadfiles/2022/01/2021nb.docx",
                                       "http://www.huining.gov.cn/uploadfiles/2022/01/2021nb.ofd"]


def test_without_a_title_on_the_page_the_region_starts_at_the_body() -> None:
    article = (f"<div class='TRS_Editor'>{REPORT_TEXT}</div><p class='down'><a href='/uploadfiles/2022/01/2021nb.pdf'>下载</a></p>"
               "<div class='share'><a href='/uploadfiles/share/qr.pdf'>手机版</a></div>")
    assert attachments_of(article, title=False) == ["http://www.huining.gov.cn/uploadfiles/2022/01/2021nb.pdf"]


def test_the_main_block_anchors_the_region_when_no_container_matches() -> None:
    article = ("<h1>会宁县2021年政府信息公开工作年度报告</h1>"
               f"<div class='text'>{REPORT_TEXT}<p><a href='/uploadfiles/2022/01/in-body.pdf'>报告全文</a></p></div>"
               "<div class='files'><a href='/uploadfiles/2022/01/below.xls'>统计表</a></div>")
    assert attachments_of(article, ("#zoom",)) == ["http://www.huining.gov.cn/uploadfiles/2022/01/in-body.pdf",
                                                   "http://www.huining.gov.cn/uploadfiles/2022/01/below.xls"]


def test_a_body_inside_ten_thousand_nested_divs_is_extracted() -> None:
    page = ("<html><head><meta name='ArticleTitle' content='会宁县2021年政府信息公开工作年度报告'></head><body>" + NAV
            + "<div>" * 10_000 + f"<div class='TRS_Editor'>{REPORT_TEXT}</div>" + "</div>" * 10_000 + PAGE_FOOTER
            + "</body></html>")
    result = extract(page, "http://www.huining.gov.cn/a.html", ("div.TRS_Editor",))
    assert result.method == "selector:div.TRS_Editor"
    assert [p.text[:2] for p in result.paragraphs] == ["一、", "二、", "三、", "四、", "五、"]


def test_a_container_closed_early_by_a_stray_end_tag_goes_on_in_its_parent() -> None:
    first, rest = REPORT_TEXT.split("<p>　　四、")
    page = (f"<html><body>{NAV}<div class='article'><h1>会宁县2021年政府信息公开工作年度报告</h1>"
            f"<div id='zoom'><div class='WordSection1'>{first}</div></div><p>　　四、{rest}"
            "<p align='right'>会宁县人民政府办公室</p><p align='right'>2022年1月26日</p></div></div>"
            f"<div class='tools'><a href='javascript:window.print()'>【打印本页】</a></div>{PAGE_FOOTER}</body></html>")
    result = extract(page, "http://www.huining.gov.cn/a.html", ("#zoom",))
    assert result.method == "selector:#zoom"
    assert [p.text[:4] for p in result.paragraphs] == ["一、20", "二、20", "三、20", "四、20", "五、20", "会宁县人", "2022"]


def test_a_container_followed_by_its_date_line_or_the_pages_other_blocks_does_not_go_on() -> None:
    for after in ("<p>2022年1月26日</p><p>来源：会宁县人民政府办公室</p>",
                  f"<div class='related'>{REPORT_TEXT}</div>", f"<div id='next'>{REPORT_TEXT}</div>"):
        page = f"<html><body><div id='zoom'>{REPORT_TEXT}</div>{after}{PAGE_FOOTER}</body></html>"
        result = extract(page, "http://www.huining.gov.cn/a.html", ("#zoom",))
        assert len(result.paragraphs) == 5, after
