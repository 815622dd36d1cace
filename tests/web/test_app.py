"""The app in-process against the lab: forms, runs, downloads, and every security rule of issue 8."""

from __future__ import annotations

import base64
import gc
import json
import re
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from smtpdoctor.web.pages import VERDICT_HEADINGS
from smtpdoctor.core.settings import Secret
from smtpdoctor.web import create_app
from smtpdoctor.web.security import TOKEN_COOKIE

from .conftest import LAB_DNSBL, csrf_of, wait_finished

TOKEN = "t0ken-for-the-tests-0123456789"


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])


def start(client, form: dict[str, str]):
    token = csrf_of(client.get("/").text)
    return client.post("/diagnose", data={"csrf": token, **form})


# -- the form -----------------------------------------------------------------------------------------
def test_every_field_has_a_label(client):
    page = _Fields()
    page.feed(client.get("/").text)
    assert len(page.inputs) >= 12
    assert all(i.get("id") in page.labels for i in page.inputs), [i for i in page.inputs if i.get("id") not in page.labels]


def test_presets_offered_from_the_knowledge(client):
    html = client.get("/").text
    assert 'value="gmail"' in html and 'data-host="smtp.gmail.com"' in html and 'data-port="587"' in html


def test_security_headers_and_csrf_cookie(client):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "smtpdoctor_csrf=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    assert "SameSite=Strict" in r.headers["set-cookie"]


def test_assets_served_from_the_package(client):
    assert client.get("/static/app.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "body" in client.get("/static/style.css").text
    html = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, nothing external


# -- bad input ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form,field,text", [
    ({"host": ""}, "host", "enter the SMTP server name"),
    ({"host": "smtp.example.com", "port": "abc"}, "port", "is not a port number"),
    ({"host": "smtp.example.com", "port": "70000"}, "port", "out of range"),
    ({"host": "https://smtp.example.com/"}, "host", "is not a host name"),
    ({"host": "smtp.example.com", "mail_from": "not-an-address"}, "mail_from", "is not an e-mail address"),
    ({"host": "smtp.example.com", "user": "me@example.com"}, "password", "enter the password"),
    ({"host": "smtp.example.com", "security": "ssl3"}, "security", "choose one"),
    ({"host": "smtp.example.com", "timeout": "forever"}, "timeout", "number of seconds"),
    ({"host": "x" * 400}, "host", "too long"),
])
def test_bad_fields_get_a_message_next_to_them(client, form, field, text):
    r = start(client, form)
    assert r.status_code == 400
    assert f'id="e-{field}"' in r.text and text in r.text
    assert 'aria-invalid="true"' in r.text
    assert client.get("/").status_code == 200


def test_password_never_echoed_into_the_page(client):
    secret = "Pw-0f-the-Test-92731"
    r = start(client, {"host": "smtp.example.com", "port": "abc", "user": "me@example.com", "password": secret})
    assert r.status_code == 400
    assert secret not in r.text
    assert 'value="me@example.com"' in r.text  # the other fields are kept


def test_request_body_over_the_limit(client):
    token = csrf_of(client.get("/").text)
    r = client.post("/diagnose", data={"csrf": token, "host": "a" * (1024 * 1024 + 10)})
    assert r.status_code == 413 and "larger than 1024 KB" in r.text
    assert client.get("/").status_code == 200  # still serving


def test_files_refused_on_the_diagnose_form(client):
    token = csrf_of(client.get("/").text)
    r = client.post("/diagnose", data={"csrf": token}, files={"host": ("x.png", b"\x89PNG\r\n\x1a\n", "image/png")})
    assert r.status_code in (400, 413) and "Traceback" not in r.text


# -- CSRF, host and token -------------------------------------------------------------------------------
def test_post_without_csrf_is_refused(client):
    r = client.post("/diagnose", data={"host": "smtp.example.com"})
    assert r.status_code == 403 and "send the form again" in r.text.lower()
    assert not client.app.state.runs.active


