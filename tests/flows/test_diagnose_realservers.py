"""diagnose against real servers: Postfix (+ Dovecot SASL) with DNS from Knot, and firewalls made with
network namespaces and iptables. Each case is one of the issues' "done when" list."""

from __future__ import annotations

import json
import sys

import pytest
from realservers import DEFAULT_USERS, RBL_ZONE, free_port

from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.core.model import Category
from smtpdoctor.core.settings import Secret, Security, Settings

ALICE, ALICE_PW = "alice@smtpdoctor.test", DEFAULT_USERS["alice@smtpdoctor.test"]
BOB = "bob@smtpdoctor.test"
OUTSIDE = "someone@example.net"


def settings(pf, port, *, knot=None, **kw) -> Settings:
    kw.setdefault("timeout", 5.0)
    kw.setdefault("sweep_ports", ())
    if knot is not None:
        kw.setdefault("resolvers", (knot.address,))
    return Settings(host=kw.pop("host", pf.host), port=port, ca_file=str(pf.ca_file), **kw)


async def verdict(s: Settings):
    report = await run_diagnosis(s)
    return report, report.verdict.finding or "ok"


# -- issue 2: reaching the server ------------------------------------------------------------------

async def test_working_submission_port_is_ok(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.STARTTLS,
                                         sweep_ports=(postfix.smtps_port,)))
    assert got == "ok", [f.id for f in report.findings]
    assert report.verdict.category is Category.OK
    assert {"connection.ok", "tls.ok"} <= {f.id for f in report.findings}
    ports = report.to_json()["observations"]["ports"]
    assert any(p["port"] == postfix.smtps_port and p["mode"] == "implicit-tls" for p in ports)


async def test_wrong_port_names_the_working_one(postfix):
    wrong = free_port()
    report, got = await verdict(settings(postfix, wrong, sweep_ports=(postfix.submission_port, postfix.smtps_port)))
    assert got == "port.wrong-port"
    f = report.finding("port.wrong-port")
    assert f.evidence["working"] and str(postfix.submission_port) in f.title


async def test_implicit_tls_on_the_starttls_port(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.TLS,
                                         sweep_ports=(postfix.smtps_port,)))
    assert got == "client.implicit-tls-on-starttls-port"
    assert f"port {postfix.smtps_port} instead" in report.finding(got).remedy[1]


async def test_starttls_on_the_implicit_tls_port(postfix):
    _, got = await verdict(settings(postfix, postfix.smtps_port, security=Security.STARTTLS))
    assert got == "client.starttls-on-implicit-tls-port"


async def test_expired_certificate(postfix_factory):
    pf = postfix_factory(extra_certs=("expired",))
    report, got = await verdict(settings(pf, pf.port("submission_expired"), security=Security.STARTTLS))
    assert got == "tls.certificate-expired"
    assert "expired 30 days ago" in report.finding(got).title or "expired 29 days ago" in report.finding(got).title


async def test_nothing_listening_anywhere(postfix):
    report, got = await verdict(settings(postfix, free_port(), sweep_ports=(free_port(), free_port())))
    assert got == "connection.refused-everywhere"
    assert report.verdict.category is Category.CONNECTION


async def test_unknown_host_name(postfix, knot):
    report, got = await verdict(settings(postfix, 587, knot=knot, host="nosuch.smtpdoctor.test"))
    assert got == "host.not-found"
    assert report.verdict.category is Category.DNS


# -- issue 2: firewalls in network namespaces ------------------------------------------------------

