"""The phase rules of ``knowledge/replies.toml`` (``[[phase_rule]]``): a reply at a known SMTP phase (AUTH,
MAIL FROM, RCPT TO, DATA) -> a catalogue finding id. Made on first use by :class:`.reply_rules.PhaseRules`:
only a diagnosis reads them."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from .reply_rules import LazyPattern

TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any, Mapping

__all__ = ["PhaseRule", "phase_rule"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseRule:
    """A reply at a known SMTP phase -> a catalogue finding id (``knowledge/replies.toml`` describes the
    fields in its header)."""

    stages: frozenset[str]
    codes: tuple[str, ...]
    statuses: tuple[str, ...]
    text: LazyPattern | None  # compiled on first use: only a reply at a known phase (diagnose) reads it
    providers: frozenset[str]
    either: bool
    finding: str
    confidence: str
    retry: bool
    blocklist: bool
    fallback: bool
    params: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, stage: str, code: int, status: str | None, text: str, provider: str | None) -> bool:
        if stage not in self.stages or (self.providers and provider not in self.providers):
            return False
        if self.codes and not any(_code_matches(c, code) for c in self.codes):
            return False
        status_ok = bool(status) and any(fnmatch.fnmatchcase(status, s) for s in self.statuses)
        text_ok = self.text is not None and self.text.search(text) is not None
        if self.either and (self.statuses or self.text is not None):
            return status_ok or text_ok
        return (not self.statuses or status_ok) and (self.text is None or text_ok)


def _code_matches(pattern: str, code: int) -> bool:
    if pattern.endswith("xx"):
        return str(code)[:1] == pattern[0]
    return str(code) == pattern


def phase_rule(raw: Mapping[str, Any]) -> PhaseRule:
    return PhaseRule(
        stages=frozenset(raw["stages"]), codes=tuple(raw.get("codes", ())), statuses=tuple(raw.get("statuses", ())),
        text=LazyPattern(raw["text"], re.IGNORECASE) if raw.get("text") else None,
        providers=frozenset(raw.get("providers", ())), either=raw.get("require", "all") == "text-or-status",
        finding=raw["finding"], confidence=raw.get("confidence", "high"), retry=bool(raw.get("retry", False)),
        blocklist=bool(raw.get("blocklist", False)), fallback=bool(raw.get("fallback", False)),
        params=dict(raw.get("params", {})))
