"""Authentication-Results header fields (RFC 8601) and which of them to believe. Sans-I/O, pure.

Written by hand rather than with the ``authres`` package: that package raises on the malformed fields
real receivers write (a missing ``;``, an unknown ptype) and has no notion of a trusted authserv-id;
the grammar needed here is small (comments, quoted strings, ``;``-separated results).

Only fields whose authserv-id is the receiver's own are believed (RFC 8601 §5: anything upstream may
be forged). The receiver's id is the one given (``--authserv-id``), or else the id of the fields added
at the receiving hop: those above the Received field of the hop before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

__all__ = ["AuthResult", "AuthResults", "parse_authres", "trusted_results"]

_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_TOKEN = re.compile(r'\s*([\w.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]*)')


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResult:
    method: str  # dkim, spf, dmarc, arc, iprev, auth, ...
    result: str  # pass, fail, none, softfail, neutral, temperror, permerror, policy, ...
    reason: str | None = None
    props: dict[str, str] = field(default_factory=dict)  # "header.d" -> "example.com"

    def to_json(self) -> dict:
        return {"method": self.method, "result": self.result, "reason": self.reason, "props": dict(self.props)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResults:
    authserv_id: str
    results: tuple[AuthResult, ...]
    position: int  # index of the field among all header fields (0 = top)
    raw: str = ""

    def of(self, method: str) -> tuple[AuthResult, ...]:
        return tuple(r for r in self.results if r.method == method)


def _strip_comments(text: str) -> str:
    previous = None
    while previous != text:  # nested comments: innermost first
        previous, text = text, _COMMENT.sub(" ", text)
    return text


def _split(text: str) -> list[str]:
    """Split on ';' outside quoted strings."""
    out, buf, quoted, escape = [], [], False, False
    for ch in text:
        if escape:
            buf.append(ch)
            escape = False
        elif ch == "\\":
            buf.append(ch)
            escape = True
        elif ch == '"':
            buf.append(ch)
            quoted = not quoted
        elif ch == ";" and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_authres(value: str, position: int = 0) -> AuthResults | None:
    """One field's value -> its results, or None when it has no authserv-id."""
    raw = " ".join(value.split())
    parts = _split(_strip_comments(raw))
    head = parts[0].split()
    if not head:
        return None
    authserv_id = head[0].lower().rstrip(".")
    results: list[AuthResult] = []
    for part in parts[1:]:
        tokens = _TOKEN.findall(part)
        if not tokens:
            continue  # "none", or an empty trailing part
        (method, result), rest = tokens[0], tokens[1:]
        method = method.split("/")[0].lower()
        reason = None
        props: dict[str, str] = {}
        for key, val in rest:
            key = key.lower()
            if key == "reason":
                reason = _unquote(val)
            elif "." in key:
                props.setdefault(key, _unquote(val))
        results.append(AuthResult(method=method, result=_unquote(result).lower(), reason=reason, props=props))
    return AuthResults(authserv_id=authserv_id, results=tuple(results), position=position, raw=raw[:2000])


def trusted_results(headers: Sequence[tuple[str, str]], authserv_id: str | None = None, *,
                    handover_index: int = 0) -> tuple[str | None, tuple[AuthResults, ...], tuple[AuthResults, ...]]:
    """``headers`` are (name, value) in order, top first; ``handover_index`` is the index (0 = top) of the
    Received field of the hop where the receiver took the message. The receiver's fields are above the
    Received field after it (Gmail writes its own below its Received, so "above the handover" would miss
    them). Returns (the receiver's authserv-id, the fields it wrote, the others — ignored, shown as such)."""
    fields: list[AuthResults] = []
    received_seen = 0
    hop_limit = None  # the position of the Received field below the handover: fields above it are the receiver's
    for pos, (name, value) in enumerate(headers):
        lname = name.lower()
        if lname == "received":
            received_seen += 1
            if received_seen == handover_index + 2 and hop_limit is None:
                hop_limit = pos
        elif lname == "authentication-results":
            parsed = parse_authres(value, pos)
            if parsed is not None:
                fields.append(parsed)
    wanted = authserv_id.lower().rstrip(".") if authserv_id else None
    if wanted is None:
        top = [f for f in fields if hop_limit is None or f.position < hop_limit]
        wanted = top[0].authserv_id if top else None
    # Even with the receiver's id, a field below the receiving hop was written upstream (a forgery).
    trusted = tuple(f for f in fields if wanted is not None and f.authserv_id == wanted
                    and (hop_limit is None or f.position < hop_limit))
    others = tuple(f for f in fields if f not in trusted)
    return wanted, trusted, others