def _diagnose_in_client(pair, port: int, ports: tuple[int, ...], timeout: float = 3.0) -> dict:
    argv = [sys.executable, "-m", "smtpdoctor.cli.app", "diagnose", pair.server_ip, "--port", str(port),
            "--ports", ",".join(map(str, ports)), "--timeout", str(timeout), "--format", "json"]
    out = pair.run("client", argv, timeout=60)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_drop_on_the_configured_port_is_a_firewall(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False)
    other = free_port()
    netns_pair.drop(587 if pf.plain_port == 587 else pf.plain_port)
    # the plain port is DROPped; a closed port on the same host answers (RST), so the host is there
    report = _diagnose_in_client(netns_pair, pf.plain_port, (other,))
    assert report["verdict"]["finding"] == "firewall.port-filtered"
    assert report["verdict"]["confidence"] == "high"
    assert report["timings"]["total_s"] < 3.0 + 2.0  # one connect timeout, not one per port


def test_reject_with_icmp_admin_prohibited_is_a_firewall(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False)
    netns_pair.reject(pf.plain_port, with_="icmp-admin-prohibited")
    report = _diagnose_in_client(netns_pair, pf.plain_port, (free_port(),))
    assert report["verdict"]["finding"] == "firewall.rejected"


def test_reject_with_icmp_port_unreachable_is_a_firewall_not_a_closed_port(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False)
    netns_pair.reject(pf.plain_port, with_="icmp-port-unreachable")
    report = _diagnose_in_client(netns_pair, pf.plain_port, (free_port(),))
    assert report["verdict"]["finding"] == "firewall.rejected"
    port = next(p for p in report["observations"]["ports"] if p["port"] == pf.plain_port)
    assert port["outcome"] == "rejected" and "ICMP type 3 code 3" in port["error"]


def test_reject_with_tcp_reset_looks_closed_and_says_so(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False)
    netns_pair.reject(pf.plain_port, with_="tcp-reset")
    report = _diagnose_in_client(netns_pair, pf.plain_port, (free_port(),))
    # a TCP reset from a firewall cannot be told from a closed port: connection, never "ok"
    assert report["verdict"]["category"] == "connection"


def test_everything_dropped(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False)
    netns_pair.drop()
    report = _diagnose_in_client(netns_pair, pf.plain_port, (free_port(),), timeout=2.0)
    assert report["verdict"]["finding"] == "firewall.all-filtered"
    assert report["verdict"]["confidence"] == "medium"


# -- issue 3: authentication, client settings and the envelope --------------------------------------

async def test_working_account_is_ok(postfix, knot):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.STARTTLS, user=ALICE,
                                         password=Secret(ALICE_PW), mail_from=ALICE, rcpt_to=OUTSIDE, knot=knot,
                                         dnsbl_zones=(RBL_ZONE,)))
    steps = {s.name.value: s.status.value for s in report.steps}
    assert steps["server-connection"] == "pass" and steps["authentication"] == "pass", steps
    assert steps["client-settings"] in ("pass", "skipped"), steps
    ids = {f.id for f in report.findings}
    assert {"auth.ok", "envelope.ok", "connection.ok", "tls.ok"} <= ids
    # the SMTP side works; what is left is the test zone's own DNS (its MX points at loopback)
    assert got == "mx.private-address" and report.verdict.category is Category.DNS
    text = json.dumps(report.to_json())
    assert ALICE_PW not in text


async def test_wrong_password(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.STARTTLS, user=ALICE,
                                         password=Secret("not-the-password"), mail_from=ALICE, rcpt_to=OUTSIDE))
    assert got == "auth.credentials-rejected"
    assert report.verdict.category is Category.AUTHENTICATION
    assert "not-the-password" not in json.dumps(report.to_json())
    assert any("535" in line.text for line in report.transcript)


async def test_auth_in_the_clear_is_a_client_setting(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.NONE, user=ALICE,
                                         password=Secret(ALICE_PW), mail_from=ALICE, rcpt_to=OUTSIDE))
    assert report.verdict.category is Category.CLIENT
    assert got in ("client.auth-not-offered", "client.auth-without-tls")


async def test_relay_denied_without_auth(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.STARTTLS,
                                         mail_from=ALICE, rcpt_to=OUTSIDE))
    assert got == "client.relay-denied"


