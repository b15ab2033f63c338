"""Metadata: title, region, agency and level, year reported on, publish date, kind, edition and outline.

Each value comes from the best evidence present, and the evidence is kept (``item.metadata_evidence``), so a
researcher can see why a report was dated or attributed as it was. Only an annual report falls back on a guess
(the year before publication, the seed's name); on any other page a value nothing on it states stays unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from lxml import etree
from lxml import html as lxml_html

from crawler.classify import ANNUAL_REPORT, classify_title
from crawler.dates import leading_date, parse_date, title_year
from crawler.editions import edition
from crawler.items import ReportPage
from crawler.places import Issuer, level_of, split_issuer, without_province
from crawler.rules import data_yaml
from crawler.text import FIELD_BOUNDS, bounded, converter

TITLE_SUFFIX = re.compile(r"\s*[_|｜\-—–]+\s*[^_|｜\-—–]*(政府|门户|网站|网|办公室|平台|中心)[^_|｜\-—–]*$")
# 统计期限自2014年1月1日起至2014年12月31日止 (the year may be left out after 至).
PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日.{0,4}?(?:至|到|—|-)\s*(?:\1\s*年\s*)?12\s*月\s*31\s*日"
)
LABELLED_VALUE_CHARS = 40  # how far after its label a labelled date may start and run
UNKNOWN = "unknown (not an annual report: nothing on the page says, and no guess)"
AGENCY_END = re.compile(
    r"(人民政府办公室|人民政府办公厅|人民政府|政府办公室|办公室|办公厅|委员会|管委会|管理局|服务中心|中心|局|委|厅|"
    r"街道办事处|办事处|镇|乡|街道|区|县|市|州|盟|旗)$"
)
# How a report names who compiled or published it: 由X编制 / X编制了本报告 / 特编制X2019年度… / 现公布X2014年….
COMPILER = (
    re.compile(r"由([^，。、；：（）()《》“”\s]{2,30}?)(?:负责|牵头|组织)?编制"),
    re.compile(r"(?:^|[，。；：])([^，。、；：（）()《》“”\s]{2,30}?)(?:负责|牵头|组织)?编制了?本(?:年度)?报告"),
    re.compile(r"(?:特|现)编制([^，。、；：（）()《》“”\s]{2,30}?)(?:19|20)\d{2}\s*年"),
    re.compile(r"现(?:将|予以?|向社会)?公布([^，。、；：（）()《》“”\s]{2,30}?)(?:（[^）]*）)?(?:19|20)\d{2}\s*年"),
)
SECTIONS = (  # section key, and the words of its heading in any edition
    ("overview", re.compile(r"概述|总体情况|基本情况")),
    ("active", re.compile(r"主动公开")),
    ("requests", re.compile(r"依申请|收到和处理|申请.{0,6}(办理|处理)")),
    ("fees", re.compile(r"收费|减免")),
    ("review", re.compile(r"行政复议|行政诉讼|复议.{0,4}诉讼")),
    ("problems", re.compile(r"存在的?主要问题|存在问题|问题及改进|改进(措施|情况)")),
    ("other", re.compile(r"其他需要报告|其他事项|需要说明")),
)
HEADING = re.compile(r"^\s*([一二三四五六七八九十]{1,3})\s*[、.．]\s*(\S.{0,40})$")


def official_title(item: ReportPage) -> tuple[str | None, str]:
    """ArticleTitle meta or the page's heading, the list link text, then <title> without its site suffix. A page
    title cut to its bound (an absurd <title>: pipelines/extract.py) comes after the list's."""
    sources = [("page title" if not item.meta.get("articletitle") else "meta:ArticleTitle", item.page_title),
               ("list page link", item.list_title)]
    if item.page_title_cut:
        sources.reverse()
    for source, candidate in sources:
        if candidate and classify_title(candidate).kind != "other":
            return TITLE_SUFFIX.sub("", candidate).strip(), source
    return next(((c, s) for s, c in sources if c), (None, "none"))


def report_year(title: str | None, body: list[str], published: str | None, *, guess: bool) -> tuple[int | None, str]:
    """The year reported on: the title's year, else the statistics period, else (``guess``: an annual report)
    the year before publication."""
    if title and (year := title_year(title)):
        return year, "title"
    for line in body:
        if m := PERIOD.search(unicodedata.normalize("NFKC", line)):  # ２０２１年１月１日 as 2021年1月1日
            return int(m[1]), "statistics period sentence"
    if not guess:
        return None, UNKNOWN
    if published:
        return int(published[:4]) - 1, "year before the publish date"
    return None, "none"


