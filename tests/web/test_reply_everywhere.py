"""The same reply at the same SMTP phase reads the same in `diagnose`, `explain` (command line) and the web
page's Explain: one classifier (smtpdoctor.judge.reply), one classification."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app as cli
from smtpdoctor.judge.reply import classify
from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabHost
from smtpdoctor.lab.world import LabWorld
from smtpdoctor.core.settings import Settings
from smtpdoctor.flows.diagnose import run_diagnosis

from .test_pages import _explain, _json_block

KEYS = ("reason", "category", "finding", "retryable", "provider", "status", "replycode", "blocklist")
_IN_REPLY = {"mail": "MAIL FROM", "rcpt": "RCPT TO", "data": "end of DATA"}

# (phase, the reply as the server sends it)
REPLIES = [
    ("rcpt", "550 5.1.1 <nobody@lab.test>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("rcpt", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"),
    ("mail", "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address."),
    ("rcpt", "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]"),
    ("mail", "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet "
             "service provider since part of their network is on our block list (S3150)."),
    ("rcpt", "553 5.7.1 <bob@elsewhere.example>: Relay access denied"),
]


def _diagnosed(phase: str, reply: str) -> dict:
    async def run() -> dict:
        fault = Fault.reject(phase.upper(), reply)
        async with LabHost({587: (Fault.starttls(), fault)}) as host, LabWorld() as world:
            s = Settings(host=host.address, port=host.port(587), sweep_ports=(), timeout=3,
                         ca_file=str(host.ca_file), mail_from="alice@lab.test", rcpt_to="nobody@lab.test",
                         **world.overrides())
            report = await run_diagnosis(s)
        found = [f for f in report.findings if "explanation" in f.evidence]
        assert len(found) == 1, [f.id for f in report.findings]
        return {**found[0].evidence["explanation"], "finding_made": found[0].id,
                "category_made": str(found[0].category)}

    return asyncio.run(run())


@pytest.mark.parametrize(("phase", "reply"), REPLIES)
def test_diagnose_explain_and_the_web_page_read_a_reply_alike(client, phase, reply):
    direct = classify(None, reply, phase=phase).to_json()
    diagnosed = _diagnosed(phase, reply)
    pasted = f"{reply} (in reply to {_IN_REPLY[phase]} command)"
    result = CliRunner().invoke(cli, ["explain", pasted, "--format", "json"])
    explained = json.loads(result.stdout.splitlines()[0])["results"][0]
    web = _json_block(_explain(client, text=pasted).text)[0]["results"][0]
    want = {k: direct[k] for k in KEYS}
    assert want["finding"] is not None
    assert {k: diagnosed[k] for k in KEYS} == want
    assert {k: explained[k] for k in KEYS} == want
    assert {k: web[k] for k in KEYS} == want
    # the finding diagnose reports is the classification's, in the classification's category
    assert (diagnosed["finding_made"], diagnosed["category_made"]) in {
        (want["finding"], want["category"]), ("dnsbl.rejected-citing-list", "blacklist")}
