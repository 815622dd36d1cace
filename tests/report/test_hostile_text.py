"""Server text that would act on its reader (issue 21): terminal escapes, HTML, Markdown links. Every
renderer of a diagnosis shows it inert."""

from __future__ import annotations

import json

from smtpdoctor.lab.faults import Fault
from support.markdown import outside_fences
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.report import render
from smtpdoctor.core.settings import Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis

HOSTILE = ("554 5.7.1 \x1b]0;pwned\x07\x1b[2J <script>alert(1)</script> <img src=x onerror=alert(1)> "
           "[click](javascript:alert(1)) \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ ``` end")


async def test_hostile_greeting_is_inert_in_every_format():
    async with LabSmtpServer(faults=[Fault.greeting(HOSTILE)]) as server:
        report = await run_diagnosis(Settings(host="127.0.0.1", port=server.port, security=Security.NONE,
                                              sweep_ports=(), timeout=3))
    assert report.verdict.category.value == "connection"
    for fmt in ("text", "markdown", "html"):
        out = render(report, fmt, verbose=True)
        assert "\x1b" not in out and "\x07" not in out, fmt
        assert "\\x1b]0;pwned" in out, fmt  # shown, not obeyed
    html = render(report, "html")
    assert "<script>" not in html and "<img " not in html
    md = render(report, "markdown", verbose=True)
    prose = outside_fences(md)
    assert "<script>" not in prose and "<img " not in prose
    assert "](javascript:" not in prose
    assert "\\[click\\]\\(javascript:alert\\(1\\)\\)" in md
    # the transcript's fence is longer than the server's ``` so the server cannot close it
    assert "````" in md
    data = json.loads(render(report, "json"))
    assert any("\x1b]0;pwned" in line["text"] for line in data["transcript"])  # JSON keeps the facts, escaped


async def test_emoji_codes_in_a_reply_are_shown_as_sent_in_text():
    # rich would turn ":ok:" or ":skull:" into pictures; the text report shows the server's words as sent
    async with LabSmtpServer(faults=[Fault.greeting("554 5.7.1 :skull: go away :ok:")]) as server:
        report = await run_diagnosis(Settings(host="127.0.0.1", port=server.port, security=Security.NONE,
                                              sweep_ports=(), timeout=3))
    out = render(report, "text", verbose=True)
    assert ":skull: go away :ok:" in out and "💀" not in out and "🆗" not in out
