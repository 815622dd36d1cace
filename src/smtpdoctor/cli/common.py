"""What every command shares: usage errors (one line, exit 2), output formats, resolver options."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing loads after domain's first questions leave (issue 16)
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = ["UsageError", "fail", "read_text_list", "read_file", "check_each", "terminal_output", "values_from_list"]


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


def terminal_output(stream, *, no_color: bool = False) -> tuple[int, bool]:
    """(width, colour) for text written to ``stream``.

    A terminal gets its own width and colour; a pipe or a file gets plain text, ``COLUMNS`` wide if set,
    else 80. Colour also goes with ``--no-color`` or a non-empty ``NO_COLOR`` (https://no-color.org).
    """
    import os

    from ..report.formats import is_terminal

    tty = is_terminal(stream)
    width = 0
    if tty:
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, AttributeError, ValueError):
            width = 0
    if not width:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else 80
    color = tty and not no_color and not os.environ.get("NO_COLOR")
    return max(width, 40), color


def values_from_list(label: str, text: str, column: str | None = None) -> str:
    """A ``--file`` as one value a line, keeping each value on its line number (for error messages).

    A plain list passes through (blank and ``#`` lines are skipped later). A CSV export (the first line that
    is not blank or ``#`` holds a comma, semicolon or tab, or ``--column`` is given) has a header: its values
    come from the first column, or from ``column`` (matched without regard to case). The header line and
    rows with an empty value become blank lines. The csv module reads it (quotes, embedded delimiters).
    """
    import csv

    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    if first is None:
        return text
    head_line = lines[first]
    if column is None and not any(d in head_line for d in ",;\t"):
        return text
    delimiter = max(",;\t", key=head_line.count) if any(d in head_line for d in ",;\t") else ","
    header = next(csv.reader([head_line], delimiter=delimiter))
    names = [h.strip().lower() for h in header]
    index = 0
    if column is not None:
        if column.strip().lower() not in names:
            raise UsageError(f"{label}: no column {column!r}; the header has: {', '.join(h.strip() for h in header)}")
        index = names.index(column.strip().lower())
    out = [""] * len(lines)
    for number in range(first + 1, len(lines)):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = next(csv.reader([line], delimiter=delimiter), [])
        out[number] = row[index].strip() if index < len(row) else ""
    return "\n".join(out)
