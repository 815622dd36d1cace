"""A progress bar (rich) on stderr for bulk runs: only on a terminal, only once a run has taken a second.

A quick run shows no bar at all (nothing flickers); standard output never gets one.
"""

from __future__ import annotations

import time

__all__ = ["LateBar", "DELAY_S"]

DELAY_S = 1.0


class LateBar:
    def __init__(self, stream, total: int, label: str, *, delay: float = DELAY_S) -> None:
        self._stream = stream
        self._total = total
        self._label = label
        self._start = time.monotonic() + delay
        self._done = 0
        self._p = None
        self._task = None

    @classmethod
    def on(cls, stream, total: int, label: str) -> "LateBar | None":
        """A bar for ``stream`` if it is a terminal and there is more than one item, else None."""
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        return cls(stream, total, label) if tty and total > 1 else None

    def advance(self, n: int = 1, description: str | None = None) -> None:
        self._done += n
        if self._p is None:
            if time.monotonic() < self._start:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                               TimeRemainingColumn(), console=Console(file=self._stream), transient=True)
            self._task = self._p.add_task(self._label, total=self._total, completed=self._done - n)
            self._p.start()
        self._p.update(self._task, advance=n, **({"description": description[:40]} if description else {}))

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()
