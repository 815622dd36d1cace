"""Named, composable faults for the lab SMTP server.

A :class:`Fault` is a named value (``Fault.greeting_554()``, ``Fault.starttls(cert="expired")``,
``Fault.rtt(0.1)``) that edits one part of a server's behaviour. :func:`compose` folds a list of faults
into one frozen :class:`Plan`, which :class:`~smtpdoctor.lab.smtp_server.LabSmtpServer` executes. Each
part of the plan (what happens on connect, the greeting, the EHLO reply, TLS, the STARTTLS outcome,
AUTH, the AUTH outcome, the per-reply delay ...) can be set by one fault only: two faults that set the
same part raise :class:`FaultConflict` naming both, so a scenario cannot silently mean two things.
Capability edits and envelope rules add up (rules are tried in order; the first match answers).

With no faults at all the server is a plain, healthy ESMTP server: ``220`` greeting, ``EHLO`` with
PIPELINING, SIZE, ENHANCEDSTATUSCODES, 8BITMIME, SMTPUTF8 and CHUNKING, no STARTTLS, no AUTH, and it
accepts every sender and recipient. TLS and AUTH are turned on by faults too (``Fault.starttls()``,
``Fault.implicit_tls()``, ``Fault.auth(users=...)``), so a scenario lists everything it relies on.

Replies are written here exactly as they go on the wire (code, separator, text), one string per
reply, lines separated by ``\\n``. ``{client}`` in a reply is replaced by the client's IP address,
``{addr}`` by the address of the MAIL/RCPT command, ``{host}`` by the server's host name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Mapping

from .certs import CertKind
from .plan import AUTH_GARBAGE  # noqa: F401  (the replies stay importable from here, as before)
from .plan import (AUTH_454, AUTH_530_STARTTLS, AUTH_534_GMAIL, AUTH_535, AUTH_535_139, AUTH_538, BLOCKED_USING,
                   DEFAULT_EXTENSIONS, GARBAGE, GREETING_421, GREETING_554, GREYLISTED, HOSTILE_EHLO_LINE,
                   HOSTILE_GREETING, HTTP_400, LAB_DOMAIN, LAB_PASSWORD, LAB_USER, MIB, NON_UTF8_EHLO_LINE,
                   NON_UTF8_GREETING, RATE_LIMITED, RELAY_DENIED, REVERSE_HOSTNAME, SENDER_NOT_OWNED, STARTTLS_454,
                   USER_UNKNOWN, AuthPlan, Plan, Rule, Send, StartTlsPlan, Then)

__all__ = [
    "Fault",
    "FaultConflict",
    "Plan",
    "Send",
    "Then",
    "StartTlsPlan",
    "AuthPlan",
    "Rule",
    "compose",
    "DEFAULT_EXTENSIONS",
    "LAB_USER",
    "LAB_PASSWORD",
    "LAB_DOMAIN",
    "MIB",
]


class FaultConflict(ValueError):
    """Two faults set the same part of the server's behaviour."""


