"""``smtpdoctor demo``'s engine (smtpdoctor.lab.demo): every scenario diagnosed, none able to hold it."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app
from smtpdoctor.lab.demo import run_demo, select
from smtpdoctor.lab.scenarios import SCENARIOS, scenario


def test_select_keeps_the_order_asked_and_refuses_unknown_names():
    assert [s.name for s in select(["huge-reply", "drip-feed"])] == ["huge-reply", "drip-feed"]
    from smtpdoctor.lab.domain_scenarios import DOMAIN_SCENARIOS

    assert select([]) == [*SCENARIOS, *DOMAIN_SCENARIOS]
    with pytest.raises(ValueError, match="unknown scenario 'nope'"):
        select(["nope"])


async def test_a_hostile_server_cannot_hold_the_demo():
    # drip-feed at a 0.2 s timeout: the run is stopped at the scenario's deadline (6 s), kept, and wrong
    drip = dataclasses.replace(scenario("drip-feed"), settings={**scenario("drip-feed").settings, "timeout": 0.2})
    seen = []
    results = await run_demo([scenario("endless-multiline"), drip], on_result=seen.append)
    endless, dripped = results
    assert [r.scenario.name for r in results] == ["endless-multiline", "drip-feed"] and len(seen) == 2
    assert endless.right and endless.error is None
    assert dripped.seconds < drip.deadline + 5
    # today the run is stopped and called wrong; once --timeout bounds every step the verdict is right
    assert dripped.right or (dripped.error == "did not end within 6 s" and dripped.report is not None
                             and dripped.to_json()["right"] is False)


def test_demo_lists_the_hostile_scenarios_and_prints_json_lines():
    listed = CliRunner().invoke(app, ["demo", "--list"])
    assert listed.exit_code == 0
    for name in ("drip-feed", "refuse-everything-421", "auth-echo", "huge-reply", "endless-multiline",
                 "hostile-text"):
        assert name in listed.output
    ran = CliRunner().invoke(app, ["demo", "--scenario", "huge-reply", "--scenario", "hostile-text", "--format", "json"])
    lines = [json.loads(line) for line in ran.output.splitlines() if line.startswith("{")]
    assert [line["scenario"] for line in lines] == ["huge-reply", "hostile-text"]
    assert all(line["right"] for line in lines) and ran.exit_code == 0


def test_demo_runs_the_dns_scenarios_too():
    from smtpdoctor.lab.domain_scenarios import DOMAIN_SCENARIOS

    listed = CliRunner().invoke(app, ["demo", "--list"])
    for s in DOMAIN_SCENARIOS:
        assert s.name in listed.output
    ran = CliRunner().invoke(app, ["demo", "--format", "json", *[a for s in DOMAIN_SCENARIOS for a in ("--scenario", s.name)]])
    lines = [json.loads(line) for line in ran.output.splitlines() if line.startswith("{")]
    assert [line["scenario"] for line in lines] == [s.name for s in DOMAIN_SCENARIOS]
    assert all(line["right"] and line["kind"] == "domain" for line in lines), lines
    assert ran.exit_code == 0
    text = CliRunner().invoke(app, ["demo", "--scenario", "dmarc-test-mode"])
    assert "domain: dmarc.test-mode" in text.output and text.exit_code == 0
    lab = CliRunner().invoke(app, ["lab", "--list"])
    assert "dmarc-test-mode" not in lab.output  # the lab keeps SMTP servers up; DNS faults are in demo
