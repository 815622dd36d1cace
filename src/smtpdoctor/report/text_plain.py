"""The text report's blocks laid out without rich: what rich 15 writes without colour, byte for byte.

Written by hand because rich's ~24 ms of imports were a fifth of a diagnosis's import cost (issue 16) for
a layout that needs four of its rules, taken from rich here (``rich/_wrap.py``, ``rich/text.py``,
``rich/table.py``, ``rich/panel.py``):

- **wrapping** (``divide_line``): a line breaks before a word (the word with the spaces after it) that
  does not fit; a word longer than the line is folded; a wrapped line keeps its trailing spaces, cut only
  where they pass the width;
- **a grid** (a table without borders): each column as wide as its longest line plus its padding (one
  space after every column but the last, one more before every column but the first in a table whose gap is
  two), at most the width; when the columns do not fit, the last one (the only one that wraps)
  gives up the difference; cells are padded with spaces to the column's width, rows to the tallest cell;
- **a grid's title**: wrapped at the grid's width and padded to it;
- **the box**: ``╭─ title ─╮`` with the title (one space either side) centred in the top edge, each line
  ``│ `` + the line padded to the width less 4 + `` │``, then ``╰─…─╯``.

Text printed on its own (not in a box or a grid) is not padded. :func:`layout` returns None for what it
does not lay out exactly like rich: a character that is not one cell wide in every terminal (anything but
printable ASCII, Latin-1 and the report's own marks), a tab, or a grid whose last column has no room; the
caller then uses rich. ``tests/flows/test_diagnose_lab.py`` compares the two over every lab scenario,
``tests/report/test_text_plain.py`` over generated blocks.
"""

from __future__ import annotations

import re

from .text_blocks import Box, Grid, Line, plain

__all__ = ["layout", "ONE_CELL"]

# One cell wide for rich (rich.cells) and for terminals: printable ASCII and Latin-1 (rich's own list of
# single-cell characters starts so), box drawing, and the marks the report writes itself.
ONE_CELL = frozenset(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0xAD), *range(0xAE, 0x100), *range(0x2500, 0x2580)])) \
    | frozenset("✔✘–—→…’‘“”•")
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap.re_word: a word and the spaces after it


class _Decline(Exception):
    """Something rich would lay out by rules not written here."""


def layout(blocks: list, width: int) -> str | None:
    """``blocks`` as text ``width`` columns wide, or None where rich must write it."""
    out: list[str] = []
    try:
        for block in blocks:
            out += _block(block, width, pad=False)
    except _Decline:
        return None
    return "".join(line + "\n" for line in out)


def _block(block, width: int, *, pad: bool) -> list[str]:
    if isinstance(block, Line):
        return _wrap(plain(block.spans), width, pad=pad)
    if isinstance(block, Grid):
        return _grid(block, width)
    assert isinstance(block, Box)
    return _box(block, width)


def _check(text: str) -> str:
    if not ONE_CELL.issuperset(text.replace("\n", "")):
        raise _Decline
    return text


def _divide(line: str, width: int) -> list[int]:
    """Where ``line`` breaks to fit ``width`` (rich._wrap.divide_line with fold, every character one cell)."""
    breaks: list[int] = []
    offset = 0
    match = _WORD.match(line, 0)
    while match is not None:
        start, end = match.span()
        word = match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # longer than any line: folded
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for last, piece in enumerate(pieces, 1 - len(pieces)):
                if start:
                    breaks.append(start)
                if last == 0:
                    offset = len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
        match = _WORD.match(line, end)
    return breaks


def _wrap(text: str, width: int, *, pad: bool = False, no_wrap: bool = False) -> list[str]:
    """``text`` wrapped at ``width`` as rich's Text.wrap does; ``pad``: each line padded to ``width`` (a
    cell, or a line in a box); ``no_wrap``: each line kept whole (a marker column), never cut."""
    out: list[str] = []
    for line in _check(text).split("\n"):
        if "\t" in line:
            raise _Decline
        if no_wrap:
            if len(line) > width:
                raise _Decline  # rich would end it with "…"
            pieces = [line]
        else:
            cuts = [0, *_divide(line, width), len(line)]
            pieces = [line[a:b] for a, b in zip(cuts, cuts[1:])] if len(cuts) > 2 else [line]
        for piece in pieces:
            if len(piece) > width:  # only trailing spaces can pass the width: cut them, then the rest
                excess = len(piece) - width
                spaces = len(piece) - len(piece.rstrip())
                piece = piece[:len(piece) - min(spaces, excess)][:width]
            out.append(piece.ljust(width) if pad else piece)
    return out


def _widths(grid: Grid, width: int) -> list[int]:
    """Each column's width with its padding (rich's Table._calculate_column_widths for a grid whose last
    column alone may wrap)."""
    count = grid.columns
    pads = [_left(grid, index) + (index < count - 1) for index in range(count)]
    longest = [0] * count
    for row in grid.rows:
        for index, cell in enumerate(row):
            text = plain(cell)
            longest[index] = max(longest[index], max(len(line) for line in text.split("\n")))
            if "\n" in text and not text.strip("\n"):
                raise _Decline  # only line breaks: rich gives a column of width 0 no extra lines
    widths = [(min(n + pad, width) if width - pad >= 1 else width) or 1 for n, pad in zip(longest, pads)]
    excess = sum(widths) - width
    if excess > 0:
        widths[-1] -= excess
        if widths[-1] - pads[-1] < 1:
            raise _Decline  # no room left for the text: rich narrows every column then
    return widths


def _left(grid: Grid, index: int) -> int:
    """A column's padding on its left: a space after the previous column's own, when the gap is two."""
    return int(index > 0 and grid.gap == 2)


def _grid(grid: Grid, width: int) -> list[str]:
    widths = _widths(grid, width)
    if grid.title == "":
        raise _Decline  # rich writes no title line for an empty title
    out = _wrap(grid.title, sum(widths), pad=True) if grid.title is not None else []
    last = grid.columns - 1
    for row in grid.rows:
        cells = []
        for index, (cell, column) in enumerate(zip(row, widths)):
            left, right = _left(grid, index), int(index < last)
            lines = _wrap(plain(cell), column - left - right, pad=True, no_wrap=index < last)
            cells.append([" " * left + line + " " * right for line in lines])
        height = max(map(len, cells))
        for index, lines in enumerate(cells):
            lines += [" " * widths[index]] * (height - len(lines))
        out += ["".join(parts) for parts in zip(*cells)]
    return out


def _box(box: Box, width: int) -> list[str]:
    inner = width - 4
    title = f" {_check(box.title)} "
    if width <= 4 or len(title) > inner or not box.title:  # rich draws an empty title as plain edge
        raise _Decline
    left = (inner - len(title)) // 2
    out = ["╭─" + "─" * left + title + "─" * (inner - len(title) - left) + "─╮"]
    for part in box.parts:
        out += [f"│ {line.ljust(inner)} │" for line in _block(part, inner, pad=True)]
    out.append("╰" + "─" * (width - 2) + "╯")
    return out
