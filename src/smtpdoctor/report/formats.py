"""Output formats and JSON Lines: what every command and the web downloads share."""

from __future__ import annotations

import sys
from enum import StrEnum

__all__ = ["OutputFormat", "write_json_line", "GLYPHS", "transcript_glyph"]

# swaks' transcript marks, the field's convention: " ->" sent, "<- " received, " ~>" / "<~ " under TLS,
# "**>" errors, "===" what we say about the session. The one table: text, Markdown, HTML and the web page.
GLYPHS = {("send", False): " ->", ("recv", False): "<- ", ("send", True): " ~>", ("recv", True): "<~ ",
          ("info", False): "===", ("info", True): "===", ("error", False): "**>", ("error", True): "**>"}


def transcript_glyph(direction: str, tls: bool) -> str:
    return GLYPHS.get((direction, bool(tls)), "   ")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


_encode = None  # json.JSONEncoder(...).encode, made once: json.dumps with options builds an encoder per call


def write_json_line(obj: object, stream=None) -> None:
    """One JSON object per line (JSON Lines), flushed so a thousand inputs stream."""
    global _encode
    if _encode is None:
        import json

        _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    stream = stream or sys.stdout
    stream.write(_encode(obj) + "\n")
    stream.flush()