def test_post_from_another_origin_is_refused(client):
    token = csrf_of(client.get("/").text)
    r = client.post("/diagnose", data={"csrf": token, "host": "smtp.example.com"},
                    headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "another site" in r.text


def test_csrf_token_of_another_browser_is_refused(config):
    with TestClient(create_app(config), base_url="http://127.0.0.1:8025") as a, \
            TestClient(create_app(config), base_url="http://127.0.0.1:8025") as b:
        token_a = csrf_of(a.get("/").text)
        b.get("/")
        r = b.post("/diagnose", data={"csrf": token_a, "host": "smtp.example.com"})
        assert r.status_code == 403


def test_dns_rebinding_host_refused(client):
    r = client.get("/", headers={"host": "evil.example:8025"})
    assert r.status_code == 400 and "Wrong address" in r.text


def test_token_required_off_loopback(config):
    from dataclasses import replace

    app = create_app(replace(config, host="0.0.0.0", token=TOKEN))
    with TestClient(app, base_url="http://192.0.2.10:8025", follow_redirects=False) as c:
        r = c.get("/")
        assert r.status_code == 401 and "Access token needed" in r.text
        assert c.get("/", params={"token": "wrong-token-0123456789"}).status_code == 401
        r = c.get("/", params={"token": TOKEN})
        assert r.status_code == 303 and r.headers["location"] == "/"  # the token leaves the address bar
        assert f"{TOKEN_COOKIE}={TOKEN}" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
        assert c.get("/").status_code == 200  # the cookie carries it now
    with TestClient(app, base_url="http://192.0.2.10:8025") as c:
        assert c.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/static/style.css").status_code == 401


def test_unknown_pages(client):
    assert client.get("/nope").status_code == 404
    r = client.get("/runs/does-not-exist")
    assert r.status_code == 404 and "Run it again" in r.text
    assert client.get("/diagnose").status_code == 405


# -- runs against the lab -------------------------------------------------------------------------------
def test_wrong_password_names_authentication(client, lab):
    r = start(client, lab.form("auth-wrong-password"))
    assert r.status_code == 303
    page = wait_finished(client, r.headers["location"])
    assert VERDICT_HEADINGS["authentication"] in page
    assert "auth.credentials-rejected" in page
    assert 'class="step st-fail" data-step="authentication"' in page
    for fmt, marker in (("html", "<html"), ("md", "# "), ("json", '"schema"')):
        d = client.get(r.headers["location"] + f"/report.{fmt}")
        assert d.status_code == 200 and marker in d.text
        assert d.headers["content-disposition"].startswith("attachment; filename=\"smtpdoctor-diagnose-")


def test_wrong_port_names_port_and_the_working_one(client, lab):
    r = start(client, lab.form("wrong-port"))
    page = wait_finished(client, r.headers["location"])
    assert VERDICT_HEADINGS["port"] in page and "port.wrong-port" in page


def test_password_reaches_no_page_stream_report_or_memory(client, lab):
    secret = "Unique-Secret-Pw-5521"
    forms = lab.form("auth-wrong-password", password=secret)
    r = start(client, forms)
    run_url = r.headers["location"]
    assert secret not in run_url
    wait_finished(client, run_url)
    texts = [client.get(run_url).text, client.get(run_url + "/events").text]
    texts += [client.get(run_url + f"/report.{fmt}").text for fmt in ("html", "md", "json", "txt")]
    b64 = base64.b64encode(secret.encode()).decode()
    plain = base64.b64encode(f"\0{forms['user']}\0{secret}".encode()).decode()
    for text in texts:
        assert secret not in text and b64 not in text and plain not in text
    run = client.app.state.runs.get(run_url.rsplit("/", 1)[1])
    assert not any(isinstance(v, Secret) for v in vars(run).values())
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Secret) and o.reveal() == secret]


def test_json_equals_the_cli(client, lab, monkeypatch):
    from click.testing import CliRunner

    from smtpdoctor.cli.app import app as cli

    form = lab.form("auth-wrong-password")
    r = start(client, form)
    wait_finished(client, r.headers["location"])
    web = json.loads(client.get(r.headers["location"] + "/report.json").text)
    monkeypatch.setenv("WEB_TEST_PW", form["password"])
    result = CliRunner().invoke(cli, [
        "diagnose", form["host"], "--port", form["port"], "--security", form["security"], "--user", form["user"],
        "--password-env", "WEB_TEST_PW", "--from", form["mail_from"], "--to", form["rcpt_to"],
        "--timeout", form["timeout"], "--resolver", lab.dns.address, "--ca-file", lab.ca_file, "--dnsbl", LAB_DNSBL[0],
        "--format", "json"])
    assert result.exit_code == 1, result.output
    cli_json = json.loads(result.stdout)
    assert _comparable(web) == _comparable(cli_json)
    assert web["verdict"]["finding"] == "auth.credentials-rejected"


