"""What ``explain`` returns: an :class:`Explanation` per reply, a :class:`Recipient` per failed recipient of a
bounce, and an :class:`Explained` per input (a reply text, a file, a message of an mbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from typing import Mapping

from .model import Category

__all__ = ["Kind", "Classification", "Explanation", "ListingCitation", "Recipient", "Explained"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingCitation:
    list: str  # what to call it: "Spamhaus ZEN", "Microsoft (Outlook.com / Office 365) block list"
    zone: str | None  # the zone cited or meant (zen.spamhaus.org), None for lists that are not DNS zones
    address: str | None  # the IP address the reply names, when it names one
    delist: str | None
    advice: str  # what to do first
    matched: str  # the part of the reply that cites the list
    known: bool  # the list is in smtpdoctor's catalogue (or a known non-DNS list)
    retired: str | None = None  # the cited zone is known dead: why

    def to_json(self) -> dict:
        return {"list": self.list, "zone": self.zone, "address": self.address, "delist": self.delist,
                "advice": self.advice, "matched": self.matched, "known": self.known, "retired": self.retired}



@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """What one reply (or one recipient's failure in a bounce) means, and what to do about it."""

    reason: str  # sisimai's vocabulary: userunknown, blocked, authfailure, ...
    category: Category
    status: str  # enhanced status code ("5.7.1"), or sisimai's pseudo code ("5.0.911"), or ""
    replycode: str  # "550", or ""
    provider: str | None  # gmail, microsoft, yahoo, spamhaus, ... (the ids of knowledge/replies.toml)
    summary: str
    remedy: tuple[str, ...] = ()
    help_url: str | None = None
    finding: str | None = None  # the catalogue finding id (always at a known phase)
    retryable: bool = False  # transient: retry later rather than change settings
    confidence: str = "high"  # high | medium | low
    citation: ListingCitation | None = None  # the blocklist the reply cites
    params: Mapping[str, Any] = field(default_factory=dict)  # wording of the finding
    bulk_rule: str | None = None  # the provider's bulk-sender rule this reply enforces (knowledge/bulk_senders.toml)

    @property
    def ok(self) -> bool:
        return self.finding in ("auth.ok", "envelope.ok") or self.reason == "delivered"

    @property
    def key(self) -> tuple:
        """What must agree wherever the same reply at the same phase is read."""
        return (self.reason, str(self.category), self.finding, self.retryable, self.provider, self.status,
                self.replycode, self.citation.list if self.citation else None)

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
            "finding": self.finding,
            "retryable": self.retryable,
            "blocklist": self.citation.list if self.citation else None,
            "bulk_rule": self.bulk_rule,
        }



# The meaning of one SMTP reply or one recipient's failure: the one classifier's result.
Explanation = Classification


class Kind(StrEnum):
    REPLY = "reply"  # one SMTP reply (or a few lines of one), not a message
    BOUNCE = "bounce"  # a delivery status notification, standard or not
    FEEDBACK = "feedback"  # an ARF abuse / complaint report (RFC 5965)
    AUTOREPLY = "autoreply"  # an out-of-office or other automatic reply (RFC 3834)
    NOT_BOUNCE = "not-bounce"  # a readable message that reports no delivery failure
    UNPARSED = "unparsed"  # unreadable input: empty, binary, too large, broken beyond use


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
