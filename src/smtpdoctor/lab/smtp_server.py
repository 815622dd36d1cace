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
that would leave little of it. So this module owns the small, plain state machine below (HELO/EHLO,
STARTTLS, AUTH PLAIN/LOGIN/CRAM-MD5, MAIL, RCPT, DATA, BDAT, RSET, NOOP, VRFY, HELP, QUIT) and every
fault is one branch of it.

Everything the client sends is recorded per session (:class:`SessionRecord`: the transcript of raw
bytes, TLS facts, AUTH attempts, messages), for tests to assert on. ``stop()`` closes every connection
and awaits every task it started; nothing outlives it.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import errno
import hashlib
import hmac
import os
import random
import re
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from smtpdoctor.lab.certs import LAB_HOSTNAME, LAB_NAMES, CertKind, LabPki, default_pki
from smtpdoctor.lab.faults import AUTH_GARBAGE, Fault, Plan, Send, Then, compose

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
MAX_LINE = 64 * 1024  # a command line longer than this is answered "500 5.5.2 line too long"
_BEFORE_TLS_ALLOWED = frozenset({"EHLO", "HELO", "STARTTLS", "NOOP", "RSET", "QUIT"})
_PATH = re.compile(r"^\s*<([^<>]*)>\s*(.*)$")


