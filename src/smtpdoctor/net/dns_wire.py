"""Writing a DNS question and reading a whole DNS answer by hand, with the facade's meaning, for the
multiplexed UDP transport (and the questions a command sends before its event loop runs, ``net/dns_first``).

Why by hand: dnspython's ``dns.message.from_wire`` plus its CNAME-chain resolution cost 0.3-0.5 ms of CPU
per answer on this machine (immutable names, rdata objects, rrset sets), most of the ~1 ms per question
that made the bulk domain audit CPU-bound. A mail domain's answers are few types (A, AAAA, TXT, MX, CNAME,
NS, PTR, SOA); this module reads those straight from the bytes and gives the same fields the facade gives
(``smtpdoctor.net.dns.read_response``): the CNAME chain followed within the answer section as dnspython
does (at most 16 links, the first target of a CNAME set), the asked type's records as dnspython's
``to_text`` writes them, duplicates dropped, the smallest TTL of the set, the AD bit. Anything else raises
:class:`NeedsDnspython` and is parsed by dnspython after all: other record types (TLSA, DNSKEY, DS ...),
any RRSIG in the answer (the audit reads signatures), a chain too long. Not read: the authority and
additional sections, which the facade does not use either.
"""

from __future__ import annotations

import os
import struct
from _socket import AF_INET6, inet_ntoa, inet_ntop  # not socket.py: see net/udp_socket.connected_socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.observations import DnsResult, Outcome

__all__ = ["Answer", "ForeignAnswer", "MalformedAnswer", "NeedsDnspython", "QTYPES", "RCODES", "encode_query",
           "plain_result", "question_key", "random_id", "read_answer", "read_records", "settle"]

# Every type a mail audit asks (the facade's transport takes these; dnspython parses those not read here).
QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
          "DS": 43, "DNSKEY": 48, "TLSA": 52, "SPF": 99, "CAA": 257}


def _rcodes() -> dict[int, Outcome | None]:
    """``RCODES``: rcode -> the outcome it is (None: NOERROR; the rest: an error). Built on first use (PEP 562):
    the outcomes come with core.observations and its data classes, which the primer's writer does without."""
    global RCODES
    from ..core.observations import Outcome

    RCODES = {0: None, 2: Outcome.SERVFAIL, 3: Outcome.NXDOMAIN, 5: Outcome.REFUSED}
    return RCODES


def __getattr__(name: str):
    if name == "RCODES":
        return _rcodes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ESCAPED = b'"().;\\@$'
_SAFE = bytes(c for c in range(0x21, 0x7F) if c not in _ESCAPED)
_MAX_CHAIN = 16  # dnspython's dns.message.MAX_CHAIN
_RRSIG, _CNAME, _IN = 46, 5, 1
_NAME_TYPES = {2, 5, 12}  # NS, CNAME, PTR: one domain name


class MalformedAnswer(ValueError):
    """An answer that cannot be read (too short, bad name compression ...)."""


class ForeignAnswer(MalformedAnswer):
    """A response to another question: a stray or spoofed packet whose id matched (the asker keeps waiting)."""


class NeedsDnspython(Exception):
    """An answer this reader leaves to dnspython (a type it does not read, signatures, a long chain)."""


_LABELS: dict[str, bytes] = {}  # encoded labels ("0".."255", zone labels) repeat across queries


def _label(label: str) -> bytes:
    raw = _LABELS.get(label)
    if raw is None:
        data = label.encode("ascii")
        if not 0 < len(data) < 64:
            raise ValueError(f"bad label {label!r}")
        raw = bytes((len(data),)) + data
        if len(_LABELS) > 20_000:
            _LABELS.clear()
        _LABELS[label] = raw
    return raw


# EDNS0 as the facade asks (dnspython's use_edns(0, DO, 1232)): the root name, type OPT, a 1232-byte UDP
# payload, extended rcode 0, version 0, the DO bit, no options.
_OPT = struct.pack("!BHHIH", 0, 41, 1232, 0x8000, 0)


def question_key(name: str, rdtype: str) -> tuple[str, str]:
    """The one key of a question (name without its final dot, lower case; type in upper case): the primer's,
    the UDP layer's and the facade's cache agree on it, so a primed question is never asked twice."""
    return name.rstrip(".").lower(), rdtype.upper()


_IDS: list[int] = []  # drawn 256 at a time: one system call per 256 questions


