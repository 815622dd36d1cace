"""What a lab SMTP server does, as plain data: the :class:`Plan` that :func:`smtpdoctor.lab.faults.compose`
folds a list of faults into, its parts (:class:`Send`, :class:`StartTlsPlan`, :class:`AuthPlan`,
:class:`Rule`), and the replies quoted from real servers (Postfix unless noted) that the faults send, so
the lab says what the Internet says. Replies are written as on the wire (code, separator, text), lines
separated by ``\\n``; ``{client}``, ``{addr}``, ``{host}`` are filled in when sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable, Mapping

from .certs import CertKind

__all__ = ["Plan", "Send", "Then", "StartTlsPlan", "AuthPlan", "Rule", "DEFAULT_EXTENSIONS", "LAB_USER",
           "LAB_PASSWORD", "LAB_DOMAIN", "MIB"]

MIB = 1024 * 1024
LAB_DOMAIN = "lab.test"
LAB_USER = "user@lab.test"
LAB_PASSWORD = "lab-password"

DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "PIPELINING",
    "SIZE 10240000",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "SMTPUTF8",
    "CHUNKING",
)

GREETING_554 = "554 5.3.2 {host} Service currently unavailable"
GREETING_421 = "421 4.3.2 {host} Service not available, closing transmission channel"
BLOCKED_USING = ("554 5.7.1 Service unavailable; Client host [{client}] blocked using {zone}; "
                 "https://www.spamhaus.org/query/ip/{client}")
HTTP_400 = (b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 150\r\n"
            b"Connection: close\r\n\r\n<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n"
            b"<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
GARBAGE = b"\x00\x17\x9c\xff\xfe\x80 \x1b[2J\x05\xfa\x13not-a-banner\x7f\xc3\x28\r\n"
NON_UTF8_GREETING = b"220 {host} ESMTP \xff\xfe\xc3\x28 caf\xe9 \xa0ready\r\n"
NON_UTF8_EHLO_LINE = b"250-X-\xff\xfe\xc3\x28-CAF\xc9"
STARTTLS_454 = "454 4.7.0 TLS not available due to local problem"
AUTH_535 = "535 5.7.8 Error: authentication failed: authentication failure"
AUTH_534_GMAIL = ("534-5.7.9 Application-specific password required. For more information, go to\n"
                  "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor")
AUTH_535_139 = ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
                "Visit https://aka.ms/smtp_auth_disabled for more information.")
AUTH_530_STARTTLS = "530 5.7.0 Must issue a STARTTLS command first"
AUTH_538 = "538 5.7.11 Encryption required for requested authentication mechanism"
AUTH_454 = "454 4.7.0 Temporary authentication failure"
AUTH_GARBAGE = b"\xff\xfe+OK? \x00\x01 what is AUTH\r\n"
# Text that attacks whoever reads a report: terminal escapes (screen clear, window title, an OSC 8
# hyperlink, BEL), HTML and a Markdown link to javascript:, all inside otherwise valid replies.
HOSTILE_GREETING = ("220 {host} ESMTP \x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
                    "<script>alert(1)</script> [ticket](javascript:alert(1)) | --- |")
HOSTILE_EHLO_LINE = "X-\x1b[31mRED\x1b[0m-<img src=x onerror=alert(1)>"
RELAY_DENIED = "554 5.7.1 <{addr}>: Relay access denied"
SENDER_NOT_OWNED = "553 5.7.1 <{addr}>: Sender address rejected: not owned by user {user}"
USER_UNKNOWN = "550 5.1.1 <{addr}>: Recipient address rejected: User unknown in local recipient table"
REVERSE_HOSTNAME = "450 4.7.1 Client host rejected: cannot find your reverse hostname, [{client}]"
GREYLISTED = "451 4.7.1 <{addr}>: Recipient address rejected: Greylisted, please try again in 300 seconds"
RATE_LIMITED = "421 4.7.0 {host} Error: too many messages from {client}, slow down"


class Then(StrEnum):
    """What the server does after it has written a fault's bytes."""

    CONTINUE = "continue"  # carry on with the dialogue
    CLOSE = "close"  # close the connection (FIN)
    RESET = "reset"  # abort the connection (RST)
    SILENCE = "silence"  # keep the connection open, read and record, never write again
    REFUSE_COMMANDS = "refuse-commands"  # answer 503 to everything but QUIT (RFC 5321 3.1 after a 554 greeting)
    REFUSE_ALL = "refuse-all"  # answer 421 to every command, QUIT included, and never close (hostile)


