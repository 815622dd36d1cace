"""One resolver, one finding: when the DNS resolver itself fails, every part of a run that needed it
says "could not test". Those repeats are one fact, said once, with one remedy (pure)."""

from __future__ import annotations

import dataclasses
from typing import Iterable

from ..core.model import STEP_ORDER, Finding

__all__ = ["RESOLVER_FINDINGS", "blames_resolver", "collapse_resolver_failures"]

# Findings whose cause is the resolver this machine asks (it cannot name the root, or answers nothing).
RESOLVER_FINDINGS = frozenset({"host.resolver-broken", "domain.resolver-broken", "domain.resolver-unusable"})


def blames_resolver(f: Finding) -> bool:
    if f.id in RESOLVER_FINDINGS:
        return True
    # every blocklist failing at once (several lists): the resolver, as dnsbl.untested says
    zones = f.evidence.get("zones") if isinstance(f.evidence, dict) else None
    return f.id == "dnsbl.untested" and isinstance(zones, dict) and len(zones) > 1


def collapse_resolver_failures(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the first resolver failure in the guide's order; the others become a line of its detail."""
    items = list(findings)
    blamed = [f for f in items if blames_resolver(f)]
    if len(blamed) < 2:
        return items
    rank = {s: i for i, s in enumerate(STEP_ORDER)}
    keep = min(blamed, key=lambda f: rank[f.step])
    others = [f for f in blamed if f is not keep]
    also = "; ".join(dict.fromkeys(f.title for f in others))
    merged = dataclasses.replace(
        keep, detail=f"{keep.detail} For the same reason, these could not be tested either: {also}.".strip(),
        evidence={**keep.evidence, "also_untested": [f.id for f in others]})
    return [merged if f is keep else f for f in items if f not in others]
