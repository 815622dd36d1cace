"""IPv4 and IPv6: a host with A and AAAA is tried over both families; the report says which address each step
used and when one family works and the other does not. Real Postfix over 127.0.0.1 and ::1, and a Postfix in a
network namespace whose IPv6 is filtered (ip6tables DROP) while IPv4 works."""

from __future__ import annotations

import json
import os

import pytest

from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.report.text import render_text

from realservers import DEFAULT_USERS

ALICE = "alice@smtpdoctor.test"
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


async def test_both_families_of_real_postfix_and_the_address_of_each_step(postfix_factory, knot):
    pf = postfix_factory(ipv6=True)
    if not pf.ipv6:
        pytest.fail("the suite's Postfix could not listen on ::1 (IPv6 loopback is off on this machine)")
    s = Settings(host="mx.smtpdoctor.test", port=pf.submission_port, security=Security.STARTTLS,
                 resolvers=(knot.address,), ca_file=str(pf.ca_file), timeout=5.0, sweep_ports=(),
                 user=ALICE, password=Secret(DEFAULT_USERS[ALICE]))
    report = await run_diagnosis(s)
    assert report.verdict.finding is None, [f.id for f in report.findings]
    used = report.to_json()["observations"]["addresses"]
    assert sorted((a["address"], a["outcome"]) for a in used["server-connection"]) == [("127.0.0.1", "smtp"),
                                                                                        ("::1", "smtp")]
    assert used["authentication"][0]["address"] in ("127.0.0.1", "::1")
    text = render_text(report, width=120)
    walk = text[text.index("The troubleshooting walk"):]
    assert "via 127.0.0.1 (smtp), ::1 (smtp)" in walk or "via ::1 (smtp), 127.0.0.1 (smtp)" in walk
    assert f"via {used['authentication'][0]['address']}" in walk
    assert report.finding("host.ipv6-differs") is None


_CLIENT = r"""
import json, sys
sys.path.insert(0, {src!r})
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.cli.app import main
records = {{"mx.smtpdoctor.test": {{"A": [{v4!r}], "AAAA": [{v6!r}]}}}}
with in_background(LabDnsServer(records)) as (dns,):
    for fmt in ("json", "text"):
        import os; os.environ["COLUMNS"] = "160"
        sys.argv = ["smtpdoctor", "diagnose", "mx.smtpdoctor.test", "--port", "{port}", "--ports", "", "--security",
                    "starttls", "--timeout", "3", "--resolver", dns.address, "--ca-file", {ca!r}, "--format", fmt]
        try:
            main()
        except SystemExit as exc:
            print("\n=== exit", exc.code, flush=True)
"""


def test_ipv6_filtered_in_a_namespace_is_named_and_ipv4_carries_on(netns_pair, postfix_factory):
    pf = postfix_factory(netns=netns_pair, sasl=False, ipv6=True)
    netns_pair.drop(pf.plain_port, family=6)  # IPv6 silently dropped at the server; IPv4 untouched
    code = _CLIENT.format(src=SRC, v4=netns_pair.server_ip, v6=netns_pair.server_ip6, port=pf.plain_port,
                          ca=str(pf.ca_file))
    out = netns_pair.python("client", code, timeout=90)
    assert "=== exit" in out.stdout, out.stderr[-2000:]
    json_part, text_part = out.stdout.split("\n=== exit", 1)
    report = json.loads(json_part)
    diff = next(f for f in report["findings"] if f["id"] == "host.ipv6-differs")
    assert "over IPv4 but not over IPv6" in diff["title"]
    used = {a["address"]: a["outcome"] for a in report["observations"]["addresses"]["server-connection"]}
    assert used == {netns_pair.server_ip: "smtp", netns_pair.server_ip6: "filtered"}
    assert "over IPv4 but not over IPv6" in text_part and f"{netns_pair.server_ip6} (filtered)" in text_part
