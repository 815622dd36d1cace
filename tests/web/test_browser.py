"""The page in a real browser: Playwright driving Debian's Chromium (headless) against the app under
uvicorn and the lab. Screenshots go to test-artifacts/web/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from smtpdoctor.web.pages import VERDICT_HEADINGS
from smtpdoctor.web import ServeConfig

from .conftest import ARTIFACTS, LAB_DNSBL, LiveServer

CHROMIUM = os.environ.get("SMTPDOCTOR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if os.environ.get("CI") == "true":
    import playwright.sync_api as playwright_sync  # required in CI: an ImportError fails the build
else:
    playwright_sync = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # CI installs it (.ci/run) and must run these; a laptop without it skips
    if os.environ.get("CI") == "true":
        pytest.fail(f"no Chromium at {CHROMIUM}: the browser tests are required in CI", pytrace=False)
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def server(lab):
    live = LiveServer(ServeConfig(resolvers=(lab.dns.address,), ca_file=lab.ca_file, dnsbl_zones=LAB_DNSBL,
                                   max_active=3)).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser_context():
    profile = tempfile.mkdtemp(prefix="smtpdoctor-chromium-")
    downloads = tempfile.mkdtemp(prefix="smtpdoctor-downloads-")
    with playwright_sync.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, accept_downloads=True,
            downloads_path=downloads, viewport={"width": 1100, "height": 900})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
    shutil.rmtree(downloads, ignore_errors=True)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" and not _form_refusal(msg) else None)
    yield page
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _form_refusal(msg) -> bool:
    """A form answered 400/503 on purpose (bad input) is logged by Chromium as a failed resource."""
    return msg.text.startswith("Failed to load resource") and msg.location.get("url", "").endswith("/diagnose")


def shot(page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def fill_diagnose(page, form: dict[str, str]) -> None:
    page.get_by_label("SMTP server").fill(form["host"])
    page.get_by_label("Port", exact=True).fill(form["port"])
    page.get_by_label("Security", exact=True).select_option(form["security"])
    page.get_by_label("User name").fill(form["user"])
    page.get_by_label("Password").fill(form["password"])
    page.get_by_label("From address").fill(form["mail_from"])
    page.get_by_label("To address").fill(form["rcpt_to"])
    if form.get("timeout"):
        page.locator("summary", has_text="More options").click()
        page.get_by_label("Timeout (seconds)").fill(form["timeout"])


def test_wrong_password_verdict_and_report_download(page, server, lab):
    secret = "Browser-Secret-Pw-8841"
    form = lab.form("auth-wrong-password", password=secret)
    page.goto(server.url + "/")
    shot(page, "diagnose-form")
    fill_diagnose(page, form)
    page.get_by_role("button", name="Run the check").click()
    verdict = page.locator(".verdict h2")
    verdict.wait_for()
    assert verdict.inner_text() == VERDICT_HEADINGS["authentication"]
    assert "user name or password" in page.locator(".verdict .summary").inner_text()
    assert page.locator('.step[data-step="authentication"]').get_attribute("class") == "step st-fail"
    assert page.locator('.step[data-step="server-connection"]').get_attribute("class") == "step st-pass"
    assert secret not in page.content() and secret not in page.url
    shot(page, "diagnose-auth-wrong-password")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download HTML").click()
    saved = ARTIFACTS / "report-auth-wrong-password.html"
    info.value.save_as(saved)
    report = saved.read_text(encoding="utf-8")
    assert "auth.credentials-rejected" in report and secret not in report
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Markdown").click()
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert "auth.credentials-rejected" in markdown and secret not in markdown


def test_steps_turn_live_without_reloading(page, server, lab):
    page.goto(server.url + "/")
    fill_diagnose(page, lab.form("slow-banner", timeout="10"))
    page.get_by_role("button", name="Run the check").click()
    page.wait_for_url("**/runs/*")
    page.evaluate("window.__sameDocument = true")
    assert page.locator("#run").get_attribute("data-state") == "running"
    page.locator("#transcript span").first.wait_for()  # lines arrive over server-sent events
    page.locator('.step.st-running, .step.st-pass').first.wait_for()
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not by reloading
    shot(page, "diagnose-running")
    page.locator(".verdict h2").wait_for(timeout=30_000)
    assert page.locator("#run").get_attribute("data-state") == "done"


def test_each_lab_fault_names_its_cause(page, server, lab):
    for name, expected in (("wrong-port", VERDICT_HEADINGS["port"]), ("implicit-tls-on-starttls-port", VERDICT_HEADINGS["client"])):
        page.goto(server.url + "/")
        fill_diagnose(page, lab.form(name))
        page.get_by_role("button", name="Run the check").click()
        page.locator(".verdict h2").wait_for()
        assert page.locator(".verdict h2").inner_text() == expected, name
        assert page.locator(".verdict .remedy li").count() >= 1, name
        shot(page, f"diagnose-{name}")


def test_preset_fills_the_server_fields(page, server):
    page.goto(server.url + "/")
    page.get_by_label("Provider (optional)").select_option("gmail")
    assert page.get_by_label("SMTP server").input_value() == "smtp.gmail.com"
    assert page.get_by_label("Port", exact=True).input_value() == "587"
    assert page.get_by_label("Security", exact=True).input_value() == "starttls"


def test_bad_input_shows_messages_and_keeps_serving(page, server):
    page.goto(server.url + "/")
    page.get_by_label("SMTP server").fill("smtp.example.com")
    page.get_by_label("Port", exact=True).fill("abc")
    page.get_by_label("User name").fill("me@example.com")
    page.get_by_label("Password").fill("Typed-But-Bad-Form-77")
    page.get_by_role("button", name="Run the check").click()
    page.locator("#e-port").wait_for()
    # app.js is deferred: it runs (and moves the cursor) once the page is parsed, which can be after #e-port shows.
    page.wait_for_load_state("domcontentloaded")
    assert "is not a port number" in page.locator("#e-port").inner_text()
    assert page.get_by_label("Port", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Password").input_value() == ""  # never sent back
    assert "type it again" in page.locator(".message").inner_text()
    assert page.evaluate("document.activeElement.id") == "f-port"  # the cursor is where the fix goes
    assert "Typed-But-Bad-Form-77" not in page.content()
    shot(page, "diagnose-bad-port")
    page.get_by_label("SMTP server").fill("")
    page.get_by_label("Port", exact=True).fill("")
    page.get_by_label("Password").fill("")
    page.get_by_label("User name").fill("")
    page.get_by_role("button", name="Run the check").click()
    assert "enter the SMTP server name" in page.locator("#e-host").inner_text()
    page.goto(server.url + "/")
    assert page.get_by_role("button", name="Run the check").is_enabled()


def test_double_click_starts_one_run(page, server, lab):
    before = len(server.app.state.runs._runs)
    page.goto(server.url + "/")
    fill_diagnose(page, lab.form("auth-wrong-password"))
    page.get_by_role("button", name="Run the check").dblclick()
    page.locator(".verdict h2").wait_for()
    assert len(server.app.state.runs._runs) == before + 1


def test_keyboard_only(page, server, lab):
    form = lab.form("wrong-port")
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == "f-host":
            break
    assert "f-host" in focused
    page.keyboard.type(form["host"])
    page.keyboard.press("Tab")
    page.keyboard.type(form["port"])
    page.keyboard.press("Enter")  # submits the form
    page.locator(".verdict h2").wait_for()
    assert page.locator(".verdict h2").inner_text() == VERDICT_HEADINGS["port"]


def test_phone_width(browser_context, server, lab):
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(server.url + "/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "phone-diagnose-form")
        fill_diagnose(page, lab.form("auth-wrong-password"))
        page.get_by_role("button", name="Run the check").click()
        page.locator(".verdict h2").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "phone-diagnose-result")
    finally:
        page.close()


def test_closed_tab_mid_run(browser_context, server, lab, caplog):
    caplog.set_level("WARNING")
    page = browser_context.new_page()
    page.goto(server.url + "/")
    fill_diagnose(page, lab.form("slow-banner", timeout="10"))
    page.get_by_role("button", name="Run the check").click()
    page.wait_for_url("**/runs/*")
    run_url = page.url
    page.close()  # the tab goes away while the server is still waiting for the greeting
    other = browser_context.new_page()
    try:
        other.goto(server.url + "/")
        assert other.get_by_role("button", name="Run the check").is_visible()  # still serving
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                other.goto(run_url)
            except Exception as exc:  # the running page reloads itself when the run ends: a goto racing
                if "ERR_ABORTED" not in str(exc):  # that navigation is aborted; look again
                    raise
                time.sleep(0.5)
                continue
            if other.locator(".verdict h2").count():
                break
            time.sleep(0.5)
        assert other.locator(".verdict h2").count() == 1  # the run finished and its result is there
    finally:
        other.close()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text


SPAMHAUS_REPLY = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"


def test_paste_an_error_and_see_it_explained(page, server):
    page.goto(server.url + "/")
    page.get_by_role("link", name="Explain an error").click()
    page.get_by_label("Error message or bounce").fill(SPAMHAUS_REPLY)
    page.get_by_role("button", name="Explain").click()
    result = page.locator(".explained .verdict").first
    result.wait_for()
    assert "listed by Spamhaus" in result.locator(".summary").inner_text()
    assert "blacklist (blocked)" in result.inner_text()
    shot(page, "explain-reply")


def test_png_as_bounce_file(page, server, tmp_path):
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    page.goto(server.url + "/explain")
    page.get_by_label("Or a bounce file").set_input_files(str(png))
    page.get_by_role("button", name="Explain").click()
    page.locator(".explained").first.wait_for()
    assert "could not be explained: binary data" in page.locator(".explained .message").inner_text()
    shot(page, "explain-png")


def test_blacklist_page(page, server):
    from .conftest import LISTED_IP

    page.goto(server.url + "/blacklist")
    page.get_by_label("IP address or domain").fill(LISTED_IP)
    page.get_by_role("button", name="Check the lists").click()
    heading = page.locator(".verdict h2")
    heading.wait_for()
    assert heading.inner_text() == "Listed on 1 list"
    shot(page, "blacklist-listed")


def test_domain_page(page, server):
    page.goto(server.url + "/domain")
    page.get_by_label("Domain (required)").fill("lab.test")
    page.get_by_role("button", name="Check the domain").click()
    page.locator("table").first.wait_for()
    assert page.locator(".verdict h2").inner_text().endswith("to fix")
    assert page.locator(".finding", has_text="no DKIM key").count() == 1
    shot(page, "domain-lab-test")


def test_newcomer_on_the_lab(browser_context):
    """``serve --lab``: pick a broken server, run, read the cause: no docs needed."""
    live = LiveServer(ServeConfig(lab=True)).start()
    page = browser_context.new_page()
    try:
        page.goto(live.url + "/")
        page.get_by_label("Lab scenario").select_option("auth-app-password-required")
        page.get_by_role("button", name="Diagnose this lab server").click()
        page.locator(".verdict h2").wait_for()
        assert page.locator(".verdict h2").inner_text() == VERDICT_HEADINGS["authentication"]
        assert "smtpdoctor named it." in page.locator(".lab-note").inner_text()
        shot(page, "lab-auth-app-password-required")
    finally:
        page.close()
        live.stop()


def test_watch_history_page_at_phone_width(browser_context, lab, tmp_path):
    """The history of a watched address, read in Chromium at 375 px: the plot, the alert, no sideways scroll."""
    import io

    from smtpdoctor.watch import Watcher, open_store, parse_config

    from .conftest import LISTED_IP

    db = str(tmp_path / "watch.sqlite3")
    config = parse_config(f'[watch]\nresolvers = ["{lab.dns.address}"]\ndnsbl = ["{LAB_DNSBL[0]}"]\n'
                          f'[[blocklist]]\ntarget = "{LISTED_IP}"\n')
    watcher = Watcher(config, open_store(db), out=io.StringIO())
    for _ in range(3):  # on the lab's loop: Playwright's own loop runs in this thread
        lab.call(watcher.run_once())
    watcher.store.close()
    live = LiveServer(ServeConfig(watch_db=db)).start()
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 375, "height": 812})
        page.goto(live.url + "/history")
        page.get_by_role("link", name=LISTED_IP).click()
        page.locator("figure.timeline svg").wait_for()
        assert page.locator("circle.result").count() == 3
        assert page.locator("ul.alerts li").first.inner_text().startswith("listed")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = page.locator("figure.timeline svg").bounding_box()
        assert box is not None and box["width"] <= 375
        shot(page, "phone-watch-history")
    finally:
        page.close()
        live.stop()
