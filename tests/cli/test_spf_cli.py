"""``smtpdoctor spf``: output shapes, exit status, and bad input as one line with exit 2."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

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
    "v6.example": {"TXT": ["v=spf1 ip6:2001:db8:100::/48 -all"]},
    "twice.example": {"TXT": ["v=spf1 include:_spf.example.net ~all", "v=spf1 ip4:192.0.2.0/24 -all"]},
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
    assert list(data) == ["domain", "ip", "sender", "helo", "result", "explanation", "lookups", "trace", "fix"]
    assert (data["domain"], data["ip"], data["sender"], data["helo"]) == \
        ("example.com", "203.0.113.5", "alice@example.com", "mta.example.org")
    assert data["result"] == "fail"
    assert data["explanation"] == "203.0.113.5 may not send for example.com"
    assert data["lookups"] == 2
    assert data["trace"][0] == {"depth": 0, "domain": "example.com", "kind": "record",
                                "text": "v=spf1 include:_spf.example.net mx -all exp=why.example.com",
                                "outcome": "found", "detail": "", "lookups": 0}


def test_text_shows_records_verbatim_and_colours_only_a_terminal(dns_address):
    # ":100:" in an IPv6 prefix is text, not an emoji shortcode (a rich console printed "2001:db8💯:/48")
    res = invoke("v6.example", "--ip", "2001:db8:100::1", "--resolver", dns_address)
    assert res.exit_code == 0, res.output
    assert '"v=spf1 ip6:2001:db8:100::/48 -all"' in res.stdout
    assert "ip6:2001:db8:100::/48  match" in res.stdout
    assert "\033[" not in res.stdout  # not a terminal: no colour codes
    from smtpdoctor.report.spf import print_text

    class Result:  # what print_text reads of a check_host result
        result, ip, sender, domain, helo = "fail", "192.0.2.9", "a@b.example", "b.example", "b.example"
        lookups, void_lookups, reason, explanation, trace = 1, 0, "-all in b.example", None, ()

    import io

    out = io.StringIO()
    print_text(Result(), out, color=True)
    assert out.getvalue().startswith("\033[1;31mSPF fail\033[0m for 192.0.2.9 sending as a@b.example")


def test_pass_exits_zero_and_text_starts_with_the_result(dns_address):
    res = invoke("Example.COM.", "--ip", "198.51.100.7", "--resolver", dns_address)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("SPF pass for 198.51.100.7 sending as postmaster@example.com")
    assert '  example.com: "v=spf1 include:_spf.example.net mx -all exp=why.example.com"' in lines
    assert "     _spf.example.net: \"v=spf1 ip4:198.51.100.0/24 ~all\"" in lines


def test_fail_exits_one_and_temperror_is_inconclusive(dns_address):
    # _spf.example.net's ~all only makes the include not match; the outer -all decides
    assert invoke("example.com", "--ip", "192.0.2.99", "--resolver", dns_address).exit_code == 1
    res = invoke("slow.example.com", "--ip", "192.0.2.1", "--resolver", dns_address, "--timeout", "0.2",
                 "-f", "json")
    assert res.exit_code == 3  # a lookup timed out: could not test, not "fail"
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
    (["example.com", "--ip", "192.0.2.1", "--format", "pdf"], "'pdf' is not one of"),
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


def test_fail_says_the_exact_mechanism_to_add(dns_address):
    """Issue 20: a fail for the given IP comes with the change that makes it pass."""
    res = invoke("example.com", "--ip", "203.0.113.9", "--resolver", dns_address)
    assert res.exit_code == 1
    assert ("Fix: Add ip4:203.0.113.9 to the SPF record of example.com, so that it reads: "
            "v=spf1 include:_spf.example.net mx ip4:203.0.113.9 -all exp=why.example.com.") in res.stdout
    doc = json.loads(invoke("example.com", "--ip", "167.89.1.1", "--resolver", dns_address, "-f", "json").stdout)
    assert doc["fix"].startswith("167.89.1.1 is one of SendGrid's sending servers: add include:sendgrid.net")
    passing = json.loads(invoke("example.com", "--ip", "198.51.100.7", "--resolver", dns_address, "-f", "json").stdout)
    assert passing["result"] == "pass" and passing["fix"] is None


def test_two_records_permerror_gives_the_merged_record(dns_address):
    res = invoke("twice.example", "--ip", "192.0.2.1", "--resolver", dns_address, "-f", "json")
    doc = json.loads(res.stdout)
    assert doc["result"] == "permerror" and res.exit_code == 1
    merged = doc["fix"].split(": ", 1)[1]  # the records' order is the DNS answer's
    assert merged in ("v=spf1 include:_spf.example.net ip4:192.0.2.0/24 ~all",
                      "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ~all")