def random_id() -> int:
    """A query id nobody can predict (RFC 5452 §9.2), from the system's random source: also spares a command's
    start the ``random`` module (the primer sends its first question before anything else loads). Safe from
    several threads (a Dask worker may run several audits): ``list.pop`` and ``extend`` are each one step, and
    a thread that finds it empty draws more."""
    while True:
        try:
            return _IDS.pop()
        except IndexError:  # empty (or emptied by another thread since it was refilled): draw more
            _IDS.extend(struct.unpack("!256H", os.urandom(512)))


def encode_query(qid: int, name: str, qtype: int, *, edns: bool = False) -> bytes:
    """A standard query with RD set; with ``edns``, also AD and an EDNS0 record with the DO bit and a 1232-byte
    payload (what the facade sends). Raises ValueError for a name that is not plain ASCII labels."""
    try:
        bare = name.rstrip(".")
        qname = b"".join([_label(lab) for lab in bare.split(".")]) if bare else b""  # "" or ".": the root
    except UnicodeEncodeError:
        raise ValueError(f"not an ASCII name: {name!r}") from None
    if len(qname) > 254:
        raise ValueError(f"name too long: {name!r}")
    if edns:
        return (struct.pack("!HHHHHH", qid, 0x0120, 1, 0, 0, 1) + qname + b"\0" + struct.pack("!HH", qtype, 1)
                + _OPT)
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + b"\0" + struct.pack("!HH", qtype, 1)


class Answer:
    """What :func:`read_answer` found: the header's rcode and flags, and for NOERROR the facade's fields."""

    __slots__ = ("rcode", "truncated", "authenticated", "records", "ttl", "canonical", "txt_strings")

    def __init__(self, rcode: int, truncated: bool, authenticated: bool) -> None:
        self.rcode, self.truncated, self.authenticated = rcode, truncated, authenticated
        self.records: tuple[str, ...] = ()
        self.ttl: int | None = None
        self.canonical: str | None = None  # where the CNAME chain ended (lower case, no final dot)
        self.txt_strings: tuple[tuple[bytes, ...], ...] = ()


def _label_text(label: bytes) -> str:
    """dnspython's ``dns.name._escapify``: the escaped characters with a backslash, other bytes outside
    printable ASCII as \\DDD."""
    if not label.translate(None, _SAFE):
        return label.decode("ascii")
    out = []
    for c in label:
        if c in _ESCAPED:
            out.append("\\" + chr(c))
        elif 0x20 < c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\%03d" % c)
    return "".join(out)


def _name(data: bytes, i: int) -> tuple[tuple[bytes, ...], int]:
    """The labels of the name at ``i`` (compression followed) and the offset after it."""
    labels: list[bytes] = []
    end = -1
    size = 0
    for _ in range(256):
        n = data[i]
        if n >= 0xC0:
            if end < 0:
                end = i + 2
            i = ((n & 0x3F) << 8) | data[i + 1]
            continue
        if n & 0xC0:
            raise MalformedAnswer("unknown label type")
        if n == 0:
            return tuple(labels), (end if end >= 0 else i + 1)
        label = data[i + 1:i + 1 + n]
        if len(label) != n:
            raise MalformedAnswer("label runs past the end")
        size += n + 1
        if size > 255:
            raise MalformedAnswer("name too long")
        labels.append(label)
        i += n + 1
    raise MalformedAnswer("name compression loop")


def _text(labels: tuple[bytes, ...]) -> str:
    return ".".join([_label_text(label) for label in labels]) + "." if labels else "."


def _key(labels: tuple[bytes, ...]) -> tuple[bytes, ...]:
    return tuple([label.lower() for label in labels])