# -- what the server records ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One piece of a session as it crossed the wire: a received line (without CRLF), bytes sent, or
    an ``info`` note from the server (TLS up, connection closed, ...)."""

    t: float  # seconds since the connection was accepted
    dir: str  # "recv" | "send" | "info"
    tls: bool
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthAttempt:
    mechanism: str
    username: str | None
    password: str | None = field(default=None, repr=False)  # never in a repr
    success: bool
    reply: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes  # the message as received (dot-unstuffed for DATA), without the final "."
    via: str  # "DATA" | "BDAT"


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    """What one client connection did. Filled in while the session runs."""

    peer: tuple
    transcript: list[Exchange] = field(default_factory=list)
    tls_version: str | None = None
    tls_cipher: str | None = None
    tls_error: str | None = None
    discarded_after_starttls: bytes = b""  # plaintext the client sent after STARTTLS, before TLS
    auth_attempts: list[AuthAttempt] = field(default_factory=list)
    authenticated_as: str | None = None
    messages: list[Message] = field(default_factory=list)
    ended: str | None = None  # quit, client-closed, server-closed, reset, tls-failed, idle-timeout, stopped, error: ...

    @property
    def received(self) -> list[bytes]:
        """Every line the client sent, in order, without CRLF (AUTH payloads included)."""
        return [e.data for e in self.transcript if e.dir == "recv"]

    @property
    def commands(self) -> list[str]:
        """The received lines as text (undecodable bytes escaped as surrogates)."""
        return [line.decode("utf-8", "surrogateescape") for line in self.received]

    @property
    def sent(self) -> bytes:
        """Everything the server wrote, concatenated."""
        return b"".join(e.data for e in self.transcript if e.dir == "send")


class _Closed(Exception):
    """The session ends; ``args[0]`` says why."""


# -- one connection ---------------------------------------------------------------------------------
class _Session:
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
        self.refuse_commands = False
        self._reset(helo=None)
        self.authenticated: str | None = None
        self.auth_sent: list[str] = []  # the lines of the AUTH exchange in progress (for auth_echo)

    def _reset(self, *, helo: str | None) -> None:
        self.helo = helo
        self.mail_from: str | None = None
        self.rcpts: list[str] = []
        self.bdat: bytearray | None = None

    # -- recording ---------------------------------------------------------------------------------
    def _note(self, direction: str, data: bytes) -> None:
        self.record.transcript.append(Exchange(t=time.monotonic() - self.t0, dir=direction, tls=self.tls, data=data))

    # -- reading -----------------------------------------------------------------------------------
    async def _fill(self) -> bytes:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that races
        # with the read finishing, and then stop() would wait for the idle timeout.
        try:
            async with asyncio.timeout(self.server.idle_timeout):
                data = await self.reader.read(65536)
        except TimeoutError:
            raise _Closed("idle-timeout") from None
        if not data:
            raise _Closed("client-closed")
        self.buf += data
        self.chunks.append((self.consumed + len(self.buf), time.monotonic()))
        return data

    def _take(self, n: int) -> bytes:
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

    async def _line(self, *, record: bool = True) -> bytes | None:
        """The next line without its line ending, or None when it was longer than MAX_LINE (the
        excess is read and thrown away so the dialogue can go on)."""
        overlong = False
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = self._take(i + 1)[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                if overlong or len(line) > MAX_LINE:
                    self._note("info", b"line longer than %d bytes discarded" % MAX_LINE)
                    return None
                if record:
                    self._note("recv", line)
                return line
            if len(self.buf) > MAX_LINE:
                overlong = True
                self._take(len(self.buf))
            await self._fill()

    async def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            await self._fill()
        return self._take(n)

    # -- writing -----------------------------------------------------------------------------------
    def _fill_in(self, data: bytes, **extra: str) -> bytes:
        values = {"host": self.server.hostname, "client": self.client_ip, **extra}
        for key, value in values.items():
            data = data.replace(b"{" + key.encode() + b"}", value.encode("utf-8", "surrogateescape"))
        return data

    async def _send(self, data: bytes, *, drain: bool = True) -> None:
        if self.plan.rtt:
            await asyncio.sleep(max(0.0, self.arrival + self.plan.rtt - time.monotonic()))
        self.writer.write(data)
        self._note("send", data)
        if drain:
            await self._drain()

    async def _drain(self) -> None:
        try:
            async with asyncio.timeout(self.server.idle_timeout):
                await self.writer.drain()
        except TimeoutError:
            raise _Closed("idle-timeout") from None

    async def _reply(self, reply: str, *, drain: bool = True, **extra: str) -> None:
        """Send a reply written as on the wire ("250 2.0.0 Ok", lines split by \\n)."""
        data = "".join(line + "\r\n" for line in reply.split("\n")).encode("utf-8", "surrogateescape")
        await self._send(self._fill_in(data, **extra), drain=drain)

    async def _perform(self, send: Send) -> None:
        """Write a fault's bytes and do what it says next."""
        if send.delay:
            await asyncio.sleep(send.delay)
        data = self._fill_in(send.data)
        if send.line_size:
            data = data + b"x" * max(0, send.line_size - len(data) - 2) + b"\r\n"
        if data:
            await self._send(data)
        if send.repeat:
            # written in blocks with drain() between them, so a client that stops reading stops us too
            block_lines = 1000
            block = send.repeat_line * block_lines
            self._note("info", b"repeating %d bytes %d times" % (len(send.repeat_line), send.repeat))
            for done in range(0, send.repeat, block_lines):
                n = min(block_lines, send.repeat - done)
                self.writer.write(block if n == block_lines else send.repeat_line * n)
                await self._drain()
                await asyncio.sleep(0)  # drain() does not yield while the socket keeps up; we must
        await self._then(send.then)

    async def _then(self, then: Then) -> None:
        if then is Then.CONTINUE:
            return
        if then is Then.REFUSE_COMMANDS:
            self.refuse_commands = True
            return
        if then is Then.CLOSE:
            raise _Closed("server-closed")
        if then is Then.RESET:
            self._abort_with_rst()
            raise _Closed("reset")
        if then is Then.SILENCE:
            while True:  # read and record until the client gives up (or idle timeout / stop)
                self._take(len(self.buf))
                self._note("recv", await self._fill())

    def _abort_with_rst(self) -> None:
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    # -- the dialogue ------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self._dialogue()
        except _Closed as closed:
            self.record.ended = str(closed.args[0])
        except asyncio.CancelledError:
            self.record.ended = "stopped"
            raise
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
            self.record.ended = f"error: {type(exc).__name__}: {exc}"
        except Exception as exc:  # a lab bug must end the session, not the event loop
            self.record.ended = f"error: {type(exc).__name__}: {exc}"
            self._note("info", f"server error: {exc!r}".encode())
        finally:
            self._note("info", f"ended: {self.record.ended}".encode())
            await self._close(graceful=self.record.ended not in ("reset", "stopped"))

    async def _close(self, *, graceful: bool) -> None:
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

    async def _dialogue(self) -> None:
        plan = self.plan
        if plan.on_connect is not None:
            if plan.wait_for_line:
                await self._line()
            await self._perform(plan.on_connect)
        if plan.implicit_tls is not None:
            await self._start_tls(plan.implicit_tls)
        if plan.banner_delay:
            await asyncio.sleep(plan.banner_delay)
        await self._perform(plan.greeting or Send(data=b"220 {host} ESMTP smtpdoctor-lab\r\n"))
        while True:
            line = await self._line()
            if line is None:
                await self._reply("500 5.5.2 Error: line too long")
                continue
            await self._command(line)

    async def _command(self, line: bytes) -> None:
        text = line.decode("utf-8", "surrogateescape")
        verb, _, arg = text.strip().partition(" ")
        verb, arg = verb.upper(), arg.strip()
        if not verb:
            await self._reply("500 5.5.2 Error: bad syntax")
            return
        if self.refuse_commands:
            if verb == "QUIT":
                await self._reply("221 2.0.0 Bye")
                raise _Closed("quit")
            await self._reply("503 5.5.1 Error: access denied")
            return
        if self.plan.require_tls_reply and not self.tls and verb not in _BEFORE_TLS_ALLOWED:
            await self._reply(self.plan.require_tls_reply)
            return
        handler = getattr(self, f"_cmd_{verb}", None) if verb.isascii() and verb.isalpha() else None
        if handler is None:
            await self._reply("502 5.5.2 Error: command not recognized")
            return
        await handler(arg)

    # -- commands ----------------------------------------------------------------------------------
    def _extensions(self) -> list[str]:
        ext = list(self.plan.extensions)
        at = next((i + 1 for i, e in enumerate(ext) if e.upper().startswith("SIZE")), min(1, len(ext)))
        added: list[str] = []
        if not self.tls and self.plan.starttls_stripped:
            added.append("XXXXXXXA")
        elif not self.tls and self.plan.offers_starttls:
            added.append("STARTTLS")
        auth = self.plan.auth
        if auth is not None and (self.tls or not auth.tls_only):
            added.append("AUTH " + " ".join(auth.mechanisms))
        return ext[:at] + added + ext[at:]

    def _has(self, keyword: str) -> str | None:
        return next((e for e in self.plan.extensions if e.split()[0].upper() == keyword), None)

    async def _cmd_EHLO(self, arg: str) -> None:
        if self.plan.drop_on_ehlo:
            raise _Closed("server-closed")
        if not arg:
            await self._reply("501 5.5.4 Syntax: EHLO hostname")
            return
        self._reset(helo=arg)
        if self.plan.ehlo is not None:
            await self._perform(self.plan.ehlo)
        lines = [self.server.hostname, *self._extensions()]
        await self._reply("\n".join(f"250{'-' if i < len(lines) - 1 else ' '}{x}" for i, x in enumerate(lines)))

    async def _cmd_HELO(self, arg: str) -> None:
        if self.plan.drop_on_ehlo:
            raise _Closed("server-closed")
        if not arg:
            await self._reply("501 5.5.4 Syntax: HELO hostname")
            return
        self._reset(helo=arg)
        await self._reply("250 {host}")

    async def _cmd_NOOP(self, arg: str) -> None:
        await self._reply("250 2.0.0 Ok")

    async def _cmd_RSET(self, arg: str) -> None:
        self._reset(helo=self.helo)
        await self._reply("250 2.0.0 Ok")

    async def _cmd_VRFY(self, arg: str) -> None:
        await self._reply("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")

    async def _cmd_HELP(self, arg: str) -> None:
        await self._reply("214 2.0.0 See RFC 5321")

    async def _cmd_QUIT(self, arg: str) -> None:
        await self._reply("221 2.0.0 Bye")
        raise _Closed("quit")

    async def _cmd_STARTTLS(self, arg: str) -> None:
        if self.plan.starttls_stripped:
            await self._reply("502 5.5.2 Error: command not recognized")
            return
        if self.tls:
            await self._reply("554 5.5.1 Error: TLS already active")
            return
        if not self.plan.offers_starttls:
            await self._reply("502 5.5.1 Error: command not implemented")
            return
        if arg:
            await self._reply("501 5.5.4 Syntax: STARTTLS")
            return
        st = self.plan.starttls
        assert st is not None
        if st.reply:
            await self._reply(st.reply)
            return
        # No drain (no yield to the event loop) between this reply and the switch to TLS: the client's
        # ClientHello must reach the TLS layer, not the plaintext buffer we discard in _start_tls.
        await self._reply("220 2.0.0 Ready to start TLS", drain=False)
        if st.abort is not None:
            if st.garbage:
                self.writer.write(st.garbage)
                self._note("send", st.garbage)
                await self._drain()
            await self._then(st.abort)
        await self._start_tls(st.cert)
        self._reset(helo=None)  # RFC 3207 4.2: forget everything learnt before TLS
        self.authenticated = None

    async def _start_tls(self, kind: CertKind) -> None:
        # Plaintext the client sent after STARTTLS but before the handshake must not be read as
        # commands under TLS (RFC 3207 5; the STARTTLS command-injection bug). Our own buffer and the
        # StreamReader's are dropped and kept as evidence. StreamReader has no public way to drop its
        # buffer, so we reach into ``_buffer`` (as aiosmtpd does).
        leftover = self._take(len(self.buf))
        reader_buffer = getattr(self.reader, "_buffer", None)
        if reader_buffer:
            leftover += bytes(reader_buffer)
            reader_buffer.clear()
        if leftover:
            self.record.discarded_after_starttls += leftover
            self._note("info", b"discarded plaintext sent before the TLS handshake: " + leftover)
        context = self.server.tls_context(kind)
        try:
            await self.writer.start_tls(context, ssl_handshake_timeout=self.server.handshake_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.record.tls_error = f"{type(exc).__name__}: {exc}"
            self._note("info", f"TLS handshake failed: {self.record.tls_error}".encode())
            raise _Closed("tls-failed") from None
        obj = self.writer.get_extra_info("ssl_object")
        self.tls = True
        if obj is not None:
            self.record.tls_version = obj.version()
            cipher = obj.cipher()
            self.record.tls_cipher = cipher[0] if cipher else None
        self._note("info", f"TLS up: {self.record.tls_version} {self.record.tls_cipher}".encode())

    # -- AUTH --------------------------------------------------------------------------------------
    async def _cmd_AUTH(self, arg: str) -> None:
        auth = self.plan.auth
        if auth is None or (auth.tls_only and not self.tls):
            await self._reply("503 5.5.1 Error: authentication not enabled")
            return
        if self.helo is None:
            await self._reply("503 5.5.1 Error: send HELO/EHLO first")
            return
        if self.authenticated is not None:
            await self._reply("503 5.5.1 Error: already authenticated")
            return
        if self.mail_from is not None:
            await self._reply("503 5.5.1 Error: MAIL transaction in progress")
            return
        if auth.before_tls_reply and not self.tls:
            await self._reply(auth.before_tls_reply)
            return
        mechanism, _, initial = arg.partition(" ")
        mechanism, initial = mechanism.upper(), initial.strip()
        self.auth_sent = [f"AUTH {arg}"]
        if auth.mode == "garbage":
            await self._send(AUTH_GARBAGE)
            return
        if auth.mode == "endless":
            for _ in range(auth.max_rounds):
                await self._reply("334 " + base64.b64encode(os.urandom(12)).decode())
                if await self._line() is None:
                    break
            await self._reply(auth.failure_reply)
            return
        if not mechanism:
            await self._reply("501 5.5.4 Syntax: AUTH mechanism")
            return
        if mechanism not in auth.mechanisms:
            await self._reply("535 5.7.8 Error: authentication failed: Invalid authentication mechanism")
            return
        try:
            username, password, proof = await self._sasl(mechanism, initial)
        except _SaslAbort as abort:
            await self._reply(str(abort))
            return
        if auth.outcome is not None:
            reply, ok = auth.outcome, False
        else:
            ok = username in auth.users and proof(auth.users[username])
            reply = "235 2.7.0 Authentication successful" if ok else auth.failure_reply
        if ok:
            self.authenticated = username
            self.record.authenticated_as = username
        self.record.auth_attempts.append(
            AuthAttempt(mechanism=mechanism, username=username, password=password, success=ok, reply=reply)
        )
        await self._reply(reply, auth_sent=" ".join(self.auth_sent), auth_user=username or "",
                          auth_password=password or "")

    async def _challenge(self, text: bytes) -> bytes:
        await self._reply("334 " + base64.b64encode(text).decode())
        line = await self._line()
        if line is None:
            raise _SaslAbort("500 5.5.2 Error: line too long")
        self.auth_sent.append(line.decode("ascii", "replace").strip())
        return line

    async def _sasl(self, mechanism: str, initial: str):
        """Run one SASL exchange; return (username, password or None, proof(password) -> bool)."""
        if mechanism == "PLAIN":
            raw = _b64(initial if initial else (await self._challenge(b"")).decode("ascii", "replace"))
            parts = raw.split(b"\0")
            if len(parts) != 3:
                raise _SaslAbort("501 5.5.2 Error: invalid PLAIN response")
            user, password = parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")
            return user, password, lambda secret: hmac.compare_digest(secret.encode(), password.encode())
        if mechanism == "LOGIN":
            if initial:
                user_raw = _b64(initial)
            else:
                user_raw = _b64((await self._challenge(b"Username:")).decode("ascii", "replace"))
            password_raw = _b64((await self._challenge(b"Password:")).decode("ascii", "replace"))
            user, password = user_raw.decode("utf-8", "replace"), password_raw.decode("utf-8", "replace")
            return user, password, lambda secret: hmac.compare_digest(secret.encode(), password.encode())
        if mechanism == "CRAM-MD5":
            nonce = f"<{random.getrandbits(64)}.{int(time.time())}@{self.server.hostname}>".encode()
            answer = _b64((await self._challenge(nonce)).decode("ascii", "replace")).decode("utf-8", "replace")
            user, _, digest = answer.rpartition(" ")

            def proof(secret: str) -> bool:
                expected = hmac.new(secret.encode(), nonce, hashlib.md5).hexdigest()
                return hmac.compare_digest(expected, digest.lower())

            return user, None, proof
        raise _SaslAbort("535 5.7.8 Error: authentication failed: Invalid authentication mechanism")

    # -- envelope ----------------------------------------------------------------------------------
    async def _apply_rules(self, command: str, address: str) -> bool:
        """Answer with the first matching rule; True when one answered."""
        for index, rule in enumerate(self.plan.rules):
            if rule.command != command or not rule.matches(address, authenticated=self.authenticated is not None):
                continue
            if rule.times is not None:
                if self.server._rule_hits[index] >= rule.times:
                    continue
                self.server._rule_hits[index] += 1
            await self._reply(rule.reply, addr=address, user=self.authenticated or "anonymous")
            await self._then(rule.then)
            return True
        return False

    async def _cmd_MAIL(self, arg: str) -> None:
        if self.helo is None:
            await self._reply("503 5.5.1 Error: send HELO/EHLO first")
            return
        if self.mail_from is not None:
            await self._reply("503 5.5.1 Error: nested MAIL command")
            return
        match = _PATH.match(arg[5:]) if arg[:5].upper() == "FROM:" else None
        if match is None:
            await self._reply("501 5.5.4 Syntax: MAIL FROM:<address>")
            return
        address, params = match.group(1), match.group(2).upper().split()
        size_ext = self._has("SIZE")
        if size_ext:
            limit = int(size_ext.split()[1]) if len(size_ext.split()) > 1 else 0
            declared = next((p[5:] for p in params if p.startswith("SIZE=")), None)
            if limit and declared and declared.isdigit() and int(declared) > limit:
                await self._reply("552 5.3.4 Message size exceeds fixed limit")
                return
        if await self._apply_rules("MAIL", address):
            return
        self.mail_from = address
        await self._reply("250 2.1.0 Ok")

    async def _cmd_RCPT(self, arg: str) -> None:
        if self.mail_from is None:
            await self._reply("503 5.5.1 Error: need MAIL command")
            return
        match = _PATH.match(arg[3:]) if arg[:3].upper() == "TO:" else None
        if match is None or not match.group(1):
            await self._reply("501 5.5.4 Syntax: RCPT TO:<address>")
            return
        address = match.group(1)
        if await self._apply_rules("RCPT", address):
            return
        self.rcpts.append(address)
        await self._reply("250 2.1.5 Ok")

    async def _cmd_DATA(self, arg: str) -> None:
        if self.mail_from is None:
            await self._reply("503 5.5.1 Error: need MAIL command")
            return
        if not self.rcpts:
            await self._reply("503 5.5.1 Error: need RCPT command")
            return
        if await self._apply_rules("DATA", self.mail_from):
            return
        await self._reply("354 End data with <CR><LF>.<CR><LF>")
        body: list[bytes] = []
        size = 0
        while True:
            line = await self._line(record=False)
            if line is None:
                continue
            if line == b".":
                break
            line = line[1:] if line.startswith(b".") else line
            size += len(line) + 2
            if size <= self.server.max_message_size:
                body.append(line)
        data = b"".join(line + b"\r\n" for line in body)
        self._note("recv", b"[message of %d bytes]" % size)
        if size > self.server.max_message_size:
            await self._reply("552 5.3.4 Message size exceeds fixed limit")
        else:
            await self._queue(data, "DATA")
        self._reset(helo=self.helo)

    async def _cmd_BDAT(self, arg: str) -> None:
        if not self._has("CHUNKING"):
            await self._reply("502 5.5.2 Error: command not recognized")
            return
        parts = arg.split()
        if not parts or not parts[0].isdigit() or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() != "LAST"):
            await self._reply("501 5.5.4 Syntax: BDAT count [LAST]")
            return
        count, last = int(parts[0]), len(parts) == 2
        chunk = await self._exactly(count)
        self._note("recv", b"[BDAT chunk of %d bytes]" % count)
        if self.mail_from is None or not self.rcpts:
            await self._reply("503 5.5.1 Error: need RCPT command")
            return
        self.bdat = (self.bdat or bytearray()) + chunk
        if not last:
            await self._reply(f"250 2.0.0 Ok: {count} bytes received")
            return
        await self._queue(bytes(self.bdat), "BDAT")
        self._reset(helo=self.helo)

    async def _queue(self, data: bytes, via: str) -> None:
        assert self.mail_from is not None
        self.record.messages.append(Message(mail_from=self.mail_from, rcpt_to=tuple(self.rcpts), data=data, via=via))
        await self._reply(f"250 2.0.0 Ok: queued as LAB{len(self.server.messages):06d}")


class _SaslAbort(Exception):
    """The SASL exchange ends with this reply."""


def _b64(text: str) -> bytes:
    text = text.strip()
    if text == "*":
        raise _SaslAbort("501 5.7.0 Authentication aborted")
    if text == "=":
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise _SaslAbort("501 5.5.2 Error: invalid base64 data") from None


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
        self._rule_hits: collections.Counter[int] = collections.Counter()
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
        session = _Session(self, reader, writer)
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

