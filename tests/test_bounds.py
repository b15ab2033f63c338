"""Site bounds on a crawler made from settings (scrapy.utils.test.get_crawler), without a crawl."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.bounds import SiteBounds
from crawler.seeds import Seed

SEED = Seed("lintao", "临洮县人民政府", "甘肃省定西市临洮县", "http://www.lintao.gov.cn/", "generic")
OTHER = Seed("weihai", "威海市人民政府", "山东省威海市", "http://www.weihai.gov.cn/", "generic",
             allowed_domains=("weihai.gov.cn", "whxxgk.cn"))
DEFAULTS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.startswith("GOVCRAWL_MAX")}


def bounds(**overrides: int) -> SiteBounds:
    crawler = get_crawler(settings_dict={**DEFAULTS, "GOVCRAWL_SITE_PAGE_BUDGET": 400, **overrides})
    return SiteBounds.from_crawler(crawler)


def trap_stats(b: SiteBounds) -> dict[str, int]:
    return {k: v for k, v in b.stats.get_stats().items() if k.startswith("govcrawl/trap/")}


def test_settings_configure_every_bound() -> None:
    b = bounds(GOVCRAWL_MAX_HOPS=2, GOVCRAWL_SITE_PAGE_BUDGET=7, GOVCRAWL_MAX_LIST_PAGES=5,
               GOVCRAWL_MAX_PATH_DEPTH=4, GOVCRAWL_MAX_QUERY_VARIANTS=3)
    assert (b.max_hops, b.page_budget, b.max_list_pages, b.max_path_depth, b.max_query_variants) == (2, 7, 5, 4, 3)
    assert b.hub_within(1) and not b.hub_within(2)


@pytest.mark.parametrize(("seed", "url", "in_scope", "document"), [
    (SEED, "http://www.lintao.gov.cn/zwgk/index.html", True, False),
    (SEED, "https://lintao.gov.cn/zwgk/", True, False),
    (SEED, "http://sub.lintao.gov.cn/a.html", True, False),
    (SEED, "http://www.lintao.gov.cn/up/P020.pdf", False, True),
    (SEED, "http://www.lintao.gov.cn/up/a.DOCX", False, True),
    (SEED, "http://www.lintao.gov.cn/img/a.jpg", False, False),
    (SEED, "http://notlintao.gov.cn/a.html", False, False),
    (SEED, "ftp://www.lintao.gov.cn/a.html", False, False),
    (OTHER, "http://www.whxxgk.cn/list.jsp", True, False),
])
def test_scope(seed: Seed, url: str, in_scope: bool, document: bool) -> None:
    b = bounds()
    assert b.in_scope(seed, url) is in_scope
    assert b.is_document(seed, url) is document
    assert b.admit(seed, url) is in_scope


def test_calendar_queries_and_ever_deeper_paths_are_traps_counted_per_site() -> None:
    b = bounds(GOVCRAWL_MAX_PATH_DEPTH=4)
    assert not b.admit(SEED, "http://www.lintao.gov.cn/zwgk/index.html?date=2020-01-02")
    assert not b.admit(SEED, "http://www.lintao.gov.cn/zwgk/more/more/more/")
    assert not b.admit(SEED, "http://www.lintao.gov.cn/a/b/c/d/e.html")
    assert b.admit(SEED, "http://www.lintao.gov.cn/a/b/c/d.html")
    assert trap_stats(b) == {"govcrawl/trap/calendar": 1, "govcrawl/trap/calendar/lintao": 1,
                             "govcrawl/trap/deep_path": 2, "govcrawl/trap/deep_path/lintao": 2}


def test_query_variants_of_one_path_are_bounded_but_repeats_pass() -> None:
    b = bounds(GOVCRAWL_MAX_QUERY_VARIANTS=3)
    urls = [f"http://www.lintao.gov.cn/list.jsp?pageNo={n}&sort=date" for n in range(1, 6)]
    assert [b.admit(SEED, u) for u in urls] == [True, True, True, False, False]
    assert b.admit(SEED, "http://www.lintao.gov.cn/list.jsp?sort=date&pageNo=2")  # the same query, reordered
    assert b.admit(SEED, "http://www.lintao.gov.cn/other.jsp?pageNo=9")  # another path has its own count
    assert trap_stats(b)["govcrawl/trap/query_explosion/lintao"] == 2


def test_page_budget_stops_the_site_and_only_that_site() -> None:
    b = bounds(GOVCRAWL_SITE_PAGE_BUDGET=3)
    admitted = [b.admit(SEED, f"http://www.lintao.gov.cn/p{n}.html") for n in range(5)]
    assert admitted == [True, True, True, False, False]
    assert b.admit(OTHER, "http://www.weihai.gov.cn/p1.html")
    assert trap_stats(b)["govcrawl/trap/page_budget/lintao"] == 2
    assert "govcrawl/trap/page_budget/weihai" not in trap_stats(b)


def test_list_pages_are_bounded_per_site() -> None:
    b = bounds(GOVCRAWL_MAX_LIST_PAGES=2)
    for _ in range(2):
        assert b.list_pages_left("lintao", "http://www.lintao.gov.cn/index_1.html")
        b.count_list_page("lintao")
    assert not b.list_pages_left("lintao", "http://www.lintao.gov.cn/index_3.html")
    assert b.list_pages_left("weihai", "http://www.weihai.gov.cn/index_1.html")
    assert trap_stats(b) == {"govcrawl/trap/list_pages": 1, "govcrawl/trap/list_pages/lintao": 1}
