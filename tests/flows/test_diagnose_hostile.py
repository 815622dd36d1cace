"""Diagnoses of hostile servers (issue 21): every run ends within its bound with a verdict that names
the server, never "No problem found"."""

from __future__ import annotations

import json

from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER
from smtpdoctor.core.model import Category
from smtpdoctor.report import render
from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis


def _settings(port: int, **kw) -> Settings:
    return Settings(host="127.0.0.1", port=port, security=Security.NONE, sweep_ports=(), **kw)


async def test_a_drip_fed_greeting_is_a_connection_finding_within_the_step_deadline():
    async with LabSmtpServer(faults=[Fault.drip_feed(20)]) as server:
        report = await run_diagnosis(_settings(server.port, timeout=0.5))
    assert report.verdict.category is Category.CONNECTION
    assert report.exit_code == 1
    assert any("no complete reply within 0.5 s (greeting)" in line.text for line in report.transcript)


def test_the_run_bound_is_twelve_step_deadlines_unless_given():
    from smtpdoctor.flows.diagnose import _options

    assert _options(_settings(25, timeout=2.5)).timeouts.run == 30.0
    assert _options(_settings(25, timeout=2.5, run_timeout=7.0)).timeouts.run == 7.0
    # with --send the reply to the message's final dot may take 30 s: the bound makes room for it
    assert _options(_settings(25, timeout=2.5, send=True)).timeouts.run == 30.0 + 27.5


async def test_a_run_ends_at_its_bound_though_every_step_keeps_its_own_deadline():
    # 20 bytes a second (the lab's drip_feed fault): the greeting takes about 2 s and the EHLO reply
    # longer, each step within its 5 s deadline at first; the whole run's 2 s deadline ends the run.
    async with LabSmtpServer(faults=[Fault.drip_feed(20)]) as server:
        report = await run_diagnosis(_settings(server.port, timeout=5, run_timeout=2.0))
    ids = [f.id for f in report.findings]
    assert "run.time-limit" in ids, ids
    limit = report.finding("run.time-limit")
    assert limit.evidence["limit_s"] == 2.0
    assert "authentication" in limit.evidence["missing"]
    assert report.verdict.category is not Category.OK
    assert report.exit_code == 1
    assert json.loads(render(report, "json"))["verdict"]["category"] != "ok"
    assert any("time limit (2 s)" in line.text for line in report.transcript)


async def test_a_server_that_answers_421_to_everything_is_a_connection_finding():
    async with LabSmtpServer(faults=[Fault.refuse_everything_421()]) as server:
        report = await run_diagnosis(_settings(server.port, timeout=2))
        with_credentials = await run_diagnosis(_settings(server.port, timeout=2, user=LAB_USER,
                                                         password=Secret(LAB_PASSWORD)))
    assert report.verdict.category is Category.CONNECTION, [f.id for f in report.findings]
    assert report.verdict.finding == "connection.service-refused"
    assert report.exit_code == 1
    assert "421 4.3.2" in report.finding("connection.service-refused").title
    assert "connection.ok" not in [f.id for f in report.findings]
    assert with_credentials.exit_code != 0
    assert "connection.service-refused" in [f.id for f in with_credentials.findings]


async def test_an_oversized_or_endless_ehlo_reply_is_a_connection_finding_not_memory():
    for behaviour in ("huge_reply", "endless_multiline"):
        async with LabSmtpServer(faults=[getattr(Fault, behaviour)()]) as server:
            report = await run_diagnosis(_settings(server.port, timeout=3))
        assert report.verdict.category is Category.CONNECTION, behaviour
        assert report.verdict.finding == "connection.protocol-violation", (behaviour, report.verdict)
        assert report.exit_code == 1