async def test_sender_not_owned(postfix):
    report, got = await verdict(settings(postfix, postfix.submission_port, security=Security.STARTTLS, user=ALICE,
                                         password=Secret(ALICE_PW), mail_from=BOB, rcpt_to=OUTSIDE))
    assert got == "client.sender-not-owned"


async def test_reverse_hostname_required(postfix_factory):
    pf = postfix_factory(restrictions=["reject_unknown_reverse_client_hostname"], sasl=False)
    report, got = await verdict(settings(pf, pf.plain_port, source_ip="127.0.0.1", mail_from=ALICE,
                                         rcpt_to="postmaster@smtpdoctor.test"))
    assert got == "envelope.reverse-hostname-required"
    assert report.verdict.category is Category.DNS


async def test_blocklisted_client(postfix_factory):
    pf = postfix_factory(rbl_zone=RBL_ZONE, sasl=False)
    report, got = await verdict(settings(pf, pf.plain_port, source_ip="127.0.0.2", mail_from=ALICE,
                                         rcpt_to="postmaster@smtpdoctor.test"))
    assert report.verdict.category is Category.BLACKLIST
    assert got in ("dnsbl.rejected-citing-list", "envelope.blocked-citing-list")
    assert RBL_ZONE in json.dumps(report.finding(got).evidence)


# -- IPv4 and IPv6 separately ------------------------------------------------------------------------

async def test_both_families_probed_and_alike(postfix, knot):
    if not postfix.ipv6:
        pytest.skip("no IPv6 loopback on this machine")
    report, got = await verdict(settings(postfix, postfix.submission_port, knot=knot, host="mx.smtpdoctor.test",
                                         security=Security.STARTTLS))
    ports = report.to_json()["observations"]["ports"]
    assert {p["family"] for p in ports} == {4, 6}
    assert all(p["outcome"] == "smtp" for p in ports)
    assert report.finding("host.ipv6-differs") is None
    assert got == "ok"


async def test_ipv6_broken_while_ipv4_works_is_reported(postfix_factory, knot):
    import socket

    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    pf = postfix_factory(ipv6=False)  # listens on 127.0.0.1 only; the name also has AAAA ::1
    report, got = await verdict(settings(pf, pf.submission_port, knot=knot, host="mx.smtpdoctor.test",
                                         security=Security.STARTTLS))
    diff = report.finding("host.ipv6-differs")
    assert diff is not None and "over IPv4 but not over IPv6" in diff.title
    assert diff.severity.value == "warning"


# -- issue 20: no secret to a server whose certificate failed ----------------------------------------

def _sasl_failures(pf) -> int:
    """What Postfix itself logged: one line per SASL exchange that reached smtpd (and Dovecot)."""
    return pf.log_text().count("authentication failed")


@pytest.mark.parametrize("listener", ["submission_expired", "submission_wrong_name", "smtps_expired"])
async def test_password_never_reaches_a_server_whose_certificate_failed(postfix, listener):
    from realservers import wait_until

    security = Security.TLS if listener.startswith("smtps") else Security.STARTTLS
    # A wrong password, so every exchange that reaches Postfix leaves a line in its log.
    wrong = dict(user=ALICE, password=Secret("not-the-password"), security=security)
    before = _sasl_failures(postfix)
    report, got = await verdict(settings(postfix, postfix.port(listener), **wrong))
    assert got.startswith("tls."), [f.id for f in report.findings]
    assert "auth.withheld-certificate-unverified" in [f.id for f in report.findings]
    # The control: the same run with --insecure-auth does reach Postfix, and Postfix logs it.
    report2, _ = await verdict(settings(postfix, postfix.port(listener), insecure_auth=True, **wrong))
    assert "auth.sent-unverified" in [f.id for f in report2.findings]
    assert wait_until(lambda: _sasl_failures(postfix) > before, timeout=10)
    assert _sasl_failures(postfix) == before + 1, "the first run sent the password too"
