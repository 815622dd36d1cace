"""What check_host() answers: the result, the explanation, the lookup count and the evaluation trace."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ...core.serialize import JsonMixin
from .lookup import LOOKUP_LIMIT, MX_PTR_LIMIT, VOID_LIMIT

__all__ = ["SpfResult", "TraceStep", "CheckHostResult", "trace_lines", "LOOKUP_LIMIT", "VOID_LIMIT", "MX_PTR_LIMIT"]


class SpfResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceStep(JsonMixin):
    """One step of an evaluation. ``kind``: record, term, result, error or exp; ``depth``: include level."""

    depth: int
    domain: str
    kind: str
    text: str
    outcome: str
    detail: str = ""
    lookups: int = 0  # DNS-querying terms counted so far, this one included


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckHostResult:
    result: SpfResult
    domain: str
    ip: str
    sender: str
    helo: str
    explanation: str | None = None  # the exp= text, on fail only
    reason: str = ""  # why: the term that matched, or the error
    lookups: int = 0
    void_lookups: int = 0
    trace: tuple[TraceStep, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "ip": self.ip, "sender": self.sender, "helo": self.helo,
                "result": str(self.result), "explanation": self.explanation, "lookups": self.lookups,
                "trace": [s.to_json() for s in self.trace]}


def trace_lines(result: CheckHostResult) -> list[str]:
    """The trace as an indented tree, one line per step (for text output)."""
    lines: list[str] = []
    for s in result.trace:
        pad = "   " * s.depth
        if s.kind == "record":
            if s.outcome == "found":
                lines.append(f"{pad}{s.domain}: \"{s.text}\"")
            else:
                lines.append(f"{pad}{s.domain}: {s.outcome} ({s.detail})")
        elif s.kind == "term":
            if s.outcome in ("include", "redirect"):
                lines.append(f"{pad}├─ {s.text}  -> {s.detail}")
            else:
                detail = f"  ({s.detail})" if s.detail else ""
                lines.append(f"{pad}├─ {s.text}  {s.outcome}{detail}  [{s.lookups}]")
        elif s.kind == "result":
            lines.append(f"{pad}└─ = {s.outcome}  ({s.text})")
        elif s.kind == "error":
            lines.append(f"{pad}└─ ! {s.outcome} at {s.text}: {s.detail}")
        elif s.kind == "exp":
            lines.append(f"{pad}explanation ({s.text}): {s.detail}")
    return lines
