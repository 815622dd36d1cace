"""What ``explain`` returns: an :class:`Explanation` per reply, a :class:`Recipient` per failed recipient of a
bounce, and an :class:`Explained` per input (a reply text, a file, a message of an mbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any, Mapping

    from .citation import ListingCitation  # made only where a reply cites a block list (judge/citations)

from .category import Category
from .serialize import JsonMixin, js

__all__ = ["Kind", "Classification", "Explanation", "Recipient", "Explained"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification(JsonMixin):
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
    confidence: str = field(default="high", metadata=js(omit=True))  # high | medium | low
    # the blocklist the reply cites (its name, in JSON)
    citation: ListingCitation | None = field(default=None, metadata=js(name="blocklist", convert=lambda c: c.list))
    params: Mapping[str, Any] = field(default_factory=dict, metadata=js(omit=True))  # wording of the finding
    # the provider's bulk-sender rule this reply enforces (knowledge/bulk_senders.toml)
    bulk_rule: str | None = None

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient(JsonMixin):
    """One failed (or reported) recipient of a bounce, with the explanation of its failure."""

    recipient: str
    explanation: Explanation = field(metadata=js(flatten=True))
    action: str = ""  # failed, delayed, delivered, ... ("Action:" of RFC 3464)
    diagnostic: str = ""  # the server's words, unfolded
    remote_mta: str = ""
    command: str = ""  # the SMTP command that was refused: MAIL, RCPT, DATA, ...

    @property
    def domain(self) -> str:
        return self.recipient.rpartition("@")[2].lower()



@dataclass(frozen=True, slots=True, kw_only=True)
class Explained(JsonMixin):
    """The result for one input: its kind and one :class:`Recipient` per failed recipient, in order."""

    source: str
    kind: Kind
    results: tuple[Recipient, ...] = ()
    note: str = field(default="", metadata=js(skip_empty=True))  # why unparsed or not a bounce, in one line

