"""The asyncio driver: one SMTP connection over asyncio streams, plain, STARTTLS or implicit TLS.

Every step has its own timeout; every OS, ``ssl`` and ``asyncio`` failure is translated into the errors of
:mod:`.errors` in one place (:func:`map_exceptions`); every line crosses :class:`Transcript`, which
redacts it before it is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno as errno_mod
import os
import socket
import ssl
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Iterator, Protocol

from ..core.model import TranscriptLine
from ..core.name_text import is_ip_address
from ..protocol.errors import (
    ConnectFailed, ConnectionClosed, ConnectRejected, ConnectRefused, ConnectReset, ConnectTimeout, HostUnreachable, ReadTimeout, RemoteProtocolError, SmtpError, TlsHandshakeError, TlsVerifyError, TransportError,
)
from ..protocol.replies import Reply
from .early import EarlyConnects, socket_for
from .tls import cert_facts, peer_chain

# The SMTP state machine (protocol.smtp) and the EHLO reader come with the first open connection, in
# SmtpSession, the TLS facts' classes with the first handshake: a run whose ports all refuse, reject or stay
# silent never needs them (issue 16).
if TYPE_CHECKING:
    from ..core.observations import TlsFacts
    from ..protocol.capabilities import Capabilities
    from ..protocol.smtp import ReplyEvent

__all__ = ["Timeouts", "Transcript", "SmtpSession", "map_exceptions", "Redact", "RUN_STEPS", "DATA_REPLY_S",
           "ConnectWatch"]


class ConnectWatch(Protocol):
    """What one connect tells about its host, and what the host's other ports tell about one connect."""

    def answered(self, address: str, port: int, rtt: float) -> None:
        """The host answered this connect (SYN-ACK or RST) after ``rtt`` seconds."""

    def silence(self, address: str, port: int) -> Awaitable[str]:
        """Resolves, with the reason, once a connect still unanswered is filtered with high confidence."""

# (direction, text, after_334) -> text to keep
Redact = Callable[[str, str, bool], str]

_UNREACHABLE = {errno_mod.EHOSTUNREACH, errno_mod.ENETUNREACH, errno_mod.EACCES, errno_mod.EPERM,
                errno_mod.EHOSTDOWN}
# OpenSSL reasons meaning "the peer is not speaking TLS" (it sent an SMTP banner or HTTP instead).
_PLAINTEXT_REASONS = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG",
                      "HTTP_REQUEST", "UNKNOWN_PROTOCOL", "RECORD_TOO_LARGE"}


