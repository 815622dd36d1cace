"""What ``explain`` returns: an :class:`Explanation` per reply, a :class:`Recipient` per failed recipient of a
bounce, and an :class:`Explained` per input (a reply text, a file, a message of an mbox)."""

from __future__ import annotations

from enum import StrEnum
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any, Mapping

    from .citation import ListingCitation  # made only where a reply cites a block list (judge/citations)

from .category import Category
from .record import _SET, Record
from .serialize import JsonMixin, js

__all__ = ["Kind", "Classification", "Explanation", "Recipient", "Explained"]


class Classification(JsonMixin, Record):  # a Record, not a dataclass: see core.record (issue 16)
    """What one reply (or one recipient's failure in a bounce) means, and what to do about it."""

    __slots__ = ("reason", "category", "status", "replycode", "provider", "summary", "remedy", "help_url", "finding",
                 "retryable", "confidence", "citation", "params", "bulk_rule")
    _json = {"confidence": js(omit=True), "citation": js(name="blocklist", convert=lambda c: c.list),
             "params": js(omit=True)}

    def __init__(self, *,
                 reason: str,  # sisimai's vocabulary: userunknown, blocked, authfailure, ...
                 category: Category,
                 status: str,  # enhanced status code ("5.7.1"), or sisimai's pseudo code ("5.0.911"), or ""
                 replycode: str,  # "550", or ""
                 provider: str | None,  # gmail, microsoft, yahoo, spamhaus, ... (the ids of knowledge/replies.toml)
                 summary: str,
                 remedy: tuple[str, ...] = (),
                 help_url: str | None = None,
                 finding: str | None = None,  # the catalogue finding id (always at a known phase)
                 retryable: bool = False,  # transient: retry later rather than change settings
                 confidence: str = "high",  # high | medium | low (not in JSON)
                 citation: ListingCitation | None = None,  # the blocklist the reply cites (its name, in JSON)
                 params: Mapping[str, Any] | None = None,  # wording of the finding (not in JSON; None: {})
                 bulk_rule: str | None = None,  # the provider's bulk-sender rule it enforces (bulk_senders.toml)
                 ) -> None:
        _SET(self, "reason", reason)
        _SET(self, "category", category)
        _SET(self, "status", status)
        _SET(self, "replycode", replycode)
        _SET(self, "provider", provider)
        _SET(self, "summary", summary)
        _SET(self, "remedy", remedy)
        _SET(self, "help_url", help_url)
        _SET(self, "finding", finding)
        _SET(self, "retryable", retryable)
        _SET(self, "confidence", confidence)
        _SET(self, "citation", citation)
        _SET(self, "params", {} if params is None else params)
        _SET(self, "bulk_rule", bulk_rule)

    @property
    def ok(self) -> bool:
        return self.finding in ("auth.ok", "envelope.ok") or self.reason == "delivered"

    @property
    def key(self) -> tuple:
        """What must agree wherever the same reply at the same phase is read."""
        return (self.reason, str(self.category), self.finding, self.retryable, self.provider, self.status,
                self.replycode, self.citation.list if self.citation else None)




# The meaning of one SMTP reply or one recipient's failure: the one classifier's result.
Explanation = Classification


class Kind(StrEnum):
    REPLY = "reply"  # one SMTP reply (or a few lines of one), not a message
    BOUNCE = "bounce"  # a delivery status notification, standard or not
    FEEDBACK = "feedback"  # an ARF abuse / complaint report (RFC 5965)
    AUTOREPLY = "autoreply"  # an out-of-office or other automatic reply (RFC 3834)
    NOT_BOUNCE = "not-bounce"  # a readable message that reports no delivery failure
    UNPARSED = "unparsed"  # unreadable input: empty, binary, too large, broken beyond use


class Recipient(JsonMixin, Record):
    """One failed (or reported) recipient of a bounce, with the explanation of its failure."""

    __slots__ = ("recipient", "explanation", "action", "diagnostic", "remote_mta", "command")
    _json = {"explanation": js(flatten=True)}

    def __init__(self, *, recipient: str, explanation: Explanation,
                 action: str = "",  # failed, delayed, delivered, ... ("Action:" of RFC 3464)
                 diagnostic: str = "",  # the server's words, unfolded
                 remote_mta: str = "",
                 command: str = "",  # the SMTP command that was refused: MAIL, RCPT, DATA, ...
                 ) -> None:
        _SET(self, "recipient", recipient)
        _SET(self, "explanation", explanation)
        _SET(self, "action", action)
        _SET(self, "diagnostic", diagnostic)
        _SET(self, "remote_mta", remote_mta)
        _SET(self, "command", command)

    @property
    def domain(self) -> str:
        return self.recipient.rpartition("@")[2].lower()



class Explained(JsonMixin, Record):
    """The result for one input: its kind and one :class:`Recipient` per failed recipient, in order."""

    __slots__ = ("source", "kind", "results", "note")
    _json = {"note": js(skip_empty=True)}

    def __init__(self, *, source: str, kind: Kind, results: tuple[Recipient, ...] = (),
                 note: str = "",  # why unparsed or not a bounce, in one line
                 ) -> None:
        _SET(self, "source", source)
        _SET(self, "kind", kind)
        _SET(self, "results", results)
        _SET(self, "note", note)
