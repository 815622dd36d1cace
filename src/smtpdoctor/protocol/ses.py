"""Amazon SES event notifications (JSON, delivered by mail through SNS): Bounce, Complaint, Delivery.

Hand-written glue around ``json``: SNS wraps long lines with ``!`` + newline + space, which has to be undone
before the JSON parses.
"""

from __future__ import annotations

import json
import re
from typing import Any
from .compiled import compiled_re

__all__ = ["ses_events", "SesEvent"]

_WRAP = compiled_re(r"!\r?\n ")


class SesEvent:
    __slots__ = ("kind", "recipient", "status", "diagnostic", "action", "remote")

    def __init__(self, kind: str, recipient: str, status: str = "", diagnostic: str = "", action: str = "",
                 remote: str = "") -> None:
        self.kind, self.recipient, self.status = kind, recipient, status
        self.diagnostic, self.action, self.remote = diagnostic, action, remote


def _load(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0 or ("notificationType" not in text and "eventType" not in text):
        return None
    end = text.rfind("}")
    body = _WRAP.sub("", text[start:end + 1]).replace("\r", "")
    for candidate in (body, body.replace("\n ", "").replace("\n", "")):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("Message"), str):  # the SNS envelope
            try:
                data = json.loads(data["Message"])
            except ValueError:
                return None
        return data if isinstance(data, dict) else None
    return None


def ses_events(text: str) -> list[SesEvent]:
    """The recipients an SES notification reports on (empty when ``text`` is not one)."""
    data = _load(text)
    if not data:
        return []
    kind = str(data.get("notificationType") or data.get("eventType") or "")
    out: list[SesEvent] = []
    if kind == "Bounce":
        b = data.get("bounce") or {}
        remote = str(b.get("reportingMTA") or "").partition(";")[2].strip()
        for r in b.get("bouncedRecipients") or ():
            diag = str(r.get("diagnosticCode") or "")
            diag = diag.partition(";")[2].strip() if diag.lower().startswith("smtp;") else diag
            out.append(SesEvent("bounce", str(r.get("emailAddress") or ""), str(r.get("status") or ""), diag,
                                str(r.get("action") or "failed"), remote))
    elif kind == "Complaint":
        for r in (data.get("complaint") or {}).get("complainedRecipients") or ():
            out.append(SesEvent("feedback", str(r.get("emailAddress") or "")))
    elif kind == "Delivery":
        d = data.get("delivery") or {}
        for rcpt in d.get("recipients") or ():
            out.append(SesEvent("delivered", str(rcpt), "", str(d.get("smtpResponse") or ""), "delivered",
                                str(d.get("reportingMTA") or "")))
    return [e for e in out if e.recipient]
