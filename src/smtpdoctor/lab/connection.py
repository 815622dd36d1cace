"""The bytes side of one lab SMTP connection: reading lines and counted bytes with limits, writing
replies (with the round-trip and drip-feed faults applied), switching to TLS, and closing with FIN or
RST. The dialogue on top of it is :mod:`smtpdoctor.lab.session`."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
import struct
import time
from typing import TYPE_CHECKING

from .certs import CertKind
from .plan import Plan
from .records import Exchange, SessionRecord

if TYPE_CHECKING:
    from .smtp_server import LabSmtpServer

__all__ = ["Connection", "Closed", "MAX_LINE"]

MAX_LINE = 64 * 1024  # a command line longer than this is answered "500 5.5.2 line too long"


class Closed(Exception):
    """The session ends; ``args[0]`` says why."""


class Connection:
    """One accepted client connection and what it recorded (:attr:`record`)."""

    def __init__(self, server: "LabSmtpServer", reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.plan: Plan = server.plan
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("?", 0)
        self.client_ip = str(peer[0])
        self.record = SessionRecord(peer=tuple(peer))
        self.t0 = time.monotonic()
        self.buf = bytearray()
        self.consumed = 0  # absolute stream offset of buf[0]
        self.chunks: collections.deque[tuple[int, float]] = collections.deque()  # (end offset, arrival)
        self.arrival = self.t0  # when the input being answered arrived (for the rtt fault)
        self.tls = False
        self.last_code: int | None = None  # the code of the last reply sent (drives the phase table)

    def note(self, direction: str, data: bytes) -> None:
        self.record.transcript.append(Exchange(t=time.monotonic() - self.t0, dir=direction, tls=self.tls, data=data))

    # -- reading -----------------------------------------------------------------------------------
    async def fill(self) -> bytes:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that races
        # with the read finishing, and then stop() would wait for the idle timeout.
        try:
            async with asyncio.timeout(self.server.idle_timeout):
                data = await self.reader.read(65536)
        except TimeoutError:
            raise Closed("idle-timeout") from None
        if not data:
            raise Closed("client-closed")
        self.buf += data
        self.chunks.append((self.consumed + len(self.buf), time.monotonic()))
        return data

    def take(self, n: int) -> bytes:
        """Consume ``n`` bytes of the buffer; the input's arrival is that of the chunk holding its end."""
        data = bytes(self.buf[:n])
        del self.buf[:n]
        end = self.consumed + n
        while self.chunks and self.chunks[0][0] < end:
            self.chunks.popleft()
        if self.chunks:
            self.arrival = self.chunks[0][1]
        self.consumed = end
        return data

    async def line(self, *, record: bool = True) -> bytes | None:
        """The next line without its line ending, or None when it was longer than MAX_LINE (the
        excess is read and thrown away so the dialogue can go on)."""
        overlong = False
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = self.take(i + 1)[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                if overlong or len(line) > MAX_LINE:
                    self.note("info", b"line longer than %d bytes discarded" % MAX_LINE)
                    return None
                if record:
                    self.note("recv", line)
                return line
            if len(self.buf) > MAX_LINE:
                overlong = True
                self.take(len(self.buf))
            await self.fill()

    async def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            await self.fill()
        return self.take(n)

    # -- writing -----------------------------------------------------------------------------------
    def fill_in(self, data: bytes, **extra: str) -> bytes:
        values = {"host": self.server.hostname, "client": self.client_ip, **extra}
        for key, value in values.items():
            data = data.replace(b"{" + key.encode() + b"}", value.encode("utf-8", "surrogateescape"))
        return data

    async def send(self, data: bytes, *, drain: bool = True) -> None:
        if self.plan.rtt:
            await asyncio.sleep(max(0.0, self.arrival + self.plan.rtt - time.monotonic()))
        self.note("send", data)
        if self.plan.drip:
            await self._drip(data)
            return
        self.writer.write(data)
        if drain:
            await self.drain()

    async def _drip(self, data: bytes) -> None:
        """Write ``data`` one byte at a time, ``plan.drip`` bytes per second (the drip-feed fault)."""
        pause = 1.0 / self.plan.drip
        for i in range(len(data)):
            if i:
                await asyncio.sleep(pause)
            self.writer.write(data[i:i + 1])
            await self.drain()

    async def drain(self) -> None:
        try:
            async with asyncio.timeout(self.server.idle_timeout):
                await self.writer.drain()
        except TimeoutError:
            raise Closed("idle-timeout") from None

    async def reply(self, reply: str, *, drain: bool = True, **extra: str) -> None:
        """Send a reply written as on the wire ("250 2.0.0 Ok", lines split by \\n)."""
        data = "".join(line + "\r\n" for line in reply.split("\n")).encode("utf-8", "surrogateescape")
        if reply[:3].isdigit():
            self.last_code = int(reply[:3])
        await self.send(self.fill_in(data, **extra), drain=drain)

    async def repeat(self, line: bytes, times: int) -> None:
        """Write ``line`` ``times`` times (forever when negative), in blocks with drain() between them,
        so a client that stops reading stops us too (idle timeout) and one that leaves ends it."""
        block_lines = 1000
        block = line * block_lines
        self.note("info", b"repeating %d bytes %s times" % (len(line), b"endless" if times < 0 else b"%d" % times))
        done = 0
        while times < 0 or done < times:
            n = block_lines if times < 0 else min(block_lines, times - done)
            self.writer.write(block if n == block_lines else line * n)
            done += n
            await self.drain()
            await asyncio.sleep(0)  # drain() does not yield while the socket keeps up; we must

    def abort_with_rst(self) -> None:
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    # -- TLS ---------------------------------------------------------------------------------------
    async def start_tls(self, kind: CertKind) -> None:
        # Plaintext the client sent after STARTTLS but before the handshake must not be read as
        # commands under TLS (RFC 3207 5; the STARTTLS command-injection bug). Our own buffer and the
        # StreamReader's are dropped and kept as evidence. StreamReader has no public way to drop its
        # buffer, so we reach into ``_buffer`` (as aiosmtpd does).
        leftover = self.take(len(self.buf))
        reader_buffer = getattr(self.reader, "_buffer", None)
        if reader_buffer:
            leftover += bytes(reader_buffer)
            reader_buffer.clear()
        if leftover:
            self.record.discarded_after_starttls += leftover
            self.note("info", b"discarded plaintext sent before the TLS handshake: " + leftover)
        context = self.server.tls_context(kind)
        try:
            await self.writer.start_tls(context, ssl_handshake_timeout=self.server.handshake_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.record.tls_error = f"{type(exc).__name__}: {exc}"
            self.note("info", f"TLS handshake failed: {self.record.tls_error}".encode())
            raise Closed("tls-failed") from None
        obj = self.writer.get_extra_info("ssl_object")
        self.tls = True
        if obj is not None:
            self.record.tls_version = obj.version()
            cipher = obj.cipher()
            self.record.tls_cipher = cipher[0] if cipher else None
        self.note("info", f"TLS up: {self.record.tls_version} {self.record.tls_cipher}".encode())

    # -- the end -----------------------------------------------------------------------------------
    async def close(self, *, graceful: bool) -> None:
        """Close the connection: flush what was written and send FIN (bounded to one second), or
        abort at once when stopping or resetting."""
        transport = self.writer.transport
        if graceful and transport.can_write_eof() and not transport.is_closing():
            # FIN first, then let the client's last bytes arrive: closing a socket with unread input
            # would send RST instead, and a fault that says "close" must look like a close.
            with contextlib.suppress(Exception):
                transport.write_eof()
                async with asyncio.timeout(0.25):
                    while await self.reader.read(65536):
                        pass
        if graceful:
            self.writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await self.writer.wait_closed()
        transport.abort()
