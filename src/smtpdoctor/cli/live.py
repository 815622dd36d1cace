"""What a run is waiting for, live on stderr (rich): "waiting for 587: no answer yet, 7 s left".

The text is :class:`~smtpdoctor.report.progress.WaitStatus` (the web page shows the same). Nothing goes to
standard output; nothing at all when stderr is not a terminal or with ``-q``.
"""

from __future__ import annotations

from ..report.formats import is_terminal
from ..report.progress import WaitStatus

__all__ = ["live_status"]


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
    def __enter__(self) -> WaitStatus | None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def live_status(stream, *, timeout: float, quiet: bool = False):
    """A context manager giving a :class:`WaitStatus` shown live on ``stream`` (a terminal), else None."""
    return _Live(WaitStatus(timeout), stream) if is_terminal(stream) and not quiet else _Quiet()
