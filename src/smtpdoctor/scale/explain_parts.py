"""``explain``'s inputs as partitions: files and maildirs by the file, large mbox files and mail logs by byte
range, cut at a message (or line) boundary while the driver scans them in chunks.

A range carries the number of the first message (or line) in it, so its inputs keep the names the
in-process path gives them (``FILE#N`` for the Nth message of an mbox, ``FILE:N`` for a log line, both
counted from 1). Workers
read the files themselves: on a cluster the paths must be on storage the workers share (NFS, a mounted
bucket), as they are for dask-jobqueue. Text arguments and standard input are shipped as data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .partition import Partition

__all__ = ["FileUnit", "RangeUnit", "explain_units", "explain_partitions", "read_unit", "RANGE_BYTES"]

RANGE_BYTES = 1024 * 1024  # a range of a large mbox or log: about this many bytes
_HEAD = 4096


@dataclass(frozen=True, slots=True)
class FileUnit:
    """A whole file (a message, a small mbox or log, reply text), read by the worker."""

    path: str


@dataclass(frozen=True, slots=True)
class RangeUnit:
    """Bytes [start, end) of a large mbox or log; ``base`` = messages (mbox) or lines (log) before start."""

    path: str
    kind: str  # "mbox" | "maillog"
    start: int
    end: int
    base: int


def _kind(head: bytes) -> str | None:
    from ..protocol.maillog import looks_like_maillog
    from ..protocol.mail_parts import looks_like_message

    if head.startswith(b"From ") and looks_like_message(head.split(b"\n", 1)[1] if b"\n" in head else b""):
        return "mbox"  # the same test as flows.explain._from_stream
    if looks_like_maillog(head):
        return "maillog"
    return None


def _file_units(path: Path, range_bytes: int) -> Iterator:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            kind = _kind(fh.read(_HEAD)) if size > range_bytes else None
            if kind is None:
                yield FileUnit(str(path))
                return
            fh.seek(0)
            yield from (_mbox_ranges if kind == "mbox" else _log_ranges)(fh, str(path), range_bytes)
    except OSError:
        yield FileUnit(str(path))  # the worker reports it, as the in-process path does


def _log_ranges(fh: BinaryIO, path: str, range_bytes: int) -> Iterator[RangeUnit]:
    start = pos = base = lines = 0
    size = min(1 << 20, range_bytes)
    while chunk := fh.read(size):
        chunk_at, pos = pos, pos + len(chunk)
        nl = chunk.rfind(b"\n")
        if pos - start >= range_bytes and nl >= 0:
            cut = chunk_at + nl + 1
            lines += chunk.count(b"\n", 0, nl + 1)
            yield RangeUnit(path, "maillog", start, cut, base)
            base, start, lines = base + lines, cut, chunk.count(b"\n", nl + 1)
            continue
        lines += chunk.count(b"\n")
    if pos > start:
        yield RangeUnit(path, "maillog", start, pos, base)


def _mbox_ranges(fh: BinaryIO, path: str, range_bytes: int) -> Iterator[RangeUnit]:
    """Cut at separators found by the rule of ``flows.explain.iter_mbox`` (a "From " line after a
    blank line that looks like a separator), so each range splits into exactly the messages it holds."""
    from ..flows.explain import _MBOX_CHUNK, ends_blank, mbox_separators

    pending, block_at, prev_blank = b"", 0, True
    start = base = count = 0
    while True:
        chunk = fh.read(_MBOX_CHUNK)
        data = pending + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) < 4 * _MBOX_CHUNK:
                pending = data
                continue
            block, pending = data[:cut or len(data)], data[cut or len(data):]
        else:
            block, pending = data, b""
        for m in mbox_separators(block, prev_blank):
            at = m.start()
            if block_at + at - start >= range_bytes and count:
                yield RangeUnit(path, "mbox", start, block_at + at, base)
                start, base, count = block_at + at, base + count, 0
            count += 1
        prev_blank = ends_blank(block, prev_blank)
        block_at += len(block)
        if not chunk:
            break
    if count:
        yield RangeUnit(path, "mbox", start, block_at, base)


def explain_units(args: Iterable[str], stdin: BinaryIO | None, *, range_bytes: int = RANGE_BYTES) -> Iterator:
    """The inputs of ``explain ARGS`` as units, in the in-process path's order (flows.explain.iter_items)."""
    from ..flows.explain import _walk, iter_items

    for arg in args:
        path = Path(arg)
        if arg == "-":
            yield from iter_items(["-"], stdin)  # standard input: messages shipped as data
        elif path.is_dir():
            for file in _walk(path):
                yield from _file_units(file, range_bytes)
        elif path.exists():
            yield from _file_units(path, range_bytes)
        else:
            yield from iter_items([arg])  # reply text, or a path that does not exist (an unparsed input)


def explain_partitions(units: Iterable, size: int) -> Iterator[Partition]:
    """Up to ``size`` files or items per partition; each range is a partition of its own."""
    batch: list = []
    index = 0
    for unit in units:
        if isinstance(unit, RangeUnit):
            if batch:
                yield Partition(index, tuple(batch))
                index, batch = index + 1, []
            yield Partition(index, (unit,))
            index += 1
            continue
        batch.append(unit)
        if len(batch) >= size:
            yield Partition(index, tuple(batch))
            index, batch = index + 1, []
    if batch:
        yield Partition(index, tuple(batch))


class _Window(io.RawIOBase):
    """Bytes [start, end) of a file, as a stream."""

    def __init__(self, fh: BinaryIO, start: int, end: int) -> None:
        fh.seek(start)
        self.fh, self.left = fh, end - start

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.fh.read(n) if n else b""
        self.left -= len(data)
        return data


def read_unit(unit) -> Iterator:
    """The explainer's items of one unit (worker side)."""
    from ..flows.explain import Item, _from_path, iter_maillog, iter_mbox

    if isinstance(unit, Item):
        yield unit
    elif isinstance(unit, FileUnit):
        yield from _from_path(Path(unit.path))
    else:
        try:
            with open(unit.path, "rb") as fh:
                window = _Window(fh, unit.start, unit.end)
                if unit.kind == "mbox":
                    yield from iter_mbox(window, unit.path, start=unit.base)
                else:
                    yield from iter_maillog(window, unit.path, first_line=unit.base + 1)
        except OSError as exc:
            yield Item(source=f"{unit.path}@{unit.start}", error=f"cannot read: {exc.strerror or exc}")


