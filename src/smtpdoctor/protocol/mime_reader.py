"""The hand reader of a message's MIME structure: the same tree the standard ``email`` package builds with
policy ``compat32`` (``email.feedparser``), for the shapes bounces come in, read from the bytes with a few
``find`` calls instead of line by line.

Why by hand: no well-kept library reads MIME faster than the standard one, and the standard one is correct
but slow for this job: reading a bounce of the vendored corpus (``tests/data/bounces/sisimai``, 405 messages)
into its parts took 196 µs of CPU with ``email.message_from_bytes`` (about 40 % of ``explain``'s work per
message, most of it the feed parser's generator per line and its policy calls per header) and takes 98 µs with
this reader (docs/benchmarks/explain.md; ``bench/explain_vs_sisimai.py`` for the whole run). It is a port of
``FeedParser._parsegen`` and ``_parse_headers`` (the stack of end-of-part matchers, the RFC 2046 rule that an
outer boundary ends every inner part, the newline before a boundary that belongs to it, delivery-status blocks
split at blank lines) and of the ``Message`` calls ``protocol/mime_walk.py`` makes; a shape it does not read
exactly raises :class:`NotExact`, and ``protocol/mime.py`` reads that message with the ``email`` package:

- a bare CR (a line ending the feed parser would also split at) where it can change the tree: in a header
  block or the blank line after it, in a delivery-status part, on a line that starts with ``-`` or before a
  ``-`` (a boundary line); elsewhere (a line of a body) the feed parser's lines join into the same bytes,
- 8-bit bytes in Content-Type, Content-Disposition or Content-Transfer-Encoding (any other field with them
  reads as compat32's ``Header`` of unknown-8bit text turned into ``str``: each such byte a U+FFFD),
- RFC 2231 parameters (``name*=``), multipart/digest (its parts default to message/rfc822),
- a "From " line closing a header block, uuencoded bodies.

``tests/protocol/test_mime_reader.py`` holds it to the ``email`` package on every message of the corpus.
"""

from __future__ import annotations

import binascii
from bisect import bisect_left
from .compiled import compiled_re

__all__ = ["NotExact", "Part", "read_tree"]

# email.feedparser.headerRE: a header line, the envelope "From " line, or a continuation
_HEADER_LINE = compiled_re(rb"From |[\041-\071\073-\176]*:|[\t ]")
# a run of such lines (the last one may lack its newline)
_HEADER_RUN = compiled_re(rb"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\n]*(?:\n|\Z))*")
# a field and its continuation lines, in a header block without envelope lines or nameless fields
_FIELD = compiled_re(r"([\041-\071\073-\176]*):([^\n]*(?:\n[\t ][^\n]*)*)")
_FIELD_BYTES = compiled_re(_FIELD.pattern.encode("ascii"))
# the same with the value's leading blanks left out (``value.lstrip(" \t")``): for a block without CRs, whose values
# need no ``rstrip("\r\n")`` either, findall makes the fields as they are kept, with no loop in Python (6.6 -> 5 µs
# a message's header; leaving out the CRs too, ``[^\r\n]*``, made the search slower than the loop: 10 µs)
_FIELD_LF = compiled_re(r"([\041-\071\073-\176]*):[ \t]*([^\n]*(?:\n[\t ][^\n]*)*)")
_BARE_CR = compiled_re(rb"\r(?!\n)")
_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


class NotExact(Exception):
    """The hand reader cannot promise the ``email`` package's reading of this message."""


def _unquote(value: str) -> str:
    """email.utils.unquote."""
    if len(value) > 1:
        if value.startswith('"') and value.endswith('"'):
            return value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        if value.startswith("<") and value.endswith(">"):
            return value[1:-1]
    return value


