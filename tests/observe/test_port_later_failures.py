"""A session that breaks after the greeting is recorded as a Failure value with its kind and phase, and
the check names what happened: a stall is not a drop (the bug: every later failure was "dropped")."""

import asyncio
import contextlib

from support.server_facts import ADDR, make_facts

from smtpdoctor.core.observations import Failure
from smtpdoctor.judge import reachability
from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.net.smtp import Timeouts
from smtpdoctor.observe.facts import PortOutcome
from smtpdoctor.observe.port import ProbeOptions, probe_port


def _options(timeout: float) -> ProbeOptions:
    return ProbeOptions(server_name="mail.lab.test", timeouts=Timeouts.uniform(timeout), stagger=0.3)


@contextlib.asynccontextmanager
async def _greets_then_stalls():
    """A real TCP server on loopback: greets, reads EHLO, then says nothing until the client gives up."""
    async def handle(reader, writer):
        writer.write(b"220 stall.lab.test ESMTP\r\n")
        await writer.drain()
        await reader.readline()
        await reader.read()  # hold the session open, silent, until the client closes it
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_a_stall_at_ehlo_is_a_read_timeout_in_phase_ehlo_and_judged_stalled():
    async with _greets_then_stalls() as port:
        obs, _ = await probe_port("127.0.0.1", port, _options(0.5))
    assert obs.outcome is PortOutcome.SMTP
    assert isinstance(obs.later_failure, Failure)
    assert (obs.later_failure.kind, obs.later_failure.phase) == ("read-timeout", "ehlo")
    findings = reachability.check(make_facts([obs.__class__(**{**_fields(obs), "port": 587, "address": ADDR})]))
    assert [f.id for f in findings] == ["connection.stalled-after-greeting"]
    assert "at ehlo" in findings[0].title


async def test_a_close_at_ehlo_is_judged_dropped_with_its_phase():
    async with LabSmtpServer([Fault.drop_after_ehlo()]) as srv:
        obs, _ = await probe_port(srv.host, srv.port, _options(2.0))
    assert obs.later_failure is not None and obs.later_failure.kind == "closed"
    assert obs.later_failure.phase == "ehlo"
    findings = reachability.check(make_facts([obs.__class__(**{**_fields(obs), "port": 587, "address": ADDR})]))
    assert [f.id for f in findings] == ["connection.dropped-after-greeting"]
    assert findings[0].evidence["failure"] == {"kind": "closed", "phase": "ehlo", "errno": None,
                                               "message": "the server closed the connection"}


def _fields(obs):
    return {name: getattr(obs, name) for name in obs.__dataclass_fields__}
