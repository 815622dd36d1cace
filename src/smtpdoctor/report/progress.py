"""Progress for people: a bar (rich) on stderr for bulk runs, only on a terminal and only once a run has taken
a second (a quick run shows nothing; standard output never gets one); and :class:`WaitStatus`, what a diagnosis
is waiting for, in words, for the terminal's live status and the web page alike.

WaitStatus is built from the run's own callbacks (the step that started, each transcript line as it is
recorded): a port is waiting from its "Trying ..." or a command sent until a reply or an error arrives.
"""

from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["LateBar", "WaitStatus", "DELAY_S"]

DELAY_S = 1.0


class LateBar:
    """``total`` inputs (a bar with a count and time left), or ``None`` when the count is not known
    beforehand (a partitioned run: a count of results and the time so far)."""

    def __init__(self, stream, total: int | None, label: str, *, delay: float = DELAY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._total = total
        self._label = label
        self._clock = clock
        self._start = clock() + delay
        self._done = 0
        self._p = None
        self._task = None

    @classmethod
    def on(cls, stream, total: int | None, label: str) -> "LateBar | None":
        """A bar for ``stream`` if it is a terminal and there is more than one item (or an unknown number), else
        None."""
        from .formats import is_terminal

        return cls(stream, total, label) if is_terminal(stream) and (total is None or total > 1) else None

    def advance(self, n: int = 1, description: str | None = None) -> None:
        self._done += n
        if self._p is None:
            if self._clock() < self._start:
                return
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            columns = ((BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) if self._total is not None
                       else (TextColumn("{task.completed} results"), TimeElapsedColumn()))
            self._p = Progress(TextColumn("{task.description}"), *columns, console=Console(file=self._stream),
                               transient=True)
            self._task = self._p.add_task(self._label, total=self._total, completed=self._done - n)
            self._p.start()
        self._p.update(self._task, advance=n, **({"description": description[:40]} if description else {}))

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()


STEP_WORDS = {"client-settings": "checking the settings", "server-connection": "connecting",
              "authentication": "signing in", "firewall": "looking for filtered ports", "dns": "checking DNS",
              "blacklist": "checking blocklists"}


class WaitStatus:
    """The status text: the current step and every port waiting for an answer, with the seconds left."""

    def __init__(self, timeout: float, clock=time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self.step = "starting"
        self._waiting: dict[tuple[str | None, int], float] = {}  # (address, port) -> since

    def on_step(self, step: str, status: str) -> None:
        if status == "running":
            self.step = STEP_WORDS.get(step, step)

    def on_line(self, line: Any) -> None:
        if line.port is None:
            return
        key = (line.address, line.port)
        if line.dir == "send" or (line.dir == "info" and line.text.startswith("Trying ")):
            self._waiting[key] = self._clock()
        elif line.dir in ("recv", "error"):
            self._waiting.pop(key, None)

    def text(self) -> str:
        now = self._clock()
        addresses = {a for a, _ in self._waiting}
        waits = []
        for (address, port), since in sorted(self._waiting.items(), key=lambda kv: kv[1]):
            waited = now - since
            if waited < 1.0:  # a quick answer is not a wait worth a word
                continue
            left = max(0, round(self.timeout - waited))
            name = f"{port} ({address})" if len(addresses) > 1 and address else str(port)
            waits.append(f"waiting for {name}: no answer yet, {left} s left")
        return "; ".join(waits) if waits else f"{self.step}…"

    def __rich__(self) -> str:
        from rich.markup import escape

        return escape(self.text())
