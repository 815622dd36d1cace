"""Every lab scenario, diagnosed: the verdict names the expected cause and finding (issue 2, 3, 7).

The lab's servers are in-process (``smtpdoctor.lab``) and the sending domain's DNS comes from the lab's
DNS world, so this runs offline and fast; the same faults against real servers are in
``test_walk_realservers.py``.
"""

import json

import pytest

from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.scenarios import SCENARIOS
from smtpdoctor.lab.world import LabWorld
from smtpdoctor.report import render

import base64

from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER

# The lab password, its base64 (LOGIN's answer) and AUTH PLAIN's base64 of "\0user\0password".
SECRET_FORMS = (LAB_PASSWORD, base64.b64encode(LAB_PASSWORD.encode()).decode(),
                base64.b64encode(f"\0{LAB_USER}\0{LAB_PASSWORD}".encode()).decode())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_scenario_verdict(scenario):
    async with scenario.lab_host() as host, LabWorld() as world:
        report = await run_diagnosis(scenario.settings_for(host, **world.overrides()))
    ids = [f.id for f in report.findings]
    assert (report.verdict.finding or "ok") == scenario.expect_finding, (scenario.name, ids)
    assert report.verdict.category is scenario.expect_category
    for extra in scenario.also_expect:
        assert extra in ids, (scenario.name, extra, ids)
    root = report.finding(report.verdict.finding) if report.verdict.finding else None
    if root is not None:
        assert root.remedy, "a root cause always comes with what to do"
    # no format ever shows the password or its base64 form
    for fmt in ("json", "text", "markdown", "html"):
        out = render(report, fmt, verbose=True)
        for secret in SECRET_FORMS:
            assert secret not in out, (fmt, secret)
    json.loads(render(report, "json"))
