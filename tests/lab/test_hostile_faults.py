"""The hostile servers of issue 21 as named lab faults, each shown doing what it says on the wire (a raw
asyncio client, not smtpdoctor's)."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest

from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, MIB, Fault, FaultConflict, Then, compose
from smtpdoctor.lab.plan import HOSTILE_EHLO_LINE
from smtpdoctor.lab.smtp_server import LabSmtpServer

GREETING = b"220 mail.lab.test ESMTP smtpdoctor-lab\r\n"
NOT_AVAILABLE = b"421 4.3.2 Service not available\r\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def _greeted(connect, srv):
    wire = await connect(srv)
    await wire.reply()
    await wire.cmd("EHLO c")
    return wire


# -- drip feed -------------------------------------------------------------------------------------
async def test_drip_feed_sends_one_byte_a_second_by_default(connect):
    async with LabSmtpServer([Fault.drip_feed()]) as srv:
        wire = await connect(srv)
        first = await asyncio.wait_for(wire.reader.read(100), 2)
        t0 = time.monotonic()
        second = await asyncio.wait_for(wire.reader.read(100), 3)
        gap = time.monotonic() - t0
    assert (first, second) == (b"2", b"2")  # one byte per read: nothing else was written yet
    assert gap >= 0.8  # the next byte came about a second later


async def test_drip_feed_trickles_every_reply_byte_by_byte(connect):
    async with LabSmtpServer([Fault.drip_feed(bytes_per_second=200)]) as srv:
        wire = await connect(srv)
        reads: list[bytes] = []
        t0 = time.monotonic()
        while b"".join(reads) != GREETING:
            reads.append(await asyncio.wait_for(wire.reader.read(100), 2))
        greeting_seconds = time.monotonic() - t0
        await wire.send(b"NOOP\r\n")
        ok = b""
        while not ok.endswith(b"\r\n"):
            chunk = await asyncio.wait_for(wire.reader.read(100), 2)
            assert len(chunk) <= 2
            ok += chunk
    assert ok == b"250 2.0.0 Ok\r\n"
    assert len(reads) >= len(GREETING) // 2 and max(map(len, reads)) <= 2
    assert greeting_seconds >= (len(GREETING) - 1) / 200 * 0.8
    assert srv.sessions[0].sent.startswith(GREETING)  # the record holds the whole reply once


def test_drip_feed_needs_a_positive_rate_and_sets_one_part():
    assert compose([Fault.drip_feed(5)]).drip == 5.0
    with pytest.raises(ValueError):
        Fault.drip_feed(0)
    with pytest.raises(FaultConflict, match="both set the drip"):
        compose([Fault.drip_feed(1), Fault.drip_feed(2)])


# -- 421 to everything -----------------------------------------------------------------------------
async def test_refuse_everything_421_greets_220_then_answers_421_to_every_command_and_stays_open(connect):
    async with LabSmtpServer([Fault.refuse_everything_421(), Fault.starttls(), Fault.auth()]) as srv:
        wire = await connect(srv)
        assert await wire.reply() == GREETING
        for command in ("EHLO c", "HELO c", "STARTTLS", f"AUTH PLAIN {b64(chr(0) + LAB_USER + chr(0) + LAB_PASSWORD)}",
                        "MAIL FROM:<a@lab.test>", "NOOP", "XYZZY", "QUIT"):
            assert await wire.cmd(command) == NOT_AVAILABLE, command
        assert await wire.silent(0.3)  # still open after QUIT: a real 421 would have closed it
    assert srv.sessions[0].auth_attempts == []


def test_refuse_everything_421_owns_the_greeting():
    assert compose([Fault.refuse_everything_421()]).greeting.then is Then.REFUSE_ALL
    with pytest.raises(FaultConflict, match="both set the greeting"):
        compose([Fault.refuse_everything_421(), Fault.greeting_554()])


# -- AUTH echo -------------------------------------------------------------------------------------
async def test_auth_echo_repeats_the_plain_initial_response_and_its_decoded_password(connect):
    token = b64(f"\0{LAB_USER}\0{LAB_PASSWORD}")
    async with LabSmtpServer([Fault.auth_echo()]) as srv:
        wire = await _greeted(connect, srv)
        reply = await wire.cmd(f"AUTH PLAIN {token}")
    assert reply == (f"235-2.7.0 you sent: AUTH PLAIN {token}\r\n"
                     f"235-2.7.0 decoded: \\0{LAB_USER}\\0{LAB_PASSWORD}\r\n"
                     "235 2.7.0 Authentication successful\r\n").encode()
    assert srv.sessions[0].authenticated_as == LAB_USER  # the right password still works


async def test_auth_echo_repeats_each_login_answer_on_failure(connect):
    async with LabSmtpServer([Fault.auth(users={"u": "p"}), Fault.auth_echo()]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH LOGIN") == b"334 VXNlcm5hbWU6\r\n"  # challenges stay base64
        assert await wire.cmd(b64("u")) == b"334 UGFzc3dvcmQ6\r\n"
        reply = await wire.cmd(b64("s3cret"))
    assert reply == (f"535-5.7.8 you sent: AUTH LOGIN\r\n535-5.7.8 you sent: {b64('u')}\r\n535-5.7.8 decoded: u\r\n"
                     f"535-5.7.8 you sent: {b64('s3cret')}\r\n535-5.7.8 decoded: s3cret\r\n"
                     "535 5.7.8 Error: authentication failed: authentication failure\r\n").encode()


async def test_auth_echo_repeats_a_response_given_after_an_empty_challenge(connect):
    async with LabSmtpServer([Fault.auth_echo(), Fault.auth_rejected()]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH PLAIN") == b"334 \r\n"
        reply = await wire.cmd(b64("\0x\0pw-after-334"))
    assert b"decoded: \\0x\\0pw-after-334\r\n" in reply and reply.startswith(b"535-5.7.8 you sent: AUTH PLAIN\r\n")


# -- huge and endless replies ----------------------------------------------------------------------
async def test_huge_reply_is_one_well_formed_ehlo_reply_of_the_size_asked(connect):
    async with LabSmtpServer([Fault.huge_reply(size=MIB)]) as srv:
        wire = await connect(srv)
        await wire.reply()
        reply = await wire.cmd("EHLO c", timeout=10)
        lines = reply.split(b"\r\n")[:-1]
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"  # the dialogue goes on
    assert MIB <= len(reply) < MIB + 1024
    assert all(line.startswith(b"250-") for line in lines[:-1]) and lines[-1] == b"250 CHUNKING"
    assert max(len(line) for line in lines) + 2 == 512
    assert b"250-mail.lab.test" in lines


def test_huge_reply_defaults_to_ten_mebibytes():
    send = compose([Fault.huge_reply()]).ehlo
    assert send.repeat * len(send.repeat_line) == 10 * MIB
    with pytest.raises(ValueError):
        Fault.huge_reply(size=10, line_size=512)


async def test_endless_multiline_has_no_last_line_and_stops_when_the_client_leaves(connect):
    async with LabSmtpServer([Fault.endless_multiline()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.send(b"EHLO c\r\n")
        received = b""
        while len(received) < 12 * MIB:  # past any bound a client would set
            received += await asyncio.wait_for(wire.reader.read(1 << 20), 2)
        lines = received.split(b"\r\n")[:-1]
        assert all(line.startswith(b"250-") for line in lines)
        await wire.close()
        await srv.wait_idle(timeout=3)
    assert srv.sessions[0].ended.startswith(("error", "client-closed"))
    assert compose([Fault.endless_multiline()]).ehlo.repeat < 0  # no count at all


async def test_endless_multiline_at_the_greeting(connect):
    async with LabSmtpServer([Fault.endless_multiline("greeting")]) as srv:
        wire = await connect(srv)
        chunk = await asyncio.wait_for(wire.reader.readexactly(300_000), 2)
    assert chunk.startswith(b"220-still going") and b"\r\n220 " not in chunk


# -- text that attacks the reader ------------------------------------------------------------------
async def test_hostile_text_in_a_working_server(connect):
    async with LabSmtpServer([Fault.hostile_text()]) as srv:
        wire = await connect(srv)
        greeting = await wire.reply()
        ehlo = await wire.cmd("EHLO c")
        assert await wire.cmd("MAIL FROM:<a@lab.test>") == b"250 2.1.0 Ok\r\n"
    assert greeting.startswith(b"220 mail.lab.test ESMTP \x1b[2J\x1b]0;pwned\x07")
    assert b"<script>" in greeting and b"](javascript:" in greeting and b"\x1b]8;;https://evil.example/" in greeting
    assert b"250-" + HOSTILE_EHLO_LINE.encode() + b"\r\n" in ehlo and b"onerror=" in ehlo
