"""MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) against real servers: the MX set and the TXT records from a
Knot the test starts, the policy from a local HTTPS server whose certificate the lab CA issued (trusted
through ``--ca-file``); a policy that leaves out a real MX host, testing mode, a short max_age, a policy
host whose certificate fails, a changed policy under an unchanged id, bad TLS-RPT rua syntax."""

from __future__ import annotations

import json
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app
from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.judge.dns.mta_sts import policy_fingerprint
from smtpdoctor.net.dns import Resolver

from realservers._proc import free_loopback_ip, is_root, require

ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.test\r\nmx: *.backup.sts.test\r\nmax_age: 604800\r\n"


@contextmanager
def https_server(pki, policy: str, *, variant: str = "valid", host: str = "127.0.0.1", port: int = 0,
                 name: str = "mta-sts.sts.test"):
    """A real HTTPS server (stdlib http.server + ssl, in a thread) serving ``policy`` at the well-known path."""
    cert = pki.issue(variant, (name,))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's interface)
            body = policy.encode()
            self.send_response(200 if self.path == "/.well-known/mta-sts.txt" else 404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def zone(policy_host_ip="127.0.0.1", sts_id="20260101", tlsrpt="v=TLSRPTv1; rua=mailto:tls@sts.test"):
    return {
        "sts.test": {"MX": ["10 mx1.sts.test.", "20 mx2.sts.test.", "30 a.backup.sts.test."]},
        "mx1.sts.test": {"A": ["127.0.0.1"]}, "mx2.sts.test": {"A": ["127.0.0.1"]},
        "a.backup.sts.test": {"A": ["127.0.0.1"]},
        "_mta-sts.sts.test": {"TXT": [f"v=STSv1; id={sts_id}"]},
        "mta-sts.sts.test": {"A": [policy_host_ip]},
        "_smtp._tls.sts.test": {"TXT": [tlsrpt]},
    }


@pytest.fixture(scope="module")
def knot(knot_factory):
    return knot_factory(zone(), zones=["test", "sts.test"])


async def audit(knot, pki, port, **kw):
    context = ssl.create_default_context(cafile=str(pki.ca_file))  # what --ca-file builds
    return await audit_domain(Resolver([knot.address], timeout=2, lifetime=4), "sts.test", https_port=port,
                              ssl_context=context, **kw)


async def test_policy_missing_a_real_mx_host_is_named(knot, realserver_pki):
    with https_server(realserver_pki, ENFORCE) as port:
        result = await audit(knot, realserver_pki, port)
    missing = result.finding("mta-sts.mx-not-covered")
    assert missing.evidence["uncovered"] == ["mx2.sts.test"]  # a.backup matches *.backup.sts.test
    assert str(missing.severity) == "error"
    assert result.to_json()["mta_sts"]["policy"] == {"version": "STSv1", "mode": "enforce", "max_age": 604800,
                                                     "mx": ["mx1.sts.test", "*.backup.sts.test"], "problems": []}


async def test_complete_policy_passes_and_testing_mode_is_noted(knot, realserver_pki):
    complete = ENFORCE.replace("mx: mx1.sts.test\r\n", "mx: mx1.sts.test\r\nmx: mx2.sts.test\r\n")
    with https_server(realserver_pki, complete) as port:
        result = await audit(knot, realserver_pki, port)
    assert "mta-sts.ok" in result.ids() and result.finding("mta-sts.mx-not-covered") is None
    with https_server(realserver_pki, complete.replace("enforce", "testing").replace("604800", "3600")) as port:
        result = await audit(knot, realserver_pki, port)
    assert "mta-sts.mode-testing" in result.ids()
    assert result.finding("mta-sts.max-age-short").evidence["max_age"] == 3600


async def test_policy_host_with_an_expired_certificate(knot, realserver_pki):
    with https_server(realserver_pki, ENFORCE, variant="expired") as port:
        result = await audit(knot, realserver_pki, port)
    failed = result.finding("mta-sts.policy-unreachable")
    assert failed.evidence["error_kind"] == "tls" and "expired" in failed.evidence["error"]


async def test_changed_policy_under_the_same_id_needs_the_previous_run(knot, realserver_pki):
    with https_server(realserver_pki, ENFORCE) as port:
        first = (await audit(knot, realserver_pki, port)).to_json()["mta_sts"]
    assert first["id"] == "20260101" and first["sha256"] == policy_fingerprint(ENFORCE)
    changed = ENFORCE.replace("mx: mx1.sts.test\r\n", "mx: mx1.sts.test\r\nmx: mx2.sts.test\r\n")
    with https_server(realserver_pki, changed) as port:
        alone = await audit(knot, realserver_pki, port)
        compared = await audit(knot, realserver_pki, port, sts_previous=(first["id"], first["sha256"]))
        same = await audit(knot, realserver_pki, port, sts_previous=("20260101", policy_fingerprint(changed)))
    assert alone.finding("mta-sts.id-not-changed") is None  # one run cannot know
    stale = compared.finding("mta-sts.id-not-changed")
    assert stale is not None and str(stale.severity) == "error" and stale.evidence["id"] == "20260101"
    assert same.finding("mta-sts.id-not-changed") is None  # unchanged policy, unchanged id: fine


async def test_tlsrpt_rua_syntax_on_a_real_zone(knot_factory):
    bad = knot_factory(zone(tlsrpt="v=TLSRPTv1; rua=mailto:tls@nodot,https://,mailto:r@sts.test!10m"),
                       zones=["test", "sts.test"])
    result = await audit_domain(Resolver([bad.address], timeout=2, lifetime=4), "sts.test")
    problems = result.finding("tlsrpt.invalid").evidence["problems"]
    assert problems == ["rua entry 'mailto:tls@nodot' is not mailto:local@domain.example",
                        "rua entry 'https://' is not an https:// URL with a host name",
                        "rua entry 'mailto:r@sts.test!10m' has a size limit (!), which TLS-RPT does not define "
                        "(DMARC does)"]


def test_cli_fetches_the_policy_on_port_443_trusting_ca_file(knot_factory, realserver_pki):
    if not is_root():
        require("port 443 on a private loopback address needs root")
    ip = free_loopback_ip(443)
    srv = knot_factory(zone(policy_host_ip=ip), zones=["test", "sts.test"])
    with https_server(realserver_pki, ENFORCE, host=ip, port=443):
        without = CliRunner().invoke(app, ["domain", "sts.test", "--resolver", srv.address, "--format", "json"])
        given = CliRunner().invoke(app, ["domain", "sts.test", "--resolver", srv.address, "--format", "json",
                                         "--ca-file", str(realserver_pki.ca_file), "--mta-sts-previous",
                                         f"20260101:{'0' * 64}"])
    untrusted = json.loads(without.stdout.splitlines()[0])
    assert untrusted["mta_sts"]["fetch"]["error_kind"] == "tls"
    trusted = json.loads(given.stdout.splitlines()[0])
    assert trusted["mta_sts"]["fetch"]["status"] == 200 and trusted["mta_sts"]["policy"]["mode"] == "enforce"
    assert "mta-sts.id-not-changed" in [f["id"] for f in trusted["findings"]]

