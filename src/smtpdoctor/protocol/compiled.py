"""The readers' regular expressions compiled once per install, the way Python caches byte-code.

``re.compile`` parses and compiles a pattern in pure Python in every process: the 76 patterns an ``explain``
run over the 405 bounces of the corpus compiles cost 9 ms of CPU, a twentieth of the run. ``compiled_re``
gives the same pattern object from the compiled form ``re`` itself hands to the engine (``_sre.compile``),
kept in one file beside this module's byte-code (``__pycache__``, or under ``sys.pycache_prefix``) as
:mod:`marshal` data, keyed by the exact Python version and the engine's magic number. A pattern the file does
not hold yet is compiled as ``re`` does and added to the file when the process exits; nothing is written when
Python writes no byte-code. Only for patterns written in the source (a bounded set), never for patterns made
from input. No library does this (``re`` keeps its cache in memory only).
"""

from __future__ import annotations

import re
import sys

import _sre

from ..core.toml_cache import add_to_cache, cache_path, read_cache

__all__ = ["compiled_re", "sre_code", "AnyCase"]

_VERSION = f"{sys.version}|{getattr(_sre, 'MAGIC', None)}"
_codes: dict | None = None  # (pattern, flags) -> sre_code(...), read on the first call
_new: dict = {}  # compiled here and not in the file yet
_registered = False  # _save registered to run at exit


def compiled_re(pattern: str | bytes, flags: int = 0) -> re.Pattern:
    """``re.compile(pattern, flags)``, from the cached compiled form when there is one."""
    global _codes
    if _codes is None:
        _codes = _load()
    flags = int(flags)
    key = (pattern, flags)
    entry = _codes.get(key)
    if entry is not None:
        try:
            return _sre.compile(pattern, entry[0], entry[1], entry[2], entry[3], tuple(entry[4]))
        except Exception:  # noqa: BLE001 - a cached form this engine refuses: made again below, and kept
            pass
    try:
        entry = sre_code(pattern, flags)
        compiled = _sre.compile(pattern, entry[0], entry[1], entry[2], entry[3], tuple(entry[4]))
    except Exception:  # noqa: BLE001 - a Python whose re works otherwise inside: compile as usual, keep nothing
        return re.compile(pattern, flags)
    _new[key] = entry
    _save_at_exit()
    return compiled


def _save_at_exit() -> None:
    global _registered
    if not _registered:
        _registered = True
        import atexit

        atexit.register(_save)


def sre_code(pattern: str | bytes, flags: int) -> list:
    """What ``re._compiler.compile`` passes to ``_sre.compile`` for ``pattern`` (but the pattern itself)."""
    from re import _compiler, _parser  # the standard library's own parser and compiler of expressions

    parsed = _parser.parse(pattern, flags)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in parsed.state.groupdict.items():
        indexgroup[i] = name
    return [int(flags | parsed.state.flags), [int(c) for c in _compiler._code(parsed, flags)],
            parsed.state.groups - 1, dict(parsed.state.groupdict), indexgroup]


def _file() -> str:
    return cache_path(__file__)


def _load() -> dict:
    return read_cache(_file(), _VERSION)


def _save() -> None:
    """Add the patterns compiled in this process to the file (:func:`.toml_cache.add_to_cache`: under a lock,
    so that processes ending together keep each other's)."""
    if add_to_cache(_file(), _VERSION, _new):
        _new.clear()


class AnyCase:
    """A pattern that ignores case, searched in ASCII text as its lower-case form over the lower-cased text: ``re``
    runs ``IGNORECASE`` 2-3x slower (no literal prefix to jump to, every letter folded). Non-ASCII text is searched
    with ``IGNORECASE`` (it folds some non-ASCII letters to ASCII ones: K, ſ, İ); the pattern is lower-case.
    Positions agree (lower-casing ASCII text keeps its length); a match's groups are of the lower-cased text."""

    __slots__ = ("lower", "folding")

    def __init__(self, pattern: str) -> None:
        self.lower = compiled_re(pattern)
        self.folding = compiled_re(pattern, re.I)

    def search(self, text: str) -> re.Match[str] | None:
        return self.lower.search(text.lower()) if text.isascii() else self.folding.search(text)

    def search_lowered(self, text: str, lowered: str) -> re.Match[str] | None:
        """:meth:`search` when the caller has lower-cased ``text`` already (``lowered``: ``text.lower()``)."""
        return self.lower.search(lowered) if text.isascii() else self.folding.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.lower.match(text.lower()) if text.isascii() else self.folding.match(text)
