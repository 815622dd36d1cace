"""The bulk-sender rules of the mailbox providers (``knowledge/bulk_senders.toml``) as frozen values.

Read on first use, never at import time. Each rule has one version per provider, with the date the
provider began to enforce it and, where it dropped it, the date it was withdrawn; :meth:`Rule.active`
answers "who asks for this on that day". ``judge/checklist.py`` builds `domain`'s checklist from them;
the lab's provider receivers answer with the same replies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any
from .toml_cache import knowledge_toml

__all__ = ["ProviderRule", "Rule", "rules", "provider_name"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderRule:
    provider: str
    scope: str  # "all" | "bulk"
    since: dt.date | None  # None: the provider has not published a date
    withdrawn: dt.date | None = None
    reply: str = ""  # the reply the provider gives when the rule fails ("" when it publishes none)
    source: str = ""

    def active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.withdrawn is None or day < self.withdrawn)

    def label(self) -> str:
        scope = "all senders" if self.scope == "all" else "bulk senders"
        return f"{provider_name(self.provider)} {scope}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    key: str
    text: str
    by: tuple[ProviderRule, ...]
    areas: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    fails: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    of: tuple[str, ...] = ()  # derived: fails when all of these rows fail
    untested: str = ""
    lab: str = ""  # what a receiver checks in DNS for it (spf, dkim, dmarc, ptr), "" when nothing

    def active(self, day: dt.date) -> tuple[ProviderRule, ...]:
        return tuple(p for p in self.by if p.active_on(day))

    def withdrawn(self, day: dt.date) -> tuple[ProviderRule, ...]:
        return tuple(p for p in self.by if p.withdrawn is not None and p.withdrawn <= day)

    def version(self, provider: str, day: dt.date) -> ProviderRule | None:
        return next((p for p in self.active(day) if p.provider == provider), None)


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _rule(raw: dict) -> Rule:
    by = tuple(ProviderRule(provider=b["provider"], scope=b["scope"], since=_date(b.get("since")),
                            withdrawn=_date(b.get("withdrawn")), reply=b.get("reply", ""), source=b.get("source", ""))
               for b in raw["by"])
    lists = {k: tuple(raw.get(k, ())) for k in ("areas", "passes", "fails", "unknown", "ignore", "of")}
    return Rule(key=raw["key"], text=raw["text"], by=by, untested=raw.get("untested", ""), lab=raw.get("lab", ""),
                **lists)


@cache
def _data() -> dict:
    return knowledge_toml("bulk_senders.toml")


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule, in the order a receiver checks them."""
    return tuple(_rule(r) for r in _data()["rule"])


def provider_name(provider: str) -> str:
    return _data()["names"].get(provider, provider)
