"""Where inputs come from: files, directories, maildirs, mbox files, stdin, or text on the command line.

Everything streams: an mbox is split line by line as it is read, and a message is kept only up to
``MAX_MESSAGE_BYTES`` (the rest is skipped while reading), so memory stays flat on a 100,000-message mbox
or a 50 MB attachment. Every read is bounded (:mod:`smtpdoctor.core.inputs`): a single message or reply text
is read up to ``MAX_MESSAGE_BYTES``, one message of an mbox up to ``MAX_MBOX_MESSAGE_BYTES``; binary
input is refused from its first 4 KB; a directory's FIFOs and devices are not opened.
"""

from __future__ import annotations

import os
import re
import stat
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from pathlib import Path  # imported to walk a directory only (with urllib.parse and ipaddress, 3 ms)
    from typing import BinaryIO, Iterable, Iterator

from ..core.explanation import Explained, Kind
from ..core.inputs import InputError, is_binary, read_head, size_label
from ..core.record import _SET, Record
from ..judge.explain.reply import explain_text
from ..protocol.mail_parts import MAX_MESSAGE_BYTES, looks_like_message
from ..protocol.maillog import failure_lines, looks_like_maillog
from ..protocol.compiled import compiled_re

__all__ = ["Item", "iter_items", "explain_item", "explain_message", "explain_inputs", "iter_mbox", "iter_maillog", "MAX_REPLY_TEXT",
           "MAX_MBOX_MESSAGE_BYTES"]

#: Reply text (not a message) larger than this is refused: no reply or pasted log is that long.
MAX_REPLY_TEXT = 1024 * 1024
#: One message of an mbox is read (and mostly skipped) up to this size; past it the mbox is not read on.
MAX_MBOX_MESSAGE_BYTES = 64 * 1024 * 1024

_CHUNK = 64 * 1024
# An mbox separator: "From " + envelope sender + a date (asctime, or anything ending in a year). A bare
# "From someone" line inside a body (unescaped, as mboxo writers leave it) does not split a message.
_SEPARATOR = compiled_re(rb"^From \S*\s.*(?:\d{1,2}:\d{2}|\d{4})\s*$")


class Item(Record):  # a Record: explain's path imports no dataclasses (core.record, issue 16)
    """One input: a message (bytes), reply text, or a reason it could not be read."""

    __slots__ = ("source", "message", "text", "error")

    def __init__(self, *, source: str, message: bytes | None = None, text: str | None = None,
                 error: str | None = None) -> None:
        _SET(self, "source", source)
        _SET(self, "message", message)
        _SET(self, "text", text)
        _SET(self, "error", error)


_FROM_LINE = compiled_re(rb"(?m)^From [^\n]*")
_MBOX_CHUNK = 256 * 1024
# An argument that names a file rather than holding reply text (so a typo is reported, not "explained").
_MAX_NAME = 255  # the longest file name (one path component) Linux and most file systems allow
_MAX_PATH = 4096  # PATH_MAX on Linux
_LOOKS_LIKE_PATH = compiled_re(r"^(?:[^\s]*/[^\s]*|[\w.-]+\.(?:eml|msg|mbox|mbx|txt|log|json))$")


def mbox_separators(block: bytes, prev_blank: bool) -> Iterator[re.Match]:
    """The "From " lines of ``block`` (whole lines) that start a message: after a blank line (``prev_blank``
    says whether the line before the block was blank) and shaped like a separator."""
    at = 0 if block.startswith(b"From ") else -1
    after = 0
    while True:  # "\nFrom " found with bytes.find: a (?m)^ regex scan tries every byte of the mbox
        if at < 0:
            at = block.find(b"\nFrom ", after) + 1
            if at == 0:
                return
        m = _FROM_LINE.match(block, at)
        after = m.end()
        if at == 0:
            blank_before = prev_blank
        else:
            line_start = block.rfind(b"\n", 0, at - 1) + 1
            blank_before = block[line_start:at - 1] in (b"", b"\r")
        if blank_before and _SEPARATOR.match(m.group(0)):
            yield m
        at = -1


def ends_blank(block: bytes, prev_blank: bool) -> bool:
    """Whether the last line of ``block`` is blank (what ``prev_blank`` is for the next block)."""
    if not block:
        return prev_blank
    tail = block[:-1] if block.endswith(b"\n") else block
    return block.endswith(b"\n") and tail[tail.rfind(b"\n") + 1:] in (b"", b"\r")


