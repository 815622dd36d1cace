"""The first questions of `domain` and `spf` leave before their engines are imported (issue 16).

* the questions flows/domain_first names are questions the audit asks (none is wasted), and an audit that
  finds them primed reports what an unprimed one reports, asking each question once;
* in a fresh interpreter (this one has imported everything already), the command's first datagram goes
  out while neither click (a plain command line, cli/plain_args), nor the event loop, nor the resolver
  facade, nor the audit or the SPF engine, nor dnspython, cryptography or rich is loaded; they load
  afterwards and the run reports as usual.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.flows.domain_first import MAX_DOMAINS, first_questions, questions_of
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver
from smtpdoctor.net.dns_first import prime

from support.dns_zones import good_zone, lab_resolver

IP = "192.0.2.25"


def _zone(key: str) -> dict:
    zone = good_zone(dkim_key=key)
    zone["good.test"]["TXT"] = ["v=spf1 include:_spf.esp.test mx -all"]
    zone["_spf.esp.test"] = {"TXT": ["v=spf1 include:_netblocks.esp.test ~all"]}
    zone["_netblocks.esp.test"] = {"TXT": ["v=spf1 ip4:192.0.2.0/24 ~all"]}
    zone["_dmarc.good.test"] = {"TXT": ["v=DMARC1; p=reject; rua=mailto:agg@reports.test"]}
    zone["good.test._report._dmarc.reports.test"] = {"TXT": ["v=DMARC1"]}
    return zone


def _report(audit) -> dict:
    doc = audit.to_json()
    doc.pop("timings")
    return doc


def _keys(questions) -> set:
    return {(name.rstrip(".").lower(), rdtype) for name, rdtype in questions}  # the facade's keys


async def test_the_first_questions_are_the_audits_and_priming_them_changes_no_report(rsa2048):
    zone = _zone(rsa2048)
    async with lab_resolver(zone) as (r, srv):
        plain = await audit_domain(r, "Good.Test", ip=IP, dkim_selectors=["mail"])
        asked, plain_queries = {(e.name, e.rdtype) for e in r.log}, sorted(srv.queries)
        first = first_questions("good.test", ip=IP, selectors=["mail"])
        assert len(first) == len(set(first)) > 20
        assert _keys(first) <= asked, _keys(first) - asked  # every primed question is one the audit asks
        srv.queries.clear()
        primer = prime(questions_of(["Good.Test"], ip=IP, selectors=["mail"]), [srv.address])
        assert set(primer.sent) == _keys(first)
        primed_resolver = Resolver([srv.address], timeout=0.5, lifetime=1, primer=primer)
        primed = await audit_domain(primed_resolver, "Good.Test", ip=IP, dkim_selectors=["mail"])
    assert primer.taken
    assert _report(primed) == _report(plain)
    assert sorted(srv.queries) == plain_queries  # the same questions, each once


def test_bulk_runs_and_bad_names_are_not_primed():
    assert questions_of([f"d{i}.test" for i in range(MAX_DOMAINS + 1)]) == []
    assert questions_of(["not a domain", "good.test"]) == first_questions("good.test")
    assert ("25.2.0.192.in-addr.arpa", "PTR") in first_questions("good.test", ip=IP)


LATER = ("click", "asyncio", "smtpdoctor.net.dns", "smtpdoctor.net.udp_mux", "smtpdoctor.flows.domain",
         "smtpdoctor.flows.spf", "smtpdoctor.protocol.spf.eval", "smtpdoctor.judge.dns.dkim", "smtpdoctor.core.model",
         "dns", "cryptography", "rich")

_PROBE = r"""
import io, json, socket, sys, contextlib
later = json.loads(sys.argv[1])
seen = {}
_send = socket.socket.send

def send(self, data, *args):
    if self.type == socket.SOCK_DGRAM and "first" not in seen:
        seen["first"] = [name for name in later if name in sys.modules]
    return _send(self, data, *args)

socket.socket.send = send
sys.argv = ["smtpdoctor", *sys.argv[2:]]
from smtpdoctor.cli.app import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps({"at_first": seen.get("first"), "after": [n for n in later if n in sys.modules],
                  "dnspython": sorted(n for n in sys.modules if n == "dns" or n.startswith("dns.")),
                  "output": out.getvalue()}))
"""


@pytest.fixture(scope="module")
def lab_address(rsa2048):
    with in_background(LabDnsServer({".": {"NS": ["a.root-servers.test."]}, **_zone(rsa2048)})) as (server,):
        yield server.address


def _run(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(LATER), *args], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_domain_sends_its_first_question_before_loading_the_engines(lab_address):
    data = _run("domain", "good.test", "--resolver", lab_address, "--format", "json")
    assert data["at_first"] == [], data["at_first"]
    report = json.loads(data["output"])
    ids = {f["id"] for f in report["findings"]}
    assert {"spf.ok", "dkim.key-ok", "dmarc.ok", "mx.ok"} <= ids, ids
    # they came afterwards: the audit and its key parser; dnspython not at all (no signature to check)
    assert {"asyncio", "smtpdoctor.flows.domain", "cryptography"} <= set(data["after"])
    assert data["dnspython"] == [] and "rich" not in data["after"]


def test_spf_sends_its_first_question_before_loading_the_engine(lab_address):
    data = _run("spf", "good.test", "--ip", "192.0.2.9", "--resolver", lab_address)
    assert data["at_first"] == [], data["at_first"]
    assert data["output"].startswith("SPF pass for 192.0.2.9")  # through two includes: three round trips
    assert "ip4:192.0.2.0/24" in data["output"]
    assert {"asyncio", "smtpdoctor.protocol.spf.eval"} <= set(data["after"])
    assert data["dnspython"] == [] and "rich" not in data["after"] and "cryptography" not in data["after"]
