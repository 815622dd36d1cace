"""The sweep: a port whose SYNs are dropped, on a host whose other ports answer, is ruled filtered without
waiting for the connect timeout; the reason recorded says so. With no port answering, the timeout rules."""

from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabHost
from smtpdoctor.net.smtp import Timeouts
from smtpdoctor.observe.facts import PortOutcome
from smtpdoctor.observe.port import ProbeOptions
from smtpdoctor.observe.sweep import sweep


def _options(host, connect: float) -> ProbeOptions:
    return ProbeOptions(server_name="mail.lab.test", ca_file=host.ca_file, timeouts=Timeouts.uniform(connect),
                        stagger=0.3)


async def _sweep(host, ports, configured, connect):
    real = tuple(host.port(p) for p in ports)
    return await sweep((host.address,), real, host.port(configured), _options(host, connect))


async def test_a_dropped_port_is_filtered_by_the_other_ports_answers_not_by_the_timeout():
    async with LabHost({25: (Fault.starttls(),), 587: (Fault.filtered(),)}, sweep=(25, 587, 2525)) as host:
        result = await _sweep(host, (25, 587, 2525), 587, connect=60.0)
        by_port = {host.nominal(o.port): o for o in result.ports}
    assert by_port[25].outcome is PortOutcome.SMTP and by_port[2525].outcome is PortOutcome.REFUSED
    dropped = by_port[587]
    assert dropped.outcome is PortOutcome.FILTERED
    assert "ports" in dropped.error and "of this address answered" in dropped.error
    assert "SYN and its retransmission" in dropped.error


async def test_with_no_port_answering_the_connect_timeout_is_the_bound():
    async with LabHost({25: (Fault.filtered(),), 587: (Fault.filtered(),)}, sweep=(25, 587)) as host:
        result = await _sweep(host, (25, 587), 587, connect=1.0)
    assert {o.outcome for o in result.ports} == {PortOutcome.FILTERED}
    assert all(o.error == "no answer to the connection attempt (filtered?)" for o in result.ports)
