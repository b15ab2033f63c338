"""Headless Chromium for lists that only JavaScript builds (scrapy-playwright), set up the same way everywhere."""

from __future__ import annotations

import os
import shutil
from typing import Any
from urllib.request import getproxies

# Debian's chromium; Playwright cannot download its own browser where only package registries are reachable.
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def chromium_path() -> str | None:
    """``GOVCRAWL_CHROMIUM``, else the first Chromium on PATH; None lets Playwright use its own build."""
    if explicit := os.environ.get("GOVCRAWL_CHROMIUM"):
        return explicit
    return next((path for name in CHROMIUM_CANDIDATES if (path := shutil.which(name))), None)


def environment_proxy() -> str | None:
    proxies = getproxies()
    return proxies.get("http") or proxies.get("https")


def launch_options(proxy: str | None) -> dict[str, Any]:
    """Playwright launch options: headless Chromium, and the same proxy as every other fetch."""
    options: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    if path := chromium_path():
        options["executable_path"] = path
    if proxy:
        options["proxy"] = {"server": proxy}
        if bypass := getproxies().get("no"):
            options["proxy"]["bypass"] = bypass
    return options


def abort_request(request: Any) -> bool:
    """Skip images, media and fonts: a list page needs its scripts and data, not its pictures."""
    return request.resource_type in SKIPPED_RESOURCES
