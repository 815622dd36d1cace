"""``headers`` on messages delivered for real: signed with dkimpy (key in the lab Knot), submitted to the
suite's Postfix over STARTTLS from 127.0.0.3, delivered by Postfix's virtual(8) agent into a Maildir, and
read back — so the Received fields, Return-Path and Delivered-To are a real MTA's. One more path goes
through a forwarding Postfix that rewrites the body on the way (``body_checks`` REPLACE), as a list does."""

from __future__ import annotations

import smtplib
import ssl
import time
from pathlib import Path

import pytest

from realservers._proc import private_dir
from realservers.postfix import maildir_delivery
from smtpdoctor.flows.headers import check_message
from smtpdoctor.core.model import Category, Severity

from .conftest import marketing_message, sign

pytestmark = pytest.mark.realserver
RCPT = "alice@smtpdoctor.test"


@pytest.fixture(scope="module")
def final(postfix_factory):
    base = private_dir("maildir") / "vmail"
    # smtpd_tls_received_header: Postfix then writes the TLS version and cipher into Received (default: no)
    inst = postfix_factory(sasl=False, fresh=True, main_cf={**maildir_delivery(base, {RCPT: "alice/"}),
                                                            "smtpd_tls_received_header": "yes"})
    return inst, base / "alice"


@pytest.fixture(scope="module")
def forwarder(postfix_factory, final):
    checks = private_dir("fwd") / "body_checks"
    checks.write_text("/^Spring sale!/ REPLACE Spring sale! [sent through the list]\n")
    return postfix_factory(sasl=False, fresh=True, main_cf={
        "myhostname": "fwd.smtpdoctor.test", "virtual_mailbox_domains": "", "relay_domains": "smtpdoctor.test",
        "relay_transport": "smtp", "default_transport": "smtp", "relayhost": f"[127.0.0.1]:{final[0].plain_port}",
        "smtp_tls_security_level": "may", "body_checks": f"regexp:{checks}"})


def submit(port: int, message: bytes, *, tls: bool = True) -> None:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", port, local_hostname="relay.shop.test", source_address=("127.0.0.3", 0),
                      timeout=15) as s:
        if tls:
            s.starttls(context=ctx)
        s.sendmail("bounce@shop.test", [RCPT], message)


def delivered(maildir: Path, marker: bytes, timeout: float = 20.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in sorted((maildir / "new").glob("*")) if (maildir / "new").is_dir() else ():
            data = f.read_bytes()
            if marker in data:
                return data
        time.sleep(0.1)
    raise AssertionError(f"no message with {marker!r} delivered into {maildir}")


def with_id(message: bytes, tag: str) -> bytes:
    return message.replace(b"<m1.2026@shop.test>", f"<{tag}@shop.test>".encode())


async def test_signed_message_through_postfix(final, resolver, dkim_key):
    inst, maildir = final
    submit(inst.plain_port, sign(with_id(marketing_message(), "signed"), dkim_key[0]))
    report, obs = await check_message(delivered(maildir, b"<signed@shop.test>"), resolver, source="maildir")
    hop = obs.handover
    assert (hop.ip, hop.by, hop.protocol, hop.from_helo) == ("127.0.0.3", "mx.smtpdoctor.test", "ESMTPS",
                                                              "relay.shop.test")
    assert hop.tls_version and hop.tls_version.startswith("TLSv1.")  # Postfix's "(using TLSv1.3 with cipher …)"
    assert obs.headers.return_path == "bounce@shop.test"
    found = [f.id for f in report.findings]
    for fid in ("message.dkim-pass", "message.spf-pass", "message.dmarc-pass", "message.unsubscribe-ok",
                "hops.tls", "ptr.ok"):
        assert fid in found, fid
    assert report.verdict.category is Category.OK, report.verdict


async def test_unsigned_message_in_the_clear(final, resolver):
    inst, maildir = final
    submit(inst.plain_port, with_id(marketing_message(), "plain"), tls=False)
    report, obs = await check_message(delivered(maildir, b"<plain@shop.test>"), resolver, source="maildir")
    assert obs.handover.protocol == "ESMTP" and not obs.handover.tls
    assert "message.dkim-none" in [f.id for f in report.findings if f.severity is Severity.ERROR]
    assert "hops.no-tls" in [f.id for f in report.findings]
    assert report.finding("message.dmarc-pass").title.endswith("(via SPF)")  # SPF alone carries DMARC


async def test_forwarded_and_altered_on_the_way(final, forwarder, resolver, dkim_key):
    inst, maildir = final
    submit(forwarder.plain_port, sign(with_id(marketing_message(), "fwd"), dkim_key[0]))
    data = delivered(maildir, b"<fwd@shop.test>")
    assert b"[sent through the list]" in data
    report, obs = await check_message(data, resolver, source="maildir")
    assert [h.by for h in obs.hops] == ["fwd.smtpdoctor.test", "mx.smtpdoctor.test"]
    assert obs.hops[1].delay_s is not None and obs.hops[1].delay_s >= 0
    fail = report.finding("message.dkim-fail")
    assert fail is not None and "body hash" in fail.title.lower()
    assert fail.detail.startswith("The body changed after it was signed.")
