"""``scrapy crawl <spider> -a seeds=FILE``: Scrapy's crawl, with the seed list checked first.

A govcrawl spider crawls the sites of a seed list; without one, or with one that does not validate, the command
says so in one line per fault and exits 2 (Scrapy's usage error), instead of a spider's traceback.
``--allow-private`` crawls private and local targets (GOVCRAWL_ALLOW_PRIVATE, crawler/targets.py). The run holds
its corpus (GOVCRAWL_DB) as ``govcrawl crawl`` does: a second run on it exits 1 naming the first (crawler/lock.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.families import template_names
from crawler.lock import CorpusBusy, corpus_lock
from crawler.seeds import SeedError, load_seeds

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawl):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--allow-private", action="store_true",
                            help="allow private and local targets (loopback, private networks, localhost, *.local)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.allow_private:
            assert self.settings is not None
            self.settings.set("GOVCRAWL_ALLOW_PRIVATE", True, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and args[0] in template_names():
            seeds = opts.spargs.get("seeds")
            if not seeds:
                raise UsageError(f"spider {args[0]!r} crawls the sites of a seed list: "
                                 f"scrapy crawl {args[0]} -a seeds=FILE [-a site=ID,...]", print_help=False)
            assert self.settings is not None
            try:
                load_seeds(seeds, template_names(), allow_private=self.settings.getbool("GOVCRAWL_ALLOW_PRIVATE"))
            except SeedError as exc:
                raise UsageError("\n".join(f"{exc.path}: {p}" for p in exc.problems), print_help=False) from exc
        assert self.settings is not None
        try:
            with corpus_lock(self.settings.get("GOVCRAWL_DB")):
                super().run(args, opts)
        except CorpusBusy as exc:  # the run failed: exit 1, as govcrawl crawl does
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 1
