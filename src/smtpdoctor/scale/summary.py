"""``explain``'s bulk summary over partitions: each worker tallies its partition (the same
:class:`~smtpdoctor.report.explain_summary.Tally` as in-process), the driver adds them up in input order; plus
the hard-bounced addresses, for a suppression list.

Hard bounces follow sisimai's rule: the reasons that say the address itself will never take mail
(``userunknown``, ``hostunknown``, ``hasmoved``, ``notaccept``), with a permanent (5.x.x / 5xx) code.
"""

from __future__ import annotations

TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Iterable

__all__ = ["HARD_REASONS", "hard_bounced", "HardBounces", "merge", "Combined", "unreadable"]

HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})


def hard_bounced(e) -> list[str]:
    """The recipients of one :class:`~smtpdoctor.core.explanation.Explained` that bounced hard."""
    out = []
    for r in e.results:
        x = r.explanation
        permanent = x.status.startswith("5") or x.replycode.startswith("5")
        if r.recipient and x.reason in HARD_REASONS and permanent:
            out.append(r.recipient.lower())
    return out


class HardBounces:
    """Hard-bounced addresses, each once, first bounce first."""

    def __init__(self) -> None:
        self.addresses: dict[str, None] = {}  # an insertion-ordered set

    def add(self, e) -> None:
        self.addresses.update(dict.fromkeys(hard_bounced(e)))

    def update(self, addresses: Iterable[str]) -> None:
        self.addresses.update(dict.fromkeys(addresses))

    def __len__(self) -> int:
        return len(self.addresses)

    def write(self, path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for address in self.addresses:
                fh.write(address + "\n")


def unreadable(tally) -> str | None:
    """The one-line error when no input at all could be read (exit 2), else None."""
    from ..core.explanation import Kind

    if not tally.inputs or tally.kinds.get(str(Kind.UNPARSED), 0) != tally.inputs:
        return None
    first = tally.unparsed[0] if tally.unparsed else ("input", "unreadable")
    return (f"{first[0]}: {first[1]}" if tally.inputs == 1 else
            f"none of the {tally.inputs} inputs could be read (first: {first[0]}: {first[1]})")


def merge(into, other) -> None:
    """Add ``other`` (a Tally) to ``into``; the unparsed list keeps its first MAX_LISTED in input order."""
    from ..report.explain_summary import MAX_LISTED

    into.inputs += other.inputs
    into.results += other.results
    for name in ("kinds", "reasons", "categories", "providers", "domains", "headline"):
        getattr(into, name).update(getattr(other, name))
    room = MAX_LISTED - len(into.unparsed)
    into.unparsed.extend(other.unparsed[:max(0, room)])
    into.unparsed_count += other.unparsed_count


class Combined:
    """The run's summary, fed one partition at a time, in order. The hard-bounced addresses (one per
    address of the whole run: a million bounces, tens of MB) are kept only with ``keep_hard``."""

    def __init__(self, *, keep_hard: bool = True) -> None:
        from ..report.explain_summary import Tally

        self.tally = Tally()
        self.hard = HardBounces()
        self.keep_hard = keep_hard
        self.problems = False

    def add(self, extra) -> None:
        tally, hard, problems = extra
        merge(self.tally, tally)
        if self.keep_hard:
            self.hard.update(hard)
        self.problems = self.problems or problems