@dataclass(frozen=True, slots=True, kw_only=True)
class Send:
    """Bytes the server writes at one stage instead of its normal reply.

    ``data`` is written as is (placeholders ``{host}``/``{client}`` are filled in); ``repeat`` > 0
    writes ``repeat_line`` that many more times afterwards (the endless-continuation fault), < 0 until
    the client leaves (the endless-multiline fault), and ``line_size`` > 0 pads ``data`` to one line of
    that many bytes (the 1 MB line fault)."""

    data: bytes = b""
    then: Then = Then.CONTINUE
    delay: float = 0.0  # seconds to wait before writing
    repeat_line: bytes = b""
    repeat: int = 0
    line_size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTlsPlan:
    cert: CertKind = CertKind.VALID
    reply: str | None = None  # a refusal instead of "220 2.0.0 Ready to start TLS" (454 ...)
    abort: Then | None = None  # after "220 Ready": CLOSE / RESET, or garbage bytes instead of a handshake
    garbage: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthPlan:
    mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN")
    users: Mapping[str, str] = field(default_factory=lambda: {LAB_USER: LAB_PASSWORD}, repr=False)
    tls_only: bool = False  # advertise and allow AUTH only under TLS (Postfix smtpd_tls_auth_only)
    before_tls_reply: str | None = None  # answer to AUTH before TLS (538 ...), sent before any payload
    outcome: str | None = None  # the reply to every attempt, after the credentials (534, 535 5.7.139, 454 ...)
    failure_reply: str = AUTH_535  # the reply to wrong credentials
    mode: str = "normal"  # "normal" | "garbage" (bytes that are not SMTP) | "endless" (334 forever)
    max_rounds: int = 100_000  # the endless challenge loop is endless for any client, bounded for us
    echo: bool = False  # every final AUTH reply repeats the lines the client sent in the exchange


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """An envelope rule: answer ``reply`` to ``command`` (MAIL, RCPT or DATA) when it matches."""

    command: str
    reply: str
    unless_authenticated: bool = False  # authenticated clients pass
    only: frozenset[str] | None = None  # match only these addresses (lower case)
    allowed: frozenset[str] | None = None  # match every address except these (lower case)
    local_domains: frozenset[str] | None = None  # addresses in these domains pass
    times: int | None = None  # match only the first N attempts (greylisting), then pass
    then: Then = Then.CONTINUE
    decide: Callable[[str], str | None] | None = None  # the reply for this address, or None to pass

    def matches(self, address: str, *, authenticated: bool) -> bool:
        addr = address.lower()
        if self.unless_authenticated and authenticated:
            return False
        if self.only is not None and addr not in self.only:
            return False
        if self.allowed is not None and addr in self.allowed:
            return False
        if self.local_domains is not None and addr.rpartition("@")[2] in self.local_domains:
            return False
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Everything a lab server does, after the faults were composed. Made by :func:`compose`."""

    listen: str = "serve"  # serve | refuse | filtered
    on_connect: Send | None = None  # bytes/action right after accept, instead of the SMTP dialogue
    wait_for_line: bool = False  # on_connect waits for the client's first line (an HTTP server)
    implicit_tls: CertKind | None = None
    banner_delay: float = 0.0
    greeting: Send | None = None  # None: "220 {host} ESMTP smtpdoctor-lab"
    ehlo: Send | None = None  # None: the normal EHLO reply
    drop_on_ehlo: bool = False
    rtt: float = 0.0
    drip: float = 0.0  # bytes per second every reply trickles out at (0: at once)
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    starttls: StartTlsPlan | None = None
    starttls_stripped: bool = False
    require_tls_reply: str | None = None
    auth: AuthPlan | None = None
    rules: tuple[Rule, ...] = ()
    faults: tuple[str, ...] = ()  # names of the faults this plan was composed from

    @property
    def offers_starttls(self) -> bool:
        return self.starttls is not None and self.implicit_tls is None
