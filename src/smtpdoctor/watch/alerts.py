"""Alert channels and the delivery of the outbox.

Alerts are rows of the store, each with one delivery row per channel (``log``, ``webhook:N``,
``email``). :func:`deliver_pending` sends what is pending and marks each delivery done right after it
succeeded; a channel that fails keeps its rows pending and is retried on the next round (up to 20
attempts, then ``failed``). After a crash the pending rows are sent by the next run: none is lost. The
one window left is a crash between a channel accepting an alert and the row being marked: that alert
is sent again, with the same id (``smtpdoctor.uid`` in the webhook JSON and its ``Idempotency-Key`` header, the
``Message-ID`` of the e-mail: the database's random id and the alert's number), so a receiver can tell.

- ``webhook``: an HTTP POST of Slack/Mattermost-compatible JSON (``{"text": …}``) plus the alert as
  ``smtpdoctor``; urllib, since one POST needs no client library.
- ``email``: through the user's SMTP server with STARTTLS or implicit TLS and AUTH: the standard
  library's smtplib, which sends a message well; smtpdoctor's own SMTP driver is built to observe a
  server, not to deliver mail.
- ``log``: one line on standard output.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from typing import Callable

from .config import AlertSettings, EmailSettings
from .store import Delivery, Store

__all__ = ["deliver_pending", "send_webhook", "send_email", "log_line", "ICONS"]

ICONS = {"listed": ":no_entry:", "delisted": ":white_check_mark:", "unreachable": ":rotating_light:",
         "verdict-changed": ":warning:", "recovered": ":white_check_mark:", "record-changed": ":pencil2:",
         "cert-expiring": ":hourglass:"}


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def log_line(d: Delivery) -> str:
    return f"smtpdoctor watch: ALERT {d.kind} [{d.target}] {d.title} ({_when(d.at)}, alert {d.alert_id})"


def webhook_body(d: Delivery) -> dict:
    text = f"{ICONS.get(d.kind, ':bell:')} *{d.kind}* `{d.target}`: {d.title}"
    return {"text": text, "username": "smtpdoctor", "smtpdoctor": d.to_json()}


def send_webhook(url: str, d: Delivery, timeout: float = 10.0) -> None:
    import urllib.request

    data = json.dumps(webhook_body(d), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": "smtpdoctor-watch",
                                          "Idempotency-Key": f"smtpdoctor-alert-{d.global_id}"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the user's configured URL
        if not 200 <= resp.status < 300:
            raise OSError(f"the webhook answered HTTP {resp.status}")
        resp.read(65536)


def message_id(d: Delivery, host: str) -> str:
    return f"<smtpdoctor-alert-{d.global_id}@{host}>"


def send_email(cfg: EmailSettings, d: Delivery) -> None:
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formatdate

    msg = EmailMessage()
    msg["From"] = cfg.mail_from
    msg["To"] = ", ".join(cfg.to)
    msg["Subject"] = f"[smtpdoctor] {d.kind}: {d.target}"
    msg["Date"] = formatdate(d.at, usegmt=True)
    msg["Message-ID"] = message_id(d, cfg.mail_from.rsplit("@", 1)[-1])
    msg.set_content(f"{d.title}\n\nTarget: {d.target}\nWhen: {_when(d.at)}\nAlert: {d.alert_id}\n\n"
                    + json.dumps(d.details, indent=2, ensure_ascii=False) + "\n")
    context = ssl.create_default_context(cafile=cfg.ca_file) if cfg.ca_file else ssl.create_default_context()
    if cfg.security == "tls":
        client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    with client:
        client.ehlo()
        if cfg.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if cfg.user and cfg.password:
            client.login(cfg.user, cfg.password.reveal())
        client.send_message(msg)


def _sender(channel: str, settings: AlertSettings, out) -> Callable[[Delivery], None] | None:
    if channel == "log":
        return lambda d: (out.write(log_line(d) + "\n"), out.flush())
    if channel.startswith("webhook:"):
        i = int(channel.split(":", 1)[1])
        if i < len(settings.webhooks):
            url = settings.webhooks[i]
            return lambda d: send_webhook(url, d)
        return None
    if channel == "email" and settings.email is not None:
        cfg = settings.email
        return lambda d: send_email(cfg, d)
    return None


def _error_text(exc: BaseException, settings: AlertSettings) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if settings.email is not None and settings.email.password:
        from ..core.redact import Redactor

        text = Redactor([settings.email.password]).redact(text)
    return text[:300]


async def deliver_pending(store: Store, settings: AlertSettings, *, out=None) -> tuple[int, int]:
    """Send every pending delivery of the configured channels; returns (delivered, failed)."""
    out = out or sys.stdout
    sent = failed = 0
    down: set[str] = set()  # a channel that failed this round is not tried again until the next
    for d in store.pending(settings.channels):
        if d.channel in down:
            continue
        send = _sender(d.channel, settings, out)
        if send is None:
            continue
        try:
            if d.channel == "log":
                send(d)
            else:
                await asyncio.to_thread(send, d)
        except Exception as exc:  # a channel's failure is recorded, never fatal to the watch
            store.mark(d.alert_id, d.channel, delivered=False, error=_error_text(exc, settings))
            down.add(d.channel)
            failed += 1
            print(f"smtpdoctor watch: could not deliver alert {d.alert_id} to {d.channel}: "
                  f"{_error_text(exc, settings)}", file=sys.stderr)
            continue
        store.mark(d.alert_id, d.channel, delivered=True)
        sent += 1
    return sent, failed