def _rdata_text(data: bytes, rtype: int, i: int, rdlen: int) -> tuple[str, tuple[bytes, ...] | None]:
    """(the record as dnspython's ``to_text`` writes it, its TXT strings or None)."""
    if rtype == 1:
        if rdlen != 4:
            raise MalformedAnswer("A record of bad length")
        return inet_ntoa(data[i:i + 4]), None
    if rtype == 28:
        if rdlen != 16:
            raise MalformedAnswer("AAAA record of bad length")
        # The C library writes RFC 5952 text, as dnspython's dns.ipv6.inet_ntoa does (tests/net/test_dns_wire.py
        # compares them), without loading dnspython for every AAAA answer.
        return inet_ntop(AF_INET6, data[i:i + 16]), None
    if rtype in (16, 99):  # TXT, SPF: the facade keeps the strings and their join
        strings, j, end = [], i, i + rdlen
        while j < end:
            n = data[j]
            if j + 1 + n > end:
                raise MalformedAnswer("TXT string runs past the record")
            strings.append(data[j + 1:j + 1 + n])
            j += n + 1
        return b"".join(strings).decode("utf-8", "replace"), tuple(strings)
    if rtype == 15:
        labels, _ = _name(data, i + 2)
        return f"{struct.unpack_from('!H', data, i)[0]} {_text(labels)}", None
    if rtype in _NAME_TYPES:
        return _text(_name(data, i)[0]), None
    if rtype == 6:
        mname, j = _name(data, i)
        rname, j = _name(data, j)
        serial, refresh, retry, expire, minimum = struct.unpack_from("!IIIII", data, j)
        return f"{_text(mname)} {_text(rname)} {serial} {refresh} {retry} {expire} {minimum}", None
    raise NeedsDnspython(f"type {rtype}")


def read_answer(data: bytes, qname: tuple[bytes, ...], qtype: int) -> Answer:
    """Read a response to ``qname`` (lower-case labels) / ``qtype``.

    Raises :class:`MalformedAnswer` for a datagram that is not a readable response to this question
    ("another question" when it answers a different one) and :class:`NeedsDnspython` for a NOERROR
    answer this reader does not read."""
    try:
        flags, an, i = _question(data, qname, qtype)
        out = Answer(flags & 0x000F, bool(flags & 0x0200), bool(flags & 0x0020))
        if out.rcode != 0 or out.truncated:
            return out
        rrs = []
        for owner, rtype, rclass, ttl, at, rdlen in _records(data, i, an):
            if rtype == _RRSIG:
                raise NeedsDnspython("signatures")
            if rclass == _IN:
                rrs.append((_key(owner), rtype, ttl, at, rdlen))
        _chain(out, data, rrs, qname, qtype)
        return out
    except (IndexError, struct.error) as exc:
        raise MalformedAnswer(str(exc) or "truncated packet") from None


def read_records(data: bytes, qname: tuple[bytes, ...], qtype: int) -> tuple[int, tuple[str, ...], int | None, bool]:
    """(rcode, every ``qtype`` record of the answer section as text, their smallest TTL, truncated), whatever
    their owner: the blocklist sweep's reading (A and TXT, no chain to follow). Same errors as read_answer."""
    try:
        flags, an, i = _question(data, qname, qtype)
        records: list[str] = []
        ttl: int | None = None
        for _, rtype, _, rttl, at, rdlen in _records(data, i, an):
            if rtype == qtype:
                ttl = rttl if ttl is None else min(ttl, rttl)
                records.append(_rdata_text(data, rtype, at, rdlen)[0])
        return flags & 0x000F, tuple(records), ttl, bool(flags & 0x0200)
    except NeedsDnspython as exc:
        raise MalformedAnswer(f"not read here: {exc}") from None
    except (IndexError, struct.error) as exc:
        raise MalformedAnswer(str(exc) or "truncated packet") from None


def _question(data: bytes, qname: tuple[bytes, ...], qtype: int) -> tuple[int, int, int]:
    """(flags, answer count, offset of the answer section) of a response to ``qname``/``qtype``."""
    if len(data) < 12:
        raise MalformedAnswer("short answer")
    flags, qd, an = struct.unpack_from("!HHH", data, 2)
    if not flags & 0x8000 or qd != 1:
        raise MalformedAnswer("not a response to one question")
    labels, i = _name(data, 12)
    qt, _ = struct.unpack_from("!HH", data, i)
    if qt != qtype or _key(labels) != qname:
        raise ForeignAnswer("answer for another question")
    return flags, an, i + 4


def _records(data: bytes, i: int, count: int):
    """The answer section's records: (owner labels, type, class, ttl, rdata offset, rdata length)."""
    for _ in range(count):
        owner, i = _name(data, i)
        rtype, rclass, ttl, rdlen = struct.unpack_from("!HHIH", data, i)
        i += 10
        if i + rdlen > len(data):
            raise MalformedAnswer("record runs past the end")
        yield owner, rtype, rclass, ttl, i, rdlen
        i += rdlen