def _split_params(value: str) -> list[str]:
    """email.message._parseparam: split at ``;`` outside quotes, names lower-cased."""
    if '"' not in value:  # nothing quoted: each ";" splits (the loop below does the same, slower)
        return [f"{f[:i].strip().lower()}={f[i + 1:].strip()}".strip() if (i := f.find("=")) >= 0 else f.strip()
                for f in value.split(";")]
    s = ";" + value
    out = []
    while s[:1] == ";":
        s = s[1:]
        end = s.find(";")
        while end > 0 and (s.count('"', 0, end) - s.count('\\"', 0, end)) % 2:
            end = s.find(";", end + 1)
        if end < 0:
            end = len(s)
        f = s[:end]
        if "=" in f:
            i = f.index("=")
            f = f[:i].strip().lower() + "=" + f[i + 1:].strip()
        out.append(f.strip())
        s = s[end:]
    return out


def _params(value: str) -> list[tuple[str, str]]:
    """Message._get_params_preserve with email.utils.decode_params, for parameters without RFC 2231."""
    params = []
    for p in _split_params(value):
        name, sep, val = p.partition("=")
        params.append((name.strip(), val.strip()) if sep else (p.strip(), ""))
    out = [params[0]]
    for name, val in params[1:]:
        if "*" in name:
            raise NotExact("RFC 2231 parameter")
        quoted = _unquote(val).replace("\\", "\\\\").replace('"', '\\"')
        out.append((name, f'"{quoted}"'))
    return out


def _decode_b64(encoded: bytes) -> bytes:
    """email._encoded_words.decode_b: strict first (padding repaired), then lenient."""
    pad_err = len(encoded) % 4
    try:
        return binascii.a2b_base64(encoded + (b"==="[:4 - pad_err] if pad_err else b""), strict_mode=True)
    except binascii.Error:
        pass
    for tail in (b"", b"=="):
        try:
            return binascii.a2b_base64(encoded + tail, strict_mode=False)
        except binascii.Error:
            continue
    return encoded


class Part:
    """One message or body part, answering the ``email.message.Message`` (compat32) calls that
    ``protocol/mime_walk.py`` makes, with the same values."""

    __slots__ = ("fields", "payload", "_ctype")

    def __init__(self) -> None:
        self.fields: list[tuple[str, str]] = []  # (name, value as compat32's str() of it)
        self.payload: bytes | list[Part] = b""
        self._ctype: str | None = None

    def keys(self) -> list[str]:
        return [n for n, _ in self.fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self.fields)

    def get(self, name: str, failobj: object = None) -> object:
        name = name.lower()
        size = len(name)  # names are ASCII: only one of the same length can be the same lower-cased
        for n, v in self.fields:
            if len(n) == size and n.lower() == name:
                return v
        return failobj

    def get_all(self, name: str, failobj: object = None) -> object:
        name = name.lower()
        size = len(name)
        found = [v for n, v in self.fields if len(n) == size and n.lower() == name]
        return found or failobj

    def get_content_type(self) -> str:
        if self._ctype is None:
            value = self.get("content-type")
            ctype = "text/plain" if value is None else value.partition(";")[0].strip().lower()
            self._ctype = ctype if ctype.count("/") == 1 else "text/plain"
        return self._ctype

    def get_content_maintype(self) -> str:
        return self.get_content_type().split("/")[0]

    def is_multipart(self) -> bool:
        return isinstance(self.payload, list)

    def get_content_disposition(self) -> str | None:
        value = self.get("content-disposition")
        return None if value is None else value.partition(";")[0].strip().lower()

    def get_param(self, param: str, failobj: object = None) -> object:
        value = self.get("content-type")
        if value is None:
            return failobj
        if "\\" not in value and "*" not in value:
            # no escapes, no RFC 2231: when no ";" is inside quotes (each piece holds quotes in pairs), the pieces
            # are those _split_params makes, and what _params and _unquote make of the parameter asked for comes
            # to ``_unquote`` of its stripped value: only that one is read (4.1 -> 2.4 µs a call)
            pieces = value.split(";")
            if '"' not in value or not any(f.count('"') % 2 for f in pieces):
                for f in pieces:
                    i = f.find("=")
                    if i < 0:
                        if f.strip().lower() == param:
                            return ""
                    elif f[:i].strip().lower() == param:
                        return _unquote(f[i + 1:].strip())
                return failobj
        for k, v in _params(value):
            if k.lower() == param:
                return _unquote(v)
        return failobj

    def get_boundary(self) -> str | None:
        value = self.get_param("boundary")
        return None if value is None else _unquote(value).rstrip()

    def get_content_charset(self) -> str | None:
        value = self.get_param("charset")
        return None if value is None else value.lower()

    def get_payload(self, decode: bool = False) -> object:
        payload = self.payload
        if isinstance(payload, list):
            return None if decode else payload
        if not decode:
            if payload.isascii():
                return payload.decode("ascii")
            try:
                return payload.decode(self.get_param("charset", "ascii"), "replace")
            except LookupError:
                return payload.decode("ascii", "replace")
        cte = str(self.get("content-transfer-encoding", "")).lower()
        if cte == "quoted-printable":
            return binascii.a2b_qp(payload)
        if cte == "base64":
            return _decode_b64(b"".join(payload.splitlines()))
        if cte in _UUENCODE:
            raise NotExact("uuencoded body")
        return payload


