"""Chinese administrative place names: split an issuer into its place chain and the body that follows.

``威海市文登区政务服务中心`` → places ``[威海市, 文登区]``, body ``政务服务中心``. The chain gives the region and the
administrative level; the rest says whether the issuer is a government or one of its departments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Shortest name first, so 威海市文登区 splits as 威海市 + 文登区 rather than one token.
PLACE = re.compile(
    r"[\u4e00-\u9fff]{1,8}?(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|州|盟|地区|区|县|旗|镇|乡|街道)"
)
GOVERNMENT = re.compile(r"^(人民政府|政府|行政公署|街道办事处|办事处|人民政府办事处)$")
TOWN_SUFFIX = ("镇", "乡", "街道")
COUNTY_SUFFIX = ("区", "县", "旗", "自治县", "自治旗")
CITY_SUFFIX = ("市", "州", "盟", "地区", "自治州")
PROVINCE_SUFFIX = ("省", "自治区", "特别行政区")


@dataclass(frozen=True)
class Issuer:
    places: tuple[str, ...]
    body: str  # what follows the places: 人民政府, 财政局, 政务服务中心 … or ""

    @property
    def is_government(self) -> bool:
        return bool(self.places) and (not self.body or bool(GOVERNMENT.match(self.body)))


def split_issuer(text: str) -> Issuer:
    """Read place names off the front of ``text``; a token is kept only if what follows still parses."""
    places: list[str] = []
    pos = 0
    while m := PLACE.match(text, pos):
        token = m.group(0)
        # 市场监督管理局 begins with 市: a place token needs a name before its unit.
        if len(token) < 2:
            break
        places.append(token)
        pos = m.end()
    return Issuer(tuple(places), text[pos:])


def level_of(places: tuple[str, ...]) -> str | None:
    """province, city, county or town for the last place of a chain (a 市 under a city is county-level)."""
    if not places:
        return None
    last = places[-1]
    if last.endswith(PROVINCE_SUFFIX):
        return "province"
    if last.endswith(TOWN_SUFFIX):
        return "town"
    if last.endswith(COUNTY_SUFFIX) and not last.endswith("地区"):
        return "county"
    if last.endswith(CITY_SUFFIX):
        above = places[:-1]
        return "county" if any(p.endswith(CITY_SUFFIX) for p in above) else "city"
    return None


def without_province(places: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in places if not p.endswith(PROVINCE_SUFFIX)) or places