def iter_mbox(stream: BinaryIO, source: str, first: bytes = b"", *, start: int = 0) -> Iterator[Item]:
    """Split an mbox into messages as it is read: a "From " line after a blank line (or at the very start)
    that looks like a separator starts a message. Works a megabyte at a time; each message keeps at most
    MAX_MESSAGE_BYTES (the rest is skipped). Messages are numbered from ``start`` + 1 (a partition of a
    large mbox starts further in)."""
    index = start
    parts: list[bytes] = []
    size = 0
    started = False
    prev_blank = True  # was the line before the current block blank?
    pending = first
    seen = 0  # bytes of the current message, kept or skipped

    def keep(piece: bytes) -> None:
        nonlocal size, seen
        seen += len(piece)
        if started and size < MAX_MESSAGE_BYTES and piece:
            piece = piece[:MAX_MESSAGE_BYTES - size]
            parts.append(piece)
            size += len(piece)

    while True:
        chunk = stream.read(_MBOX_CHUNK)
        data = pending + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1  # whole lines only; the rest waits for the next read
            if cut == 0 and len(data) < 4 * _MBOX_CHUNK:
                pending = data
                continue
            if cut == 0:
                cut = len(data)  # a pathological line: take it as body text
            block, pending = data[:cut], data[cut:]
        else:
            block, pending = data, b""
        pos = 0
        for m in mbox_separators(block, prev_blank):
            at = m.start()
            keep(block[pos:at])
            if started:
                yield Item(source=f"{source}#{index}", message=b"".join(parts))
            index += 1
            started = True
            parts, size, seen = [], 0, 0
            pos = m.end() + 1
        keep(block[pos:])
        if seen > MAX_MBOX_MESSAGE_BYTES:
            yield Item(source=f"{source}#{index}", error=f"one message larger than "
                                                         f"{size_label(MAX_MBOX_MESSAGE_BYTES)}: the rest is not read")
            return
        prev_blank = ends_blank(block, prev_blank)
        if not chunk:
            break
    if started:
        yield Item(source=f"{source}#{index}", message=b"".join(parts))


def iter_maillog(stream: BinaryIO, source: str, first: bytes = b"", *, first_line: int = 1) -> Iterator[Item]:
    """The failure lines of a Postfix / Exim log (``protocol.maillog``) as inputs named ``source:LINE``."""
    for number, text in failure_lines(stream, first, first_line=first_line):
        yield Item(source=f"{source}:{number}", text=text)


