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
