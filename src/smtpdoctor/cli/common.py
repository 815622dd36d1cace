"""What every command shares: usage errors (one line, exit 2), output formats, resolver options."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import NoReturn

__all__ = ["UsageError", "fail", "OutputFormat", "write_json_line"]


class UsageError(Exception):
    """Bad usage or bad input: printed as one line on stderr, exit status 2."""


def fail(message: str) -> NoReturn:
    message = " ".join(str(message).split())  # one line, whatever the message held
    print(f"smtpdoctor: error: {message}", file=sys.stderr)
    raise SystemExit(2)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


def write_json_line(obj: object, stream=None) -> None:
    """One JSON object per line (JSON Lines), flushed so a thousand inputs stream."""
    import json

    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    stream.flush()
