"""E-mail alerts through the real Postfix of the test suite (submission, STARTTLS, AUTH via Dovecot):
the world-changing run again, with e-mail as a channel beside the webhook. Postfix must log exactly one
message per alert (each alert's Message-ID once), and the password never reaches the database."""

from __future__ import annotations

import re

from realservers._proc import wait_until

from .test_world import EXPECTED, change_the_world

ALICE = "alice@smtpdoctor.test"


async def test_one_email_per_change_through_postfix(tmp_path, receiver, postfix, dovecot_sasl, monkeypatch):
    monkeypatch.setenv("ALERT_SMTP_PW", dovecot_sasl.users[ALICE])
    email = f"""
[alerts.email]
host = "127.0.0.1"
port = {postfix.submission_port}
security = "starttls"
user = "{ALICE}"
password_env = "ALERT_SMTP_PW"
from = "{ALICE}"
to = ["bob@smtpdoctor.test"]
ca_file = "{postfix.ca_file}"
"""
    watcher, steps = await change_the_world(tmp_path, webhook=receiver.url, email=email)
    assert [(name, [a["kind"] for a in alerts]) for name, alerts in steps] == EXPECTED
    ids = [a["id"] for _, alerts in steps for a in alerts]
    assert watcher.store.pending(("email",)) == []

    instance = watcher.store.instance

    def logged() -> list[int]:
        found = re.findall(rf"message-id=<smtpdoctor-alert-{instance}-(\d+)@smtpdoctor\.test>", postfix.log_text())
        return [int(x) for x in found]

    assert wait_until(lambda: set(ids) <= set(logged()), 20), (ids, logged())
    assert sorted(logged()) == sorted(ids)  # each alert of this database once, none twice
    assert len(receiver.posts) == len(ids)
    secret = dovecot_sasl.users[ALICE].encode()
    db = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("watch.sqlite3"))
    assert secret not in db
