"""The page for a newcomer, in Chromium: help URLs are links, an uploaded mbox gets the CLI's summary tables,
the verdict heading is a plain sentence, this browser's runs are listed, and every page fits 375 px and 1280 px
(screenshots in test-artifacts/web/)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from smtpdoctor.web.pages import VERDICT_HEADINGS

from .test_browser import browser_context, fill_diagnose, page, server, shot  # noqa: F401  (fixtures)

EML = Path(__file__).resolve().parents[1] / "data" / "bounces" / "sisimai" / "eml"
PAGES = ("/", "/explain", "/blacklist", "/domain", "/headers", "/reports", "/history")


def _mbox(path: Path, names: list[str]) -> Path:
    with path.open("wb") as out:
        for name in names:
            out.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
            for line in (EML / name).read_bytes().splitlines(keepends=True):
                out.write(b">" + line if line.startswith(b"From ") else line)
            out.write(b"\n")
    return path


def _cli_by_reason(mbox: Path) -> dict[str, int]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "explain", str(mbox), "--summary"],
                         capture_output=True, text=True, env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}, timeout=120)
    block = out.stdout.split("\nBy reason:\n", 1)[1].split("\n\n", 1)[0]
    return {line.split()[2]: int(line.split()[0]) for line in block.splitlines()}


def test_help_urls_in_remedies_are_links(page, server):  # noqa: F811
    page.goto(server.url + "/explain")
    page.get_by_label("Error message or bounce").fill(
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org")
    page.get_by_role("button", name="Explain").click()
    link = page.locator(".remedy a").first
    link.wait_for()
    assert link.get_attribute("href") == "https://check.spamhaus.org" == link.inner_text()
    assert link.get_attribute("rel") == "noreferrer noopener"
    assert "Look the IP up at https://check.spamhaus.org and follow" in page.locator(".remedy li").first.inner_text()


def test_an_uploaded_mbox_gets_the_cli_summary(page, server, tmp_path):  # noqa: F811
    names = sorted(p.name for p in EML.glob("lhost-*.eml"))[:12]
    mbox = _mbox(tmp_path / "bounces.mbox", names)
    page.goto(server.url + "/explain")
    page.get_by_label("Or a bounce file").set_input_files(str(mbox))
    page.get_by_role("button", name="Explain").click()
    table = page.locator('#summary table[data-by="reason"]')
    table.wait_for()
    rows = table.locator("tbody tr")
    shown = {rows.nth(i).locator("td").nth(2).inner_text(): int(rows.nth(i).locator("td").nth(0).inner_text())
             for i in range(rows.count())}
    assert shown == _cli_by_reason(mbox)
    assert page.locator("#summary p").first.inner_text().startswith(f"{len(names)} inputs")
    shot(page, "explain-mbox-summary")


def test_verdict_heading_is_a_plain_sentence_and_the_history_lists_this_browsers_runs(page, server, lab,  # noqa: F811
                                                                                      browser_context):  # noqa: F811
    browser_context.clear_cookies()  # a fresh browser session: no history yet
    page.goto(server.url + "/")
    assert page.locator(".run-history").count() == 0
    for scenario in ("wrong-port", "auth-wrong-password"):
        page.goto(server.url + "/")
        fill_diagnose(page, lab.form(scenario))
        page.get_by_role("button", name="Run the check").click()
        page.locator(".verdict h2").wait_for()
    heading = page.locator(".verdict h2").inner_text()
    assert heading == VERDICT_HEADINGS["authentication"] and heading.endswith(".") and ":" not in heading
    page.goto(server.url + "/explain")
    items = page.locator(".run-history li")
    assert items.count() == 2
    assert "authentication" in items.nth(0).inner_text() and "port" in items.nth(1).inner_text()  # newest first
    items.nth(1).locator("a").click()
    assert page.locator(".verdict h2").inner_text() == VERDICT_HEADINGS["port"]
    browser_context.clear_cookies()  # another browser session sees none of them
    page.goto(server.url + "/")
    assert page.locator(".run-history").count() == 0


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_phone_and_desktop(browser_context, server, lab, width):  # noqa: F811
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            page.goto(server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            assert page.locator("main h1").first.is_visible()
            name = path.strip("/") or "diagnose"
            assert _png_size(shot(page, f"w{width}-{name}"))[0] == width
        page.goto(server.url + "/")
        fill_diagnose(page, lab.form("auth-wrong-password"))
        page.get_by_role("button", name="Run the check").click()
        page.locator(".verdict h2").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert _png_size(shot(page, f"w{width}-run"))[0] == width
    finally:
        page.close()


def test_a_long_wait_says_what_it_waits_for(page, server, lab):  # noqa: F811
    form = lab.form("slow-banner", timeout="10")  # the greeting comes after 6 s
    page.goto(server.url + "/")
    fill_diagnose(page, form)
    page.get_by_role("button", name="Run the check").click()
    page.wait_for_url("**/runs/*")
    status = page.locator("#run-status")
    status.filter(has_text="no answer yet").wait_for(timeout=15_000)
    text = status.inner_text()
    assert f"waiting for {form['port']}: no answer yet, " in text and " s left" in text
    shot(page, "diagnose-waiting")
    page.locator(".verdict h2").wait_for(timeout=30_000)
