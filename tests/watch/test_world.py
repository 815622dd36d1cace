"""A watch over the lab's servers and DNS while the test changes the world (issue 18, "Done when").

The watcher runs the real engines against the lab's SMTP server and DNS server; between runs the test
adds a blocklist listing, removes an SPF include, stops the server, swaps in an expiring certificate,
and puts each back. Each change must raise exactly one alert on the webhook receiver, then its recovery.
"""

from __future__ import annotations

import os
from pathlib import Path

from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.watch import Watcher, open_store, parse_config

from .conftest import ESP_INCLUDE, SENDING_IP, SPF_BROKEN, SPF_GOOD, listing_name, world_zone

PASSWORD_ENV = "SMTPDOCTOR_TEST_WATCH_PW"


def server(port: int = 0, cert: str = "valid") -> LabSmtpServer:
    return LabSmtpServer([Fault.starttls(cert=cert), Fault.auth(tls_only=True)], port=port)


def config_text(dns: str, smtp: LabSmtpServer, *, webhook: str | None = None, email: str = "",
                unreachable_after: int = 2) -> str:
    hook = f'webhook = "{webhook}"' if webhook else ""
    return f"""
[watch]
resolvers = ["{dns}"]
dnsbl = ["bl.lab.test"]
timeout = 2

[alerts]
log = true
{hook}
cert_days = 14
unreachable_after = {unreachable_after}
{email}

[[submission]]
name = "lab-submission"
host = "127.0.0.1"
port = {smtp.port}
security = "starttls"
user = "{LAB_USER}"
password_env = "{PASSWORD_ENV}"
from = "{LAB_USER}"
to = "someone@example.net"
ports = []
ca_file = "{smtp.ca_file}"
dkim_selectors = ["s1"]

[[domain]]
name = "lab.test"
ip = "{SENDING_IP}"
dkim_selectors = ["s1"]

[[blocklist]]
target = "{SENDING_IP}"
"""


async def change_the_world(tmp_path: Path, *, webhook: str | None, email: str = "") -> tuple[Watcher, list]:
    """Run the watch through every change; returns the watcher and the new alerts of each step."""
    os.environ[PASSWORD_ENV] = LAB_PASSWORD
    steps: list[tuple[str, list]] = []
    async with LabDnsServer(world_zone()) as dns:
        smtp = await server().start()
        port = smtp.port
        config = parse_config(config_text(dns.address, smtp, webhook=webhook, email=email))
        store = open_store(str(tmp_path / "watch.sqlite3"))
        out = open(tmp_path / "log.txt", "w")
        watcher = Watcher(config, store, out=out)
        seen = 0

        async def step(name: str) -> None:
            nonlocal seen
            await watcher.run_once()
            alerts = store.alerts()
            steps.append((name, alerts[seen:]))
            seen = len(alerts)

        try:
            await step("baseline")
            dns.set(listing_name(), {"A": ["127.0.0.2"], "TXT": ["listed by the test"]})
            await step("listed")
            records = dict(world_zone()["lab.test"], TXT=[SPF_BROKEN])
            dns.set("lab.test", records)
            await step("spf broken")
            await smtp.stop()
            await step("server stopped, first run")
            await step("server stopped, second run")
            smtp = await server(port).start()
            await step("server back")
            await smtp.stop()
            smtp = await server(port, cert="expiring-soon").start()
            await step("expiring certificate")
            await step("expiring certificate, again")
            await smtp.stop()
            smtp = await server(port).start()
            await step("certificate renewed")
            dns.set("lab.test", dict(world_zone()["lab.test"], TXT=[SPF_GOOD]))
            await step("spf fixed")
            dkim = "s1._domainkey.lab.test"
            key = world_zone()[dkim]
            dns.set(dkim, "TIMEOUT")  # a lookup that fails says nothing about the record
            await step("DKIM lookup times out")
            dns.set(dkim, key)
            await step("DKIM answers again")
            dns.set(listing_name(), {})
            await step("delisted")
            await step("nothing changed")
        finally:
            await smtp.stop()
            out.close()
    return watcher, steps


EXPECTED = [
    ("baseline", []),
    ("listed", ["listed"]),
    ("spf broken", ["verdict-changed"]),
    ("server stopped, first run", []),
    ("server stopped, second run", ["unreachable"]),
    ("server back", ["recovered"]),
    ("expiring certificate", ["cert-expiring"]),
    ("expiring certificate, again", []),
    ("certificate renewed", ["recovered"]),
    ("spf fixed", ["recovered"]),
    ("DKIM lookup times out", []),
    ("DKIM answers again", []),
    ("delisted", ["delisted"]),
    ("nothing changed", []),
]


async def test_one_alert_per_change_then_recovery(tmp_path, receiver):
    watcher, steps = await change_the_world(tmp_path, webhook=receiver.url)
    assert [(name, [a["kind"] for a in alerts]) for name, alerts in steps] == EXPECTED
    by_step = dict(steps)
    spf = by_step["spf broken"][0]
    assert spf["target"] == "lab.test"
    assert f"the SPF include `{ESP_INCLUDE}` was removed between" in spf["title"]
    assert spf["details"]["cause"]["change"]["fact"] == f"spf.include:{ESP_INCLUDE}"
    assert by_step["listed"][0]["details"]["zone"] == "bl.lab.test"
    assert "expires in" in by_step["expiring certificate"][0]["title"]
    # the timed-out lookup was seen (and stored) as a failure, not as a removed key
    domain_id = next(tid for tid, key, _, _ in watcher.store.targets() if key == "domain:lab.test")
    timed_out = watcher.store.results(domain_id, with_report=True)[-4]  # then: answers again, delisted, nothing
    assert "dkim.lookup-failed" in [f["id"] for f in timed_out["report"]["findings"]]
    assert "dkim.s1" in timed_out["facts"]
    # the webhook got each alert exactly once, in order, Slack/Mattermost-shaped
    stored = [a for _, alerts in steps for a in alerts]
    assert [p["smtpdoctor"]["id"] for p in receiver.posts] == [a["id"] for a in stored]
    assert all(p["text"] and p["username"] == "smtpdoctor" for p in receiver.posts)
    # and the log channel printed each once
    log = (tmp_path / "log.txt").read_text()
    assert log.count("ALERT ") == len(stored)
    assert watcher.store.count("results") == 3 * len(EXPECTED)
    assert watcher.store.pending(watcher.config.alerts.channels) == []
