"""Provider presets: what a known submission host (Gmail, Microsoft 365, SendGrid ...) expects.

The data lives in ``knowledge/providers.toml``; it is read on first use, never at import time.
:func:`match` finds the preset of a host name (globs such as ``email-smtp.*.amazonaws.com`` or
``re:`` regular expressions, matched against the whole lower-case name).
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache

from .lazy_names import lazy_names
from .toml_cache import knowledge_toml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .preset_model import Preset

__all__ = ["PortPreset", "HelpLink", "SignIn", "Preset", "presets", "match", "get", "SENDER_POLICIES",
           "SIGNIN_METHODS"]

SENDER_POLICIES = frozenset({"enforced", "rewritten", "verified", "any"})

# The presets' classes (and the code that builds them) are in .preset_model, loaded with the first preset
# built: finding that a host matches no preset reads only the host patterns (a diagnosis of one's own
# server builds none: ~3 ms of imports, issue 16). Named here for the callers (PEP 562).
__getattr__ = lazy_names(globals(), dict.fromkeys(("PortPreset", "HelpLink", "SignIn", "Preset", "SIGNIN_METHODS"),
                                                  ".preset_model"))


def _normalise(host: str | None) -> str:
    return (host or "").strip().rstrip(".").lower()


def host_matches(patterns, host: str | None) -> bool:
    """Does ``host`` (case and a final dot ignored) match one of a preset's host ``patterns``?"""
    name = _normalise(host)
    return bool(name) and any(_pattern_matches(p, name) for p in patterns)


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("re:"):
        return re.fullmatch(pattern[3:], name) is not None
    pattern = pattern.lower()
    if not any(c in pattern for c in "*?["):  # a plain name (most presets): fnmatch would compile a regex for it
        return name == pattern
    return fnmatch.fnmatchcase(name, pattern)


@cache
def _tables() -> dict:
    """``knowledge/providers.toml`` as read: one table per preset, in file order. Read once, on first use."""
    return knowledge_toml("providers.toml")


@cache
def presets() -> tuple[Preset, ...]:
    """All presets, in file order. Built once, on first use."""
    from .preset_model import build

    return tuple(build(key, raw) for key, raw in _tables().items())


def match(host: str | None) -> Preset | None:
    """The preset whose host patterns match ``host`` (case and a final dot ignored), else ``None``."""
    name = _normalise(host)
    if not name:
        return None
    # the first preset in file order whose patterns match; the presets are built only when one does
    key = next((key for key, raw in _tables().items() if host_matches(raw["hosts"], name)), None)
    return None if key is None else get(key)


def get(key: str) -> Preset | None:
    """The preset with this key (``"gmail"``), else ``None``."""
    return next((p for p in presets() if p.key == key), None)
