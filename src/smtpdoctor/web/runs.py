"""Checks started from the page run as asyncio tasks in the server's loop; a :class:`Run` records their
progress as events (for the live page) and keeps the result. At most ``max_active`` run at once; finished
runs are kept, newest first, up to ``keep``. A run holds no settings: the password lives only in the
task's frame while it runs and is gone when the task ends.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ..report.formats import transcript_glyph

__all__ = ["Run", "Runs", "Busy", "MAX_EVENTS"]

log = logging.getLogger("smtpdoctor.web")

MAX_EVENTS = 5000  # transcript lines and step changes kept per run


class Busy(Exception):
    """Too many checks are running."""


@dataclass(eq=False)
class Run:
    id: str
    kind: str  # "diagnose" | "domain" | "blacklist"
    title: str  # what was checked, for the page ("smtp.example.com:587")
    started: float = field(default_factory=time.time)
    state: str = "running"  # running | done | failed
    steps: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    dropped_events: int = 0
    result: Any = None  # the Report (diagnose) or the module's result object
    error: str | None = None
    elapsed: float | None = None
    lab: str | None = None  # the lab scenario, in ``serve --lab``
    owner: str | None = None  # the browser's cookie: its own history lists only its runs
    wait: Any = None  # a report.progress.WaitStatus: what a diagnosis waits for, in words
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def _emit(self, event: dict[str, Any]) -> None:
        if len(self.events) < MAX_EVENTS:
            self.events.append(event)
        else:
            self.dropped_events += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def on_step(self, step: str, status: str) -> None:
        if self.wait is not None:
            self.wait.on_step(step, status)
        self.steps[str(step)] = str(status)
        self._emit({"type": "step", "step": str(step), "status": str(status)})

    def on_line(self, line: Any) -> None:
        if self.wait is not None:
            self.wait.on_line(line)
        self._emit({"type": "line", **line.to_json(), "glyph": transcript_glyph(line.dir, line.tls)})

    def finish(self, *, result: Any = None, error: str | None = None) -> None:
        self.result = result
        self.error = error
        self.state = "failed" if error else "done"
        self.elapsed = time.time() - self.started
        self._emit({"type": "done", "state": self.state})

    async def wait_change(self, timeout: float) -> None:
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass


class Runs:
    def __init__(self, *, max_active: int, keep: int) -> None:
        self.max_active = max_active
        self.keep = keep
        self._runs: collections.OrderedDict[str, Run] = collections.OrderedDict()
        self._by_nonce: dict[str, str] = {}
        self._tasks: set[asyncio.Task] = set()

    @property
    def active(self) -> int:
        return sum(1 for r in self._runs.values() if not r.finished)

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def for_nonce(self, nonce: str) -> Run | None:
        run_id = self._by_nonce.get(nonce)
        return self._runs.get(run_id) if run_id else None

    def of(self, owner: str | None, limit: int = 10) -> list[Run]:
        """The runs this browser started, newest first (what the page lists as its history)."""
        if not owner:
            return []
        mine = [r for r in self._runs.values() if r.owner == owner]
        return sorted(mine, key=lambda r: r.started, reverse=True)[:limit]

    def start(self, *, kind: str, title: str, nonce: str,
              work: Callable[[Run], Awaitable[Any]], owner: str | None = None) -> Run:
        """Start ``work(run)`` as a task; its return value is the result. Raises :class:`Busy`."""
        if self.active >= self.max_active:
            raise Busy(f"{self.active} checks are already running")
        run = Run(id=secrets.token_urlsafe(16), kind=kind, title=title, owner=owner)
        self._runs[run.id] = run
        self._by_nonce[nonce] = run.id
        self._trim()
        task = asyncio.get_running_loop().create_task(self._drive(run, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def _drive(self, run: Run, work: Callable[[Run], Awaitable[Any]]) -> None:
        try:
            result = await work(run)
        except asyncio.CancelledError:
            run.finish(error="The check was stopped before it finished.")
            raise
        except Exception as exc:  # a bug must not take the server down; the page says so
            log.error("%s check failed: %s", run.kind, type(exc).__name__)
            run.finish(error=f"The check stopped on an internal error ({type(exc).__name__}). "
                             "Please report it with the steps that led here.")
        else:
            run.finish(result=result)

    def _trim(self) -> None:
        finished = [r for r in self._runs.values() if r.finished]
        while len(self._runs) > self.keep + self.max_active and finished:
            old = finished.pop(0)
            self._runs.pop(old.id, None)
        if len(self._by_nonce) > 4 * (self.keep + self.max_active):
            live = set(self._runs)
            self._by_nonce = {n: i for n, i in self._by_nonce.items() if i in live}

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
