"""For ``scrapyd-deploy``, which runs ``setup.py bdist_egg`` and writes a setup.py of its own where none exists;
everything is declared in pyproject.toml."""

from setuptools import setup

setup()
