"""In-process SMTP servers on loopback that misbehave on purpose, for the lab, the demo and the tests.

``LabSmtpServer(faults=[...])`` listens on a loopback address (port 0 → a free port) and plays the
:class:`~smtpdoctor.lab.faults.Plan` its faults compose to. ``LabHost`` puts several of them on one
loopback address, on the real port numbers 25/465/587/2525 when it may (root, free), so a port sweep
sees what it would see on the Internet.

Why the dialogue is written by hand on asyncio streams rather than on aiosmtpd's ``SMTP`` class: almost
every fault here is about the exact bytes at one stage of the dialogue — the greeting (554/421 text,
garbage, HTTP, 1 MiB line, endless ``220-``, non-UTF-8), the EHLO reply (XXXXXXXA, dropped, endless),
STARTTLS (454, ``220`` then FIN/RST/garbage, plaintext injected after the command), AUTH (garbage, an
endless ``334`` loop, 534/535/538/454 after or before the payload) — and the per-reply round-trip delay
must apply to every reply while PIPELINING is honoured. aiosmtpd fixes those texts and steps inside
``SMTP._handle_client``/``smtp_*`` (e.g. ``530 Must issue a STARTTLS command first`` without an enhanced
code, ``538`` whenever ``auth_require_tls``), has no CHUNKING/BDAT, switches to TLS through private
``sslproto`` internals, and reads lines with a 1001-byte limit we would have to undo; overriding all of
that would leave little of it. So the lab owns a small, plain state machine (HELO/EHLO, STARTTLS, AUTH
PLAIN/LOGIN/CRAM-MD5, MAIL, RCPT, DATA, BDAT, RSET, NOOP, VRFY, HELP, QUIT): its phases and what moves
them are a table (:mod:`.dialogue`), the loop that follows the table is :mod:`.session`, the bytes
side :mod:`.connection`, and the verbs :mod:`.verbs_basic`, :mod:`.verbs_auth`, :mod:`.verbs_envelope`.

Everything the client sends is recorded per session (:class:`SessionRecord` in :mod:`.records`: the
transcript of raw bytes, TLS facts, AUTH attempts, messages), for tests to assert on. ``stop()`` closes every connection
and awaits every task it started; nothing outlives it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import os
import random
import socket
import ssl
from typing import Iterable, Mapping, Sequence

from .certs import LAB_HOSTNAME, LAB_NAMES, CertKind, LabPki, default_pki
from .faults import Fault, Plan, compose
from .records import AuthAttempt, Exchange, Message, SessionRecord
from .connection import MAX_LINE  # noqa: F401  (importable from here, as before)
from .session import Session

__all__ = [
    "LabSmtpServer",
    "LabHost",
    "SessionRecord",
    "Exchange",
    "AuthAttempt",
    "Message",
    "allocate_loopback_address",
    "SWEEP_PORTS",
]

SWEEP_PORTS: tuple[int, ...] = (25, 465, 587, 2525)


# -- the server -------------------------------------------------------------------------------------
class LabSmtpServer:
    """A fault-injecting SMTP server on a loopback address.

    >>> async with LabSmtpServer(faults=[Fault.starttls(cert="expired"), Fault.auth(users={"u": "p"})]) as srv:
    ...     srv.port   # the real port (port=0 picks a free one)

    ``sessions`` holds a :class:`SessionRecord` per accepted connection; ``messages`` every message
    received. ``ca_file`` is the PEM file of the CA that signs the lab's valid certificates.
    """

    def __init__(
        self,
        faults: Iterable[Fault] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hostname: str = LAB_HOSTNAME,
        pki: LabPki | None = None,
        idle_timeout: float = 60.0,
        handshake_timeout: float = 10.0,
        max_message_size: int = 10_240_000,
        cert_names: Sequence[str] | None = None,
    ) -> None:
        self.faults: tuple[Fault, ...] = tuple(faults)
        self.plan: Plan = compose(self.faults)
        self.host = host
        self.port = port
        self.hostname = hostname
        self.pki = pki
        self.idle_timeout = idle_timeout
        self.handshake_timeout = handshake_timeout
        self.max_message_size = max_message_size
        self.cert_names: tuple[str, ...] = tuple(cert_names) if cert_names else tuple(
            dict.fromkeys((hostname, *LAB_NAMES, host))
        )
        self.sessions: list[SessionRecord] = []
        self._server: asyncio.base_events.Server | None = None
        self._sockets: list[socket.socket] = []
        self._tasks: set[asyncio.Task] = set()
        self.rule_hits: collections.Counter[int] = collections.Counter()  # times each envelope rule answered
        self._running = False
        self._idle = asyncio.Event()
        self._idle.set()

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> "LabSmtpServer":
        if self._running:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        if self.plan.implicit_tls is not None or self.plan.starttls is not None:
            self.tls_context(self.plan.implicit_tls or self.plan.starttls.cert)  # type: ignore[union-attr]
        if self.plan.listen == "refuse":
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.bind((self.host, self.port))  # bound, never listening: a connect gets RST
            except OSError:
                sock.close()
                raise
            self._sockets.append(sock)
        elif self.plan.listen == "filtered":
            listener = socket.socket(family, socket.SOCK_STREAM)
            filler = socket.socket(family, socket.SOCK_STREAM)
            try:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((self.host, self.port))
                listener.listen(0)
                # One connection of our own fills the accept queue (backlog 0, never accepted); Linux
                # then drops every further SYN, so a client's connect() times out as behind a DROP rule.
                filler.settimeout(2.0)
                filler.connect(listener.getsockname()[:2])
            except OSError:
                listener.close()
                filler.close()
                raise
            self._sockets += [listener, filler]
        else:
            self._server = await asyncio.start_server(self._accept, self.host, self.port)
        bound = self._server.sockets[0] if self._server is not None else self._sockets[0]
        self.port = bound.getsockname()[1]
        self._running = True
        return self

    async def stop(self) -> None:
        """Stop listening, close every connection, and wait for every session task to finish."""
        self._running = False
        if self._server is not None:
            self._server.close()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
        for _ in range(100):  # tasks accepted but not yet started add themselves late; cancel again
            tasks = [t for t in self._tasks if not t.done()]
            if not tasks:
                break
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=0.5)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> "LabSmtpServer":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no session is running (the client hung up and the server noticed)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    # -- facts -------------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        """``host:port`` (``[::1]:port`` for IPv6)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def ca_file(self) -> str:
        """The lab CA (PEM) to trust on the client side (``--ca-file``)."""
        return str((self.pki or default_pki()).ca_file)

    @property
    def messages(self) -> list[Message]:
        return [m for s in self.sessions for m in s.messages]

    def tls_context(self, kind: CertKind) -> ssl.SSLContext:
        return (self.pki or default_pki()).server_context(kind, self.cert_names)

    def __repr__(self) -> str:
        faults = ", ".join(str(f) for f in self.faults)
        return f"LabSmtpServer({self.address}, faults=[{faults}])"

    # -- connections -------------------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._running:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._idle.clear()
        session = Session(self, reader, writer)
        self.sessions.append(session.record)
        try:
            await session.run()
        except asyncio.CancelledError:
            # stop() cancelled us and waits for us; ending normally keeps asyncio.streams from logging
            # the cancellation as an error of the connection callback.
            pass
        finally:
            self._tasks.discard(task)
            if not self._tasks:
                self._idle.set()


