"""The lab SMTP server's dialogue as data: which command each phase allows, what it answers to a command
out of order, and what moves the phase. No I/O here; :mod:`smtpdoctor.lab.session` looks these tables up.

It mirrors the client's table (:data:`smtpdoctor.smtp.protocol.TRANSITIONS`): a transition is keyed by
``(phase, command, reply class)`` where the reply class is the first digit of the reply the server sent
(``"*"`` matches any). Pseudo-commands name what is not a command line: the message body after ``354``
and the last BDAT chunk. The replies are Postfix's words, so the lab says what servers say.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Phase",
    "ANY",
    "MESSAGE_BODY",
    "LAST_CHUNK",
    "OUT_OF_ORDER",
    "EXEMPT",
    "BEFORE_TLS",
    "TRANSITIONS",
    "out_of_order",
    "refuses_everything",
    "next_phase",
]


class Phase(StrEnum):
    GREETED = "greeted"  # the greeting was sent (or TLS just started): EHLO/HELO next
    READY = "ready"  # EHLO/HELO accepted: STARTTLS, AUTH, MAIL ...
    MAIL = "mail"  # MAIL FROM accepted
    RCPT = "rcpt"  # at least one RCPT TO accepted
    BODY = "body"  # DATA was answered 354: the message comes next, up to "."
    REFUSING = "refusing"  # after a 554 greeting: 503 to everything but QUIT (RFC 5321 3.1)
    UNAVAILABLE = "unavailable"  # hostile: 421 to every command, QUIT included, and the connection stays open


ANY = "*"
MESSAGE_BODY = "<body>"  # the message after DATA's 354
LAST_CHUNK = "<last-chunk>"  # BDAT ... LAST

NEED_HELO = "503 5.5.1 Error: send HELO/EHLO first"
NEED_MAIL = "503 5.5.1 Error: need MAIL command"
NEED_RCPT = "503 5.5.1 Error: need RCPT command"
NESTED_MAIL = "503 5.5.1 Error: nested MAIL command"
IN_TRANSACTION = "503 5.5.1 Error: MAIL transaction in progress"
ACCESS_DENIED = "503 5.5.1 Error: access denied"
SERVICE_NOT_AVAILABLE = "421 4.3.2 Service not available"

_P = Phase

# (phase, command) -> the reply to a command that phase does not allow. (phase, ANY) refuses every
# command, known or not, except those in EXEMPT. Commands not named are allowed (NOOP, RSET, VRFY,
# HELP, QUIT, EHLO, HELO and STARTTLS in every phase that is not refusing).
OUT_OF_ORDER: dict[tuple[Phase, str], str] = {
    (_P.GREETED, "AUTH"): NEED_HELO,
    (_P.GREETED, "MAIL"): NEED_HELO,
    (_P.GREETED, "RCPT"): NEED_MAIL,
    (_P.GREETED, "DATA"): NEED_MAIL,
    (_P.GREETED, "BDAT"): NEED_RCPT,
    (_P.READY, "RCPT"): NEED_MAIL,
    (_P.READY, "DATA"): NEED_MAIL,
    (_P.READY, "BDAT"): NEED_RCPT,
    (_P.MAIL, "AUTH"): IN_TRANSACTION,
    (_P.MAIL, "MAIL"): NESTED_MAIL,
    (_P.MAIL, "DATA"): NEED_RCPT,
    (_P.MAIL, "BDAT"): NEED_RCPT,
    (_P.RCPT, "AUTH"): IN_TRANSACTION,
    (_P.RCPT, "MAIL"): NESTED_MAIL,
    (_P.REFUSING, ANY): ACCESS_DENIED,
    (_P.UNAVAILABLE, ANY): SERVICE_NOT_AVAILABLE,
}

# Commands a refusing phase still answers normally.
EXEMPT: dict[Phase, frozenset[str]] = {
    _P.REFUSING: frozenset({"QUIT"}),
}

# With Fault.require_starttls, the commands allowed before TLS (every other gets the fault's 530).
BEFORE_TLS = frozenset({"EHLO", "HELO", "STARTTLS", "NOOP", "RSET", "QUIT"})

_SESSION = (_P.GREETED, _P.READY, _P.MAIL, _P.RCPT)

# (phase, command, reply class 2/3/4/5 or "*") -> next phase; most specific first. A reply that no
# entry names leaves the phase as it was (a refused MAIL stays READY, a refused RCPT stays MAIL ...).
TRANSITIONS: dict[tuple[Phase, str, int | str], Phase] = {
    **{(p, "EHLO", 2): _P.READY for p in _SESSION},
    **{(p, "HELO", 2): _P.READY for p in _SESSION},
    **{(p, "STARTTLS", 2): _P.GREETED for p in _SESSION},  # RFC 3207 4.2: forget what came before TLS
    (_P.MAIL, "RSET", 2): _P.READY,
    (_P.RCPT, "RSET", 2): _P.READY,
    (_P.READY, "AUTH", 2): _P.READY,
    (_P.READY, "MAIL", 2): _P.MAIL,
    (_P.MAIL, "RCPT", 2): _P.RCPT,
    (_P.RCPT, "DATA", 3): _P.BODY,
    (_P.BODY, MESSAGE_BODY, ANY): _P.READY,
    (_P.RCPT, LAST_CHUNK, ANY): _P.READY,
}


def out_of_order(phase: Phase, command: str) -> str | None:
    """The reply when ``command`` is not allowed in ``phase``; None when it is allowed."""
    if command in EXEMPT.get(phase, ()):
        return None
    return OUT_OF_ORDER.get((phase, command)) or OUT_OF_ORDER.get((phase, ANY))


def refuses_everything(phase: Phase) -> bool:
    """True when ``phase`` answers every command from the table (only EXEMPT ones get through)."""
    return (phase, ANY) in OUT_OF_ORDER


def next_phase(phase: Phase, command: str, code: int | None) -> Phase:
    """The phase after the server answered ``command`` with a reply of ``code`` (None: no reply)."""
    if code is None:
        return phase
    cls = code // 100
    return TRANSITIONS.get((phase, command, cls)) or TRANSITIONS.get((phase, command, ANY)) or phase
