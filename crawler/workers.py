"""The pure pipeline stages, run off the reactor thread in a pool of worker processes.

Scrapy runs item pipelines in its reactor thread: one 200 MB page kept the whole crawl from fetching, and
download timeouts from firing, for minutes. Here each report page goes to a worker process
(``GOVCRAWL_PIPELINE_PROCESSES``, the number of cores by default; 0 runs the stages in the crawl's own process)
and comes back read, so fetching, timeouts, politeness and Ctrl-C never wait on cleaning. The pool is bounded:
a page waits for a free worker, and Scrapy's scraper stops taking responses while too much waits
(SCRAPER_SLOT_MAX_ACTIVE_SIZE). A stage that runs past its budget on one page (``GOVCRAWL_STAGE_BUDGET``
seconds) is stopped, inside the worker when Python can be interrupted, else by killing the worker; the page is
recorded as an error of kind ``stage_timeout`` (``stage_failed`` for one that raised) and goes no further.

The stages are named in the settings (``GOVCRAWL_PAGE_STAGES`` before the attachments' downloads,
``GOVCRAWL_REPORT_STAGES`` after them); each is a plain class with ``process_item(item) -> item``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object

from crawler import signals
from crawler.errors import STAGE_FAILED, STAGE_TIMEOUT
from crawler.items import ReportPage

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)
STAGE_SETTINGS = ("GOVCRAWL_PAGE_STAGES", "GOVCRAWL_REPORT_STAGES")
GRACE = 5.0  # seconds past a task's budget before its worker is killed (Python could not be interrupted)


class StageTimeout(Exception):
    pass


@dataclass(frozen=True)
class Failed:
    """What a worker sends back for a page a stage could not finish."""

    kind: str
    stage: str
    reason: str


@cache
def _stage(path: str) -> Any:
    return load_object(path)()


@contextmanager
def _budget(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise StageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_stages(paths: tuple[str, ...], item: ReportPage, budget: float | None) -> ReportPage | Failed:
    """Run the stages on the item, each within ``budget`` seconds (no budget: as long as it takes)."""
    for path in paths:
        name = path.rsplit(".", 1)[-1]
        try:
            if budget:
                with _budget(budget):
                    item = _stage(path).process_item(item)
            else:
                item = _stage(path).process_item(item)
        except StageTimeout:
            return Failed(STAGE_TIMEOUT, name, f"{name} ran past its budget of {budget:g} s")
        except Exception as exc:  # a stage's fault on one page must not end the worker or the crawl
            return Failed(STAGE_FAILED, name, f"{name}: {type(exc).__name__}: {exc}"[:500])
    return item


def _serve(conn: Connection, budget: float) -> None:
    """A worker: run each task it is sent until its pipe closes (the crawl ended, or died)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the crawl, which stops the workers
    while True:
        try:
            paths, item = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_stages(paths, item, budget))


class Worker:
    def __init__(self, context: Any, budget: float) -> None:
        self.conn, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(theirs, budget), daemon=True,
                                                    name="govcrawl-stages")
        self.process.start()
        theirs.close()

    def stop(self, kill: bool = False) -> None:
        self.conn.close()
        if kill:
            self.process.kill()
        self.process.join(timeout=GRACE)
        if self.process.is_alive():
            self.process.kill()


class StagePool:
    """Worker processes and the threads that feed them (a page's transfer never blocks the reactor)."""

    def __init__(self, processes: int, budget: float, preload: list[str]) -> None:
        self.budget = budget
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(preload)  # imported once, in the fork server, not in every worker
        self.workers = [Worker(self.context, budget) for _ in range(processes)]
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        for worker in self.workers:
            self.idle.put_nowait(worker)
        self.threads = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="govcrawl-stages")

    async def run(self, paths: tuple[str, ...], item: ReportPage) -> ReportPage | Failed:
        worker = await self.idle.get()
        loop = asyncio.get_running_loop()
        try:
            result = await asyncio.wait_for(loop.run_in_executor(self.threads, self._exchange, worker, paths, item),
                                            timeout=self.budget * len(paths) + GRACE)
        except TimeoutError:
            worker = self._replace(worker)
            return Failed(STAGE_TIMEOUT, "worker", f"no answer within {self.budget * len(paths) + GRACE:g} s")
        except (EOFError, OSError) as exc:
            worker = self._replace(worker)
            return Failed(STAGE_FAILED, "worker", f"the worker process died: {type(exc).__name__}")
        finally:
            self.idle.put_nowait(worker)
        return result

    @staticmethod
    def _exchange(worker: Worker, paths: tuple[str, ...], item: ReportPage) -> ReportPage | Failed:
        worker.conn.send((paths, item))
        result: ReportPage | Failed = worker.conn.recv()
        return result

    def _replace(self, worker: Worker) -> Worker:
        worker.stop(kill=True)
        fresh = Worker(self.context, self.budget)
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.threads.shutdown(wait=False, cancel_futures=True)


class _Pools:
    """One pool per crawl process, shared by every crawler of the run, opened with the first spider and
    closed with the last."""

    pool: StagePool | None = None
    users = 0

    @classmethod
    def acquire(cls, processes: int, budget: float, preload: list[str]) -> StagePool:
        if cls.pool is None:
            cls.pool = StagePool(processes, budget, preload)
        cls.users += 1
        return cls.pool

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0 and cls.pool is not None:
            cls.pool.close()
            cls.pool = None


class WorkerStages:
    """An item pipeline that runs a list of pure stages on each report page in the worker pool."""

    setting: ClassVar[str]

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.paths = tuple(settings.getlist(self.setting))
        self.preload = sorted({p.rsplit(".", 1)[0] for name in STAGE_SETTINGS for p in settings.getlist(name)})
        self.processes = settings.getint("GOVCRAWL_PIPELINE_PROCESSES", os.cpu_count() or 1)
        self.budget = settings.getfloat("GOVCRAWL_STAGE_BUDGET")
        self.pool: StagePool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        if self.processes > 0:
            self.pool = _Pools.acquire(self.processes, self.budget, self.preload)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool = None
            _Pools.release()

    async def process_item(self, item: ReportPage) -> ReportPage:
        if self.pool is not None:
            result = await self.pool.run(self.paths, item)
        else:
            result = run_stages(self.paths, item, None)
        if isinstance(result, Failed):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govcrawl/errors")
            self.crawler.stats.inc_value(f"govcrawl/errors/{result.kind}")
            log.warning("site %s: %s: %s (%s)", item.site_id, item.url, result.reason, result.kind)
            self.crawler.signals.send_catch_log(signals.fetch_failed, site_id=item.site_id, url=item.url,
                                                reason=result.reason, kind=result.kind)
            raise DropItem(f"{item.url}: {result.reason}")
        return result


class PageStages(WorkerStages):
    """The stages before the attachments' downloads (decoding, extraction)."""

    setting = "GOVCRAWL_PAGE_STAGES"


class ReportStages(WorkerStages):
    """The stages after them (the file's text, cleaning, repair, tables, metadata, script, flags)."""

    setting = "GOVCRAWL_REPORT_STAGES"
