"""The blocks of the text report, for its two writers (:mod:`.text_plain`, :mod:`.text_rich`).

Styled text is a tuple of ``(text, style)`` spans, the style in rich's words ("bold red", "" for none).
Plain classes, not data classes: the report is written at the end of every diagnosis, and a frozen data
class costs ~0.6 ms to define (its methods are compiled when the module is imported).
"""

from __future__ import annotations

__all__ = ["Line", "Box", "Grid", "plain"]


class Line:
    """Styled text, wrapped at the width; its own ``\\n`` start new lines."""

    __slots__ = ("spans",)

    def __init__(self, spans: tuple) -> None:
        self.spans = spans


class Box:
    """A box with rounded corners as wide as the line, ``title`` in its top edge, ``parts`` (lines and grids)
    inside with one space on either side, drawn in ``border`` style."""

    __slots__ = ("title", "border", "parts")

    def __init__(self, title: str, border: str, parts: list) -> None:
        self.title, self.border, self.parts = title, border, parts


class Grid:
    """Rows of ``columns`` cells (each styled text), ``gap`` spaces (1 or 2) between columns, no borders, as
    narrow as its cells allow; every column keeps its text on one line but the last, which wraps (a word
    longer than the column is folded). ``title`` goes above it, left-aligned; ``first_style`` styles the
    first column."""

    __slots__ = ("rows", "columns", "gap", "title", "first_style")

    def __init__(self, rows: list[tuple], *, columns: int, gap: int = 1, title: str | None = None,
                 first_style: str | None = None) -> None:
        self.rows, self.columns, self.gap, self.title, self.first_style = rows, columns, gap, title, first_style


def plain(spans: tuple) -> str:
    """The text of styled text."""
    return "".join(text for text, _ in spans)
