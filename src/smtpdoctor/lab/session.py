"""One lab SMTP session: the dialogue loop, driven by the phase table of :mod:`smtpdoctor.lab.dialogue`.

A command line goes through the same steps every time, in this order: an empty line gets ``500``; a
phase that refuses everything (after a 554 greeting, or the 421-to-everything fault) answers from the
table; the require-STARTTLS fault answers ``530`` before TLS; an unknown verb gets ``502``; a verb whose
extension is not offered gets that verb's refusal (:data:`PRECONDITIONS`); a verb out of order gets the
table's reply; only then does the verb's handler run. The handler's reply code and the table give the
next phase. Handlers live by topic: :mod:`.verbs_basic` (HELO/EHLO, STARTTLS, NOOP ...),
:mod:`.verbs_auth` (AUTH and SASL), :mod:`.verbs_envelope` (MAIL, RCPT, DATA, BDAT).
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from . import verbs_auth, verbs_basic, verbs_envelope
from .connection import Closed, Connection
from .dialogue import BEFORE_TLS, MESSAGE_BODY, Phase, next_phase, out_of_order, refuses_everything
from .plan import Send, Then

__all__ = ["Session", "VERBS", "PRECONDITIONS", "LATE_ORDER_CHECK"]

Handler = Callable[["Session", str], Awaitable[str | None]]

# verb -> handler; a handler may return a pseudo-command (LAST_CHUNK) that the table keys on instead.
VERBS: dict[str, Handler] = {**verbs_basic.VERBS, **verbs_auth.VERBS, **verbs_envelope.VERBS}
# verb -> the refusal when its extension is not offered on this server (None: offered).
PRECONDITIONS: dict[str, Callable[["Session"], str | None]] = {
    **verbs_basic.PRECONDITIONS, **verbs_auth.PRECONDITIONS, **verbs_envelope.PRECONDITIONS}
# Verbs whose handler checks the order itself, after reading what follows the command line: a BDAT
# chunk follows its command whatever the reply (RFC 3030 2), so it is read before it is refused.
LATE_ORDER_CHECK = frozenset({"BDAT"})

DEFAULT_GREETING = Send(data=b"220 {host} ESMTP smtpdoctor-lab\r\n")


class Session(Connection):
    """The SMTP dialogue of one connection; what the envelope holds lives here."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phase = Phase.GREETED
        self.helo: str | None = None
        self.mail_from: str | None = None
        self.rcpts: list[str] = []
        self.bdat: bytearray | None = None
        self.authenticated: str | None = None

    async def run(self) -> None:
        try:
            await self._dialogue()
        except Closed as closed:
            self.record.ended = str(closed.args[0])
        except asyncio.CancelledError:
            self.record.ended = "stopped"
            raise
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
            self.record.ended = f"error: {type(exc).__name__}: {exc}"
        except Exception as exc:  # a lab bug must end the session, not the event loop
            self.record.ended = f"error: {type(exc).__name__}: {exc}"
            self.note("info", f"server error: {exc!r}".encode())
        finally:
            self.note("info", f"ended: {self.record.ended}".encode())
            await self.close(graceful=self.record.ended not in ("reset", "stopped"))

    async def _dialogue(self) -> None:
        plan = self.plan
        if plan.on_connect is not None:
            if plan.wait_for_line:
                await self.line()
            await self.perform(plan.on_connect)
        if plan.implicit_tls is not None:
            await self.start_tls(plan.implicit_tls)
        if plan.banner_delay:
            await asyncio.sleep(plan.banner_delay)
        await self.perform(plan.greeting or DEFAULT_GREETING)
        while True:
            self.last_code = None
            if self.phase is Phase.BODY:
                await verbs_envelope.receive_body(self)
                self.advance(MESSAGE_BODY)
                continue
            line = await self.line()
            if line is None:
                await self.reply("500 5.5.2 Error: line too long")
                continue
            await self.command(line)

    async def command(self, line: bytes) -> None:
        """Answer one command line (the steps in the module's docstring) and move the phase."""
        verb, _, arg = line.decode("utf-8", "surrogateescape").strip().partition(" ")
        verb, arg = verb.upper(), arg.strip()
        refusal = self._refusal(verb)
        if refusal is not None:
            await self.reply(refusal)
            return
        event = await VERBS[verb](self, arg)
        self.advance(event or verb)

    def _refusal(self, verb: str) -> str | None:
        """The reply that refuses ``verb`` before its handler runs, or None."""
        if not verb:
            return "500 5.5.2 Error: bad syntax"
        if refuses_everything(self.phase):
            return out_of_order(self.phase, verb)
        if self.plan.require_tls_reply and not self.tls and verb not in BEFORE_TLS:
            return self.plan.require_tls_reply
        if verb not in VERBS:
            return "502 5.5.2 Error: command not recognized"
        precondition = PRECONDITIONS.get(verb)
        refusal = precondition(self) if precondition is not None else None
        if refusal is None and verb not in LATE_ORDER_CHECK:
            refusal = out_of_order(self.phase, verb)
        return refusal

    def advance(self, command: str) -> None:
        """Move the phase by the table; entering GREETED or READY ends any mail transaction."""
        self.phase = next_phase(self.phase, command, self.last_code)
        if self.phase in (Phase.GREETED, Phase.READY):
            self.mail_from, self.rcpts, self.bdat = None, [], None

    # -- faults ------------------------------------------------------------------------------------
    async def perform(self, send: Send) -> None:
        """Write a fault's bytes and do what it says next."""
        if send.delay:
            await asyncio.sleep(send.delay)
        data = self.fill_in(send.data)
        if send.line_size:
            data = data + b"x" * max(0, send.line_size - len(data) - 2) + b"\r\n"
        if data:
            await self.send(data)
        if send.repeat:
            await self.repeat(send.repeat_line, send.repeat)
        await self.then(send.then)

    async def then(self, then: Then) -> None:
        if then is Then.CONTINUE:
            return
        if then is Then.REFUSE_COMMANDS:
            self.phase = Phase.REFUSING
            return
        if then is Then.REFUSE_ALL:
            self.phase = Phase.UNAVAILABLE
            return
        if then is Then.CLOSE:
            raise Closed("server-closed")
        if then is Then.RESET:
            self.abort_with_rst()
            raise Closed("reset")
        if then is Then.SILENCE:
            while True:  # read and record until the client gives up (or idle timeout / stop)
                self.take(len(self.buf))
                self.note("recv", await self.fill())
