"""Output formats and JSON Lines: what every command and the web downloads share."""

from __future__ import annotations

import sys
from enum import StrEnum

__all__ = ["OutputFormat", "DataFormat", "write_json_line"]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


class DataFormat(StrEnum):
    """For commands whose output is a result, not a report (``spf``): what the help lists is what works."""

    text = "text"
    json = "json"


def write_json_line(obj: object, stream=None) -> None:
    """One JSON object per line (JSON Lines), flushed so a thousand inputs stream."""
    import json

    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    stream.flush()
