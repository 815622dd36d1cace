"""What ``explain`` returns: an :class:`Explanation` per reply, a :class:`Recipient` per failed recipient of a
bounce, and an :class:`Explained` per input (a reply text, a file, a message of an mbox)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .model import Category

__all__ = ["Kind", "Explanation", "Recipient", "Explained"]


class Kind(StrEnum):
    REPLY = "reply"  # one SMTP reply (or a few lines of one), not a message
    BOUNCE = "bounce"  # a delivery status notification, standard or not
    FEEDBACK = "feedback"  # an ARF abuse / complaint report (RFC 5965)
    AUTOREPLY = "autoreply"  # an out-of-office or other automatic reply (RFC 3834)
    NOT_BOUNCE = "not-bounce"  # a readable message that reports no delivery failure
    UNPARSED = "unparsed"  # unreadable input: empty, binary, too large, broken beyond use


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """The meaning of one SMTP reply or one recipient's failure, and what to do about it."""

    reason: str  # sisimai's vocabulary: userunknown, blocked, authfailure, ...
    category: Category
    status: str  # enhanced status code ("5.7.1"), or sisimai's pseudo code ("5.0.911"), or ""
    replycode: str  # "550", or ""
    provider: str | None  # gmail, microsoft, yahoo, spamhaus, ... when recognised
    summary: str
    remedy: tuple[str, ...] = ()
    help_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "category": str(self.category),
            "status": self.status,
            "replycode": self.replycode,
            "provider": self.provider,
            "summary": self.summary,
            "remedy": list(self.remedy),
            "help_url": self.help_url,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """One failed (or reported) recipient of a bounce, with the explanation of its failure."""

    recipient: str
    explanation: Explanation
    action: str = ""  # failed, delayed, delivered, ... ("Action:" of RFC 3464)
    diagnostic: str = ""  # the server's words, unfolded
    remote_mta: str = ""
    command: str = ""  # the SMTP command that was refused: MAIL, RCPT, DATA, ...

    @property
    def domain(self) -> str:
        return self.recipient.rpartition("@")[2].lower()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recipient": self.recipient}
        out.update(self.explanation.to_json())
        out.update({"action": self.action, "diagnostic": self.diagnostic, "remote_mta": self.remote_mta,
                    "command": self.command})
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Explained:
    """The result for one input: its kind and one :class:`Recipient` per failed recipient, in order."""

    source: str
    kind: Kind
    results: tuple[Recipient, ...] = ()
    note: str = ""  # why a message is unparsed or not a bounce, in one line

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "kind": str(self.kind),
                               "results": [r.to_json() for r in self.results]}
        if self.note:
            out["note"] = self.note
        return out
