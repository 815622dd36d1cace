"""The public Python API: its names are guarded, and it runs the same engine as the CLI."""

import pytest

import smtpdoctor
from smtpdoctor.lab.dns_server import LabDnsServer

EXPECTED = {"__version__", "diagnose", "diagnose_async", "audit_domain", "audit_domain_async", "check_blacklist",
            "check_blacklist_async", "check_spf", "check_spf_async", "explain", "Report", "Finding", "Verdict",
            "Category", "Severity", "Step", "Settings", "Secret", "Security"}


def test_exported_names():
    assert set(smtpdoctor.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(smtpdoctor, name) is not None


async def test_diagnose_async_names_a_refused_port_and_keeps_secrets():
    report = await smtpdoctor.diagnose_async("127.0.0.1", port=1, timeout=2, user="u", password="s3cr3t-Pw",
                                             sweep_ports=(2,))
    assert report.verdict.category is smtpdoctor.Category.CONNECTION
    assert report.verdict.finding == "connection.refused-everywhere"
    assert "s3cr3t-Pw" not in str(report.to_json())


async def test_spf_and_domain_audit_use_the_given_resolver():
    zone = {"example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"], "MX": ["10 mx.example.com."]},
            "mx.example.com": {"A": ["192.0.2.25"]}}
    async with LabDnsServer(zone) as srv:
        res = await smtpdoctor.check_spf_async("example.com", "192.0.2.7", resolvers=[srv.address])
        assert str(res.result) == "pass"
        res = await smtpdoctor.check_spf_async("example.com", "198.51.100.7", resolvers=[srv.address])
        assert str(res.result) == "fail"
        audit = await smtpdoctor.audit_domain_async("example.com", resolvers=[srv.address])
        assert audit.domain == "example.com"
        assert "dmarc.missing" in audit.ids() or any(i.startswith("dmarc.") for i in audit.ids())


def test_explain_a_reply():
    out = smtpdoctor.explain("535-5.7.8 Username and Password not accepted. For more information, go to\n"
                             "535 5.7.8  https://support.google.com/mail/?p=BadCredentials")
    assert str(out.kind) == "reply"
    assert out.results and str(out.results[0].explanation.category) == "authentication"
    assert out.results[0].explanation.status == "5.7.8"


@pytest.mark.parametrize("kwargs, words", [
    ({"helo": "x\r\nRSET"}, "control character"),
    ({"ca_file": "/dev/zero"}, "not a regular file"),
    ({"user": "bob\nQUIT"}, "control character"),
])
def test_diagnose_refuses_hostile_values_like_the_command_line(kwargs, words):
    from smtpdoctor import api

    with pytest.raises(ValueError, match=words):
        api.diagnose("127.0.0.1", port=9, sweep_ports=(), **kwargs)