#: A whole diagnosis is bounded by this many step deadlines: the longest chain of dependent steps is the
#: host lookup, connect, greeting, EHLO, STARTTLS, the handshake, EHLO again, AUTH (up to three
#: exchanges), MAIL, RCPT and DATA, i.e. twelve.
RUN_STEPS = 12
#: The reply to a message's final dot may take this long at least (servers scan the message first).
DATA_REPLY_S = 30.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Deadlines, in seconds. Each is the bound of one whole step (a reply is read within ``command``
    however slowly its bytes arrive: a server that drips one byte a second cannot extend it); ``run``
    bounds a whole diagnosis."""

    connect: float = 10.0
    greeting: float = 10.0
    command: float = 10.0
    tls: float = 10.0
    run: float = 10.0 * RUN_STEPS

    @classmethod
    def uniform(cls, seconds: float) -> "Timeouts":
        return cls(seconds, seconds, seconds, seconds, seconds * RUN_STEPS)


@dataclass
class Transcript:
    """Collects redacted :class:`TranscriptLine` values from one or many connections of a run."""

    redact: Redact | None = None
    start: float = field(default_factory=time.perf_counter)
    lines: list[TranscriptLine] = field(default_factory=list)
    on_line: Callable[[TranscriptLine], None] | None = None

    def add(self, direction: str, text: str, *, port: int | None, tls: bool, address: str | None = None,
            after_334: bool = False) -> None:
        if self.redact is not None:
            text = self.redact(direction, text, after_334)
        if len(text) > 1000:
            text = text[:1000] + f"… [{len(text) - 1000} more characters]"
        line = TranscriptLine(t=time.perf_counter() - self.start, port=port, dir=direction, tls=tls, text=text,
                              address=address)
        self.lines.append(line)
        if self.on_line is not None:
            self.on_line(line)


@contextlib.contextmanager
def map_exceptions(phase: str) -> Iterator[None]:
    """Translate what the network layers raise into :mod:`.errors`, tagged with the phase."""
    try:
        yield
    except SmtpError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise TlsVerifyError(f"certificate verification failed: {exc.verify_message}", phase=phase,
                             verify_code=exc.verify_code or 0, verify_message=exc.verify_message or "") from None
    except ssl.SSLError as exc:
        reason = getattr(exc, "reason", None)
        raise TlsHandshakeError(f"TLS failed: {reason or exc}", phase=phase, reason=reason,
                                plaintext_peer=reason in _PLAINTEXT_REASONS) from None
    except (TimeoutError, asyncio.TimeoutError):
        if phase == "connect":
            raise ConnectTimeout("no answer to the connection attempt (filtered?)", phase=phase) from None
        raise ReadTimeout(f"no reply within the time limit ({phase})", phase=phase) from None
    except ConnectionRefusedError as exc:
        raise ConnectRefused("connection refused", phase=phase, errno=exc.errno) from None
    except (ConnectionResetError, BrokenPipeError) as exc:
        raise ConnectReset("connection reset by the server", phase=phase, errno=exc.errno) from None
    except asyncio.IncompleteReadError:
        raise ConnectionClosed("the server closed the connection", phase=phase) from None
    except OSError as exc:
        if exc.errno in _UNREACHABLE:
            raise HostUnreachable(f"host unreachable ({exc.strerror or exc})", phase=phase, errno=exc.errno) from None
        raise ConnectFailed(f"{exc.strerror or exc}", phase=phase, errno=exc.errno) from None


async def _connect(sock: socket.socket, address: str, port: int, watch: ConnectWatch | None, *,
                   started: bool = False) -> None:
    """``sock_connect`` (or, for a connect ``started`` already, the wait for its answer), given up with
    :class:`ConnectTimeout` when ``watch`` rules the port filtered."""
    if started and _answered(sock):  # answered while the run started: no wait, whatever time is left
        return
    connect = _answer(sock) if started else asyncio.get_running_loop().sock_connect(sock, (address, port))
    if watch is None:
        await connect
        return
    task = asyncio.ensure_future(connect)
    silence = asyncio.ensure_future(watch.silence(address, port))
    try:
        await asyncio.wait({task, silence}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, silence):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
    if task.done() and not task.cancelled():
        task.result()  # connected, or the error that stopped it
        return
    raise ConnectTimeout(silence.result(), phase="connect")


async def _answer(sock: socket.socket) -> None:
    """Wait for the answer to a connect in flight (what ``sock_connect`` does after its ``connect``): the
    socket turns writable, and ``SO_ERROR`` says whether it connected (a refusal raises ConnectionRefusedError)."""
    loop = asyncio.get_running_loop()
    writable = loop.create_future()
    loop.add_writer(sock.fileno(), lambda: writable.done() or writable.set_result(None))
    try:
        await writable
    finally:
        loop.remove_writer(sock.fileno())
    _answered(sock)


def _answered(sock: socket.socket) -> bool:
    """Whether a connect in flight has its answer (the socket is writable); raises the OSError of a failed one."""
    import select

    if not select.select((), (sock,), (), 0)[1]:
        return False
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, os.strerror(error))
    return True


class SmtpSession:
    """One SMTP connection. Open with :meth:`open`; every method raises only :mod:`.errors` types."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, address: str, port: int,
                 server_name: str, timeouts: Timeouts, transcript: Transcript | None) -> None:
        self._reader = reader
        self._writer = writer
        self.address = address
        self.port = port
        self.server_name = server_name
        self.timeouts = timeouts
        self.transcript = transcript
        from ..protocol.smtp import ClientConnection

        self.conn = ClientConnection()
        self.tls: TlsFacts | None = None
        self.capabilities: Capabilities | None = None
        self.connect_time: float = 0.0
        self._after_334 = False

    # -- opening ----------------------------------------------------------------------------------
    @classmethod
    async def open(cls, address: str, port: int, *, server_name: str | None = None, timeouts: Timeouts = Timeouts(),
                   source_ip: str | None = None, transcript: Transcript | None = None,
                   watch: ConnectWatch | None = None, early: EarlyConnects | None = None) -> "SmtpSession":
        """Open the TCP connection (no greeting read yet). With ``watch``, an answer is reported to it, and
        the connect is given up as filtered when the watch says so (before ``timeouts.connect``). A connect
        to this address and port started ``early`` is taken over (its time counts from its SYN)."""
        taken = early.take(address, port, source_ip) if early is not None else None
        start = taken[1] if taken else time.perf_counter()
        if transcript:
            transcript.add("info", f"Trying {address}:{port}...", port=port, tls=False, address=address)
        try:
            with map_exceptions("connect"):
                sock = taken[0] if taken else socket_for(address, source_ip)
                try:
                    async with asyncio.timeout(max(0.0, timeouts.connect - (time.perf_counter() - start))):
                        await _connect(sock, address, port, watch, started=taken is not None)
                except ConnectionRefusedError as exc:
                    icmp = _icmp_error(sock)
                    sock.close()
                    if icmp is None and watch is not None:
                        watch.answered(address, port, time.perf_counter() - start)  # a TCP reset
                    if icmp is not None:
                        raise ConnectRejected(
                            f"connection rejected by a filter (ICMP type {icmp[0]} code {icmp[1]}, not a TCP reset)",
                            phase="connect", errno=exc.errno, icmp=icmp) from None
                    raise
                except BaseException:
                    sock.close()
                    raise
                reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        except TransportError as exc:
            if transcript:
                transcript.add("error", str(exc), port=port, tls=False, address=address)
            raise
        session = cls(reader, writer, address=address, port=port, server_name=server_name or address,
                      timeouts=timeouts, transcript=transcript)
        session.connect_time = time.perf_counter() - start
        if watch is not None:
            watch.answered(address, port, session.connect_time)
        session._record("info", f"Connected to {address}:{port} in {session.connect_time * 1000:.0f} ms")
        return session

    async def start_tls(self, context: ssl.SSLContext, *, phase: str = "tls") -> TlsFacts:
        """Handshake on the open connection (implicit TLS right after connect, or after STARTTLS)."""
        if phase == "starttls":
            self.conn.tls_started()
        server_hostname = None if is_ip_address(self.server_name) and not context.check_hostname else self.server_name
        try:
            with map_exceptions(phase):
                async with asyncio.timeout(self.timeouts.tls):
                    await self._writer.start_tls(context, server_hostname=server_hostname,
                                                 ssl_handshake_timeout=self.timeouts.tls + 5)
        except TransportError as exc:
            self._record("error", str(exc))
            raise
        sslobj: ssl.SSLObject | None = self._writer.get_extra_info("ssl_object")
        cipher = sslobj.cipher() if sslobj else None
        der = sslobj.getpeercert(binary_form=True) if sslobj else None
        from ..core.observations import TlsFacts

        self.tls = TlsFacts(
            version=sslobj.version() if sslobj else None,
            cipher=cipher[0] if cipher else None,
            bits=cipher[2] if cipher else None,
            verified=context.verify_mode == ssl.CERT_REQUIRED,
            cert=cert_facts(der) if der else None,
            server_hostname=server_hostname,
            chain=peer_chain(sslobj),
        )
        self._record("info", f"TLS started: {self.tls.version} {self.tls.cipher}"
                     + ("" if self.tls.verified else " (certificate not verified)"))
        return self.tls

    # -- replies ----------------------------------------------------------------------------------
    async def read_reply(self, *, timeout: float, phase: str) -> ReplyEvent:
        """The next whole reply, within one deadline of ``timeout`` seconds from now: however the bytes
        are spread out (one a second, a line a second), the reply is complete by then or the step fails."""
        try:
            async with asyncio.timeout(timeout):
                return await self._next_reply(phase)
        except TimeoutError:
            exc = ReadTimeout(f"no complete reply within {timeout:g} s ({phase})", phase=phase)
            self._record("error", str(exc))
            raise exc from None

    async def _next_reply(self, phase: str) -> ReplyEvent:
        from ..protocol.smtp import NEED_DATA, Closed, ReplyEvent

        while True:
            try:
                event = self.conn.next_event()
            except RemoteProtocolError as exc:
                self._record("error", f"{exc} ({_sample(exc.data)})")
                exc.args = (f"{exc.args[0]} during {phase}",)
                raise
            if isinstance(event, ReplyEvent):
                for line in event.reply.wire_lines:
                    self._record("recv", line)
                self._after_334 = event.reply.code == 334
                return event
            if isinstance(event, Closed):
                self._record("error", f"connection closed by the server during {phase}")
                raise ConnectionClosed("the server closed the connection", phase=phase)
            assert event is NEED_DATA
            try:
                with map_exceptions(phase):
                    data = await self._reader.read(65536)
            except TransportError as exc:
                self._record("error", str(exc))
                raise
            try:
                self.conn.receive_data(data)
            except RemoteProtocolError as exc:
                self._record("error", f"{exc} ({_sample(exc.data)})")
                raise

    async def greeting(self) -> Reply:
        return (await self.read_reply(timeout=self.timeouts.greeting, phase="greeting")).reply

    async def _send(self, data: bytes, shown: str, phase: str, *, after_334: bool = False) -> None:
        self._record("send", shown, after_334=after_334)
        try:
            with map_exceptions(phase):
                self._writer.write(data)
                async with asyncio.timeout(self.timeouts.command):
                    await self._writer.drain()
        except TransportError as exc:
            self._record("error", str(exc))
            raise

    async def command(self, verb: str, argument: str | None = None, *, phase: str | None = None) -> Reply:
        data = self.conn.send(verb, argument)
        await self._send(data, data.decode("utf-8", "replace").rstrip("\r\n"), phase or verb.lower())
        return (await self.read_reply(timeout=self.timeouts.command, phase=phase or verb.lower())).reply

    async def pipeline(self, commands: list[tuple[str, str | None, str]]) -> None:
        """Send ``(verb, argument, phase)`` commands in one write, as RFC 2920 PIPELINING allows when the server
        offers it: one round trip for all of them. Each is recorded as sent; read each reply, in order,
        with :meth:`reply`."""
        wire = []
        for verb, argument, phase in commands:
            data = self.conn.send(verb, argument)
            self._record("send", data.decode("utf-8", "replace").rstrip("\r\n"))
            wire.append(data)
        try:
            with map_exceptions(commands[0][2]):
                self._writer.write(b"".join(wire))
                async with asyncio.timeout(self.timeouts.command):
                    await self._writer.drain()
        except TransportError as exc:
            self._record("error", str(exc))
            raise

    async def reply(self, phase: str) -> Reply:
        """The reply to the oldest command still waiting for one (after :meth:`pipeline`)."""
        return (await self.read_reply(timeout=self.timeouts.command, phase=phase)).reply

    async def sasl(self, response: str, *, phase: str = "auth") -> Reply:
        after = self._after_334
        await self._send(self.conn.send_sasl(response), response, phase, after_334=after)
        return (await self.read_reply(timeout=self.timeouts.command, phase=phase)).reply

    async def ehlo(self, name: str) -> tuple[Reply, Capabilities | None]:
        reply = await self.command("EHLO", name)
        from ..protocol.capabilities import parse_ehlo

        self.capabilities = parse_ehlo(reply) if reply.code == 250 else None
        return reply, self.capabilities

    async def data(self, message: bytes) -> Reply:
        reply = await self.command("DATA")
        if reply.code != 354:
            return reply
        wire = self.conn.send_body(message)
        await self._send(wire, f"<message body, {len(message)} bytes>", "data")
        return (await self.read_reply(timeout=max(self.timeouts.command, DATA_REPLY_S), phase="data")).reply

    async def quit(self) -> None:
        """Say QUIT politely; failures at this point do not matter."""
        with contextlib.suppress(SmtpError, Exception):
            if self.conn.state.value not in ("closed", "tls-starting", "sasl", "body"):
                async with asyncio.timeout(min(self.timeouts.command, 2.0)):
                    await self.command("QUIT")
        await self.close()

    def quit_in_background(self) -> "asyncio.Task[None]":
        """Say QUIT (and close) in a task of its own, for a caller that needs nothing from the reply: it goes
        on at once and ends the task with :meth:`end_quit` when its own work is done."""
        return asyncio.ensure_future(self.quit())

    async def end_quit(self, task: "asyncio.Task[None]") -> None:
        """Finish what :meth:`quit_in_background` started: the reply is recorded if it came, otherwise the
        transcript says it was not awaited and the connection is closed without waiting any longer."""
        if not task.done():
            await asyncio.wait((task,), timeout=0.001)  # read what has already arrived
        if task.done():
            return
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if "QUIT" in self.conn.pending:
            self._record("info", "QUIT sent; the report did not wait for its reply")
        with contextlib.suppress(Exception):
            self._writer.close()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()

    @property
    def local_address(self) -> str | None:
        """Our end of the connection (the address the server sees, unless NAT is on the way)."""
        sock = self._writer.get_extra_info("sockname")
        return sock[0] if sock else None

    # -- transcript -------------------------------------------------------------------------------
    @property
    def is_tls(self) -> bool:
        return self.tls is not None

    def _record(self, direction: str, text: str, *, after_334: bool = False) -> None:
        if self.transcript is not None:
            self.transcript.add(direction, text, port=self.port, tls=self.is_tls, address=self.address,
                                after_334=after_334)


