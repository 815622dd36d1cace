"""``explain``'s bulk summary over partitions: each worker tallies its partition (the same
:class:`~smtpdoctor.explainer.summary.Tally` as in-process), the driver adds them up in input order; plus
the hard-bounced addresses, for a suppression list.

Hard bounces follow sisimai's rule: the reasons that say the address itself will never take mail
(``userunknown``, ``hostunknown``, ``hasmoved``, ``notaccept``), with a permanent (5.x.x / 5xx) code.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["HARD_REASONS", "hard_bounced", "merge", "Combined"]

HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})


def hard_bounced(e) -> list[str]:
    """The recipients of one :class:`~smtpdoctor.explainer.model.Explained` that bounced hard."""
    out = []
    for r in e.results:
        x = r.explanation
        permanent = x.status.startswith("5") or x.replycode.startswith("5")
        if r.recipient and x.reason in HARD_REASONS and permanent:
            out.append(r.recipient.lower())
    return out


def merge(into, other) -> None:
    """Add ``other`` (a Tally) to ``into``; the unparsed list keeps its first MAX_LISTED in input order."""
    from ..explainer.summary import MAX_LISTED

    into.inputs += other.inputs
    into.results += other.results
    for name in ("kinds", "reasons", "categories", "providers", "domains", "headline"):
        getattr(into, name).update(getattr(other, name))
    room = MAX_LISTED - len(into.unparsed)
    into.unparsed.extend(other.unparsed[:max(0, room)])
    into.unparsed_count += other.unparsed_count


class Combined:
    """The run's summary, fed one partition at a time, in order."""

    def __init__(self) -> None:
        from ..explainer.summary import Tally

        self.tally = Tally()
        self.hard: dict[str, None] = {}  # insertion-ordered set: first bounce first
        self.problems = False

    def add(self, extra) -> None:
        tally, hard, problems = extra
        merge(self.tally, tally)
        self.hard.update(dict.fromkeys(hard))
        self.problems = self.problems or problems

    def write_suppression(self, path, addresses: Iterable[str] | None = None) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for address in addresses if addresses is not None else self.hard:
                fh.write(address + "\n")
