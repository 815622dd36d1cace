"""The driver's deadlines and limits against hostile servers (issue 21): a reply is read within one
deadline however its bytes are spread out, and a reply too large or without end is a protocol error."""

from __future__ import annotations

import pytest

from hostile_lab import hostile_server
from smtpdoctor.net.smtp import SmtpSession, Timeouts, Transcript
from smtpdoctor.protocol.errors import ReadTimeout, RemoteProtocolError


async def test_a_drip_fed_greeting_cannot_extend_the_step_deadline():
    # 20 bytes a second: every read gets a byte within 50 ms, far inside the 0.5 s deadline, but the
    # whole 28-byte greeting needs 1.4 s. A timeout per read would wait for all of it.
    async with hostile_server("drip_feed", bytes_per_second=20) as port:
        transcript = Transcript()
        session = await SmtpSession.open("127.0.0.1", port, timeouts=Timeouts.uniform(0.5), transcript=transcript)
        try:
            with pytest.raises(ReadTimeout) as caught:
                await session.greeting()
        finally:
            await session.close()
    assert caught.value.phase == "greeting"
    assert "no complete reply within 0.5 s" in transcript.lines[-1].text
    assert not any(line.dir == "recv" for line in transcript.lines)


async def test_a_reply_within_its_deadline_is_read():
    async with hostile_server("drip_feed", bytes_per_second=2000) as port:
        session = await SmtpSession.open("127.0.0.1", port, timeouts=Timeouts.uniform(5))
        try:
            assert (await session.greeting()).code == 220
        finally:
            await session.close()


@pytest.mark.parametrize("behaviour, message", [("huge_reply", "reply"), ("endless_multiline", "lines")])
async def test_an_oversized_or_endless_reply_is_a_protocol_error(behaviour, message):
    async with hostile_server(behaviour) as port:
        session = await SmtpSession.open("127.0.0.1", port, timeouts=Timeouts.uniform(5))
        try:
            await session.greeting()
            with pytest.raises(RemoteProtocolError) as caught:
                await session.ehlo("client.example")
        finally:
            await session.close()
    assert message in str(caught.value)


def test_the_run_bound_is_a_fixed_number_of_step_deadlines():
    t = Timeouts.uniform(2.5)
    assert (t.connect, t.greeting, t.command, t.tls) == (2.5, 2.5, 2.5, 2.5)
    assert t.run == 2.5 * 12
