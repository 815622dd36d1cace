"""The Watch history page: the targets a watch stored, one target's timeline plot, changes and alerts."""

from __future__ import annotations

import asyncio
import io

import pytest
from starlette.testclient import TestClient

from smtpdoctor.watch import Watcher, open_store, parse_config
from smtpdoctor.web import ServeConfig, create_app
from smtpdoctor.web.history_views import timeline_svg

from .conftest import LAB_DNSBL, LISTED_IP


@pytest.fixture
def watch_db(lab, tmp_path) -> str:
    """A watch database filled by a real watch over the web tests' lab DNS: two runs of two targets."""
    db = str(tmp_path / "watch.sqlite3")
    config = parse_config(f'[watch]\nresolvers = ["{lab.dns.address}"]\ndnsbl = ["{LAB_DNSBL[0]}"]\n'
                          f'[alerts]\nlog = true\n[[blocklist]]\ntarget = "{LISTED_IP}"\n'
                          '[[domain]]\nname = "lab.test"\n')
    watcher = Watcher(config, open_store(db), out=io.StringIO())
    asyncio.run(watcher.run_once())
    asyncio.run(watcher.run_once())
    watcher.store.close()
    return db


def _client(config: ServeConfig) -> TestClient:
    return TestClient(create_app(config), base_url="http://127.0.0.1:8025", follow_redirects=False)


def test_index_lists_targets_with_their_verdict(watch_db):
    with _client(ServeConfig(watch_db=watch_db)) as client:
        page = client.get("/history")
    assert page.status_code == 200
    assert f'href="/history/blocklist%3A{LISTED_IP}"' in page.text
    assert "<strong>blacklist</strong> <code>dnsbl.listed</code>" in page.text
    assert 'aria-current="page">Watch history' in page.text


def test_target_page_plots_the_timeline_and_lists_alerts(watch_db):
    with _client(ServeConfig(watch_db=watch_db)) as client:
        page = client.get(f"/history/blocklist:{LISTED_IP}")
        missing = client.get("/history/domain:nothing.example")
    assert page.status_code == 200
    assert page.text.count('<circle class="result"') == 2
    assert page.text.count('<rect class="listing"') == 2
    assert f"{LISTED_IP} is listed on {LAB_DNSBL[0]}" in page.text  # the alert
    assert missing.status_code == 404


def test_no_database_yet_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with _client(ServeConfig()) as client:
        page = client.get("/history")
    assert page.status_code == 200 and "No watch history yet" in page.text
    assert not (tmp_path / "smtpdoctor").exists()  # the page never creates a database


def test_plot_coordinates_stay_in_the_box():
    results = [{"at": 1000.0 + i * 60, "duration_s": d, "verdict": {"category": c, "finding": None},
                "facts": {"listed:192.0.2.1@x": "127.0.0.2"} if c == "blacklist" else {}}
               for i, (d, c) in enumerate([(0.1, "ok"), (2.0, "blacklist"), (0.5, "ok")])]
    plot = timeline_svg(results)
    assert [d["colour"] for d in plot["dots"]] == ["#1a7f37", "#8250df", "#1a7f37"]
    assert all(28 <= d["x"] <= 572 and 28 <= d["y"] <= 152 for d in plot["dots"])
    assert plot["dots"][1]["y"] == 28 and len(plot["bars"]) == 1
