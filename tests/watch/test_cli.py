"""``watch --once``, ``history`` and the metrics, end to end against the lab; secrets never in the database."""

from __future__ import annotations

import base64
import json
import urllib.request

from click.testing import CliRunner

from smtpdoctor.cli.app import build_app
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.faults import LAB_USER, Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.watch import Watcher, open_store, parse_config
from smtpdoctor.watch.metrics import serve_watch_metrics
from smtpdoctor.watch.probe import ProbeServer

from .conftest import SENDING_IP, listing_name, world_zone

PASSWORD = "Watch-Pa55word!"


def _config(dns: str, smtp: LabSmtpServer, echo: LabSmtpServer | None = None) -> str:
    extra = "" if echo is None else f"""
[[submission]]
name = "echo"
host = "127.0.0.1"
port = {echo.port}
security = "starttls"
user = "{LAB_USER}"
password_env = "WATCH_TEST_PW"
from = "{LAB_USER}"
to = "someone@example.net"
ports = []
ca_file = "{echo.ca_file}"
"""
    return f"""
[watch]
resolvers = ["{dns}"]
dnsbl = ["bl.lab.test"]
timeout = 2
[[submission]]
name = "lab"
host = "127.0.0.1"
port = {smtp.port}
security = "starttls"
user = "{LAB_USER}"
password_env = "WATCH_TEST_PW"
from = "{LAB_USER}"
to = "someone@example.net"
ports = []
ca_file = "{smtp.ca_file}"
{extra}
[[domain]]
name = "lab.test"
ip = "{SENDING_IP}"
dkim_selectors = ["s1"]
[[blocklist]]
target = "{SENDING_IP}"
"""


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """The real console entry point: usage errors are one line on stderr and exit 2."""
    import sys

    import pytest

    from smtpdoctor.cli.app import main

    monkeypatch.setattr(sys, "argv", ["smtpdoctor", *args])
    with pytest.raises(SystemExit) as info:
        main()
    return info.value.code, capsys.readouterr().err


