"""The lab server's session verbs: EHLO/HELO (the EHLO reply and its keywords), STARTTLS, NOOP, RSET,
VRFY, HELP and QUIT. Each handler answers one command; :mod:`.session` decides whether it may run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .connection import Closed

if TYPE_CHECKING:
    from .session import Session

__all__ = ["VERBS", "PRECONDITIONS", "extensions", "has"]


def extensions(s: "Session") -> list[str]:
    """The EHLO keywords right now: the plan's, plus STARTTLS (or its stripped form) and AUTH."""
    ext = list(s.plan.extensions)
    at = next((i + 1 for i, e in enumerate(ext) if e.upper().startswith("SIZE")), min(1, len(ext)))
    added: list[str] = []
    if not s.tls and s.plan.starttls_stripped:
        added.append("XXXXXXXA")
    elif not s.tls and s.plan.offers_starttls:
        added.append("STARTTLS")
    auth = s.plan.auth
    if auth is not None and (s.tls or not auth.tls_only):
        added.append("AUTH " + " ".join(auth.mechanisms))
    return ext[:at] + added + ext[at:]


def has(s: "Session", keyword: str) -> str | None:
    """The plan's EHLO keyword line that starts with ``keyword`` (``SIZE 10240000``), or None."""
    return next((e for e in s.plan.extensions if e.split()[0].upper() == keyword), None)


async def _hello(s: "Session", verb: str, arg: str) -> bool:
    """What EHLO and HELO share: the plan may drop the connection; a name is required and kept."""
    if s.plan.drop_on_ehlo:
        raise Closed("server-closed")
    if not arg:
        await s.reply(f"501 5.5.4 Syntax: {verb} hostname")
        return False
    s.helo = arg
    return True


async def ehlo(s: "Session", arg: str) -> None:
    if not await _hello(s, "EHLO", arg):
        return
    if s.plan.ehlo is not None:
        await s.perform(s.plan.ehlo)
    lines = [s.server.hostname, *extensions(s)]
    await s.reply("\n".join(f"250{'-' if i < len(lines) - 1 else ' '}{x}" for i, x in enumerate(lines)))


async def helo(s: "Session", arg: str) -> None:
    if await _hello(s, "HELO", arg):
        await s.reply("250 {host}")


async def noop(s: "Session", arg: str) -> None:
    await s.reply("250 2.0.0 Ok")


async def rset(s: "Session", arg: str) -> None:
    await s.reply("250 2.0.0 Ok")


async def vrfy(s: "Session", arg: str) -> None:
    await s.reply("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")


async def help_(s: "Session", arg: str) -> None:
    await s.reply("214 2.0.0 See RFC 5321")


async def quit_(s: "Session", arg: str) -> None:
    await s.reply("221 2.0.0 Bye")
    raise Closed("quit")


def starttls_offered(s: "Session") -> str | None:
    if s.plan.starttls_stripped:
        return "502 5.5.2 Error: command not recognized"
    if s.tls:
        return "554 5.5.1 Error: TLS already active"
    if not s.plan.offers_starttls:
        return "502 5.5.1 Error: command not implemented"
    return None


async def starttls(s: "Session", arg: str) -> None:
    if arg:
        await s.reply("501 5.5.4 Syntax: STARTTLS")
        return
    st = s.plan.starttls
    assert st is not None
    if st.reply:
        await s.reply(st.reply)
        return
    # No drain (no yield to the event loop) between this reply and the switch to TLS: the client's
    # ClientHello must reach the TLS layer, not the plaintext buffer start_tls() discards.
    await s.reply("220 2.0.0 Ready to start TLS", drain=False)
    if st.abort is not None:
        if st.garbage:
            s.writer.write(st.garbage)
            s.note("send", st.garbage)
            await s.drain()
        await s.then(st.abort)
    await s.start_tls(st.cert)
    s.helo = None  # RFC 3207 4.2: forget everything learnt before TLS (the phase table does the rest)
    s.authenticated = None


VERBS = {"EHLO": ehlo, "HELO": helo, "NOOP": noop, "RSET": rset, "VRFY": vrfy, "HELP": help_, "QUIT": quit_,
         "STARTTLS": starttls}
PRECONDITIONS = {"STARTTLS": starttls_offered}
