"""MAIL FROM and RCPT TO in one write when the server offers PIPELINING (RFC 2920), each reply still read,
recorded and judged on its own; one command at a time when it does not. The walked session's QUIT is not
waited for: its reply is in the transcript when it came while the report was made, or the transcript says
it was not awaited. Against the lab's server, every reply held back ``RTT`` (orders, not durations, are
asserted: the benchmark measures time)."""

from __future__ import annotations

from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer

RTT = 0.1


def _settings(srv, **kw) -> Settings:
    return Settings(host=srv.host, port=srv.port, user=LAB_USER, password=Secret(LAB_PASSWORD),
                    mail_from=LAB_USER, rcpt_to="someone@example.net", ca_file=srv.ca_file, timeout=5.0,
                    sweep_ports=(), security=Security.STARTTLS, **kw)


def _lines(report) -> list[tuple[float, str, str]]:
    return [(line.t, line.dir, line.text) for line in report.transcript]


def _at(lines, direction: str, prefix: str) -> float:
    return next(t for t, d, text in lines if d == direction and text.startswith(prefix))


async def test_mail_and_rcpt_go_in_one_write_and_are_judged_one_by_one():
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(RTT))) as srv:
        report = await run_diagnosis(_settings(srv))
        [session] = srv.sessions
        commands = session.commands
    lines = _lines(report)
    assert _at(lines, "send", "RCPT TO:") < _at(lines, "recv", "250 2.1.0")  # RCPT left before MAIL's reply
    order = [(d, text) for _, d, text in lines if text.startswith(("MAIL", "RCPT", "250 2.1"))]
    assert order == [("send", "MAIL FROM:<user@lab.test>"), ("send", "RCPT TO:<someone@example.net>"),
                     ("recv", "250 2.1.0 Ok"), ("recv", "250 2.1.5 Ok")]
    env = report.to_json()["observations"]["envelope"]
    assert env["mail"].startswith("250 ") and env["rcpt"].startswith("250 ")
    assert "envelope.ok" in [f.id for f in report.findings]
    assert [c[:4] for c in commands if c[:4] in ("MAIL", "RCPT")] == ["MAIL", "RCPT"]


async def test_without_pipelining_rcpt_waits_for_mails_reply():
    faults = (Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(RTT), Fault.extensions(remove=("PIPELINING",)))
    async with LabSmtpServer(faults=faults) as srv:
        report = await run_diagnosis(_settings(srv))
    lines = _lines(report)
    order = [(d, text) for _, d, text in lines if text.startswith(("MAIL", "RCPT", "250 2.1"))]
    assert order == [("send", "MAIL FROM:<user@lab.test>"), ("recv", "250 2.1.0 Ok"),
                     ("send", "RCPT TO:<someone@example.net>"), ("recv", "250 2.1.5 Ok")]
    assert report.to_json()["observations"]["envelope"]["rcpt"].startswith("250 ")


async def test_a_refused_mail_is_the_finding_and_rcpts_reply_is_read_before_quit():
    faults = (Fault.starttls(), Fault.auth(tls_only=True), Fault.sender_not_owned(allowed=("other@lab.test",)))
    async with LabSmtpServer(faults=faults) as srv:
        report = await run_diagnosis(_settings(srv))
    env = report.to_json()["observations"]["envelope"]
    assert env["mail"][:1] in ("4", "5") and env["rcpt"] is None
    assert report.verdict.finding == "client.sender-not-owned", report.verdict  # MAIL's refusal, judged
    lines = [(d, text) for _, d, text in _lines(report) if d in ("send", "recv") and text[3:4] != "-"]
    mail = lines.index(("send", "MAIL FROM:<user@lab.test>"))
    sent_after = [text.split(" ")[0] for d, text in lines[mail:] if d == "send"]
    replies_after = [text for d, text in lines[mail:] if d == "recv"]
    assert sent_after == ["MAIL", "RCPT", "QUIT"]
    assert replies_after[0] == env["mail"]  # MAIL's reply, then RCPT's (a 503 or the like), then QUIT's if any
    assert len(replies_after) >= 2 and not replies_after[1].startswith("221")


async def test_quit_is_sent_last_and_the_report_does_not_wait_for_its_reply():
    slow = 0.5  # QUIT's reply is held this long: far longer than making the report takes
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(slow))) as srv:
        report = await run_diagnosis(_settings(srv))
        [session] = srv.sessions
        assert session.commands[-1] == "QUIT"  # the server got it: the session ended politely
    lines = _lines(report)
    assert [(d, text) for _, d, text in lines][-2:] == [
        ("send", "QUIT"), ("info", "QUIT sent; the report did not wait for its reply")]


async def test_quits_reply_is_recorded_when_it_came_while_the_report_was_made():
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True))) as srv:
        report = await run_diagnosis(_settings(srv))
    after_quit = [text for _, d, text in _lines(report) if d != "send"][-1]
    assert after_quit.startswith("221 ") or after_quit == "QUIT sent; the report did not wait for its reply"
