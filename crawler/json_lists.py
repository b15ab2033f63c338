"""Lists a portal's list API serves as JSON or JSONP: the entries read whatever the shape, and the API's other pages.

No API is known by name: an entry is an object with a title and a page URL under any of the usual keys
(data/json_lists.yaml), or a fragment of list markup; the paging is the request's page parameter and what the
answer says of the whole (a page count, or a record count over the page size). The walk learns an API from the
requests a rendered list page made (``crawler.rendered``) and then pages through it plainly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.dates import parse_date
from crawler.rules import data_yaml
from crawler.text import CJK

JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(.*?)\s*\)\s*;?\s*$", re.S)
URLISH = re.compile(r"^(?:https?://|/|\./|\.\./)[^\s<>\"']+$|^[^\s<>\"'/]+\.(?:s?html?|jsp|aspx?|php|pdf|docx?)(?:\?\S*)?$")
MAX_DEPTH = 8  # how deep an answer's nesting is searched for its list


@cache
def _keys() -> dict[str, tuple[str, ...]]:
    return {name: tuple(words) for name, words in data_yaml("crawler", "json_lists.yaml").items()}


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def load(text: str) -> Any:
    """The JSON of an answer, a JSONP callback's argument included; None when it is neither."""
    for candidate in (text, m[1] if (m := JSONP.match(text)) else None):
        if candidate is None:
            continue
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _field(item: dict[str, Any], names: tuple[str, ...]) -> Any:
    by_key = {_norm(k): v for k, v in item.items()}
    return next((by_key[n] for n in names if by_key.get(n) not in (None, "")), None)


@dataclass(frozen=True)
class Entry:
    url: str
    title: str
    date: str | None


def entry(item: dict[str, Any], base_url: str) -> Entry | None:
    """One list entry from an API object: its title and page under the usual keys, else its likeliest values."""
    keys = _keys()
    strings = [v for v in item.values() if isinstance(v, str)]
    title = _field(item, keys["title_keys"])
    if not isinstance(title, str) or not title.strip():
        title = max(strings, key=lambda s: len(CJK.findall(s)), default="")
    url = _field(item, keys["url_keys"])
    if not isinstance(url, str) or not URLISH.match(url.strip()):
        url = next((s for s in strings if URLISH.match(s.strip())), None)
    if not url or len(CJK.findall(title)) < 2:
        return None
    raw_date = _field(item, keys["date_keys"])
    date = parse_date(str(raw_date)) if raw_date is not None else None
    if date is None:
        date = next((d for s in strings if len(s) <= 30 and (d := parse_date(s))), None)
    return Entry(urljoin(base_url, url.strip()), re.sub(r"\s+", "", title), date)


def _lists(data: Any, depth: int = 0) -> Iterator[list[dict[str, Any]]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(data, list):
        objects = [x for x in data if isinstance(x, dict)]
        if objects:
            yield objects
        for x in objects:
            yield from _lists(x, depth + 1)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _lists(value, depth + 1)


def entries(data: Any, base_url: str) -> list[Entry]:
    """The entries of the longest list of objects in an answer that read as entries."""
    best: list[Entry] = []
    for objects in _lists(data):
        found = [e for o in objects if (e := entry(o, base_url)) is not None]
        if len(found) > len(best) and len(found) * 2 >= len(objects):
            best = found
    return best


def fragments(data: Any, depth: int = 0) -> Iterator[str]:
    """Fragments of list markup an answer carries (``{"data": {"html": "<li><a …"}}``)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and _norm(key) in _keys()["html_keys"] and "<a" in value:
                yield value
            else:
                yield from fragments(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            yield from fragments(value, depth + 1)


def _number(data: Any, names: tuple[str, ...], depth: int = 0) -> int | None:
    """The first whole number under one of ``names``, searched breadth first (the answer's own counts first)."""
    if depth > MAX_DEPTH or not isinstance(data, dict):
        return None
    for key, value in data.items():
        if _norm(key) in names and isinstance(value, int | str) and str(value).isdigit():
            return int(value)
    for value in data.values():
        if isinstance(value, dict) and (found := _number(value, names, depth + 1)) is not None:
            return found
    return None


@dataclass(frozen=True)
class ApiPage:
    url: str
    method: str
    body: str | None


def other_pages(url: str, method: str, body: str | None, answer: Any, shown: int) -> list[ApiPage]:
    """The list API's other pages, from one request of it and its answer (``shown``: the entries it held).

    The page parameter is the query's or the form body's; the number of pages is the answer's page count, or
    its record count over the page size (the request's size parameter, else the entries shown)."""
    keys = _keys()
    parts = urlsplit(url)
    in_query = parse_qsl(parts.query, keep_blank_values=True)
    in_body = parse_qsl(body, keep_blank_values=True) if body and "=" in body and not body.lstrip().startswith(
        ("{", "[")) else []
    for where, params in (("query", in_query), ("body", in_body)):
        names = [_norm(k) for k, _ in params]
        page_at = next((i for i, n in enumerate(names) if n in keys["page_params"] and params[i][1].isdigit()), None)
        if page_at is None:
            continue
        size_at = next((i for i, n in enumerate(names) if n in keys["size_params"] and params[i][1].isdigit()), None)
        size = int(params[size_at][1]) if size_at is not None else shown
        pages = _number(answer, keys["page_total_keys"])
        if pages is None and (records := _number(answer, keys["record_total_keys"])) is not None and size:
            pages = math.ceil(records / size)
        if not pages:
            return []
        first = int(params[page_at][1])
        zero_based = first == 0
        found = []
        for n in range(first + 1, (pages - 1 if zero_based else pages) + 1):
            changed = [(k, str(n) if i == page_at else v) for i, (k, v) in enumerate(params)]
            if where == "query":
                found.append(ApiPage(urlunsplit(parts._replace(query=urlencode(changed))), method, body))
            else:
                found.append(ApiPage(url, method, urlencode(changed)))
        return found
    return []