@dataclass(frozen=True)
class LabelledDate:
    date: str
    label: str


@cache
def _date_labels() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every date label (pipelines/data/date_labels.yaml), and what each label's date is."""
    data = data_yaml("pipelines", "date_labels.yaml")
    meaning = {word: what for group in ("labels", "bare") for what, words in data[group].items() for word in words}

    def spaced(word: str) -> str:
        return r"\s*".join(map(re.escape, word))

    labels = sorted((w for words in data["labels"].values() for w in words), key=len, reverse=True)
    bare = sorted((w for words in data["bare"].values() for w in words), key=len, reverse=True)
    pattern = (rf"(?P<label>{'|'.join(map(spaced, labels))})\s*[:：]?"
               rf"|(?<![\u3400-\u9fff])(?P<bare>{'|'.join(map(spaced, bare))})\s*[:：]")
    return re.compile(pattern), meaning


def labelled_dates(text: str) -> dict[str, LabelledDate]:
    """The first date of each meaning (``published``, ``written``) that ``text`` labels, by its label's meaning:
    成文日期：2019年01月23日 is the written date wherever it sits, 发 布 日 期 2019-01-25 the publish date."""
    pattern, meaning = _date_labels()
    folded = converter("t2s").convert(unicodedata.normalize("NFKC", text))
    found: dict[str, LabelledDate] = {}
    for m in pattern.finditer(folded):
        label = re.sub(r"\s", "", m["label"] or m["bare"])
        what = meaning[label]
        if what not in found and (date := leading_date(folded[m.end():m.end() + LABELLED_VALUE_CHARS])):
            found[what] = LabelledDate(date, label)
    return found


def page_text(html: str) -> str:
    """The text of a page's body, one text node a line (scripts and styles left out): where its labels are."""
    if not html.strip():
        return ""
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    nodes = tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
    return "\n".join(str(node) for node in nodes)


def publish_date(item: ReportPage, dated: dict[str, LabelledDate]) -> tuple[str | None, str]:
    """PubDate meta, a date the page labels as published (``dated``: ``labelled_dates``), the list-page date,
    then a signature date at the end — unless that is the date the page labels as written."""
    for name in ("pubdate", "publishdate", "firstpublishedtime", "article:published_time"):
        if (value := item.meta.get(name)) and (found := parse_date(value)):
            return found, f"meta:{name}"
    if published := dated.get("published"):
        return published.date, f"label {published.label}"
    if item.list_date:
        return item.list_date, "list page date"
    signed = next((found for line in reversed(item.body[-3:]) if len(line) <= 30 and (found := parse_date(line))), None)
    if signed and (written := dated.get("written")) and signed == written.date:
        return None, f"none (the signature date is the written date, label {written.label})"
    if signed:
        return signed, "signature date"
    return None, "none"


def _issuer_in_title(title: str | None) -> Issuer:
    """Who the title names before its subject: the text before the year, or before 关于 in a document's title
    (威海市人民政府办公室关于印发2020年…的通知)."""
    if not title:
        return Issuer((), "")
    simplified = converter("t2s").convert(re.sub(r"[\s《》“”\"]", "", title))
    m = re.search(r"关于|(?:19|20)\d{2}|[〇零○一二三四五六七八九]{4}年", simplified)
    return split_issuer(simplified[: m.start()] if m else "")


def _compiler(body: list[str]) -> str | None:
    """The body the report says compiled or published it, when it names one."""
    for line in body[:6] + body[-4:]:
        for pattern in COMPILER:
            for m in pattern.finditer(line):
                name = m.group(1)
                named = split_issuer(name)
                if AGENCY_END.search(name) and named.places:
                    return name if named.body else name + "人民政府"  # 现公布永昌县…: the place's government
    return None


def _signer(body: list[str]) -> str | None:
    """The signing body on one of the last lines (above or beside the signature date)."""
    for line in body[-3:]:
        name = re.sub(r"\s+", "", line)
        if 4 <= len(name) <= 30 and AGENCY_END.search(name) and split_issuer(name).places and not parse_date(name):
            return name
    return None


@dataclass(frozen=True)
class Attribution:
    """Who published a report and for which area; ``*_from`` name the evidence."""

    region: str
    region_from: str
    agency: str | None
    agency_from: str
    level: str | None


