"""The bulk summary: counts by reason, category, provider and receiving domain, kept as inputs stream by.

Memory is bounded: counters grow with the number of distinct reasons/providers/domains, and only the first
``MAX_LISTED`` unparsed inputs are named (the rest are counted).
"""

from __future__ import annotations

from collections import Counter

from ..core.explanation import Explained, Kind

__all__ = ["Tally", "MAX_LISTED"]

MAX_LISTED = 200


class Tally:
    """The counts of an explain run, for its summary. (A slotted class by hand, not a dataclass: explain's path
    imports no dataclasses, core.record, issue 16.)"""

    __slots__ = ("inputs", "results", "kinds", "reasons", "categories", "providers", "domains", "headline",
                 "unparsed", "unparsed_count")
    __hash__ = None  # mutable, compared by value

    def __init__(self) -> None:
        self.inputs = 0
        self.results = 0
        self.kinds: Counter = Counter()
        self.reasons: Counter = Counter()
        self.categories: Counter = Counter()
        self.providers: Counter = Counter()
        self.domains: Counter = Counter()
        self.headline: Counter = Counter()  # (provider or domain, reason) -> count
        self.unparsed: list[tuple[str, str]] = []
        self.unparsed_count = 0

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        return self._values() == other._values() if other.__class__ is self.__class__ else NotImplemented

    def __repr__(self) -> str:
        return "Tally(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"

    def add(self, e: Explained) -> None:
        self.inputs += 1
        self.kinds[str(e.kind)] += 1
        if e.kind in (Kind.UNPARSED, Kind.NOT_BOUNCE):
            self.unparsed_count += 1
            if len(self.unparsed) < MAX_LISTED:
                self.unparsed.append((e.source, e.note or str(e.kind)))
        for r in e.results:
            x = r.explanation
            self.results += 1
            self.reasons[x.reason] += 1
            self.categories[str(x.category)] += 1
            self.providers[x.provider or "-"] += 1
            domain = r.domain or "-"
            self.domains[domain] += 1
            self.headline[(x.provider or domain, x.reason)] += 1

    def tables(self, most: int = 15) -> list[tuple[str, list[tuple[str, int]], int]]:
        """The summary's tables, for every renderer: (title, the ``most`` commonest (key, count), total)."""
        out = []
        for title, counter in (("reason", self.reasons), ("category", self.categories),
                               ("provider", self.providers), ("receiving domain", self.domains)):
            if counter:
                out.append((title, [(str(k), n) for k, n in counter.most_common(most)], sum(counter.values())))
        return out

    def to_json(self) -> dict:
        return {
            "inputs": self.inputs, "results": self.results, "kinds": dict(self.kinds),
            "reasons": dict(self.reasons.most_common()), "categories": dict(self.categories.most_common()),
            "providers": dict(self.providers.most_common()), "domains": dict(self.domains.most_common(50)),
            "unparsed": [{"source": s, "note": n} for s, n in self.unparsed], "unparsed_count": self.unparsed_count,
        }
