"""Inputs cut into partitions while they are read: a file is read line by line (a bounded buffer), never
whole, and a partition is handed on as soon as it is full, so memory holds only the partitions in flight.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator, TypeVar

from .options import ScaleError

__all__ = ["Partition", "Line", "BadInputFile", "read_lines", "cut", "MAX_LINE_BYTES"]

MAX_LINE_BYTES = 64 * 1024  # longer lines are bad input (reported once, by number), not read into memory

T = TypeVar("T")


class BadInputFile(ScaleError):
    """The input file cannot be read at all (missing, a directory, binary, not UTF-8 at its start)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One input line: where it came from (``FILE, line N``), its text, or why it is unusable."""

    where: str
    text: str
    number: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Partition:
    """A numbered slice of the input; ``index`` orders the results."""

    index: int
    items: tuple

    def __len__(self) -> int:
        return len(self.items)


def read_lines(name: str, *, comments: bool = True) -> Iterator[Line]:
    """The non-blank lines of a file (``-`` is stdin), streamed; ``#`` starts a comment when ``comments``.

    A line that is not UTF-8, holds a NUL or is over MAX_LINE_BYTES comes as a :class:`Line` with ``error``
    set (the caller reports it once and goes on). Raises :class:`BadInputFile` when the file cannot be read.
    """
    label = "standard input" if name == "-" else name
    try:
        if name == "-":
            stream = sys.stdin.buffer
        else:
            if os.path.isdir(name):
                raise BadInputFile(f"{name}: is a directory")
            stream = open(name, "rb")
    except FileNotFoundError:
        raise BadInputFile(f"{name}: no such file") from None
    except OSError as exc:
        raise BadInputFile(f"{name}: {exc.strerror or exc}") from None
    try:
        yield from _lines(stream, label, comments)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _lines(stream, label: str, comments: bool = True) -> Iterator[Line]:
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        where = f"{label}, line {number}"
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the long line, in bounded reads
                raw = stream.readline(MAX_LINE_BYTES)
            yield Line(where, "", number, f"a line over {MAX_LINE_BYTES // 1024} KB")
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\0" in raw:
            if number == 1:
                raise BadInputFile(f"{label}: a binary file, not a list of inputs")
            yield Line(where, "", number, "binary data")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield Line(where, "", number, "not UTF-8 text")
            continue
        text = text.split("#", 1)[0].strip() if comments else text.strip()
        if text:
            yield Line(where, text, number)


def cut(items: Iterable[T], size: int) -> Iterator[Partition]:
    """Consecutive partitions of at most ``size`` items, numbered from 0, as the items arrive."""
    if size < 1:
        raise ValueError("partition size must be at least 1")
    batch: list = []
    index = 0
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield Partition(index, tuple(batch))
            index += 1
            batch = []
    if batch:
        yield Partition(index, tuple(batch))
