"""The lookup tree's values: one node per SPF record reachable through include and redirect, what each
term costs. Values only (no asyncio): the judge reads them; ``tree.build_tree`` makes them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Iterator

__all__ = ["NodeStatus", "TermCost", "LookupNode"]


class NodeStatus(StrEnum):
    OK = "ok"
    NONE = "none"  # the name exists (or not) but has no v=spf1 record
    MULTIPLE = "multiple"
    SYNTAX_ERROR = "syntax-error"
    LOOKUP_FAILED = "lookup-failed"  # timeout / SERVFAIL ...: could not test
    LOOP = "loop"
    INVALID_NAME = "invalid-name"
    NOT_FOLLOWED = "not-followed"  # the target depends on the sending IP, or a bound was reached


@dataclass(frozen=True, slots=True, kw_only=True)
class TermCost:
    text: str
    position: int
    cost: int  # DNS-querying terms this term causes: 1, plus the subtree of an include / redirect
    void: bool = False  # the lookup of this term finds nothing (NXDOMAIN or no data)
    note: str = ""
    child: "LookupNode | None" = None  # the record an include / redirect pulls in

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"term": self.text, "position": self.position, "cost": self.cost,
                               "void": self.void, "note": self.note}
        if self.child is not None:
            out["record"] = self.child.to_json()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupNode:
    domain: str
    via: str  # the term that led here; "" for the domain itself
    status: NodeStatus
    record: str | None = None
    records: tuple[str, ...] = ()  # every v=spf1 record at the name (several: permerror)
    string_lengths: tuple[tuple[int, ...], ...] = ()  # bytes of each character-string, per record
    error: str | None = None
    position: int | None = None  # of a syntax error, 0-based
    terms: tuple[TermCost, ...] = ()
    all_qualifier: str | None = None  # "+", "-", "~", "?" of this record's all, if any
    ptr_terms: tuple[str, ...] = ()
    lookup_failures: tuple[str, ...] = ()  # "A host.example: timeout"
    mx_overflow: tuple[str, ...] = ()  # "mx:example.com (12 names)"

    @property
    def total(self) -> int:
        """DNS-querying terms for this record and everything it includes."""
        return sum(t.cost for t in self.terms)

    @property
    def children(self) -> tuple["LookupNode", ...]:
        return tuple(t.child for t in self.terms if t.child is not None)

    @property
    def void_terms(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms if t.void)

    @property
    def record_bytes(self) -> int:
        return len(self.record.encode("latin-1", "replace")) if self.record is not None else 0

    def walk(self) -> Iterator["LookupNode"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "via": self.via, "status": str(self.status), "record": self.record,
                "lookups": self.total, "error": self.error, "position": self.position,
                "terms": [t.to_json() for t in self.terms]}
