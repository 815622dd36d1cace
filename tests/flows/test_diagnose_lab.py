"""Every lab scenario, diagnosed: the verdict names the expected cause and finding (issue 2, 3, 7), within
the scenario's deadline, and no output shows a secret or passes on the server's hostile text (issue 21).

The lab's servers are in-process (``smtpdoctor.lab``) and the sending domain's DNS comes from the lab's
DNS world, so this runs offline and fast; the same faults against real servers are in
``test_walk_realservers.py``.
"""

import asyncio
import base64
import json

import pytest

from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.scenarios import SCENARIOS, Scenario
from smtpdoctor.lab.world import LabWorld
from smtpdoctor.report import render
from smtpdoctor.report.text import render_text, report_blocks
from smtpdoctor.report.text_rich import layout as rich_layout
from support.markdown import outside_fences

# Scenarios whose right verdict the product does not give yet: strict, so each flips when its fix lands.
PENDING: dict[str, str] = {}
# Scenarios whose reports still pass the server's hostile text on (checked apart from the verdict).
PENDING_TEXT: dict[str, str] = {}
CONTROL = ("\x1b", "\x07", "\x9b")  # ESC, BEL, CSI: never raw in a text, Markdown or HTML report
# never live in a report: raw HTML anywhere; a javascript: link in Markdown syntax, or as an HTML href
MARKUP = {"markdown": ("<script", "<img", "](javascript:"), "html": ("<script", "<img", "href=\"javascript:")}


def secret_forms(scenario: Scenario) -> set[str]:
    """The password of the scenario and every form a server could echo it in (base64, AUTH PLAIN tokens)."""
    password, user = scenario.settings.get("password"), scenario.settings.get("user", "")
    if not password:
        return set()
    b64 = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    return {password, b64(password), b64(f"\0{user}\0{password}"), b64(f"{user}\0{user}\0{password}")}


def _params(scenarios, pending):
    return [pytest.param(s, id=s.name, marks=[pytest.mark.xfail(reason=pending[s.name], strict=True)]
                         if s.name in pending else []) for s in scenarios]


# what a server controls the text of, minus the slow ones (drip-feed is about time, not text)
TEXT_SCENARIOS = [s for s in SCENARIOS if {"hostile", "bad-input"} & set(s.tags) and "slow" not in s.tags]


def test_pending_names_are_scenarios():
    assert set(PENDING) <= {s.name for s in SCENARIOS}
    assert set(PENDING_TEXT) <= {s.name for s in TEXT_SCENARIOS}


async def diagnose(scenario):
    async with scenario.lab_host() as host, LabWorld() as world:
        async with asyncio.timeout(scenario.deadline) as deadline:
            report = await run_diagnosis(scenario.settings_for(host, **world.overrides()))
    assert not deadline.expired(), f"the diagnosis did not end within {scenario.deadline} s"
    return report


@pytest.mark.parametrize("scenario", _params(SCENARIOS, PENDING))
async def test_scenario_verdict(scenario):
    report = await diagnose(scenario)
    ids = [f.id for f in report.findings]
    assert (report.verdict.finding or "ok") == scenario.expect_finding, (scenario.name, ids)
    assert report.verdict.category is scenario.expect_category
    for extra in scenario.also_expect:
        assert extra in ids, (scenario.name, extra, ids)
    root = report.finding(report.verdict.finding) if report.verdict.finding else None
    if root is not None:
        assert root.remedy, "a root cause always comes with what to do"
    # no format ever shows the password in any form
    for fmt in ("json", "text", "markdown", "html"):
        out = render(report, fmt, verbose=True)
        for secret in secret_forms(scenario):
            assert secret not in out, (fmt, secret)
    json.loads(render(report, "json"))
    # the text report, written without rich, is what rich writes (report/text_plain.py)
    for width in (60, 80, 132):
        for verbose in (False, True):
            assert render_text(report, verbose=verbose, width=width) == rich_layout(
                report_blocks(report, verbose=verbose, width=width), width), (width, verbose)


@pytest.mark.parametrize("scenario", _params(TEXT_SCENARIOS, PENDING_TEXT))
async def test_reports_do_not_pass_on_the_servers_hostile_text(scenario):
    report = await diagnose(scenario)
    for fmt in ("text", "markdown", "html"):
        out = render(report, fmt, verbose=True)
        assert not [c for c in CONTROL if c in out], fmt
        if fmt == "markdown":  # a fenced block (transcript, evidence) is shown literally by every renderer
            out = outside_fences(out)
        if fmt != "text":
            assert not [m for m in MARKUP[fmt] if m in out.lower()], fmt
