"""What every command shares: usage errors (one line, exit 2), output formats, resolver options."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import NoReturn

__all__ = ["UsageError", "fail", "check_each"]


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
    """Read a ``--file`` of inputs, one per line ("-" is standard input): (label, text).

    Bad files are usage errors with one clear line: missing, a directory, too large, binary, not UTF-8.
    ``what`` names the expected content for the message ("a list of domains").
    """
    import os
    import sys

    label = "standard input" if name == "-" else name
    try:
        if name == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            if os.path.isdir(name):
                raise UsageError(f"{name}: is a directory")
            with open(name, "rb") as fh:
                data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{name}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UsageError(f"{label}: larger than {max_bytes // 1_000_000} MB; split it")
    if b"\0" in data:
        raise UsageError(f"{label}: a binary file, not {what}")
    try:
        return label, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text") from None
