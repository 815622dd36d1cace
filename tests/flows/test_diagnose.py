"""run_diagnosis as a whole: interruption keeps a partial report; the sweep costs one timeout."""

import asyncio
import time

from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabHost
from smtpdoctor.core.settings import Settings


async def test_cancelled_run_returns_what_it_saw_and_says_what_was_not_tested():
    async with LabHost({587: (Fault.blackhole(),), 25: (Fault.starttls(),)}) as host:
        port25 = host.port(25)
        s = Settings(host=host.address, port=host.port(587), sweep_ports=(port25,), timeout=30)
        task = asyncio.ensure_future(run_diagnosis(s))
        await asyncio.sleep(1.0)
        task.cancel()
        report = await task
    assert report.extra["interrupted"] is True
    assert report.verdict.finding == "run.interrupted"  # never "nothing wrong" on a run cut short
    assert report.verdict.confidence == "inconclusive" and report.exit_code == 3
    assert {str(s.name): str(s.status) for s in report.steps}["authentication"] != "pass"
    ports = report.extra["observations"]["ports"]
    assert [p["port"] for p in ports] == [port25]  # the port that answered in time is kept
    f = report.finding("run.interrupted")
    assert f is not None and "not tested" in f.title
    assert any(line.text.startswith("interrupted") for line in report.transcript)


async def test_a_dropped_port_costs_one_connect_timeout_not_one_per_port():
    ports = {25: (Fault.filtered(),), 465: (Fault.filtered(),), 587: (Fault.starttls(),), 2525: (Fault.filtered(),)}
    async with LabHost(ports) as host:
        s = Settings(host=host.address, port=host.port(587), timeout=1.5, ca_file=str(host.ca_file),
                     sweep_ports=tuple(host.port(p) for p in (25, 465, 2525)))
        start = time.perf_counter()
        report = await run_diagnosis(s)
        elapsed = time.perf_counter() - start
    assert report.verdict.category.value == "ok"
    assert report.finding("firewall.other-ports-filtered") is not None
    assert elapsed < 1.5 * 2  # three filtered ports probed at once: one timeout, not three


async def test_a_refusal_carries_the_explainers_reading_of_the_reply():
    from smtpdoctor.lab.scenarios import scenario
    from smtpdoctor.lab.world import LabWorld

    sc = scenario("auth-app-password-required")
    async with sc.lab_host() as host, LabWorld() as world:
        report = await run_diagnosis(sc.settings_for(host, **world.overrides()))
    root = report.finding(report.verdict.finding)
    explanation = root.evidence["explanation"]
    assert explanation["replycode"] == "534" and explanation["status"] == "5.7.9"
    assert explanation["category"] == "authentication"


async def test_the_address_the_server_saw_is_checked_against_the_blocklists(monkeypatch):
    from smtpdoctor.flows import diagnose as walk
    from smtpdoctor.lab.world import LabWorld

    monkeypatch.setattr(walk, "_seen_ip", lambda session: "192.0.2.99")  # as if EHLO said "Hello [it]"
    async with LabHost({587: (Fault.starttls(),)}) as host, LabWorld(listed=("192.0.2.99",)) as world:
        s = Settings(host=host.address, port=host.port(587), sweep_ports=(), timeout=3, ca_file=str(host.ca_file),
                     resolvers=(world.resolver,), dnsbl_zones=world.dnsbl_zones)  # no --ip, no domain
        report = await run_diagnosis(s)
    assert report.extra["observations"]["seen_ip"] == "192.0.2.99"
    assert report.verdict.finding == "dnsbl.listed" and report.verdict.category.value == "blacklist"


def test_seen_ip_takes_only_a_public_address_from_the_ehlo_greeting():
    from types import SimpleNamespace

    from smtpdoctor.protocol.capabilities import parse_ehlo
    from smtpdoctor.protocol.replies import Reply
    from smtpdoctor.flows.diagnose import _seen_ip

    def session(text):
        return SimpleNamespace(capabilities=parse_ehlo(Reply(code=250, lines=(text, "PIPELINING"))))

    assert _seen_ip(session("smtp.gmail.com at your service, [8.8.4.4]")) == "8.8.4.4"
    assert _seen_ip(session("mx Hello [127.0.0.1]")) is None
    assert _seen_ip(session("mx Hello 10.1.2.3")) is None
