"""Fixtures for the lab tests: a byte-level SMTP client on asyncio streams (not smtpdoctor's client)."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from smtpdoctor.lab.certs import LabPki
from smtpdoctor.lab.smtp_server import LabSmtpServer


class Wire:
    """One raw client connection: write bytes, read whole replies as bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def reply(self, timeout: float = 3.0) -> bytes:
        """One complete reply (all its lines, CRLFs included), exactly as received."""
        data = b""
        while True:
            line = await asyncio.wait_for(self.reader.readline(), timeout)
            if not line:
                raise EOFError(f"connection closed after {data!r}")
            data += line
            if len(line) < 4 or line[3:4] != b"-":
                return data

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def cmd(self, line: str | bytes, timeout: float = 3.0) -> bytes:
        await self.send((line.encode() if isinstance(line, str) else line) + b"\r\n")
        return await self.reply(timeout)

    async def rest(self, timeout: float = 3.0) -> bytes:
        """Everything until the server closes the connection."""
        return await asyncio.wait_for(self.reader.read(), timeout)

    async def silent(self, seconds: float = 0.2) -> bool:
        """True when nothing arrives for ``seconds``."""
        try:
            await asyncio.wait_for(self.reader.read(1), seconds)
        except TimeoutError:
            return True
        return False  # a byte, or EOF

    async def starttls(self, context: ssl.SSLContext, hostname: str = "mail.lab.test") -> None:
        await self.writer.start_tls(context, server_hostname=hostname)

    async def close(self) -> None:
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 1)
        except Exception:
            pass


@pytest.fixture
def pki(tmp_path):
    p = LabPki(tmp_path / "pki")
    yield p
    p.close()


@pytest.fixture
async def connect():
    wires: list[Wire] = []

    async def _connect(server: LabSmtpServer, *, ssl_context: ssl.SSLContext | None = None,
                       hostname: str = "mail.lab.test") -> Wire:
        reader, writer = await asyncio.open_connection(
            server.host, server.port, limit=4 * 1024 * 1024, ssl=ssl_context,
            server_hostname=hostname if ssl_context else None)
        wire = Wire(reader, writer)
        wires.append(wire)
        return wire

    yield _connect
    for wire in wires:
        wire.writer.transport.abort()
    await asyncio.sleep(0)
