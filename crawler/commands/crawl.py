"""``scrapy crawl <spider> -a seeds=FILE``: Scrapy's crawl, with the seed list checked first.

A govcrawl spider crawls the sites of a seed list; without one, or with one that does not validate, the command
says so in one line per fault and exits 2 (Scrapy's usage error), instead of a spider's traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.families import template_names
from crawler.seeds import SeedError, load_seeds

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and args[0] in template_names():
            seeds = opts.spargs.get("seeds")
            if not seeds:
                raise UsageError(f"spider {args[0]!r} crawls the sites of a seed list: "
                                 f"scrapy crawl {args[0]} -a seeds=FILE [-a site=ID,...]", print_help=False)
            try:
                load_seeds(seeds, template_names())
            except SeedError as exc:
                raise UsageError("\n".join(f"{exc.path}: {p}" for p in exc.problems), print_help=False) from exc
        super().run(args, opts)