def _chain(out: Answer, data: bytes, rrs: list, qname: tuple[bytes, ...], qtype: int) -> None:
    """dnspython's ``Message.resolve_chaining``: the asked type at the name, else the first CNAME target."""
    target = qname
    for _ in range(_MAX_CHAIN):
        found = [rr for rr in rrs if rr[1] == qtype and rr[0] == target]
        if found:
            break
        cname = next((rr for rr in rrs if rr[1] == _CNAME and rr[0] == target), None) if qtype != _CNAME else None
        if cname is None:
            break
        target = _key(_name(data, cname[3])[0])
    else:
        raise NeedsDnspython("CNAME chain too long")
    if target != qname:
        out.canonical = _text(target).rstrip(".")
    if not found:
        return
    seen: set = set()
    records: list[str] = []
    strings: list[tuple[bytes, ...]] = []
    for _, rtype, _, i, rdlen in found:
        text, parts = _rdata_text(data, rtype, i, rdlen)
        key = parts if parts is not None else text if rtype in (1, 28) else text.lower()
        if key in seen:
            continue  # an rdataset is a set: dnspython drops the duplicate
        seen.add(key)
        records.append(text)
        if parts is not None:
            strings.append(parts)
    out.records = tuple(records)
    out.ttl = min(rr[2] for rr in found)
    out.txt_strings = tuple(strings)


def settle(query, data: bytes) -> None:
    """Finish a full-mode query of :mod:`smtpdoctor.net.udp_mux` with ``data``, its answer, read as the
    facade reads it; hand it to the facade where the facade does more (TCP after a truncated answer, another
    server after SERVFAIL or REFUSED when there is one, any other rcode)."""
    from ..core.observations import Outcome
    from .dns import read_wire

    try:
        answer = read_answer(data, query.qname, query.qtype)
    except ForeignAnswer:  # a stray or spoofed packet with a matching id: keep waiting
        return
    except MalformedAnswer as exc:
        query._stop()
        query.finish(Outcome.ERROR, error=f"malformed answer: {exc}")
        return
    except NeedsDnspython:
        query._stop()
        query.mux._answered(query)
        outcome, fields = read_wire(query.name, query.rdtype, data)
        query.finish(outcome, **fields)
        return
    query._stop()
    mux = query.mux
    mux._answered(query)
    outcome = (globals().get("RCODES") or _rcodes()).get(answer.rcode, Outcome.ERROR)
    if answer.truncated or outcome is Outcome.ERROR or (outcome is not None and outcome is not Outcome.NXDOMAIN
                                                        and len(mux.servers) > 1):
        mux._release()
        mux._to_facade(query.name, query.rdtype, query.future, tcp=answer.truncated)
    elif outcome is not None and outcome is not Outcome.NXDOMAIN:
        host, port = mux.servers[0]
        query.finish(outcome, error=f"{host}:{port} answered {outcome.name}")
    else:
        if outcome is Outcome.NXDOMAIN:
            query.finish(outcome)
        else:
            outcome, fields = _found(answer)
            query.finish(outcome, **fields)
        if mux.on_answer is not None:  # the questions that follow from it, asked now (udp_mux.on_answer)
            mux.on_answer((query.name, query.rdtype), answer)


def _found(answer: Answer) -> tuple[Outcome, dict]:
    """The outcome and the facade's fields of a NOERROR answer."""
    from ..core.observations import Outcome

    return Outcome.OK if answer.records else Outcome.NODATA, {
        "records": answer.records, "ttl": answer.ttl, "canonical_name": answer.canonical,
        "authenticated": answer.authenticated, "txt_strings": answer.txt_strings}


def plain_result(name: str, rdtype: str, answer: Answer) -> DnsResult | None:
    """The facade's result of ``answer`` to ``name``/``rdtype`` when it is a whole NOERROR or NXDOMAIN answer
    (what :func:`settle` makes of it); None for any other (the facade may ask it again, elsewhere or over TCP)."""
    from ..core.observations import DnsResult, Outcome

    if answer.truncated or answer.rcode not in (0, 3):
        return None
    if answer.rcode == 3:
        return DnsResult(name=name, rdtype=rdtype, outcome=Outcome.NXDOMAIN)
    outcome, fields = _found(answer)
    return DnsResult(name=name, rdtype=rdtype, outcome=outcome, **fields)
