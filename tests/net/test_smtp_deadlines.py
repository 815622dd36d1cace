"""The driver's deadlines and limits against hostile servers (issue 21): a reply is read within one
deadline however its bytes are spread out, and a reply too large or without end is a protocol error."""

from __future__ import annotations

import pytest

from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.net.smtp import SmtpSession, Timeouts, Transcript
from smtpdoctor.protocol.errors import ReadTimeout, RemoteProtocolError


async def test_a_drip_fed_greeting_cannot_extend_the_step_deadline():
    # 20 bytes a second (the lab's drip_feed fault): every read gets a byte within 50 ms, far inside the
    # 0.5 s deadline, but the whole greeting (about 40 bytes) needs 2 s. A timeout per read would wait.
    async with LabSmtpServer(faults=[Fault.drip_feed(20)]) as server:
        transcript = Transcript()
        session = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(0.5), transcript=transcript)
        try:
            with pytest.raises(ReadTimeout) as caught:
                await session.greeting()
        finally:
            await session.close()
    assert caught.value.phase == "greeting"
    assert "no complete reply within 0.5 s" in transcript.lines[-1].text
    assert not any(line.dir == "recv" for line in transcript.lines)


async def test_a_reply_within_its_deadline_is_read():
    async with LabSmtpServer(faults=[Fault.drip_feed(2000)]) as server:
        session = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5))
        try:
            assert (await session.greeting()).code == 220
        finally:
            await session.close()


@pytest.mark.parametrize("behaviour, message", [("huge_reply", "reply"), ("endless_multiline", "lines")])
async def test_an_oversized_or_endless_reply_is_a_protocol_error(behaviour, message):
    async with LabSmtpServer(faults=[getattr(Fault, behaviour)()]) as server:
        session = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5))
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