# Linux: with IP_RECVERR / IPV6_RECVERR set, an ICMP error that ended a connection attempt is queued on
# the socket (MSG_ERRQUEUE) with its origin, type and code; a TCP reset queues nothing. That is how a
# firewall's REJECT (ICMP port unreachable) is told from a closed port. The stdlib has no names for these
# (linux/in.h, linux/in6.h, linux/errqueue.h), hence the numbers; elsewhere the options are simply not set.
_SO_EE_ORIGIN_ICMP, _SO_EE_ORIGIN_ICMP6 = 2, 3


def _icmp_error(sock: socket.socket) -> tuple[int, int] | None:
    """(type, code) of the ICMP error queued on ``sock``, or None (a reset, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        _, ancillary, _, _ = sock.recvmsg(1, 1024, socket.MSG_ERRQUEUE)
    except OSError:
        return None
    for _level, _type, data in ancillary:
        if len(data) >= 8:
            _ee_errno, origin, icmp_type, icmp_code = struct.unpack_from("IBBB", data)
            if origin in (_SO_EE_ORIGIN_ICMP, _SO_EE_ORIGIN_ICMP6):
                return icmp_type, icmp_code
    return None


def _sample(data: bytes) -> str:
    text = data[:80].decode("utf-8", "backslashreplace")
    return repr(text) + ("…" if len(data) > 80 else "")