def _comparable(report: dict) -> dict:
    """The report without what differs between two runs: timings, clock times, transcript timing/order."""
    out = json.loads(json.dumps(report))
    out.pop("timings", None)
    out["transcript"] = sorted(_DURATION.sub("<time>", json.dumps({k: v for k, v in line.items() if k != "t"},
                                                                  sort_keys=True))
                               for line in out["transcript"])
    return _drop_clock(out)


_DURATION = re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b")


def _drop_clock(value):
    if isinstance(value, dict):
        return {k: _drop_clock(v) for k, v in value.items() if not k.endswith(("_s", "_ms"))}
    if isinstance(value, list):
        return [_drop_clock(v) for v in value]
    return value


def test_live_events_stream_steps_lines_and_done(client, lab):
    r = start(client, lab.form("auth-wrong-password"))
    stream = client.get(r.headers["location"] + "/events").text  # replays, then ends with the run
    events = [line[7:] for line in stream.splitlines() if line.startswith("event: ")]
    assert events[-1] == "done"
    assert "step" in events and "line" in events
    data = [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: ")]
    assert {"type": "step", "step": "authentication", "status": "fail"} in data
    assert any(d["type"] == "line" and d["text"].startswith("535") for d in data)


def test_double_submit_starts_one_run(client, lab):
    token = csrf_of(client.get("/").text)
    form = {"csrf": token, **lab.form("auth-wrong-password")}
    first = client.post("/diagnose", data=form)
    second = client.post("/diagnose", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    wait_finished(client, first.headers["location"])


def test_concurrent_runs_bounded(lab, config):
    from dataclasses import replace

    with TestClient(create_app(replace(config, max_active=1)), base_url="http://127.0.0.1:8025",
                    follow_redirects=False) as c:
        first = start(c, lab.form("slow-banner", timeout="10"))
        assert first.status_code == 303
        second = start(c, lab.form("auth-wrong-password"))
        assert second.status_code == 503 and "already running" in second.text
        assert 'value="' + lab.hosts["auth-wrong-password"].address + '"' in second.text  # the form is kept
        wait_finished(c, first.headers["location"])
        third = start(c, lab.form("auth-wrong-password"))
        assert third.status_code == 303


def test_download_before_the_end_is_refused(lab, config):
    with TestClient(create_app(config), base_url="http://127.0.0.1:8025", follow_redirects=False) as c:
        r = start(c, lab.form("slow-banner", timeout="10"))
        early = c.get(r.headers["location"] + "/report.json")
        assert early.status_code == 409 and "not finished" in early.text
        assert c.get(r.headers["location"] + "/report.exe").status_code == 404
        wait_finished(c, r.headers["location"])


def test_a_server_that_echoes_the_password_leaks_it_into_no_download(client, lab):
    """The lab's auth-echo server puts the password, its base64 and the AUTH PLAIN blob into its 535."""
    secret = "Echoed-Secret-Pw-7731"
    form = lab.form("auth-echo", password=secret)
    r = start(client, form)
    wait_finished(client, r.headers["location"])
    texts = {fmt: client.get(r.headers["location"] + f"/report.{fmt}").text for fmt in ("html", "md", "json", "txt")}
    report = json.loads(texts["json"])
    assert report["verdict"]["finding"] == "auth.credentials-rejected"
    assert "********" in report["observations"]["auth"]["reply"]  # the echo arrived, masked
    forms = (secret, base64.b64encode(secret.encode()).decode(),
             base64.b64encode(f"\0{form['user']}\0{secret}".encode()).decode())
    for fmt, text in texts.items():
        for f in forms:
            assert f not in text, (fmt, f)
