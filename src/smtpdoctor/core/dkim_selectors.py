"""The DKIM selectors the domain audit tries (knowledge/dkim_selectors.toml): the first tier, asked in the
first round trip, and every provider's, asked when the first found no key. Read on first use; its own module
so that the audit's first questions can be named before the checks are imported (flows/domain_first.py)."""

from __future__ import annotations

from functools import cache

from .toml_cache import knowledge_toml

__all__ = ["common_selectors", "first_tier", "selector_providers"]


@cache
def _selector_file() -> dict:
    return knowledge_toml("dkim_selectors.toml")


def _selector_data() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _selector_file()["providers"].items()}


def common_selectors() -> tuple[str, ...]:
    """Every discovery selector: the first tier, then the providers' in file order."""
    out: dict[str, None] = {s.lower(): None for s in first_tier()}
    for selectors in _selector_data().values():
        for s in selectors:
            out.setdefault(s.lower(), None)
    return tuple(out)


def first_tier() -> tuple[str, ...]:
    """The most common selectors, asked in the first round trip."""
    return tuple(s.lower() for s in _selector_file().get("tiers", {}).get("first", ()))


def selector_providers(selector: str) -> tuple[str, ...]:
    return tuple(p for p, sels in _selector_data().items() if selector.lower() in sels)
