"""``serve --lab``: the lab's broken servers offered on the Diagnose page, each run saying whether the
verdict named the planted fault."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from smtpdoctor.web.pages import VERDICT_HEADINGS
from smtpdoctor.lab.scenarios import SCENARIOS
from smtpdoctor.web import ServeConfig, create_app

from .conftest import csrf_of, wait_finished


@pytest.fixture(scope="module")
def lab_client():
    with TestClient(create_app(ServeConfig(lab=True, max_active=4)), base_url="http://127.0.0.1:8025",
                    follow_redirects=False) as c:
        yield c


def _run_lab(client, name: str) -> tuple[str, dict]:
    token = csrf_of(client.get("/").text)
    r = client.post("/diagnose", data={"csrf": token, "lab": name})
    assert r.status_code == 303, r.text
    page = wait_finished(client, r.headers["location"])
    return page, json.loads(client.get(r.headers["location"] + "/report.json").text)


def test_every_scenario_is_offered(lab_client):
    html = lab_client.get("/").text
    assert 'id="f-lab"' in html and '<label for="f-lab">' in html
    assert all(f'<option value="{s.name}">' in html for s in SCENARIOS)


def test_not_offered_without_lab(client):
    assert 'id="f-lab"' not in client.get("/").text
    token = csrf_of(client.get("/").text)
    r = client.post("/diagnose", data={"csrf": token, "lab": "wrong-port"})  # ignored: the fields are empty
    assert r.status_code == 400 and "enter the SMTP server name" in r.text


@pytest.mark.parametrize("name", ["wrong-port", "auth-wrong-password"])
def test_lab_run_names_the_planted_fault(lab_client, name):
    page, report = _run_lab(lab_client, name)
    expected = next(s for s in SCENARIOS if s.name == name)
    assert report["verdict"]["finding"] == expected.expect_finding
    assert f"Lab scenario {name}:" in page and "smtpdoctor named it." in page
    assert VERDICT_HEADINGS[str(expected.expect_category)] in page


@pytest.mark.parametrize("name", ["greeting-554", "auth-not-offered", "user-unknown"])
def test_lab_page_says_whether_the_cause_was_named(lab_client, name):
    page, report = _run_lab(lab_client, name)
    expected = next(s for s in SCENARIOS if s.name == name)
    named = report["verdict"]["category"] == str(expected.expect_category)
    assert ("smtpdoctor named it." in page) is named
    assert (f"smtpdoctor said {report['verdict']['category']} instead." in page) is (not named)
    same_id = (report["verdict"]["finding"] or "ok") == expected.expect_finding
    assert (f"The lab calls it <code>{expected.expect_finding}</code>" in page) is (not same_id)


def test_unknown_scenario(lab_client):
    token = csrf_of(lab_client.get("/").text)
    r = lab_client.post("/diagnose", data={"csrf": token, "lab": "no-such-scenario"})
    assert r.status_code == 400 and "pick one of the listed scenarios" in r.text
