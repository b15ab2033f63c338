"""Replay cases of the cleaning pipelines: a report page as a portal serves it, and the body written out by hand.

Four sources, one shape (``Case``):
- ``seeds/<name>/``: each seed doc of ../shared/seed-docs placed in the portal HTML of a CMS family it could come
  from (``page.html``, kept in UTF-8 and served as ``case.yaml`` says), with ``expected.txt`` and its flags;
- ``pages/<name>/``: in the same form, a report page of a shape a real page showed and no bundled portal has;
- ``portals.yaml``: report and other detail pages of the bundled portals, bodies under ``expected/<host>/``;
- ``tests/fixtures/expected/<site>.yaml`` reports that carry a ``body_file`` (written with their portals).

Bodies follow the store's contract: one paragraph a line, a table row's cells joined by a TAB. Quality is
measured per case as character F1 (white space ignored) and chrome lines left (lines the expected body does
not have that match CHROME, a pattern written here independently of pipelines/data/chrome.yaml).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawler.items import ReportPage
from crawler.reading import read_page, response_of
from crawler.replay import ReplayWorld
from spiders import load_families

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
PORTALS = FIXTURES / "portals"
CHROME = re.compile(
    r"ICP备|ICP证|公网安备|公網安備|网站标识码|網站標識碼|版权所有|版權所有|Copyright|All Rights Reserved|"
    r"(主办|承办|主辦|承辦)单位|(主办|承办|主辦|承辦)單位|扫一扫|掃一掃|二维码|打印本页|关闭窗口|打印此页|【打印】|【关闭】|"
    r"字号\s*[:：]|字體|字号[〖【]|分享到|相关链接|相關連結|相关解读|相關解讀|附件下载|附件下載|"
    r"^(文字|图片|视频|访谈)解读$|^媒体报道$|当前位置|當前位置|您的位置|^首页\s*[>＞]|序号\s*标\s*题|"
    r"上一篇|下一篇|责任编辑|責任編輯|浏览次数|瀏覽次數|点击数|"
    r"^(发布|發布)(日期|时间|時間)\s*[:：]|^时间\s*[:：]|^(信息)?来源\s*[:：]|"
    r"^(地址|邮编|電話|电话|传真|联系邮箱|邮箱)\s*[:：]|"
    r"网站地图|網站地圖|联系我们|聯絡我們|聯繫我們|网站声明|返回首页|设为首页|加入收藏|无障碍|"
    r"相关词条|热门词条|相關詞條|熱門詞條|编辑本段|編輯本段|^目[录錄]$|微信公众号|政务微博|"
    r"工作机构|领导简介|^简\s*历|^工作分工|^关闭$|\.(rtf|pdf|docx?|xlsx?|wps)$"
)


@dataclass(frozen=True)
class Case:
    name: str
    url: str
    raw: bytes  # the page's bytes as served
    content_type: str  # the Content-Type header as served
    template: str  # the CMS family (a registered family's name)
    expected: tuple[str, ...]
    flags: frozenset[str]
    exact: bool  # seed cases must come out exactly as written
    all_flags: bool = True  # ``flags`` are all the flags expected (else: flags that must be among them)

    def html(self) -> str:
        """The page decoded as a crawl decodes it (Scrapy's response: BOM, HTTP charset, meta, detection)."""
        return response_of(self.raw, self.url, self.content_type).text


def run(case: Case, selectors: tuple[str, ...] | None = None) -> ReportPage:
    """The page read the one way govcrawl reads a page (crawler/reading.py, as ``govcrawl extract`` does) as its
    family; ``selectors`` overrides the family's body containers (``()``: none)."""
    families = load_families()
    family = families.get(case.template, families["generic"])  # a host of no known family is read generically
    return read_page(case.raw, case.url, family=family, content_type=case.content_type, containers=selectors).item


def _chars(lines: list[str] | tuple[str, ...]) -> Counter[str]:
    return Counter(ch for line in lines for ch in line if not ch.isspace())


def char_f1(got: list[str] | tuple[str, ...], expected: list[str] | tuple[str, ...]) -> float:
    """F1 of the two bodies' characters as multisets, white space ignored (1.0 when both are empty)."""
    a, b = _chars(got), _chars(expected)
    common = sum((a & b).values())
    if not a and not b:
        return 1.0
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def chrome_left(got: list[str] | tuple[str, ...], expected: list[str] | tuple[str, ...]) -> list[str]:
    """Lines of ``got`` that look like portal chrome and are not lines of the expected body."""
    wanted = set(expected)
    return [line for line in got if line not in wanted and CHROME.search(line)]


def _read_body(path: Path) -> tuple[str, ...]:
    return tuple(line for line in path.read_text("utf-8").split("\n") if line)


def _served(url: str) -> tuple[bytes, str]:
    parts = urlsplit(url)
    reply = ReplayWorld(PORTALS).reply(parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else ""))
    assert reply.status == 200, f"{url}: HTTP {reply.status}"
    return reply.body, reply.headers.get("Content-Type", "text/html")


def _folder_cases(kind: str, under: str) -> Iterator[Case]:
    for folder in sorted((HERE / under).iterdir()):
        spec = yaml.safe_load((folder / "case.yaml").read_text("utf-8"))
        served = spec.get("served") or {}
        raw = (folder / "page.html").read_text("utf-8").encode(served.get("encoding", "utf-8"))
        yield Case(f"{kind}/{folder.name}", spec["url"], raw, served.get("content_type", "text/html"),
                   spec["template"], _read_body(folder / "expected.txt"), frozenset(spec.get("flags") or ()), True)


def seed_cases() -> Iterator[Case]:
    return _folder_cases("seed", "seeds")


def page_cases() -> Iterator[Case]:
    return _folder_cases("page", "pages")


def portal_cases() -> Iterator[Case]:
    spec = yaml.safe_load((HERE / "portals.yaml").read_text("utf-8"))
    for entry in spec["cases"]:
        url = entry["url"]
        host = urlsplit(url).hostname or ""
        raw, content_type = _served(url)
        yield Case(f"portal/{host}/{Path(urlsplit(url).path).stem}", url, raw, content_type, spec["families"][host],
                   _read_body(HERE / "expected" / host / entry["body"]), frozenset(entry.get("flags") or ()), False)


def fixture_cases() -> Iterator[Case]:
    """Reports of the portal fixtures whose expected file carries a hand-written body (``body_file``)."""
    for path in sorted((FIXTURES / "expected").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text("utf-8"))
        for report in spec.get("reports") or []:
            if not report.get("body_file"):
                continue
            body = _read_body(FIXTURES / "expected" / report["body_file"])
            for url in [report["url"], *(report.get("also_at") or [])]:
                raw, content_type = _served(url)
                parts = urlsplit(url)
                name = f"fixture/{spec['site_id']}/{Path(parts.path).stem}{'?' + parts.query if parts.query else ''}"
                yield Case(name, url, raw, content_type, spec.get("family", "generic"), body,
                           frozenset(report.get("flags") or ()), False, all_flags=False)


@cache
def all_cases() -> tuple[Case, ...]:
    return (*seed_cases(), *page_cases(), *portal_cases(), *fixture_cases())