# -- composition ------------------------------------------------------------------------------------
class _Draft:
    """A mutable plan that remembers which fault set which part, to report conflicts."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.owner: dict[str, str] = {}
        self.extensions: list[str] = list(DEFAULT_EXTENSIONS)
        self.rules: list[Rule] = []
        self.current: tuple[int, str] = (-1, "")  # (position in the list, the fault as text)

    def set(self, part: str, value: Any) -> None:
        if part in self.owner and self.owner[part] != self.current:
            raise FaultConflict(f"faults {self.owner[part][1]} and {self.current[1]} both set the {part}")
        self.values[part] = value
        self.owner[part] = self.current

    def get(self, part: str, default: Any = None) -> Any:
        return self.values.get(part, default)

    def auth(self) -> AuthPlan:
        """The AUTH plan so far; an AUTH outcome fault on its own switches AUTH on with the defaults."""
        return self.values.get("auth") or AuthPlan()


def compose(faults: Iterable["Fault"]) -> Plan:
    """Fold ``faults`` into one :class:`Plan`; raise :class:`FaultConflict` on contradictions."""
    draft = _Draft()
    names: list[str] = []
    for index, fault in enumerate(faults):
        if not isinstance(fault, Fault):
            raise TypeError(f"not a Fault: {fault!r}")
        draft.current = (index, str(fault))
        fault.edit(draft)
        names.append(fault.name)
    auth: AuthPlan | None = draft.get("auth")
    for part in ("auth-outcome", "auth-mode", "auth-before-tls", "auth-echo"):
        if part in draft.values:
            auth = replace(auth or AuthPlan(), **draft.values[part])
    if draft.get("starttls-outcome") is not None:
        draft.values["starttls"] = replace(draft.get("starttls") or StartTlsPlan(), **draft.values["starttls-outcome"])
    if draft.get("implicit_tls") is not None and draft.get("starttls") is not None:
        raise FaultConflict("implicit TLS and STARTTLS on one port: use two servers")
    if draft.get("no-auth") and auth is not None:
        raise FaultConflict(f"{draft.owner['no-auth'][1]} contradicts the AUTH faults")
    if draft.get("no-starttls") and draft.get("starttls") is not None:
        raise FaultConflict(f"{draft.owner['no-starttls'][1]} contradicts the STARTTLS faults")
    known = {f.name for f in fields(Plan)}
    values = {k: v for k, v in draft.values.items() if k in known}
    return Plan(**{**values, "auth": auth, "extensions": tuple(draft.extensions), "rules": tuple(draft.rules),
                   "faults": tuple(names)})


# -- faults -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fault:
    """One named behaviour of a lab server. Build with the class methods; combine in a list."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    edit: Callable[[_Draft], None] = field(default=lambda d: None, repr=False, compare=False)

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={v!r}" for k, v in self.params) + ")"

    # -- connection ------------------------------------------------------------------------------
    @classmethod
    def refuse(cls) -> "Fault":
        """Nothing listens: the port is bound but not listening, so a connect gets RST (refused)."""
        return cls("refuse", (), lambda d: d.set("listen", "refuse"))

    @classmethod
    def filtered(cls) -> "Fault":
        """Packets are dropped: the SYN is never answered and a connect times out (like iptables DROP).

        Done without root: the listening socket's accept queue (backlog 0) is filled by one connection
        of our own and never accepted, so Linux drops every further SYN."""
        return cls("filtered", (), lambda d: d.set("listen", "filtered"))

    @classmethod
    def blackhole(cls) -> "Fault":
        """Accept the TCP connection and never say a word (reads are recorded)."""
        return cls("blackhole", (), lambda d: d.set("on_connect", Send(then=Then.SILENCE)))

    @classmethod
    def reset(cls) -> "Fault":
        """Accept, then abort the connection at once (RST), before any greeting."""
        return cls("reset", (), lambda d: d.set("on_connect", Send(then=Then.RESET)))

    @classmethod
    def slow_banner(cls, delay: float = 5.0) -> "Fault":
        """Wait ``delay`` seconds before the greeting."""
        return cls("slow-banner", (("delay", delay),), lambda d: d.set("banner_delay", float(delay)))

    @classmethod
    def rtt(cls, seconds: float = 0.1) -> "Fault":
        """Every reply waits ``seconds`` after the command it answers arrived, as an Internet round
        trip would; pipelined commands that arrived together are answered after one wait."""
        return cls("rtt", (("seconds", seconds),), lambda d: d.set("rtt", float(seconds)))

    # -- greeting --------------------------------------------------------------------------------
    @classmethod
    def greeting(cls, reply: str, then: Then | str = Then.REFUSE_COMMANDS) -> "Fault":
        """Greet with ``reply`` (any code and text), then do ``then``."""
        send = Send(data=_wire(reply), then=Then(then))
        return cls("greeting", (("reply", reply), ("then", str(then))), lambda d: d.set("greeting", send))

    @classmethod
    def greeting_554(cls, reply: str = GREETING_554) -> "Fault":
        """``554`` greeting: no service for this client; every later command but QUIT gets 503."""
        send = Send(data=_wire(reply), then=Then.REFUSE_COMMANDS)
        return cls("greeting-554", (("reply", reply),), lambda d: d.set("greeting", send))

    @classmethod
    def greeting_421(cls, reply: str = GREETING_421) -> "Fault":
        """``421`` greeting, then the server closes the connection."""
        send = Send(data=_wire(reply), then=Then.CLOSE)
        return cls("greeting-421", (("reply", reply),), lambda d: d.set("greeting", send))

    @classmethod
    def greeting_blocklisted(cls, zone: str = "zen.spamhaus.org") -> "Fault":
        """``554 5.7.1 Service unavailable; Client host [IP] blocked using zen.spamhaus.org; ...``"""
        reply = BLOCKED_USING.replace("{zone}", zone)
        send = Send(data=_wire(reply), then=Then.REFUSE_COMMANDS)
        return cls("greeting-blocklisted", (("zone", zone),), lambda d: d.set("greeting", send))

    @classmethod
    def garbage_banner(cls, data: bytes = GARBAGE) -> "Fault":
        """Binary bytes where the greeting belongs, then silence (some other service on the port)."""
        send = Send(data=data, then=Then.SILENCE)
        return cls("garbage-banner", (("data", data),), lambda d: d.set("on_connect", send))

    @classmethod
    def http_banner(cls, on_connect: bool = True) -> "Fault":
        """An HTTP server: ``HTTP/1.1 400 Bad Request`` and close. With ``on_connect=False`` it first
        waits for the client's first line, as a real HTTP server does (the SMTP client sees silence)."""
        send = Send(data=HTTP_400, then=Then.CLOSE)

        def edit(d: _Draft) -> None:
            d.set("on_connect", send)
            d.set("wait_for_line", not on_connect)

        return cls("http-banner", (("on_connect", on_connect),), edit)

    @classmethod
    def long_line(cls, stage: str = "greeting", size: int = MIB) -> "Fault":
        """One reply line of ``size`` bytes (1 MiB) at ``stage`` ("greeting" or "ehlo"), then the
        normal dialogue goes on as if nothing happened."""
        stage = _stage(stage)
        prefix = b"220 " if stage == "greeting" else b"250-"
        send = Send(data=prefix, line_size=size, then=Then.CONTINUE)
        return cls("long-line", (("stage", stage), ("size", size)), lambda d: d.set(stage, send))

    @classmethod
    def endless_continuation(cls, stage: str = "ehlo", lines: int = 10_000_000) -> "Fault":
        """Continuation lines (``220-``/``250-``) that never reach a last line: ``lines`` of them
        (ten million, about 450 MB, are endless for any client; the write stops when the client goes)."""
        stage = _stage(stage)
        code = b"220" if stage == "greeting" else b"250"
        line = code + b"-" + b"this reply never ends, it just goes on and on my friend\r\n"
        send = Send(data=line, repeat_line=line, repeat=lines, then=Then.CLOSE)
        return cls("endless-continuation", (("stage", stage), ("lines", lines)), lambda d: d.set(stage, send))

    @classmethod
    def non_utf8(cls, stage: str = "greeting") -> "Fault":
        """A well-formed reply whose text holds bytes that are not UTF-8; the dialogue goes on."""
        stage = _stage(stage)
        if stage == "greeting":
            send = Send(data=NON_UTF8_GREETING, then=Then.CONTINUE)
            return cls("non-utf8", (("stage", stage),), lambda d: d.set("greeting", send))
        return cls("non-utf8", (("stage", stage),), lambda d: d.extensions.insert(0, NON_UTF8_EHLO_LINE[4:].decode("utf-8", "surrogateescape")))

    @classmethod
    def drop_after_ehlo(cls) -> "Fault":
        """Close the connection without a reply when EHLO (or HELO) arrives."""
        return cls("drop-after-ehlo", (), lambda d: d.set("drop_on_ehlo", True))

    @classmethod
    def extensions(cls, add: Iterable[str] = (), remove: Iterable[str] = ()) -> "Fault":
        """Edit the EHLO keywords: ``remove=("PIPELINING", "CHUNKING")``, ``add=("DSN",)``.
        Removing SIZE/CHUNKING/SMTPUTF8 also turns the matching behaviour off."""
        add, remove = tuple(add), tuple(k.upper() for k in remove)

        def edit(d: _Draft) -> None:
            d.extensions[:] = [e for e in d.extensions if e.split()[0].upper() not in remove]
            d.extensions.extend(a for a in add if a not in d.extensions)

        return cls("extensions", (("add", add), ("remove", remove)), edit)

    # -- TLS -------------------------------------------------------------------------------------
    @classmethod
    def implicit_tls(cls, cert: CertKind | str = CertKind.VALID) -> "Fault":
        """TLS from the first byte (SMTPS, port 465): the greeting comes after the handshake."""
        kind = CertKind(cert)
        return cls("implicit-tls", (("cert", str(kind)),), lambda d: d.set("implicit_tls", kind))

    @classmethod
    def starttls(cls, cert: CertKind | str = CertKind.VALID) -> "Fault":
        """Offer STARTTLS with a certificate of kind ``cert`` (valid, expired, wrong-name, ...)."""
        kind = CertKind(cert)
        return cls("starttls", (("cert", str(kind)),), lambda d: d.set("starttls", StartTlsPlan(cert=kind)))

    @classmethod
    def no_starttls(cls) -> "Fault":
        """STARTTLS is not offered (the default, named so a scenario can say so); the command gets 502."""
        return cls("no-starttls", (), lambda d: d.set("no-starttls", True))

    @classmethod
    def starttls_unavailable(cls, reply: str = STARTTLS_454) -> "Fault":
        """STARTTLS is advertised but the command is refused (``454 4.7.0 TLS not available ...``)."""
        return cls("starttls-unavailable", (("reply", reply),),
                   lambda d: d.set("starttls-outcome", {"reply": reply}))

    @classmethod
    def starttls_abort(cls, mode: str = "close") -> "Fault":
        """STARTTLS is advertised and answered ``220 2.0.0 Ready to start TLS``, then the handshake
        fails: ``close`` (FIN), ``reset`` (RST) or ``garbage`` (plain text where the ServerHello belongs)."""
        if mode not in ("close", "reset", "garbage"):
            raise ValueError(f"unknown STARTTLS abort mode {mode!r}")
        outcome: dict[str, Any] = {"abort": Then.RESET if mode == "reset" else Then.CLOSE}
        if mode == "garbage":
            outcome["garbage"] = b"500 5.5.1 this is not a TLS handshake\r\n"
        return cls("starttls-abort", (("mode", mode),), lambda d: d.set("starttls-outcome", outcome))

    @classmethod
    def starttls_stripped(cls) -> "Fault":
        """A middlebox ate STARTTLS: EHLO shows ``XXXXXXXA`` in its place (as Cisco's SMTP fixup does)
        and the STARTTLS command is not recognised."""
        return cls("starttls-stripped", (), lambda d: d.set("starttls_stripped", True))

    @classmethod
    def require_starttls(cls, reply: str = AUTH_530_STARTTLS) -> "Fault":
        """Before TLS every command but EHLO/HELO/STARTTLS/NOOP/RSET/QUIT gets ``530 5.7.0 Must issue
        a STARTTLS command first`` (Gmail's words). Combine with :meth:`starttls`."""
        return cls("require-starttls", (("reply", reply),), lambda d: d.set("require_tls_reply", reply))

    # -- AUTH ------------------------------------------------------------------------------------
    @classmethod
    def auth(cls, users: Mapping[str, str] | None = None, mechanisms: Iterable[str] = ("PLAIN", "LOGIN"),
             tls_only: bool = False) -> "Fault":
        """Offer AUTH with ``mechanisms`` (PLAIN, LOGIN and CRAM-MD5 are implemented) for ``users``
        ({name: password}); wrong credentials get ``535 5.7.8``. ``tls_only``: AUTH is advertised and
        allowed only under TLS (Postfix's smtpd_tls_auth_only)."""
        plan = AuthPlan(users=dict(users) if users is not None else {LAB_USER: LAB_PASSWORD},
                        mechanisms=tuple(m.upper() for m in mechanisms), tls_only=tls_only)
        return cls("auth", (("users", tuple(plan.users)), ("mechanisms", plan.mechanisms), ("tls_only", tls_only)),
                   lambda d: d.set("auth", plan))

    @classmethod
    def auth_rejected(cls, reply: str = AUTH_535) -> "Fault":
        """Every AUTH attempt is answered ``reply`` after the credentials arrived, right or wrong."""
        return cls("auth-rejected", (("reply", reply),), lambda d: d.set("auth-outcome", {"outcome": reply}))

    @classmethod
    def auth_app_password_required(cls) -> "Fault":
        """Gmail's ``534-5.7.9 Application-specific password required`` to every attempt."""
        return cls("auth-app-password-required", (),
                   lambda d: d.set("auth-outcome", {"outcome": AUTH_534_GMAIL}))

    @classmethod
    def auth_disabled_for_tenant(cls) -> "Fault":
        """Microsoft 365's ``535 5.7.139 ... SmtpClientAuthentication is disabled for the Tenant``."""
        return cls("auth-disabled-for-tenant", (), lambda d: d.set("auth-outcome", {"outcome": AUTH_535_139}))

    @classmethod
    def auth_temporary_failure(cls) -> "Fault":
        """``454 4.7.0 Temporary authentication failure`` to every attempt."""
        return cls("auth-temporary-failure", (), lambda d: d.set("auth-outcome", {"outcome": AUTH_454}))

    @classmethod
    def auth_encryption_required(cls, reply: str = AUTH_538) -> "Fault":
        """AUTH is advertised in the clear, but AUTH before TLS gets ``538 5.7.11 Encryption required``
        at once (before any credentials are sent)."""
        return cls("auth-encryption-required", (("reply", reply),),
                   lambda d: d.set("auth-before-tls", {"before_tls_reply": reply}))

    @classmethod
    def auth_not_advertised(cls) -> "Fault":
        """No AUTH in EHLO (the default, named); the AUTH command gets ``503 5.5.1 Error:
        authentication not enabled``."""
        return cls("auth-not-advertised", (), lambda d: d.set("no-auth", True))

    @classmethod
    def auth_garbage(cls) -> "Fault":
        """AUTH is advertised; the reply to the AUTH command is bytes that are not SMTP."""
        return cls("auth-garbage", (), lambda d: d.set("auth-mode", {"mode": "garbage"}))

    @classmethod
    def auth_endless_challenge(cls) -> "Fault":
        """AUTH is advertised; every line the client sends gets another ``334`` challenge."""
        return cls("auth-endless-challenge", (), lambda d: d.set("auth-mode", {"mode": "endless"}))

    @classmethod
    def auth_echo(cls) -> "Fault":
        """AUTH is advertised (with the lab's user unless :meth:`auth` says otherwise) and works, but
        every final AUTH reply first repeats each line the client sent during the exchange, as sent
        and base64-decoded: the ``AUTH PLAIN`` initial response, each LOGIN answer, so the password,
        its base64 and the PLAIN token all come back, e.g.::

            535-5.7.8 you sent: AUTH PLAIN AHVzZXJAbGFiLnRlc3QAd3Jvbmc=
            535-5.7.8 decoded: \\0user@lab.test\\0wrong
            535 5.7.8 Error: authentication failed: authentication failure

        A careless server (or a debugging proxy) does this; whatever records replies must redact them."""
        return cls("auth-echo", (), lambda d: d.set("auth-echo", {"echo": True}))

    # -- hostile servers -------------------------------------------------------------------------
    @classmethod
    def drip_feed(cls, bytes_per_second: float = 1.0) -> "Fault":
        """Every reply, the greeting first, trickles out one byte at a time, ``bytes_per_second`` bytes a
        second. Each read gets a byte well within any per-read timeout, so only a deadline on the whole
        reply or step ends it: at 1 byte/s the greeting takes about 40 s, the EHLO reply minutes."""
        if not bytes_per_second > 0:
            raise ValueError("bytes_per_second must be > 0")
        return cls("drip-feed", (("bytes_per_second", bytes_per_second),),
                   lambda d: d.set("drip", float(bytes_per_second)))

    @classmethod
    def refuse_everything_421(cls) -> "Fault":
        """A normal ``220`` greeting, then ``421 4.3.2 Service not available`` to EHLO and to every
        command after, QUIT included, and the connection stays open (a real 421 would close it). The
        reply is the lab dialogue's table entry for that phase (:data:`smtpdoctor.lab.dialogue.OUT_OF_ORDER`)."""
        send = Send(data=b"220 {host} ESMTP smtpdoctor-lab\r\n", then=Then.REFUSE_ALL)
        return cls("refuse-everything-421", (), lambda d: d.set("greeting", send))

    @classmethod
    def huge_reply(cls, size: int = 10 * MIB, line_size: int = 512) -> "Fault":
        """The EHLO reply is a well-formed multi-line reply of about ``size`` bytes (10 MiB): lines of
        ``line_size`` bytes (``250-X-FILLER xxx...``), then the normal EHLO lines. The server writes it
        all unless the client leaves."""
        if line_size < 16 or size < line_size:
            raise ValueError("huge_reply needs line_size >= 16 and size >= line_size")
        line = b"250-X-FILLER " + b"x" * (line_size - 15) + b"\r\n"
        send = Send(repeat_line=line, repeat=size // line_size, then=Then.CONTINUE)
        return cls("huge-reply", (("size", size), ("line_size", line_size)), lambda d: d.set("ehlo", send))

    @classmethod
    def endless_multiline(cls, stage: str = "ehlo") -> "Fault":
        """``250-`` (or ``220-`` at the greeting) continuation lines forever: no count, no last line; the
        server writes until the client leaves or stops reading (then its idle timeout ends it)."""
        stage = _stage(stage)
        line = (b"220" if stage == "greeting" else b"250") + b"-still going, there is no last line\r\n"
        send = Send(repeat_line=line, repeat=-1, then=Then.CLOSE)
        return cls("endless-multiline", (("stage", stage),), lambda d: d.set(stage, send))

    @classmethod
    def hostile_text(cls) -> "Fault":
        """The server works, but its greeting and an EHLO keyword carry terminal escapes (screen clear,
        window title, an OSC 8 hyperlink, BEL), HTML (``<script>``, ``<img onerror>``) and a Markdown
        ``javascript:`` link: text that must be neutralised in every report format."""
        send = Send(data=_wire(HOSTILE_GREETING), then=Then.CONTINUE)

        def edit(d: _Draft) -> None:
            d.set("greeting", send)
            d.extensions.insert(0, HOSTILE_EHLO_LINE)

        return cls("hostile-text", (), edit)

    # -- envelope --------------------------------------------------------------------------------
    @classmethod
    def reject(cls, command: str, reply: str, **rule: Any) -> "Fault":
        """A general envelope rule (see :class:`Rule`): answer ``reply`` to ``command``."""
        r = Rule(command=command.upper(), reply=reply, **rule)
        return cls("reject", (("command", r.command), ("reply", reply)), lambda d: d.rules.append(r))

    @classmethod
    def relay_denied(cls, local_domains: Iterable[str] = (LAB_DOMAIN,), reply: str = RELAY_DENIED) -> "Fault":
        """``554 5.7.1 <rcpt>: Relay access denied`` for recipients outside ``local_domains``
        unless the client authenticated."""
        r = Rule(command="RCPT", reply=reply, unless_authenticated=True,
                 local_domains=frozenset(x.lower() for x in local_domains))
        return cls("relay-denied", (("local_domains", tuple(local_domains)),), lambda d: d.rules.append(r))

    @classmethod
    def sender_not_owned(cls, allowed: Iterable[str] = (LAB_USER,), reply: str = SENDER_NOT_OWNED) -> "Fault":
        """``553 5.7.1 <from>: Sender address rejected: not owned by user ...`` for senders not in ``allowed``."""
        r = Rule(command="MAIL", reply=reply, allowed=frozenset(a.lower() for a in allowed))
        return cls("sender-not-owned", (("allowed", tuple(allowed)),), lambda d: d.rules.append(r))

    @classmethod
    def user_unknown(cls, addresses: Iterable[str] | None = None, reply: str = USER_UNKNOWN) -> "Fault":
        """``550 5.1.1 ... User unknown`` for ``addresses`` (every recipient when None)."""
        only = frozenset(a.lower() for a in addresses) if addresses is not None else None
        r = Rule(command="RCPT", reply=reply, only=only)
        return cls("user-unknown", (("addresses", tuple(only or ())),), lambda d: d.rules.append(r))

    @classmethod
    def reverse_hostname_required(cls, reply: str = REVERSE_HOSTNAME) -> "Fault":
        """``450 4.7.1 Client host rejected: cannot find your reverse hostname, [IP]`` at RCPT."""
        r = Rule(command="RCPT", reply=reply)
        return cls("reverse-hostname-required", (), lambda d: d.rules.append(r))

    @classmethod
    def rcpt_blocklisted(cls, zone: str = "zen.spamhaus.org") -> "Fault":
        """``554 5.7.1 Service unavailable; Client host [IP] blocked using zen.spamhaus.org`` at RCPT."""
        r = Rule(command="RCPT", reply=BLOCKED_USING.replace("{zone}", zone))
        return cls("rcpt-blocklisted", (("zone", zone),), lambda d: d.rules.append(r))

    @classmethod
    def greylisted(cls, times: int = 1, reply: str = GREYLISTED) -> "Fault":
        """``451 4.7.1 ... Greylisted`` to the first ``times`` RCPT commands the server sees, then pass."""
        r = Rule(command="RCPT", reply=reply, times=times)
        return cls("greylisted", (("times", times),), lambda d: d.rules.append(r))

    @classmethod
    def rate_limited(cls, command: str = "MAIL", reply: str = RATE_LIMITED) -> "Fault":
        """``421 4.7.0 ... too many messages ..., slow down`` at ``command``, then close."""
        r = Rule(command=command.upper(), reply=reply, then=Then.CLOSE)
        return cls("rate-limited", (("command", r.command),), lambda d: d.rules.append(r))


def _wire(reply: str) -> bytes:
    """A reply as written here ("554 5.7.1 ...", lines split by \\n) to its bytes on the wire."""
    return "".join(line + "\r\n" for line in reply.split("\n")).encode("utf-8")


def _stage(stage: str) -> str:
    if stage not in ("greeting", "ehlo"):
        raise ValueError(f"stage must be 'greeting' or 'ehlo', not {stage!r}")
    return stage