# -- several servers on one loopback address ----------------------------------------------------------
def allocate_loopback_address(rng: random.Random | None = None) -> str:
    """A random address in 127.64.0.0-127.191.255.254 (all of 127/8 is loopback on Linux), away from
    127.0.0.1, 127.0.1.1 and 127.0.0.53 that hosts use."""
    rng = rng or random.Random()
    return f"127.{rng.randint(64, 191)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


class LabHost:
    """Several lab servers on one loopback address, one per *nominal* port.

    ``ports`` maps the port number a scenario is about (25, 465, 587, 2525, 2526 ...) to that port's
    faults. Every port of ``sweep`` that ``ports`` does not mention gets :meth:`Fault.refuse` (bound,
    not listening), so the whole sweep is explicit and no other service can answer there.

    With ``real_ports`` true the servers bind the nominal numbers themselves (needs root for ports below
    1024); with ``None`` (the default) that is tried when running as root, on a fresh random
    ``127.x.y.z`` address per host, and falls back to free ports when the numbers are taken (e.g. a
    wildcard listener on :25). ``port_map`` says, explicitly, which real port serves each nominal port.
    """

    def __init__(
        self,
        ports: Mapping[int, Iterable[Fault]],
        *,
        address: str | None = None,
        real_ports: bool | None = None,
        sweep: Iterable[int] = SWEEP_PORTS,
        hostname: str = LAB_HOSTNAME,
        pki: LabPki | None = None,
        idle_timeout: float = 60.0,
    ) -> None:
        self.ports: dict[int, tuple[Fault, ...]] = {int(p): tuple(f) for p, f in ports.items()}
        for nominal in sweep:
            self.ports.setdefault(int(nominal), (Fault.refuse(),))
        for nominal, faults in self.ports.items():
            compose(faults)  # conflicts are reported now, not when starting
            if not 0 < nominal < 65536:
                raise ValueError(f"port {nominal} out of range")
        self.address = address
        self._fixed_address = address is not None
        self.real_ports = real_ports
        self.hostname = hostname
        self.pki = pki
        self.idle_timeout = idle_timeout
        self.servers: dict[int, LabSmtpServer] = {}

    @property
    def port_map(self) -> dict[int, int]:
        """``{nominal port: real port}`` for every port of this host."""
        return {nominal: srv.port for nominal, srv in self.servers.items()}

    def port(self, nominal: int) -> int:
        return self.servers[nominal].port

    def server(self, nominal: int) -> LabSmtpServer:
        return self.servers[nominal]

    @property
    def uses_real_ports(self) -> bool:
        return bool(self.servers) and all(srv.port == nominal for nominal, srv in self.servers.items())

    @property
    def ca_file(self) -> str:
        return str((self.pki or default_pki()).ca_file)

    async def start(self) -> "LabHost":
        want_real = self.real_ports if self.real_ports is not None else _is_root()
        attempts = 1 if self._fixed_address else 4
        last_error: OSError | None = None
        if want_real:
            for _ in range(attempts):
                if not self._fixed_address:
                    self.address = allocate_loopback_address()
                try:
                    await self._start_all(real=True)
                    return self
                except OSError as exc:
                    last_error = exc
                    await self.stop()
            if self.real_ports:
                raise OSError(errno.EADDRINUSE, f"cannot bind the real port numbers on {self.address}: {last_error}")
        if self.address is None:
            self.address = allocate_loopback_address()
        try:
            await self._start_all(real=False)
        except BaseException:
            await self.stop()
            raise
        return self

    def nominal(self, real_port: int) -> int | None:
        """The nominal port a real port serves (the inverse of :attr:`port_map`)."""
        return next((n for n, p in self.port_map.items() if p == real_port), None)

    async def _start_all(self, *, real: bool) -> None:
        assert self.address is not None
        for nominal, faults in sorted(self.ports.items()):
            srv = LabSmtpServer(faults, host=self.address, port=nominal if real else 0, hostname=self.hostname,
                                pki=self.pki, idle_timeout=self.idle_timeout)
            await srv.start()
            self.servers[nominal] = srv

    async def stop(self) -> None:
        servers, self.servers = list(self.servers.values()), {}
        await asyncio.gather(*(srv.stop() for srv in servers), return_exceptions=True)

    async def __aenter__(self) -> "LabHost":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        ports = ", ".join(f"{n}->{p}" for n, p in self.port_map.items()) or "not started"
        return f"LabHost({self.address}, {ports})"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0

