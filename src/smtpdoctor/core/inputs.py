"""The one reader of what users give us to read: files, devices, pipes and standard input.

Every read has a byte limit that holds whatever the input is: the size a file claims is never trusted
(``/dev/zero`` claims 0, a pipe has none), the reader stops at the limit plus one byte and says so.
Failures are :class:`InputError` with one line that names the input: missing, a directory, unreadable,
too large, empty, binary, not UTF-8. Front doors turn it into their usage error (the CLI: exit 2).
"""

from __future__ import annotations

import contextlib
import os
import sys
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import BinaryIO, Iterator

__all__ = ["InputError", "open_input", "read_head", "read_limited", "read_input", "read_text", "is_binary", "size_label"]

_CHUNK = 1 << 16
# Control bytes that text (mail, reply text, lists) does not hold; TAB, LF, FF, CR and ESC it may.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class InputError(ValueError):
    """An input that cannot be read as asked; ``str()`` is one line naming it."""


def is_binary(head: bytes) -> bool:
    """Is this the start of binary data rather than text (a NUL, or more than 5 % control bytes)?"""
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > len(head) // 20


def size_label(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def label_of(name: str) -> str:
    return "standard input" if name == "-" else name


@contextlib.contextmanager
def open_input(name: str, stdin: BinaryIO | None = None) -> Iterator[BinaryIO]:
    """The binary stream of ``name`` ("-": standard input), with the usual failures as :class:`InputError`."""
    if name == "-":
        stream = stdin if stdin is not None else (sys.stdin.buffer if sys.stdin is not None else None)
        if stream is None:
            raise InputError("standard input: not available")
        yield stream
        return
    if os.path.isdir(name):
        raise InputError(f"{name}: is a directory")
    try:
        fh = open(name, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None
    with fh:
        yield fh


def read_head(stream: BinaryIO, max_bytes: int, label: str, first: bytes = b"") -> tuple[bytes, bool]:
    """(at most ``max_bytes`` from ``stream`` after ``first``, whether there was more). Reads in chunks and
    stops at the limit plus one byte, so an endless device or pipe costs that much and no more."""
    parts = [first]
    size = len(first)
    try:
        while size <= max_bytes:
            chunk = stream.read(min(_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"{label}: {exc.strerror or exc}") from None
    data = b"".join(parts)
    return data[:max_bytes], size > max_bytes


def read_limited(stream: BinaryIO, max_bytes: int, label: str, first: bytes = b"") -> bytes:
    """At most ``max_bytes`` from ``stream`` (after ``first``, already read); more is an :class:`InputError`."""
    data, more = read_head(stream, max_bytes, label, first)
    if more:
        raise InputError(f"{label}: larger than {size_label(max_bytes)}")
    return data


def read_input(name: str, *, max_bytes: int, what: str, stdin: BinaryIO | None = None,
               allow_empty: bool = False) -> tuple[str, bytes]:
    """(label, bytes) of a text input that must not be binary (nor empty, unless ``allow_empty``);
    ``what`` names the expected content for the messages ("a message (.eml)", "a list of domains")."""
    label = label_of(name)
    with open_input(name, stdin) as stream:
        data = read_limited(stream, max_bytes, label)
    if not data.strip() and not allow_empty:
        raise InputError(f"{label}: empty, not {what}")
    if is_binary(data[:8192]):
        raise InputError(f"{label}: a binary file, not {what}")
    return label, data


def read_text(name: str, *, max_bytes: int, what: str, stdin: BinaryIO | None = None,
              allow_empty: bool = False) -> tuple[str, str]:
    """(label, text) of a UTF-8 text input (a byte-order mark is dropped)."""
    label, data = read_input(name, max_bytes=max_bytes, what=what, stdin=stdin, allow_empty=allow_empty)
    try:
        return label, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{label}: not UTF-8 text") from None
