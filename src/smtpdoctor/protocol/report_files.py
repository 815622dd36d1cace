"""From the bytes of one input to the report documents inside it: raw XML or JSON, ``.gz``, ``.zip``,
or attachments of a message (``.eml``, one message of an mbox or a Maildir), nested a few levels.
Sans-I/O, pure, and bounded: every decompression is streamed with a byte limit and a ratio limit, so a
zip bomb costs a few megabytes of work before it is refused.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import Iterator

from .dmarc_report import BadReport

__all__ = ["Document", "Unreadable", "Hostile", "documents", "MAX_EXPANDED_BYTES", "MAX_RATIO", "MAX_MEMBERS",
           "looks_like_message"]

MAX_EXPANDED_BYTES = 64 * 1024 * 1024  # one report, decompressed
MAX_RATIO = 200  # decompressed / compressed, above RATIO_FLOOR (real XML compresses 10-40:1)
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 200  # files in one zip
MAX_DEPTH = 4  # zip in a message in a gzip ...
_CHUNK = 256 * 1024


class Hostile(BadReport):
    """Refused on purpose (a decompression bomb, too many members): named, never half-read."""


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    kind: str  # "dmarc" or "tlsrpt"
    data: bytes


@dataclass(frozen=True, slots=True)
class Unreadable:
    name: str
    reason: str
    hostile: bool = False


def _bounded(produce, compressed: int, name: str) -> bytes:
    """Join decompressed chunks from ``produce`` (a generator), refusing too much or too high a ratio."""
    out = bytearray()
    for chunk in produce:
        out += chunk
        if len(out) > MAX_EXPANDED_BYTES:
            raise Hostile(f"expands beyond {MAX_EXPANDED_BYTES // (1024 * 1024)} MB: refused as a decompression bomb")
        if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * max(compressed, 1):
            raise Hostile(f"expands more than {MAX_RATIO}:1 ({compressed} bytes to over {len(out)}): refused as a "
                          "decompression bomb")
    return bytes(out)


def _gunzip(data: bytes) -> Iterator[bytes]:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    buf = data
    while buf:
        yield d.decompress(buf, _CHUNK)
        buf = d.unconsumed_tail
        if d.eof:
            if d.unused_data.startswith(b"\x1f\x8b"):  # concatenated gzip members
                d, buf = zlib.decompressobj(16 + zlib.MAX_WBITS), d.unused_data
            else:
                break
    yield d.flush()
    if not d.eof:
        raise zlib.error("truncated or corrupt data")


def _zip_members(data: bytes, name: str) -> Iterator[tuple[str, bytes]]:
    import zipfile

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BadReport(f"not a readable zip ({exc})") from None
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise Hostile(f"a zip of {len(infos)} files (more than {MAX_MEMBERS}): refused")
    for info in infos:
        def produce(info=info):
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk
        try:
            member = _bounded(produce(), info.compress_size, name)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError) as exc:
            raise BadReport(f"zip member {info.filename}: {exc}") from None
        yield info.filename, member


def looks_like_message(data: bytes) -> bool:
    head = data[:2048].lstrip()
    lines = [ln for ln in head.splitlines()[:6] if ln and not ln[:1].isspace()]
    return len(lines) >= 2 and all(b":" in ln.split(b" ", 1)[0] for ln in lines[:2])


def _kind(data: bytes) -> str | None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "dmarc"
    if head.startswith(b"{") and b'"policies"' in data[:1_000_000]:
        return "tlsrpt"
    return None


def _attachments(data: bytes) -> Iterator[tuple[str, bytes]]:
    import email
    import email.policy

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    for n, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html") and not part.get_filename():
            continue
        yield part.get_filename() or f"part{n}", payload


def documents(data: bytes, name: str, depth: int = 0) -> Iterator[Document | Unreadable]:
    """Every report document in ``data``; whatever cannot be read is an :class:`Unreadable` naming it."""
    try:
        if depth > MAX_DEPTH:
            raise Hostile(f"nested more than {MAX_DEPTH} levels deep: refused")
        if data[:2] == b"\x1f\x8b":
            try:
                inner = _bounded(_gunzip(data), len(data), name)
            except zlib.error as exc:
                raise BadReport(f"not a readable gzip file ({exc})") from None
            yield from documents(inner, name.removesuffix(".gz"), depth + 1)
            return
        if data[:4] == b"PK\x03\x04":
            for member, inner in _zip_members(data, name):
                yield from documents(inner, f"{name}#{member}", depth + 1)
            return
        kind = _kind(data)
        if kind is not None:
            yield Document(name, kind, data)
            return
        if looks_like_message(data):
            found = False
            for filename, payload in _attachments(data):
                if payload[:2] == b"\x1f\x8b" or payload[:4] == b"PK\x03\x04" or _kind(payload):
                    found = True
                    yield from documents(payload, f"{name}#{filename}", depth + 1)
            if not found:
                yield Unreadable(name, "a message without a DMARC or TLS report attached")
            return
        raise BadReport("not a DMARC aggregate report, a TLS report, an archive or a message")
    except Hostile as exc:
        yield Unreadable(name, str(exc), hostile=True)
    except BadReport as exc:
        yield Unreadable(name, str(exc))