# fields the tree's shape is read from: compat32 parses these from its Header object in ways not copied here
_STRUCTURAL = frozenset({"content-type", "content-disposition", "content-transfer-encoding"})


def _value(name: str, raw: bytes) -> str:
    """A field's value as ``str()`` of what compat32's ``Message.get`` returns: the text itself, or for 8-bit
    bytes a ``Header`` of unknown-8bit text, whose ``str()`` decodes it as ASCII with U+FFFD for each such byte
    (``email.header.Header.__str__``)."""
    value = raw.lstrip(b" \t").rstrip(b"\r\n")
    if value.isascii():
        return value.decode("ascii")
    if name.lower() in _STRUCTURAL:
        raise NotExact("8-bit bytes in a field the structure is read from")
    return value.decode("ascii", "replace")


def _closes(data: bytes, at: int, end: int) -> bool | None:
    """After ``--boundary`` at ``at`` (line ending at ``end``): None if the line is not a boundary line,
    True if it is the closing one (``--`` follows), else False. (feedparser's boundaryre)"""
    rest = data[at:end].rstrip(b"\r\n")
    closing = rest.startswith(b"--")
    if closing:
        rest = rest[2:]
    return None if rest.strip(b" \t") else closing


class _Reader:
    """FeedParser._parsegen over positions in ``data``: ``seps`` are the boundary lines (``--boundary``)
    that end the current part, ``blank`` whether a blank line does (inside message/delivery-status)."""

    __slots__ = ("data", "n", "last", "bare")

    def __init__(self, data: bytes, bare: list[int]) -> None:
        self.data = data
        self.n = len(data)
        self.last: Part | None = None  # FeedParser._last: the part made most recently
        self.bare = bare  # where the bare CRs are (none, nearly always)

    def no_bare(self, start: int, end: int) -> None:
        """NotExact when a bare CR lies in ``data[start:end]`` (a span read line by line: a header block, a
        delivery-status part), where the feed parser's extra line end would change the reading."""
        i = bisect_left(self.bare, start)
        if i < len(self.bare) and self.bare[i] < end:
            raise NotExact("a bare CR in a header block or a delivery-status part")

    def line_end(self, pos: int) -> int:
        end = self.data.find(b"\n", pos)
        return self.n if end < 0 else end + 1

    def stops(self, pos: int, end: int, seps: tuple[bytes, ...], blank: bool) -> bool:
        data = self.data
        if blank and (data[pos] == 10 or data.startswith(b"\r\n", pos)):
            return True
        for sep in seps:
            if data.startswith(sep, pos) and _closes(data, pos + len(sep), end) is not None:
                return True
        return False

    def readline(self, pos: int, seps: tuple[bytes, ...], blank: bool) -> int | None:
        """The end of the line at ``pos``, or None at the end of the data or of the part."""
        if pos >= self.n:
            return None
        end = self.line_end(pos)
        return None if self.stops(pos, end, seps, blank) else end

    def first_boundary(self, pos: int, limit: int, seps: tuple[bytes, ...]) -> int:
        """Where the first boundary line of ``seps`` in ``data[pos:limit]`` starts (``limit``: none)."""
        data = self.data
        for sep in seps:
            at = data.find(sep, pos, limit)
            while at >= 0:
                if (at == pos or data[at - 1] == 10) and _closes(data, at + len(sep), self.line_end(at)) is not None:
                    limit = at
                    break
                at = data.find(sep, at + 1, limit)
        return limit

    def next_stop(self, pos: int, seps: tuple[bytes, ...], blank: bool) -> int:
        """Where the first line at or after ``pos`` that ends the part starts (or the end of the data)."""
        data, best = self.data, self.first_boundary(pos, self.n, seps)
        if blank:
            if pos < best and (data[pos] == 10 or data.startswith(b"\r\n", pos)):
                return pos
            for pattern in (b"\n\n", b"\n\r\n"):
                at = data.find(pattern, pos, best)
                if at >= 0:
                    best = at + 1
        return best

    def message(self, pos: int, seps: tuple[bytes, ...], blank: bool) -> tuple[Part, int]:
        part = Part()
        self.last = part
        pos = self.headers(part, pos, seps, blank)
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            return part, self.delivery_status(part, pos, seps, blank)
        main = ctype.split("/")[0]
        if main == "message":
            inner, pos = self.message(pos, seps, blank)
            part.payload = [inner]
            return part, pos
        if main == "multipart":
            if ctype == "multipart/digest":
                raise NotExact("multipart/digest")
            return part, self.multipart(part, pos, seps, blank)
        stop = self.next_stop(pos, seps, blank)
        part.payload = self.data[pos:stop]
        return part, stop

    def headers(self, part: Part, pos: int, seps: tuple[bytes, ...], blank: bool) -> int:
        """The header lines up to the first that is none (a blank one is consumed); then the fields."""
        data = self.data
        # the lines headerRE accepts, in one pass; a boundary line that looks like a field ends the header early
        end = self.first_boundary(pos, _HEADER_RUN.match(data, pos).end(), seps)
        block = data[pos:end]
        if end < self.n and not self.stops(end, self.line_end(end), seps, blank) and data[end] in (10, 13):
            end = self.line_end(end)  # the blank line between header and body
        if self.bare:
            self.no_bare(pos, end)
        if block.startswith((b" ", b"\t", b":", b"From ")) or b"\n:" in block or b"\nFrom " in block:
            lines, at = [], 0  # the odd cases: FeedParser._parse_headers line by line
            for line in block.splitlines(keepends=True):
                lines.append((pos + at, pos + at + len(line)))
                at += len(line)
            self.fields(part, lines)
        elif block.isascii() and b"\r" not in block:
            part.fields = _FIELD_LF.findall(block.decode("ascii"))
        elif block.isascii():
            part.fields = [(name, value.lstrip(" \t").rstrip("\r\n"))
                           for name, value in _FIELD.findall(block.decode("ascii"))]
        else:
            part.fields = [(name, _value(name, value))
                           for name, value in ((n.decode("ascii"), v) for n, v in _FIELD_BYTES.findall(block))]
        return end

    def fields(self, part: Part, lines: list[tuple[int, int]]) -> None:
        """FeedParser._parse_headers and Compat32.header_source_parse."""
        data = self.data
        start = end = -1
        for number, (a, b) in enumerate(lines):
            if data[a] in (32, 9):  # a continuation; ignored when no field is open
                if start >= 0:
                    end = b
                continue
            if start >= 0:
                self.field(part, start, end)
                start = -1
            if data.startswith(b"From ", a):
                if number == len(lines) - 1 and number:
                    raise NotExact("a From line ends the header")  # the parser reads it as body
                continue  # the envelope line, or a misplaced one (ignored)
            if data[a] == 58:  # ":" first: no field name
                continue
            start, end = a, b
        if start >= 0:
            self.field(part, start, end)

    def field(self, part: Part, start: int, end: int) -> None:
        raw = self.data[start:end]
        colon = raw.index(b":")
        name = raw[:colon].decode("ascii")
        part.fields.append((name, _value(name, raw[colon + 1:])))

    def delivery_status(self, part: Part, pos: int, seps: tuple[bytes, ...], blank: bool) -> int:
        """Field groups separated by blank lines, each read as a message of its own."""
        blocks = []
        start = pos
        while True:
            block, pos = self.message(pos, seps, True)
            blocks.append(block)
            end = self.readline(pos, seps, blank)  # the blank line after the group
            if end is not None:
                pos = end
            if self.readline(pos, seps, blank) is None:
                break
        if self.bare:
            self.no_bare(start, pos)
        part.payload = blocks
        return pos

    def multipart(self, part: Part, pos: int, seps: tuple[bytes, ...], blank: bool) -> int:
        boundary = part.get_boundary()
        if boundary is not None and ("\n" in boundary or "\r" in boundary):
            # a boundary parameter folded over lines: the feed parser matches it line by line, so never; a search
            # over the bytes would match it across two lines
            raise NotExact("a line break in the boundary")
        if boundary is None:  # no boundary: everything to the end of the part is its body
            stop = self.next_stop(pos, seps, blank)
            part.payload = self.data[pos:stop]
            return stop
        sep = b"--" + boundary.encode("ascii")
        inner = (*seps, sep)
        children: list[Part] = []
        preamble, preamble_end = pos, pos
        capturing, closed = True, False
        while True:
            end = self.readline(pos, seps, blank)
            if end is None:
                break
            kind = self.boundary_line(pos, end, sep)
            if kind is None:
                pos = preamble_end = end  # a line of the preamble
                continue
            if kind:
                closed, pos = True, end
                break
            if capturing:
                capturing = False
                continue
            pos = end
            while True:  # repeated boundary lines make no empty parts
                end = self.readline(pos, seps, blank)
                if end is None or self.boundary_line(pos, end, sep) is None:
                    break
                pos = end
            child, pos = self.message(pos, inner, blank)
            children.append(child)
            self.strip_last()
            self.last = part
        if capturing:  # no first boundary: the preamble is the body, the rest is dropped
            part.payload = self.data[preamble:preamble_end]
            return self.next_stop(pos, seps, blank)
        part.payload = children
        return self.next_stop(pos, seps, blank) if closed else pos

    def boundary_line(self, pos: int, end: int, sep: bytes) -> bool | None:
        if not self.data.startswith(sep, pos):
            return None
        return _closes(self.data, pos + len(sep), end)

    def strip_last(self) -> None:
        """The newline before a boundary belongs to the boundary (RFC 2046): taken off the body of the part
        made last (the epilogue of a multipart, which nothing here reads)."""
        last = self.last
        if last is None or last.get_content_maintype() == "multipart" or isinstance(last.payload, list):
            return
        body = last.payload
        if body.endswith(b"\r\n"):
            last.payload = body[:-2]
        elif body.endswith((b"\n", b"\r")):
            last.payload = body[:-1]


def read_tree(data: bytes) -> Part:
    """The message's tree, as ``email.message_from_bytes(data)`` would build it; NotExact when it might not."""
    bare: list[int] = []
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        bare = [m.start() for m in _BARE_CR.finditer(data)]
        for at in bare:
            # the feed parser's line holding this CR starts after a newline or after a bare CR (which the
            # second test checks for that one): a line that starts with "-" may be a boundary line
            line_start = data.rfind(b"\n", 0, at) + 1
            if data[at + 1:at + 2] == b"-" or data[line_start:line_start + 1] == b"-":
                raise NotExact("a bare CR where a boundary line may start")
    root, _end = _Reader(data, bare).message(0, (), False)
    return root
