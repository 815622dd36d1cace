"""The lab server's phase table (smtpdoctor.lab.dialogue) as data, and the server following it on the wire."""

from __future__ import annotations

import pytest

from smtpdoctor.lab import dialogue
from smtpdoctor.lab.dialogue import (ANY, LAST_CHUNK, MESSAGE_BODY, OUT_OF_ORDER, TRANSITIONS, Phase, next_phase,
                                     out_of_order, refuses_everything)
from smtpdoctor.lab.session import LATE_ORDER_CHECK, PRECONDITIONS, VERBS
from smtpdoctor.lab.smtp_server import LabSmtpServer


@pytest.mark.parametrize(("phase", "verb", "reply"), [
    (Phase.GREETED, "MAIL", "503 5.5.1 Error: send HELO/EHLO first"),
    (Phase.GREETED, "AUTH", "503 5.5.1 Error: send HELO/EHLO first"),
    (Phase.READY, "RCPT", "503 5.5.1 Error: need MAIL command"),
    (Phase.MAIL, "DATA", "503 5.5.1 Error: need RCPT command"),
    (Phase.MAIL, "MAIL", "503 5.5.1 Error: nested MAIL command"),
    (Phase.RCPT, "AUTH", "503 5.5.1 Error: MAIL transaction in progress"),
    (Phase.REFUSING, "EHLO", "503 5.5.1 Error: access denied"),
    (Phase.REFUSING, "XYZZY", "503 5.5.1 Error: access denied"),
    (Phase.UNAVAILABLE, "EHLO", "421 4.3.2 Service not available"),
    (Phase.UNAVAILABLE, "QUIT", "421 4.3.2 Service not available"),
])
def test_out_of_order_replies(phase, verb, reply):
    assert out_of_order(phase, verb) == reply


@pytest.mark.parametrize(("phase", "verb"), [
    (Phase.GREETED, "EHLO"), (Phase.READY, "MAIL"), (Phase.READY, "AUTH"), (Phase.MAIL, "RCPT"),
    (Phase.RCPT, "DATA"), (Phase.RCPT, "RCPT"), (Phase.RCPT, "STARTTLS"), (Phase.REFUSING, "QUIT"),
])
def test_allowed_commands(phase, verb):
    assert out_of_order(phase, verb) is None


@pytest.mark.parametrize(("phase", "command", "code", "after"), [
    (Phase.GREETED, "EHLO", 250, Phase.READY),
    (Phase.GREETED, "EHLO", 501, Phase.GREETED),
    (Phase.RCPT, "EHLO", 250, Phase.READY),
    (Phase.READY, "MAIL", 250, Phase.MAIL),
    (Phase.READY, "MAIL", 553, Phase.READY),
    (Phase.MAIL, "RCPT", 550, Phase.MAIL),
    (Phase.MAIL, "RCPT", 250, Phase.RCPT),
    (Phase.RCPT, "RCPT", 550, Phase.RCPT),
    (Phase.RCPT, "DATA", 354, Phase.BODY),
    (Phase.RCPT, "DATA", 554, Phase.RCPT),
    (Phase.BODY, MESSAGE_BODY, 552, Phase.READY),
    (Phase.RCPT, LAST_CHUNK, 250, Phase.READY),
    (Phase.RCPT, "STARTTLS", 220, Phase.GREETED),
    (Phase.RCPT, "STARTTLS", 454, Phase.RCPT),
    (Phase.MAIL, "RSET", 250, Phase.READY),
    (Phase.MAIL, "NOOP", 250, Phase.MAIL),
    (Phase.READY, "AUTH", None, Phase.READY),  # no reply (garbage bytes): nothing moves
])
def test_transitions(phase, command, code, after):
    assert next_phase(phase, command, code) is after


def test_the_tables_name_only_known_phases_and_verbs():
    known = set(VERBS) | {ANY, MESSAGE_BODY, LAST_CHUNK}
    assert {verb for _, verb in OUT_OF_ORDER} <= known
    assert {command for _, command, _ in TRANSITIONS} <= known
    assert set(PRECONDITIONS) <= set(VERBS) and LATE_ORDER_CHECK <= set(VERBS)
    assert {p for p in Phase if refuses_everything(p)} == {Phase.REFUSING, Phase.UNAVAILABLE}
    assert all(isinstance(after, Phase) for after in TRANSITIONS.values())


def test_exported_names():
    assert set(dialogue.__all__) == {"Phase", "ANY", "MESSAGE_BODY", "LAST_CHUNK", "OUT_OF_ORDER", "EXEMPT",
                                     "BEFORE_TLS", "TRANSITIONS", "out_of_order", "refuses_everything",
                                     "next_phase"}


async def test_the_server_follows_the_table_through_a_transaction(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        assert await wire.cmd("MAIL FROM:<a@lab.test>") == b"503 5.5.1 Error: send HELO/EHLO first\r\n"
        await wire.cmd("EHLO c")
        assert await wire.cmd("DATA") == b"503 5.5.1 Error: need MAIL command\r\n"
        assert await wire.cmd("MAIL FROM:<a@lab.test>") == b"250 2.1.0 Ok\r\n"
        assert await wire.cmd("MAIL FROM:<a@lab.test>") == b"503 5.5.1 Error: nested MAIL command\r\n"
        assert await wire.cmd("DATA") == b"503 5.5.1 Error: need RCPT command\r\n"
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"250 2.1.5 Ok\r\n"
        assert await wire.cmd("RSET") == b"250 2.0.0 Ok\r\n"  # back to READY: the transaction is gone
        assert await wire.cmd("DATA") == b"503 5.5.1 Error: need MAIL command\r\n"
        await wire.cmd("MAIL FROM:<a@lab.test>")
        await wire.cmd("RCPT TO:<b@lab.test>")
        assert await wire.cmd("DATA") == b"354 End data with <CR><LF>.<CR><LF>\r\n"
        # in BODY the lines are the message, not commands
        assert (await wire.cmd(b"QUIT\r\nMAIL FROM:<x@y>\r\n.")).startswith(b"250 2.0.0 Ok: queued as")
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"503 5.5.1 Error: need MAIL command\r\n"
    assert srv.messages[0].data == b"QUIT\r\nMAIL FROM:<x@y>\r\n"


async def test_bdat_out_of_order_reads_its_chunk_before_refusing(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        # the chunk "NOOP\r\n" must be swallowed as data, not answered as a command
        await wire.send(b"BDAT 6 LAST\r\nNOOP\r\n")
        assert await wire.reply() == b"503 5.5.1 Error: need RCPT command\r\n"
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"
        assert await wire.silent(0.1)
