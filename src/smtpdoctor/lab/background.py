"""Run lab servers on an event loop of their own, in a thread: for callers that are not async, such as a
command under test (which runs its own ``asyncio.run``) or a benchmark timing subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import AsyncContextManager, Iterator, TypeVar

__all__ = ["in_background"]

T = TypeVar("T")


@contextlib.contextmanager
def in_background(*servers: AsyncContextManager[T], timeout: float = 30.0) -> Iterator[tuple]:
    """Enter each async context manager (``LabDnsServer``, ``LabHost``, ``LabWorld`` ...) on a background
    loop; yield what they return, in order; exit them in reverse order and stop the loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    entered: list[AsyncContextManager] = []
    try:
        values = []
        for server in servers:
            values.append(asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(timeout))
            entered.append(server)
        yield tuple(values)
    finally:
        for server in reversed(entered):
            asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
