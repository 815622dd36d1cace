"""Output formats and JSON Lines: what every command and the web downloads share."""

from __future__ import annotations

import sys
from enum import StrEnum
from functools import cache

__all__ = ["OutputFormat", "json_line", "write_json_line", "GLYPHS", "transcript_glyph", "is_terminal", "STEP_TITLES",
           "step_title"]

# swaks' transcript marks, the field's convention: " ->" sent, "<- " received, " ~>" / "<~ " under TLS,
# "**>" errors, "===" what we say about the session. The one table: text, Markdown, HTML and the web page.
GLYPHS = {("send", False): " ->", ("recv", False): "<- ", ("send", True): " ~>", ("recv", True): "<~ ",
          ("info", False): "===", ("info", True): "===", ("error", False): "**>", ("error", True): "**>"}


def transcript_glyph(direction: str, tls: bool) -> str:
    return GLYPHS.get((direction, bool(tls)), "   ")


# The guide's steps as every report names them (text, Markdown, HTML).
STEP_TITLES = {
    "client-settings": "1. Client settings",
    "server-connection": "2. Server connection",
    "authentication": "3. Authentication",
    "firewall": "4. Firewall",
    "dns": "5. DNS configuration",
    "blacklist": "6. Blacklists",
}


def step_title(step) -> str:
    """The guide's step as the reports name it: "4. Firewall"."""
    return STEP_TITLES.get(str(step), str(step))


def is_terminal(stream) -> bool:
    """True when ``stream`` is an interactive terminal (a person reads it, or types into it); False for a pipe,
    a file, a closed stream, ``None`` (no standard stream at all) or an object without ``isatty``. The one test
    behind progress bars, the live status, colour and width, and the password prompt."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # None or no isatty; ValueError: a closed file
        return False


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


@cache
def _encoder():
    import json

    # made once: json.dumps with options builds an encoder per call
    return json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_line(obj: object) -> str:
    """``obj`` as one JSON Lines line (without its newline): the one encoding of every JSON Lines output."""
    return _encoder()(obj)


def write_json_line(obj: object, stream=None) -> None:
    """One JSON object per line (JSON Lines), flushed so a thousand inputs stream."""
    stream = stream or sys.stdout
    stream.write(json_line(obj) + "\n")
    stream.flush()
