"""``smtpdoctor spf``: output shapes, exit status, and bad input as one line with exit 2."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from smtpdoctor.cli.app import app, main
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer

ZONE = {
    "example.com": {"TXT": ["v=spf1 include:_spf.example.net mx -all exp=why.example.com"],
                    "MX": ["10 mx.example.com."]},
    "why.example.com": {"TXT": ["%{i} may not send for %{d}"]},
    "mx.example.com": {"A": ["192.0.2.1"]},
    "_spf.example.net": {"TXT": ["v=spf1 ip4:198.51.100.0/24 ~all"]},
    "slow.example.com": "TIMEOUT",
    "xn--bcher-kva.example": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]},
}


@pytest.fixture(scope="module")
def dns_address():
    """The lab DNS server on its own thread and loop (the command runs its own asyncio.run)."""
    with in_background(LabDnsServer(ZONE)) as (server,):
        yield server.address


def invoke(*args: str):
    return CliRunner().invoke(app, ["spf", *args])


def test_json_is_one_line_with_the_contract_keys(dns_address):
    res = invoke("example.com", "--ip", "203.0.113.5", "--sender", "alice@example.com", "--helo", "mta.example.org",
                 "--resolver", dns_address, "--format", "json")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert list(data) == ["domain", "ip", "sender", "helo", "result", "explanation", "lookups", "trace"]
    assert (data["domain"], data["ip"], data["sender"], data["helo"]) == \
        ("example.com", "203.0.113.5", "alice@example.com", "mta.example.org")
    assert data["result"] == "fail"
    assert data["explanation"] == "203.0.113.5 may not send for example.com"
    assert data["lookups"] == 2
    assert data["trace"][0] == {"depth": 0, "domain": "example.com", "kind": "record",
                                "text": "v=spf1 include:_spf.example.net mx -all exp=why.example.com",
                                "outcome": "found", "detail": "", "lookups": 0}


def test_pass_exits_zero_and_text_starts_with_the_result(dns_address):
    res = invoke("Example.COM.", "--ip", "198.51.100.7", "--resolver", dns_address)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("SPF pass for 198.51.100.7 sending as postmaster@example.com")
    assert '  example.com: "v=spf1 include:_spf.example.net mx -all exp=why.example.com"' in lines
    assert "     _spf.example.net: \"v=spf1 ip4:198.51.100.0/24 ~all\"" in lines


def test_softfail_and_temperror_exit_one(dns_address):
    # _spf.example.net's ~all only makes the include not match; the outer -all decides
    assert invoke("example.com", "--ip", "192.0.2.99", "--resolver", dns_address).exit_code == 1
    res = invoke("slow.example.com", "--ip", "192.0.2.1", "--resolver", dns_address, "--timeout", "0.2",
                 "--format", "json")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["result"] == "temperror"


@pytest.mark.parametrize("fmt,head,trace", [
    ("markdown", "**SPF fail for 203.0.113.5 sending as postmaster@example.com", "```"),
    ("html", "<p><strong>SPF fail for 203.0.113.5 sending as postmaster@example.com", "<pre>"),
])
def test_markdown_and_html_show_the_result_and_the_evaluation(dns_address, fmt, head, trace):
    res = invoke("example.com", "--ip", "203.0.113.5", "--resolver", dns_address, "--format", fmt)
    assert res.exit_code == 1
    assert head in res.stdout and trace in res.stdout
    assert "include:_spf.example.net" in res.stdout.split(trace, 1)[1]  # the evaluation tree follows


@pytest.mark.parametrize(("args", "message"), [
    (["example.com", "--ip", "1.2.3"], "--ip '1.2.3' is not an IP address"),
    (["exa mple.com", "--ip", "192.0.2.1"], "is not a domain name"),
    (["a" * 300 + ".com", "--ip", "192.0.2.1"], "at most 253"),
    (["example.com", "--ip", "192.0.2.1", "--sender", "nobody"], "is not an e-mail address"),
    (["example.com", "--ip", "192.0.2.1", "--resolver", "dns.google"], "bad resolver address"),
])
def test_bad_input_is_one_line_and_exit_2(monkeypatch, capsys, args, message):
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", "spf", *args])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert "Traceback" not in err


def test_help_is_quick_to_import():
    res = CliRunner().invoke(app, ["spf", "--help"])
    assert res.exit_code == 0
    assert "--sender" in res.stdout and "--helo" in res.stdout


def test_idn_domain_is_converted_to_a_labels(dns_address):
    res = invoke("Bücher.example", "--ip", "192.0.2.3", "--resolver", dns_address, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["domain"], data["result"]) == ("xn--bcher-kva.example", "pass")
