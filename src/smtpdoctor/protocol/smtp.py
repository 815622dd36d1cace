"""A sans-I/O SMTP client protocol core (bytes in, events out), in the shape of h11.

::

    conn = ClientConnection()
    conn.receive_data(b"220 mx.example.com ESMTP\\r\\n")
    event = conn.next_event()          # ReplyEvent(command="<greeting>", reply=Reply(code=220, ...))
    wire = conn.send("EHLO", "client.example")   # b"EHLO client.example\\r\\n"

There is no socket here. Replies are paired with the commands that asked for them in order, so several
commands may be outstanding at once (RFC 2920 PIPELINING). What moves the state lives in one table,
:data:`TRANSITIONS`. Limits bound what a hostile or broken server can make us hold: the length of a line,
the number of lines in one reply and the bytes of one reply. Malformed input raises
:class:`~smtpdoctor.protocol.errors.RemoteProtocolError`; a command the state does not allow raises
:class:`~smtpdoctor.protocol.errors.LocalProtocolError`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from .errors import LocalProtocolError, RemoteProtocolError
from .replies import Reply

__all__ = [
    "State",
    "ReplyEvent",
    "Closed",
    "NEED_DATA",
    "ClientConnection",
    "TRANSITIONS",
    "GREETING",
    "SASL_RESPONSE",
    "MESSAGE_BODY",
    "Limits",
]


class State(StrEnum):
    GREETING = "greeting"  # connected, waiting for the server's greeting
    REJECTED = "rejected"  # the greeting was 4xx/5xx: only QUIT makes sense
    HELLO = "hello"  # greeted (or TLS just started): EHLO/HELO next
    READY = "ready"  # EHLO accepted: STARTTLS, AUTH, MAIL ...
    TLS_STARTING = "tls-starting"  # STARTTLS accepted: the driver must handshake, then call tls_started()
    SASL = "sasl"  # AUTH in progress (334 challenges)
    MAIL = "mail"  # MAIL FROM accepted
    RCPT = "rcpt"  # at least one RCPT TO accepted
    BODY = "body"  # DATA accepted (354): send the message
    CLOSED = "closed"


# Pseudo-commands: what the greeting, a SASL response line and a message body answer to.
GREETING = "<greeting>"
SASL_RESPONSE = "<sasl>"
MESSAGE_BODY = "<body>"

_ANY = "*"

# (state, command, reply class 2/3/4/5 or "*") -> next state. Looked up most specific first.
TRANSITIONS: dict[tuple[State, str, int | str], State] = {
    (State.GREETING, GREETING, 2): State.HELLO,
    (State.GREETING, GREETING, 4): State.REJECTED,
    (State.GREETING, GREETING, 5): State.REJECTED,
    (State.HELLO, "EHLO", 2): State.READY,
    (State.HELLO, "HELO", 2): State.READY,
    (State.HELLO, "LHLO", 2): State.READY,
    (State.READY, "EHLO", 2): State.READY,
    (State.READY, "HELO", 2): State.READY,
    (State.READY, "STARTTLS", 2): State.TLS_STARTING,
    (State.READY, "AUTH", 2): State.READY,
    (State.READY, "AUTH", 3): State.SASL,
    (State.SASL, SASL_RESPONSE, 2): State.READY,
    (State.SASL, SASL_RESPONSE, 3): State.SASL,
    (State.SASL, SASL_RESPONSE, 4): State.READY,
    (State.SASL, SASL_RESPONSE, 5): State.READY,
    (State.READY, "MAIL", 2): State.MAIL,
    (State.MAIL, "RCPT", 2): State.RCPT,
    (State.RCPT, "RCPT", _ANY): State.RCPT,
    (State.RCPT, "DATA", 3): State.BODY,
    (State.BODY, MESSAGE_BODY, _ANY): State.READY,
    (State.MAIL, "RSET", 2): State.READY,
    (State.RCPT, "RSET", 2): State.READY,
    (State.READY, "RSET", 2): State.READY,
}

# Commands allowed in each state (NOOP, RSET, QUIT and EHLO are handled below). A failing reply to a
# command not in TRANSITIONS leaves the state unchanged.
_ALLOWED: dict[State, frozenset[str]] = {
    State.GREETING: frozenset({"QUIT"}),
    State.REJECTED: frozenset({"QUIT", "EHLO", "HELO"}),
    State.HELLO: frozenset({"EHLO", "HELO", "LHLO", "QUIT", "NOOP", "RSET"}),
    State.READY: frozenset({"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "QUIT", "NOOP", "RSET", "VRFY", "HELP"}),
    State.TLS_STARTING: frozenset(),
    State.SASL: frozenset({SASL_RESPONSE}),
    State.MAIL: frozenset({"RCPT", "RSET", "QUIT", "NOOP"}),
    State.RCPT: frozenset({"RCPT", "DATA", "BDAT", "RSET", "QUIT", "NOOP"}),
    State.BODY: frozenset({MESSAGE_BODY}),
    State.CLOSED: frozenset(),
}


def next_state(state: State, command: str, code: int) -> State:
    if code == 421:  # "Service not available, closing transmission channel" ends every state
        return State.CLOSED
    if command == "QUIT":
        return State.CLOSED
    cls = code // 100
    return TRANSITIONS.get((state, command, cls)) or TRANSITIONS.get((state, command, _ANY)) or state


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyEvent:
    command: str  # the verb this reply answers: "EHLO", "<greeting>", "<sasl>" ...
    reply: Reply


@dataclass(frozen=True, slots=True)
class Closed:
    """The server closed the connection. ``pending`` lists commands that got no reply."""

    pending: tuple[str, ...] = ()


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _NeedData()


@dataclass(frozen=True, slots=True)
class Limits:
    max_line: int = 8192  # RFC 5321 allows 512; real servers send longer lines, hostile ones 1 MB
    max_lines: int = 256  # per reply (EHLO lists a few dozen at most)
    max_reply_bytes: int = 65536
    max_command: int = 16384  # RFC 4954 allows 12288 octets for an AUTH line


_LINE_RE = re.compile(rb"^(\d{3})([ -]?)(.*)$", re.S)


class ClientConnection:
    """The client side of one SMTP connection, without I/O."""

    def __init__(self, *, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.state = State.GREETING
        self._buffer = bytearray()
        self._pending: deque[str] = deque([GREETING])
        self._lines: list[str] = []
        self._code: int | None = None
        self._reply_bytes = 0
        self._eof = False
        self._ready: deque[ReplyEvent] = deque()

    # -- incoming ---------------------------------------------------------------------------------
    @property
    def pending(self) -> tuple[str, ...]:
        """Commands sent (or the greeting awaited) whose replies have not arrived yet."""
        return tuple(self._pending)

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the network; ``b""`` means the server closed the connection."""
        if not data:
            self._eof = True
            return
        self._buffer += data
        self._parse()

    def next_event(self) -> ReplyEvent | Closed | _NeedData:
        if self._ready:
            return self._ready.popleft()
        if self._eof:
            if self._buffer or self._lines:
                data = bytes(self._buffer)
                self._buffer.clear()
                self._lines.clear()
                raise RemoteProtocolError("connection closed in the middle of a reply", data=data)
            self.state = State.CLOSED
            return Closed(tuple(self._pending))
        return NEED_DATA

    def _parse(self) -> None:
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self.limits.max_line:
                    raise RemoteProtocolError(
                        f"reply line longer than {self.limits.max_line} bytes", data=bytes(self._buffer))
                return
            if end + 1 > self.limits.max_line + 2:
                raise RemoteProtocolError(
                    f"reply line longer than {self.limits.max_line} bytes", data=bytes(self._buffer[:end]))
            raw = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            self._line(raw)

    def _line(self, raw: bytes) -> None:
        line = raw.rstrip(b"\r\n")
        m = _LINE_RE.match(line)
        if m is None or (m.group(2) == b"" and m.group(3)):
            raise RemoteProtocolError("not an SMTP reply line", data=line)
        code = int(m.group(1))
        if not 200 <= code <= 599:
            raise RemoteProtocolError(f"reply code {code} out of range", data=line)
        if self._code is not None and code != self._code:
            raise RemoteProtocolError(f"reply code changed from {self._code} to {code} inside one reply", data=line)
        self._reply_bytes += len(raw)
        if self._reply_bytes > self.limits.max_reply_bytes:
            raise RemoteProtocolError(f"reply longer than {self.limits.max_reply_bytes} bytes", data=line)
        self._code = code
        self._lines.append(m.group(3).decode("utf-8", "replace"))
        if len(self._lines) > self.limits.max_lines:
            raise RemoteProtocolError(f"reply has more than {self.limits.max_lines} lines", data=line)
        if m.group(2) == b"-":
            return
        reply = Reply(code=code, lines=tuple(self._lines))
        self._lines = []
        self._code = None
        self._reply_bytes = 0
        if not self._pending:
            raise RemoteProtocolError("reply received while no command was outstanding", data=line)
        command = self._pending.popleft()
        self.state = next_state(self.state, command, code)
        self._ready.append(ReplyEvent(command=command, reply=reply))

    # -- outgoing ---------------------------------------------------------------------------------
    def _projected_state(self) -> State:
        """The state once every outstanding command has succeeded: what a pipelined command follows."""
        state = self.state
        for command in self._pending:
            if command == GREETING:
                return State.GREETING  # never talk before the server greets (RFC 5321 §3.1, RFC 2920)
            cls = 3 if command in ("DATA",) or (command == "AUTH") else 2
            state = next_state(state, command, cls * 100 + 50)
        return state

    def send(self, verb: str, argument: str | None = None) -> bytes:
        """The bytes of one command line. Records it as awaiting a reply."""
        verb = verb.upper()
        state = self._projected_state()
        if state is State.CLOSED:
            raise LocalProtocolError(f"cannot send {verb}: the connection is closed")
        if verb not in _ALLOWED[state]:
            raise LocalProtocolError(f"{verb} is not allowed in state {state}")
        line = verb if argument is None else f"{verb} {argument}"
        return self._queue(verb, line)

    def send_sasl(self, response: str) -> bytes:
        """A SASL response line (base64 text, ``*`` to cancel) after a 334 challenge."""
        if self._projected_state() is not State.SASL:
            raise LocalProtocolError("no SASL exchange in progress")
        return self._queue(SASL_RESPONSE, response)

    def send_body(self, message: bytes) -> bytes:
        """The message after a 354: dot-stuffed, CRLF line endings, ended by ``.``."""
        if self._projected_state() is not State.BODY:
            raise LocalProtocolError("DATA has not been accepted")
        lines = message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        stuffed = b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
        self._pending.append(MESSAGE_BODY)
        return stuffed + b".\r\n"

    def _queue(self, pending: str, line: str) -> bytes:
        if "\r" in line or "\n" in line:
            raise LocalProtocolError("a command may not contain CR or LF")
        try:
            data = line.encode("utf-8") + b"\r\n"
        except UnicodeEncodeError:  # a lone surrogate: bytes that were not UTF-8 in argv or the environment
            raise LocalProtocolError("a command must be valid UTF-8 text") from None
        if len(data) > self.limits.max_command:
            raise LocalProtocolError(f"command longer than {self.limits.max_command} bytes")
        self._pending.append(pending)
        return data

    def tls_started(self) -> None:
        """The driver finished the TLS handshake after STARTTLS: the session starts over (RFC 3207)."""
        if self.state is not State.TLS_STARTING:
            raise LocalProtocolError("STARTTLS was not accepted")
        if self._buffer:
            # Bytes that arrived before the handshake would be injected plaintext (CVE-2011-0411 class).
            raise RemoteProtocolError("plaintext bytes after STARTTLS (possible command injection)",
                                      data=bytes(self._buffer))
        self.state = State.HELLO
