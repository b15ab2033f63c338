"""Rules that are data (chrome patterns, navigation words, spam terms, table labels): how they are read from the
``data/`` folder of the package that owns them."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def data_text(package: str, name: str) -> str:
    return resources.files(package).joinpath(f"data/{name}").read_text("utf-8")


def data_yaml(package: str, name: str) -> Any:
    return yaml.safe_load(data_text(package, name))


def data_lines(package: str, name: str) -> list[str]:
    """The lines of a list file, stripped, without blank lines and ``#`` comments."""
    return [line.strip() for line in data_text(package, name).splitlines() if line.strip() and not line.startswith("#")]