def _from_stream(stream: BinaryIO, source: str) -> Iterator[Item]:
    try:
        first = stream.read(4096)
    except OSError as exc:
        yield Item(source=source, error=f"cannot read: {exc.strerror or exc}")
        return
    if not first:
        yield Item(source=source, error="empty input")
        return
    if is_binary(first):  # said at once: an endless device (/dev/zero, /dev/urandom) is not read on
        yield Item(source=source, error="binary data, not a message or a reply")
        return
    if first.startswith(b"From ") and looks_like_message(first.split(b"\n", 1)[1] if b"\n" in first else b""):
        yield from iter_mbox(stream, source, first)
        return
    if looks_like_maillog(first):  # Postfix / Exim log: one input per line that reports a failure
        yield from iter_maillog(stream, source, first)
        return
    try:
        data, more = read_head(stream, MAX_MESSAGE_BYTES, source, first)
    except InputError as exc:
        yield Item(source=source, error=str(exc).removeprefix(f"{source}: "))
        return
    if len(data) > len(first) and is_binary(data[:8192]):  # (``first`` itself was looked at above)
        yield Item(source=source, error="binary data, not a message or a reply")
    elif looks_like_message(data[:4096]):
        yield Item(source=source, message=data)  # a larger message is explained from its head
    elif more or len(data) > MAX_REPLY_TEXT:
        yield Item(source=source, error=f"larger than {size_label(MAX_REPLY_TEXT)} and not a message: "
                                        "not reply text")
    else:
        yield Item(source=source, text=data.decode("utf-8", "replace") if _utf8(data) else data.decode("latin-1"))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _from_path(path: Path | str) -> Iterator[Item]:
    name = str(path)
    try:
        with open(name, "rb") as fh:  # the built-in open: Path.open costs a few µs more a file
            yield from _from_stream(fh, name)
    except OSError as exc:
        yield Item(source=name, error=f"cannot read: {exc.strerror or exc}")


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` in a stable order; a maildir's cur/ and new/ only (tmp/ is in flight)."""
    from pathlib import Path

    if (folder / "cur").is_dir() and (folder / "new").is_dir():
        for sub in ("new", "cur"):
            for entry in sorted(os.scandir(folder / sub), key=lambda e: e.name):
                if entry.is_file() and not entry.name.startswith("."):
                    yield Path(entry.path)
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file():  # never a FIFO or a device: reading could block
                yield path


def _existing(arg: str) -> tuple[str, str | None]:
    """``(name, "dir" | "file")`` when ``arg`` names something that exists, else ``(name, None)``; the name
    as pathlib reads it (:func:`path_text`). A reply pasted as an argument is often longer than a file name may
    be (255 bytes) or holds a NUL: then the operating system's refusal means "not a file", never an error. One
    ``stat`` (``is_dir`` then ``exists`` were two)."""
    if len(arg.encode("utf-8", "surrogateescape")) > _MAX_PATH:
        return arg, None
    name = path_text(arg)
    try:
        mode = os.stat(name).st_mode  # as pathlib would: "x.eml/" names the file x.eml
    except (OSError, ValueError):  # missing, ENAMETOOLONG, a NUL byte, a component over 255 bytes
        return name, None
    return name, ("dir" if stat.S_ISDIR(mode) else "file")


def path_text(arg: str) -> str:
    """``str(pathlib.Path(arg))`` on POSIX (the name an input is reported by), without importing pathlib:
    empty and ``.`` components dropped, a root of exactly two slashes kept (PurePosixPath's reading)."""
    if os.name != "posix":
        from pathlib import Path

        return str(Path(arg))
    if arg and "//" not in arg and "/./" not in arg and arg[-1] != "/" and arg[:2] != "./" and arg[-2:] != "/.":
        return arg  # no empty or "." component: as written
    stripped = arg.lstrip("/")
    slashes = len(arg) - len(stripped)
    root = "" if not slashes else "//" if slashes == 2 else "/"
    return (root + "/".join(x for x in stripped.split("/") if x and x != ".")) or "."


def iter_items(args: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Inputs named on the command line: ``-`` is stdin, a directory is walked, a file is a message or an
    mbox, anything else is reply text."""
    for arg in args:
        if arg == "-":
            if stdin is None:
                yield Item(source="-", error="no standard input")
            else:
                yield from _from_stream(stdin, "-")
            continue
        name, kind = _existing(arg)
        if kind == "dir":
            from pathlib import Path

            for file in _walk(Path(name)):
                yield from _from_path(file)
        elif kind == "file":
            yield from _from_path(name)
        elif _LOOKS_LIKE_PATH.match(arg) and len(arg) <= _MAX_NAME:
            yield Item(source=arg, error="no such file or directory")
        else:
            yield Item(source="text", text=arg)


def explain_message(data: bytes, source: str = "-") -> Explained:
    """Explain one message given as bytes: read into its parts (``protocol.mime``), then judged. The MIME
    reader and the message judge are imported on the first message: explaining a reply text needs neither
    (and an import statement run for every message of an mbox cost a few µs each time)."""
    read, judge = _message_steps or _load_message_steps()
    return judge(read(data), source)


_message_steps: tuple = ()


def _load_message_steps() -> tuple:
    global _message_steps
    from ..judge.explain.message import explain_parts
    from ..protocol.mime import read_message

    _message_steps = (read_message, explain_parts)
    return _message_steps


def explain_item(item: Item) -> Explained:
    """Explain one input; never raises (a failure is an ``unparsed`` result naming the input)."""
    try:
        if item.error is not None:
            return Explained(source=item.source, kind=Kind.UNPARSED, note=item.error)
        if item.message is not None:
            return explain_message(item.message, item.source)
        return explain_text(item.text or "", item.source)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop a bulk run; it is reported per input
        return Explained(source=item.source, kind=Kind.UNPARSED, note=f"internal error: {type(exc).__name__}: {exc}")


# Below this many inputs, forking workers and shipping messages to them costs more than it saves.
PARALLEL_AFTER = 1000
_IN_FLIGHT_PER_WORKER = 64


def explain_inputs(args: Iterable[str], stdin: BinaryIO | None = None, *, jobs: int = 1) -> Iterator[Explained]:
    """The streaming iterator: one :class:`Explained` per input (per message of an mbox), in order.

    With ``jobs`` > 1 and more than ``PARALLEL_AFTER`` inputs, messages are explained by that many forked
    worker processes; results still come out in input order, and at most a bounded number of messages is
    in flight, so memory stays flat.
    """
    items = iter_items(args, stdin)
    done = 0
    for item in items:  # the first inputs in this process: a short run never pays for workers
        yield explain_item(item)
        done += 1
        if done >= PARALLEL_AFTER:
            break
    if done < PARALLEL_AFTER:
        return
    if jobs > 1:
        pool_results = _parallel(items, jobs)
        if pool_results is not None:
            yield from pool_results
            return
    for item in items:
        yield explain_item(item)


def _parallel(items: Iterator[Item], jobs: int) -> Iterator[Explained] | None:
    import multiprocessing
    import threading

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: stay in one process
        return None
    slots = threading.BoundedSemaphore(jobs * _IN_FLIGHT_PER_WORKER)

    def bounded() -> Iterator[Item]:
        for item in items:
            slots.acquire()  # blocks the pool's feeder thread while enough messages are in flight
            yield item

    def run() -> Iterator[Explained]:
        with ctx.Pool(jobs) as pool:
            for result in pool.imap(explain_item, bounded(), chunksize=8):
                slots.release()
                yield result

    return run()