def region_agency_level(item: ReportPage, title: str | None, *, guess: bool) -> Attribution:
    """Who published the report and for which area. An agency the page does not name is, for an annual report
    (``guess``), its place's government or the seed's; for any other page, unknown."""
    seed_places = split_issuer(converter("t2s").convert(re.sub(r"\s", "", item.region))).places
    issuer = _issuer_in_title(title)
    compiler = _compiler(item.body)
    source = item.meta.get("contentsource", "").strip()

    places, region_from = issuer.places, "title"
    if not places and compiler:
        places, region_from = split_issuer(compiler).places, "body"
    if not places:
        places, region_from = without_province(seed_places), "seed region"
    elif level_of(places[:1]) == "town" and seed_places:
        # 新圩镇人民政府 on the 翔安区 portal: the county chain comes from the seed.
        places, region_from = (*without_province(seed_places), *places), f"{region_from} and seed region"

    if issuer.places and issuer.body:
        agency, agency_from = "".join(issuer.places) + issuer.body, "title"
    elif not issuer.places and issuer.body and AGENCY_END.search(issuer.body):
        agency, agency_from = issuer.body, "title"  # 区政府办公室: a department named without its place
    elif compiler:
        agency, agency_from = compiler, "body (compiled by)"
    elif signer := _signer(item.body):
        agency, agency_from = signer, "signature"
    elif guess and issuer.places:
        # The report of a place is its government's; ContentSource names whoever ran the web page.
        agency, agency_from = "".join(issuer.places) + "人民政府", "title place + 人民政府"
    elif source and AGENCY_END.search(source):
        agency, agency_from = source, "meta:ContentSource"
    elif guess:
        agency, agency_from = item.site_name, "seed name"
    else:
        return Attribution("".join(places), region_from, None, UNKNOWN, None)

    agency_issuer = split_issuer(agency)
    government = agency_issuer.is_government or (not agency_issuer.places and agency == item.site_name)
    level = level_of(places) if government else "department"
    return Attribution("".join(places), region_from, agency, agency_from, level)


def outline(body: list[str]) -> list[dict[str, str | None]]:
    """Top-level section headings (一、… 二、…) with their numbering and the section each one is."""
    sections = []
    for line in body:
        if "\t" in line or not (m := HEADING.match(line)):
            continue
        heading = m[2].rstrip("。：:")
        if len(heading) > 30:
            continue  # a numbered sentence, not a heading
        key = next((k for k, pattern in SECTIONS if pattern.search(heading)), None)
        sections.append({"number": m[1], "heading": heading, "section": key})
    return sections


class MetadataPipeline:
    def process_item(self, item: ReportPage) -> ReportPage:
        item.title, title_from = official_title(item)
        item.kind = classify_title(item.title or "").kind
        guess = item.kind == ANNUAL_REPORT
        # The page's labels are on the page around the body (a directory's metadata table); a page known only by
        # its paragraphs has them there.
        dated = labelled_dates(page_text(item.html) if item.html else "\n".join(p.text for p in item.paragraphs[:40]))
        item.publish_date, date_from = publish_date(item, dated)
        item.report_year, year_from = report_year(item.title, item.body, item.publish_date, guess=guess)
        who = region_agency_level(item, item.title, guess=guess)
        item.region, item.agency, item.level = who.region or item.region, who.agency, who.level
        item.edition = edition(item.body, item.report_year)
        item.outline = outline(item.body)
        item.metadata_evidence = {"title": title_from, "publish_date": date_from, "report_year": year_from,
                                  "region": who.region_from, "agency": who.agency_from}
        if written := dated.get("written"):
            item.metadata_evidence["written_date"] = f"{written.date} (label {written.label})"
        bound_fields(item)
        return item


def bound_fields(item: ReportPage) -> None:
    """The free-text fields a site controls, each within its bound (crawler/text.py: FIELD_BOUNDS), a cut marked."""
    for name in ("title", "list_title", "agency", "region"):
        value = getattr(item, name)
        if value and len(value) > FIELD_BOUNDS[name]:
            setattr(item, name, bounded(value, name))
            item.field_cut(name, len(value))
    for record in item.attachment_files:
        served = record.get("name")
        if isinstance(served, str) and len(served) > FIELD_BOUNDS["attachment_name"]:
            record["name"] = bounded(served, "attachment_name")
            item.field_cut("attachment_name", len(served))
