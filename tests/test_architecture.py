"""The shape the code holds to: each package imports only what it may (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("crawler", "spiders", "pipelines")
# What each package may import of the others: crawler/ is the shared code, spiders/ and pipelines/ build on it.
ALLOWED = {"crawler": set(), "spiders": {"crawler", "spiders"}, "pipelines": {"crawler"}}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = [p for package in PACKAGES for p in sorted((ROOT / package).glob("*.py"))]


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_a_module_imports_only_the_packages_it_builds_on(path: Path) -> None:
    package = path.parent.name
    ours = {name.split(".")[0] for name in imports(path)} & set(PACKAGES)
    assert ours - {package} <= ALLOWED[package], f"{path.relative_to(ROOT)} imports {sorted(ours - {package})}"
    if package == "pipelines":  # one transformation each: a stage never imports another stage
        assert not [name for name in imports(path) if name.startswith("pipelines")], path.name


@pytest.mark.parametrize("path", sorted((ROOT / "pipelines").glob("[!_]*.py")), ids=lambda p: p.name)
def test_a_pipeline_module_holds_one_stage(path: Path) -> None:
    classes = [n.name for n in ast.parse(path.read_text("utf-8")).body if isinstance(n, ast.ClassDef)]
    assert len([c for c in classes if c.endswith("Pipeline")]) == 1, f"{path.name}: {classes}"
