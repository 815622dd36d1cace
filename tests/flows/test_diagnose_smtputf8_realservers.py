"""SMTPUTF8 and IDN addresses against a real Postfix, with and without ``smtputf8_enable``: the tool says
whether SMTPUTF8 is offered and what happens without it, and IDN domains go on the wire as A-labels
(asserted on what Postfix logged receiving: ``debug_peer_list`` logs every command line)."""

from __future__ import annotations

import re

import pytest

from smtpdoctor.core.settings import Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis

UNICODE = "ünïcode@bücher.example"
ALABEL = "xn--bcher-kva.example"
TRUSTED = "127.0.0.4"  # Postfix's mynetworks: may relay to any domain without AUTH


def _postfix(postfix_factory, utf8: str):
    return postfix_factory(resolver=None, sasl=False, main_cf={"smtputf8_enable": utf8,
                                                               "debug_peer_list": TRUSTED})


def _kw(pf) -> dict:
    return dict(host=pf.host, port=pf.plain_port, security=Security.STARTTLS, ca_file=str(pf.ca_file),
                source_ip=TRUSTED, sweep_ports=(), timeout=5.0)


def _settings(pf) -> Settings:
    return Settings(**_kw(pf), mail_from=UNICODE, rcpt_to=UNICODE)


def _received(pf, verb: str) -> list[str]:
    """The command lines Postfix logged receiving from the trusted client (debug_peer_list)."""
    return re.findall(rf"< [^:]*\[{re.escape(TRUSTED)}\]: ({verb}[^\n]*)", pf.log_text())


async def test_smtputf8_offered_and_used_with_a_labels_on_the_wire(postfix_factory):
    pf = _postfix(postfix_factory, "yes")
    report = await run_diagnosis(_settings(pf))
    used = report.finding("envelope.smtputf8-used")
    assert used is not None and "offers SMTPUTF8" in used.title
    assert report.finding("client.smtputf8-not-offered") is None
    envelope = report.to_json()["observations"]["envelope"]
    assert envelope["smtputf8"] is True and envelope["mail"].startswith("2")
    mail = _received(pf, "MAIL FROM")
    assert mail and mail[-1] == f"MAIL FROM:<ünïcode@{ALABEL}> SMTPUTF8"
    assert _received(pf, "RCPT TO")[-1] == f"RCPT TO:<ünïcode@{ALABEL}>"
    assert "bücher" not in "".join(_received(pf, "MAIL FROM") + _received(pf, "RCPT TO"))


async def test_without_smtputf8_the_address_cannot_be_sent(postfix_factory):
    pf = _postfix(postfix_factory, "no")
    report = await run_diagnosis(_settings(pf))
    missing = report.finding("client.smtputf8-not-offered")
    assert missing is not None and str(missing.severity) == "error"
    assert report.verdict.finding == "client.smtputf8-not-offered"
    assert _received(pf, "MAIL FROM") == []  # nothing was sent the server could not take


async def test_ascii_local_part_with_an_idn_domain_needs_no_smtputf8(postfix_factory):
    pf = _postfix(postfix_factory, "no")
    report = await run_diagnosis(Settings(**_kw(pf), mail_from="news@bücher.example", rcpt_to="info@bücher.example"))
    assert report.finding("client.smtputf8-not-offered") is None
    assert _received(pf, "MAIL FROM")[-1] == f"MAIL FROM:<news@{ALABEL}>"
    assert _received(pf, "RCPT TO")[-1] == f"RCPT TO:<info@{ALABEL}>"

