"""``smtpdoctor watch`` as a real process: kill -9 during a run, then a restart (issue 18, "Done when":
no duplicate alerts, no lost rows); and ``--metrics`` served while it runs, then a clean SIGTERM stop.

The watch runs as a real process (``smtpdoctor watch``) over 20 listed addresses on the lab's DNS.
The webhook receiver holds the 5th alert's POST unanswered; while it is held (a delivery in flight and
checks still running), the test kills the watch with SIGKILL. A second ``watch --once`` must then
deliver every alert that was not acknowledged, each exactly once, and raise no alert a second time;
every row stored before the kill must still be there.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.world import lab_zone

from .conftest import Receiver, listing_name

SRC = str(Path(__file__).resolve().parents[2] / "src")
ADDRESSES = [f"192.0.2.{i}" for i in range(1, 21)]


def _config(tmp_path: Path, dns: str, hook: str) -> Path:
    lines = [f'[watch]\nresolvers = ["{dns}"]\ndnsbl = ["bl.lab.test"]\ntimeout = 2\nconcurrency = 4\n',
             f'[alerts]\nlog = true\nwebhook = "{hook}"\n']
    lines += [f'[[blocklist]]\ntarget = "{ip}"\nevery = "1h"\n' for ip in ADDRESSES]
    path = tmp_path / "watch.toml"
    path.write_text("\n".join(lines))
    return path


def _watch(config: Path, db: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.Popen([sys.executable, "-m", "smtpdoctor.cli.app", "watch", str(config), "--db", str(db), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _rows(db: Path) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {"results": {r[0]: r[1:] for r in conn.execute("SELECT id, target_id, at, report FROM results")},
                "alerts": {r[0]: r[1:] for r in conn.execute("SELECT id, target_id, kind FROM alerts")},
                "delivered": {r[0] for r in conn.execute(
                    "SELECT alert_id FROM deliveries WHERE channel = 'webhook:0' AND state = 'delivered'")},
                "logged": {r[0] for r in conn.execute(
                    "SELECT alert_id FROM deliveries WHERE channel = 'log' AND state = 'delivered'")}}
    finally:
        conn.close()


def test_kill_9_mid_run_loses_nothing_and_repeats_nothing(tmp_path):
    zone = lab_zone()
    for ip in ADDRESSES:
        zone[listing_name(ip)] = {"A": ["127.0.0.2"]}
    receiver = Receiver(hold_at=5)
    db = tmp_path / "watch.sqlite3"
    try:
        with in_background(LabDnsServer(zone, delay=0.02)) as (dns,):
            config = _config(tmp_path, dns.address, receiver.url)
            proc = _watch(config, db)
            try:
                assert receiver.holding.wait(60), proc.stderr.read1(4000) if proc.poll() is not None else "no POST held"
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
                receiver.release.set()
            before = _rows(db)
            assert 4 <= len(before["results"]) < len(ADDRESSES) + 1  # killed mid-run, something stored
            assert len(receiver.posts) == 4
            again = _watch(config, db, "--once")
            out, err = again.communicate(timeout=120)
            assert again.returncode == 1, err.decode()  # every address is listed: problems found
        after = _rows(db)
    finally:
        receiver.close()
    # no stored row lost, none changed
    assert all(after["results"].get(i) == row for i, row in before["results"].items())
    assert len(after["results"]) == len(before["results"]) + len(ADDRESSES)
    # one "listed" alert per address, never a second one for the same listing
    per_target: dict[int, list[str]] = {}
    for target_id, kind in after["alerts"].values():
        per_target.setdefault(target_id, []).append(kind)
    assert sorted(per_target.values()) == [["listed"]] * len(ADDRESSES)
    # every alert reached the webhook exactly once (the held one was re-sent: it was never acknowledged)
    received = [p["smtpdoctor"]["id"] for p in receiver.posts]
    assert sorted(received) == sorted(after["alerts"]) and len(set(received)) == len(received)
    assert after["delivered"] == set(after["alerts"])
    # the log channel has its own outbox rows: the second run printed exactly those not printed before
    assert out.decode().count("ALERT listed") == len(ADDRESSES) - len(before["logged"])
    assert after["logged"] == set(after["alerts"])


def test_watch_serves_metrics_and_stops_cleanly_on_sigterm(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    zone = lab_zone()
    zone[listing_name(ADDRESSES[0])] = {"A": ["127.0.0.2"]}
    receiver = Receiver()
    db = tmp_path / "watch.sqlite3"
    try:
        with in_background(LabDnsServer(zone)) as (dns,):
            proc = _watch(_config(tmp_path, dns.address, receiver.url), db, "--metrics", f"127.0.0.1:{port}")
            try:
                body = ""
                deadline = time.monotonic() + 60
                while "smtpdoctor_dnsbl_listed" not in body or body.count("probe_success{") < len(ADDRESSES):
                    assert time.monotonic() < deadline and proc.poll() is None, body[-500:]
                    time.sleep(0.2)
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
                            body = resp.read().decode()
                    except OSError:
                        continue
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(30) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
    finally:
        receiver.close()
    assert f'smtpdoctor_dnsbl_listed{{module="blocklist",target="{ADDRESSES[0]}",zone="bl.lab.test"}} 1.0' in body
    assert f'probe_success{{module="blocklist",target="{ADDRESSES[1]}"}} 1.0' in body
    assert _rows(db)["delivered"] == {1}  # the one listing, alerted once
