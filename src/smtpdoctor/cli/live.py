"""What a run is waiting for, live on stderr (rich): "waiting for 587: no answer yet, 7 s left".

Built from the run's own callbacks (the step that started, each transcript line as it is recorded): a port is
waiting from its "Trying ..." or a command sent until a reply or an error arrives. Nothing goes to standard
output; nothing at all when stderr is not a terminal or with ``-q``.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["WaitStatus", "live_status"]

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


class _Live:
    def __init__(self, status: WaitStatus, stream) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner
        from rich.table import Table

        class _Line:
            def __rich__(self_inner):
                grid = Table.grid(padding=(0, 1))
                grid.add_row(Spinner("dots"), status.__rich__())
                return grid

        self.status = status
        self._live = Live(_Line(), console=Console(file=stream), refresh_per_second=4, transient=True)

    def __enter__(self) -> WaitStatus:
        self._live.start()
        return self.status

    def __exit__(self, *exc) -> None:
        self._live.stop()


class _Quiet:
    def __init__(self, status: WaitStatus) -> None:
        self.status = status

    def __enter__(self) -> WaitStatus | None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def live_status(stream, *, timeout: float, quiet: bool = False):
    """A context manager giving a :class:`WaitStatus` shown live on ``stream`` (a terminal), else None."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    status = WaitStatus(timeout)
    return _Live(status, stream) if tty and not quiet else _Quiet(status)