def test_watch_once_then_history_and_no_secret_in_the_database_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WATCH_TEST_PW", PASSWORD)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    zone = world_zone()
    smtp = LabSmtpServer([Fault.starttls(), Fault.auth(users={LAB_USER: PASSWORD}, mechanisms=("PLAIN",), tls_only=True)])
    # a server that echoes the whole AUTH exchange, decoded password included, into its 535 reply
    echo = LabSmtpServer([Fault.starttls(), Fault.auth(users={LAB_USER: PASSWORD}, mechanisms=("PLAIN",),
                                                       tls_only=True), Fault.auth_echo()])
    with in_background(LabDnsServer(zone), smtp, echo) as (dns, _, _e):
        cfg = tmp_path / "watch.toml"
        cfg.write_text(_config(dns.address, smtp, echo))
        app = build_app()
        first = CliRunner().invoke(app, ["watch", str(cfg), "--once"])
        assert first.exit_code == 0, first.output
        assert "submission:echo: ok" in first.stderr  # the login works; the server echoes it anyway
        dns.set(listing_name(), {"A": ["127.0.0.2"]})
        second = CliRunner().invoke(app, ["watch", str(cfg), "--once"])
        assert second.exit_code == 1  # a listing is a problem found
        assert "ALERT listed [192.0.2.9]" in second.stdout
    assert any(a.success for s in smtp.sessions for a in s.auth_attempts)  # the password was really sent
    assert any(PASSWORD.encode() in s.sent for s in echo.sessions)  # and really echoed back
    db = tmp_path / "xdg" / "smtpdoctor" / "watch.sqlite3"  # the default place honours XDG_DATA_HOME
    assert db.exists()
    stored = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith("watch.sqlite3"))
    plain = base64.b64encode(f"\0{LAB_USER}\0{PASSWORD}".encode())
    for form in (PASSWORD.encode(), base64.b64encode(PASSWORD.encode()), plain, plain.rstrip(b"="),
                 base64.b64encode(f"{LAB_USER}\0{LAB_USER}\0{PASSWORD}".encode())):
        assert form not in stored, form
    assert b"AUTH PLAIN ********" in stored  # the transcript is stored, redacted

    text = CliRunner().invoke(app, ["history", SENDING_IP])
    assert text.exit_code == 0
    assert "blacklist (dnsbl.listed)" in text.stdout and "ALERT listed" in text.stdout
    js = CliRunner().invoke(app, ["history", "blocklist:" + SENDING_IP, "--format", "json", "--all"])
    rows = [json.loads(line) for line in js.stdout.splitlines()]
    assert [r["verdict"]["category"] for r in rows] == ["ok", "blacklist"]
    assert rows[1]["changes"][0]["fact"] == f"listed:{SENDING_IP}@bl.lab.test"
    assert rows[1]["alerts"][0]["kind"] == "listed"
    code, err = _main(monkeypatch, capsys, "history", "nothing.example")
    assert code == 2 and err.count("\n") == 1 and "known targets: 192.0.2.9, lab.test, echo, lab" in err


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_watch_metrics_in_blackbox_names(tmp_path):
    zone = world_zone()
    zone[listing_name()] = {"A": ["127.0.0.2"]}
    async with LabDnsServer(zone) as dns, LabSmtpServer([Fault.starttls(cert="expired")]) as smtp:
        text = _config(dns.address, smtp).replace('password_env = "WATCH_TEST_PW"\n', "").replace(f'user = "{LAB_USER}"\n', "")
        watcher = Watcher(parse_config(text), open_store(str(tmp_path / "db")))
        await watcher.run_once()
        server, thread = serve_watch_metrics(watcher, "127.0.0.1", 0)
        try:
            import asyncio
            status, body = await asyncio.to_thread(_get, f"http://127.0.0.1:{server.server_address[1]}/metrics")
        finally:
            server.shutdown()
    assert status == 200
    assert 'probe_success{module="submission",target="lab"} 0.0' in body
    assert 'smtpdoctor_verdict{category="connection",finding="tls.certificate-expired",module="submission",target="lab"} 1.0' in body
    assert 'probe_ssl_earliest_cert_expiry{module="submission",target="lab"}' in body  # even though it failed
    assert 'smtpdoctor_dnsbl_listed{module="blocklist",target="192.0.2.9",zone="bl.lab.test"} 1.0' in body
    assert 'smtpdoctor_dmarc_policy{module="domain",policy="reject",target="lab.test"} 1.0' in body
    assert 'smtpdoctor_spf_lookups{module="domain",target="lab.test"} 1.0' in body
    assert 'probe_step_duration_seconds{module="submission",step="session",target="lab"}' in body


def test_serve_metrics_probe_runs_one_fresh_check():
    from smtpdoctor.watch.config import WatchConfig

    zone = world_zone()
    with in_background(LabDnsServer(zone)) as (dns,):
        config = WatchConfig(targets=(), resolvers=(dns.address,), dnsbl=("bl.lab.test",), timeout=2)
        server = ProbeServer(config, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{server.address[1]}"
        try:
            ok = _get(f"{base}/probe?target={SENDING_IP}&module=blocklist")
            dns.set(listing_name(), {"A": ["127.0.0.2"]})
            listed = _get(f"{base}/probe?target={SENDING_IP}&module=blocklist")
            domain = _get(f"{base}/probe?target=lab.test&module=domain")
            bad = _get(f"{base}/probe?target=x&module=icmp")
        finally:
            server.stop()
    assert ok[0] == 200 and 'probe_success{module="blocklist",target="192.0.2.9"} 1.0' in ok[1]
    assert 'smtpdoctor_dnsbl_listed{module="blocklist",target="192.0.2.9",zone="bl.lab.test"} 1.0' in listed[1]
    assert 'smtpdoctor_dmarc_policy{module="domain",policy="reject",target="lab.test"} 1.0' in domain[1]
    assert bad[0] == 400 and "unknown module" in bad[1]


def test_history_without_a_database_says_so_and_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    code, err = _main(monkeypatch, capsys, "history", "example.com")
    assert code == 2 and "no watch history at" in err and err.count("\n") == 1
    assert not (tmp_path / "smtpdoctor").exists()
