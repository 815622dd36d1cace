"""Stand-ins for the lab's hostile-server faults (``Fault.drip_feed``, ``Fault.refuse_everything_421``,
``Fault.huge_reply``, ``Fault.endless_multiline``), same names and meaning, until those faults of
``smtpdoctor.lab.faults`` are on this branch; then the tests switch to them and this file goes.

``async with hostile_server("drip_feed", bytes_per_second=20) as port:`` serves one behaviour on a free
loopback port; every connection is closed when the block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

__all__ = ["hostile_server", "BEHAVIOURS"]

GREETING = b"220 hostile.lab.test ESMTP\r\n"
EHLO = b"250-hostile.lab.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
REFUSE = b"421 4.3.2 hostile.lab.test Service not available\r\n"


async def _write(writer: asyncio.StreamWriter, data: bytes, bytes_per_second: float | None) -> None:
    if not bytes_per_second:
        writer.write(data)
        await writer.drain()
        return
    for i in range(len(data)):
        writer.write(data[i:i + 1])
        await writer.drain()
        await asyncio.sleep(1.0 / bytes_per_second)


async def _dialogue(reader, writer, behaviour: str, bytes_per_second: float, size: int) -> None:
    drip = bytes_per_second if behaviour == "drip_feed" else None
    await _write(writer, GREETING, drip)
    while line := await reader.readline():
        verb = line.split(b" ", 1)[0].strip().upper()
        if behaviour == "refuse_everything_421":
            await _write(writer, REFUSE, None)  # and the connection stays open
        elif verb in (b"EHLO", b"HELO") and behaviour == "huge_reply":
            filler = b"250-X-FILLER " + b"x" * 497 + b"\r\n"
            for _ in range(size // len(filler)):
                writer.write(filler)
                await writer.drain()
            await _write(writer, EHLO, None)
        elif verb in (b"EHLO", b"HELO") and behaviour == "endless_multiline":
            while True:
                writer.write(b"250-still going, there is no last line\r\n" * 64)
                await writer.drain()
        elif verb in (b"EHLO", b"HELO"):
            await _write(writer, EHLO, drip)
        elif verb == b"QUIT":
            await _write(writer, b"221 2.0.0 Bye\r\n", drip)
            return
        else:
            await _write(writer, b"250 2.0.0 OK\r\n", drip)


BEHAVIOURS = ("drip_feed", "refuse_everything_421", "huge_reply", "endless_multiline")


@contextlib.asynccontextmanager
async def hostile_server(behaviour: str, *, bytes_per_second: float = 1.0,
                         size: int = 10 * 1024 * 1024) -> AsyncIterator[int]:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}")
    tasks: set[asyncio.Task] = set()

    async def handle(reader, writer) -> None:
        tasks.add(asyncio.current_task())
        try:
            await _dialogue(reader, writer, behaviour, bytes_per_second, size)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
