"""diagnose when a step cannot run: 'could not test' is its own answer (issue 20)."""

from __future__ import annotations

import json
import sys

import pytest

from smtpdoctor.cli.app import main
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.scenarios import scenario
from smtpdoctor.lab.world import LabWorld


@pytest.fixture(scope="module")
def denying_resolver():
    """A resolver that says NXDOMAIN for every name, the root included (offline, a captive portal)."""
    with in_background(LabDnsServer({})) as (server,):
        yield server.address


def _run(capsys, monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", "diagnose", *args])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_offline_diagnose_is_inconclusive_exit_3(denying_resolver, capsys, monkeypatch):
    code, out, _ = _run(capsys, monkeypatch, "smtp.example.com", "--resolver", denying_resolver,
                        "--timeout", "2", "-f", "json")
    assert code == 3, out
    report = json.loads(out)
    assert report["verdict"]["confidence"] == "inconclusive"
    assert report["verdict"]["finding"] == "host.resolver-broken"
    steps = {s["name"]: s["status"] for s in report["steps"]}
    assert steps["client-settings"] == "pass"  # what was tested, passed
    assert steps["server-connection"] == "untested"
    assert all(steps[s] in ("skipped", "untested") for s in ("authentication", "firewall", "dns", "blacklist"))
    code, text, _ = _run(capsys, monkeypatch, "smtp.example.com", "--resolver", denying_resolver, "--timeout", "2")
    assert code == 3 and "No problem found" not in text and "Inconclusive" in text


async def test_credentials_that_never_reached_auth_leave_the_step_untested():
    s = scenario("refused-everywhere")  # credentials given; nothing listens
    async with s.lab_host() as host, LabWorld() as world:
        report = await run_diagnosis(s.settings_for(host, **world.overrides()))
    steps = {str(x.name): str(x.status) for x in report.steps}
    assert report.verdict.finding == "connection.refused-everywhere" and report.exit_code == 1
    assert steps["authentication"] == "untested"
    assert report.finding("auth.not-attempted") is not None


def test_offline_diagnose_with_domain_and_ip_says_resolver_once_and_blames_nothing(denying_resolver, capsys,
                                                                                  monkeypatch):
    """The host, the domain's DNS and two blocklist checks all fail for one reason: one finding, exit 3;
    a "no PTR" from a resolver that denies the root too is not believed."""
    code, out, _ = _run(capsys, monkeypatch, "smtp.example.com", "--domain", "example.com", "--ip", "203.0.113.9",
                        "--resolver", denying_resolver, "--timeout", "2", "-f", "json")
    report = json.loads(out)
    assert code == 3, [f["id"] for f in report["findings"]]
    ids = [f["id"] for f in report["findings"]]
    assert "ptr.missing" not in ids and "domain.resolver-broken" not in ids and "dnsbl.untested" not in ids
    (root,) = [f for f in report["findings"] if f["id"] == "host.resolver-broken"]
    assert set(root["evidence"]["also_untested"]) == {"domain.resolver-broken", "dnsbl.untested"}
    assert report["verdict"]["finding"] == "host.resolver-broken"
