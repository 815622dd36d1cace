"""Loads ``knowledge/replies.yaml`` once, on first use, and compiles it for fast matching.

Each reason's substrings are folded into one regular expression (an alternation of escaped literals), so
matching a diagnostic against a reason costs one scan instead of a hundred ``in`` tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["ReasonSpec", "ProviderRule", "Provider", "Knowledge", "knowledge"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasonSpec:
    name: str
    category: str
    summary: str
    remedy: tuple[str, ...]
    literal: re.Pattern[str] | None  # any of the substrings
    aligned: tuple[tuple[str, ...], ...]  # substrings that must appear in this order
    exclude: re.Pattern[str] | None  # a match here vetoes the reason

    def matches(self, text: str) -> bool:
        """``text`` is lower-case, whitespace-collapsed diagnostic text."""
        if not text:
            return False
        if self.exclude is not None and self.exclude.search(text):
            return False
        if self.literal is not None and self.literal.search(text):
            return True
        return any(_aligned(text, seq) for seq in self.aligned)


def _aligned(text: str, seq: tuple[str, ...]) -> bool:
    pos = 0
    for part in seq:
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderRule:
    match: re.Pattern[str]
    reason: str
    category: str | None
    summary: str | None
    remedy: tuple[str, ...]
    help: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    id: str
    name: str
    hosts: re.Pattern[str] | None
    markers: re.Pattern[str] | None
    help: str | None
    rules: tuple[ProviderRule, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Knowledge:
    reasons: dict[str, ReasonSpec]
    first: tuple[str, ...]
    second: tuple[str, ...]
    retry: frozenset[str]
    status: dict[str, str]
    pseudo_status: dict[str, str]
    providers: tuple[Provider, ...]


def _literal(items: list[str]) -> re.Pattern[str] | None:
    items = [i.lower() for i in items if i]
    if not items:
        return None
    items.sort(key=len, reverse=True)
    return re.compile("|".join(re.escape(i) for i in items))


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@cache
def knowledge() -> Knowledge:
    import yaml

    text = resources.files("smtpdoctor.knowledge").joinpath("replies.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, our own data file
    reasons = {}
    for name, spec in raw["reasons"].items():
        reasons[name] = ReasonSpec(
            name=name,
            category=spec["category"],
            summary=spec["summary"],
            remedy=_tuple(spec.get("remedy")),
            literal=_literal(list(spec.get("contains") or []) + list(spec.get("more") or [])),
            aligned=tuple(tuple(p.lower() for p in seq) for seq in spec.get("aligned") or ()),
            exclude=_literal(spec.get("not") or []),
        )
    providers = []
    for p in raw.get("providers") or ():
        rules = tuple(
            ProviderRule(
                match=re.compile(r["match"], re.I | re.S),
                reason=r["reason"],
                category=r.get("category"),
                summary=r.get("summary"),
                remedy=_tuple(r.get("remedy")),
                help=r.get("help"),
            )
            for r in p.get("rules") or ()
        )
        providers.append(Provider(
            id=p["id"], name=p["name"],
            hosts=re.compile(p["hosts"], re.I) if p.get("hosts") else None,
            markers=re.compile(p["markers"], re.I) if p.get("markers") else None,
            help=p.get("help"), rules=rules,
        ))
    order = raw["order"]
    return Knowledge(
        reasons=reasons,
        first=tuple(order["first"]),
        second=tuple(order["second"]),
        retry=frozenset(order["retry"]),
        status={str(k): v for k, v in raw["status"].items()},
        pseudo_status={k: str(v) for k, v in raw["pseudo_status"].items()},
        providers=tuple(providers),
    )
