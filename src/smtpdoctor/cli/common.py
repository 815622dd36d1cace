"""What every command shares: usage errors (one line, exit 2), output formats, resolver options."""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["UsageError", "fail", "read_text_list", "read_file", "check_each"]


class UsageError(Exception):
    """Bad usage or bad input: printed as one line on stderr, exit status 2."""


def fail(message: str) -> NoReturn:
    message = " ".join(str(message).split())  # one line, whatever the message held
    print(f"smtpdoctor: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_each(check, values) -> None:
    """Run ``check`` on every value; the first ValueError becomes a UsageError (one line, exit 2)."""
    for value in values:
        try:
            check(value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def read_text_list(name: str, *, max_bytes: int, what: str) -> tuple[str, str]:
    """Read a ``--file`` of inputs, one per line ("-" is standard input): (label, text), through the one
    bounded reader (:mod:`smtpdoctor.core.inputs`). Bad files are usage errors with one clear line."""
    from ..core.inputs import InputError, read_text

    try:
        return read_text(name, max_bytes=max_bytes, what=what, allow_empty=True)
    except InputError as exc:
        raise UsageError(str(exc)) from None


def read_file(name: str, *, max_bytes: int, what: str) -> bytes:
    """A file (or "-") that must hold text of some kind (``what``): bounded, not empty, not binary."""
    from ..core.inputs import InputError, read_input

    try:
        return read_input(name, max_bytes=max_bytes, what=what)[1]
    except InputError as exc:
        raise UsageError(str(exc)) from None
