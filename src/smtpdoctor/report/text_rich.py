"""The text report's blocks written by rich: in colour on a terminal, and whatever the hand writer
(:mod:`.text_plain`) hands back."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .text_blocks import Box, Grid, Line

__all__ = ["layout"]


def layout(blocks: list, width: int, *, color: bool = False) -> str:
    """``blocks`` as text ``width`` columns wide; ``color`` adds ANSI colour. Spans are given to rich as
    text, never as markup: a server's ``[bold]`` or ``:ok:`` is shown as sent."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, soft_wrap=False, highlight=False,
                      legacy_windows=False, emoji=False)
    for block in blocks:
        console.print(_renderable(block))
    return buf.getvalue()


def _text(spans: tuple) -> Text:
    return Text.assemble(*spans)


def _renderable(block):
    if isinstance(block, Line):
        return _text(block.spans)
    if isinstance(block, Box):
        return Panel(Group(*map(_renderable, block.parts)), title=Text(block.title), border_style=block.border,
                     expand=True)
    assert isinstance(block, Grid)
    if block.gap == 1:  # a grid collapses the padding between its columns to one space
        table = Table.grid(padding=(0, 1))
    else:
        table = Table(show_header=False, box=None, pad_edge=False)
    if block.title is not None:
        table.title, table.title_justify = block.title, "left"
    for index in range(block.columns):
        last = index == block.columns - 1
        style = block.first_style if index == 0 and block.first_style else None
        table.add_column(no_wrap=not last, overflow="fold" if last else "ellipsis", **({"style": style} if style else {}))
    for row in block.rows:
        table.add_row(*map(_text, row))
    return table
