"""MTA-STS (RFC 8461): the ``_mta-sts`` TXT record and the policy file served over HTTPS (version,
mode, ``mx`` patterns, ``max_age``) read into a :class:`StsPolicy`, the SHA-256 of a policy's text, and
the rule of how an ``mx`` pattern matches a host (§4.1). Sans-I/O: text in, values out; whether the
policy protects the domain is judged in ``judge/dns/mta_sts.py`` (``net/https.py`` fetches the file)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..core.observations import DnsResult
from ..core.serialize import JsonMixin
from .tags import parse_tags

__all__ = ["StsPolicy", "sts_records", "txt_id", "parse_policy", "mx_matches", "policy_fingerprint",
           "MAX_AGE_LIMIT"]

MAX_AGE_LIMIT = 31557600  # RFC 8461 §3.2: at most about a year


@dataclass(frozen=True, slots=True, kw_only=True)
class StsPolicy(JsonMixin):
    version: str | None = None
    mode: str | None = None
    max_age: int | None = None
    mx: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def policy_fingerprint(body: str) -> str:
    """SHA-256 (hex) of the policy text as served: what changes when the policy changes."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def txt_id(txt: DnsResult) -> str | None:
    """The id= of the (first) _mta-sts record."""
    records = sts_records(txt)
    return parse_tags(records[0]).get("id") if records else None


def sts_records(result: DnsResult) -> tuple[str, ...]:
    return tuple(r for r in result.records if r.strip().lower().startswith("v=stsv1"))


def parse_policy(text: str) -> StsPolicy:
    """The ``key: value`` lines of an MTA-STS policy (CRLF or LF)."""
    problems: list[str] = []
    fields: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            problems.append(f"line {number} {line[:40]!r} is not 'key: value'")
            continue
        fields.setdefault(key.strip().lower(), []).append(value.strip())
    version = (fields.get("version") or [None])[0]
    if version != "STSv1":
        problems.append("version: STSv1 is missing" if version is None else f"version: {version!r} is not STSv1")
    mode = (fields.get("mode") or [None])[0]
    if mode not in ("enforce", "testing", "none"):
        problems.append("mode: is missing" if mode is None else f"mode: {mode!r} (expected enforce, testing or none)")
        mode = None
    max_age: int | None = None
    raw_age = (fields.get("max_age") or [None])[0]
    if raw_age is None:
        problems.append("max_age: is missing")
    elif not (raw_age.isascii() and raw_age.isdigit()) or len(raw_age) > 10:
        problems.append(f"max_age: {raw_age!r} is not a number of seconds")
    else:
        max_age = int(raw_age)
        if max_age > MAX_AGE_LIMIT:
            problems.append(f"max_age: {max_age} is over the limit of {MAX_AGE_LIMIT} seconds")
    mx = tuple(m.lower().rstrip(".") for m in fields.get("mx", ()))
    if not mx and mode in ("enforce", "testing"):
        problems.append("no mx: line (a policy in enforce or testing mode needs one per MX pattern)")
    return StsPolicy(version=version, mode=mode, max_age=max_age, mx=mx, problems=tuple(problems))


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1: ``*.example.com`` matches exactly one extra left-most label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, tail = host.partition(".")
        return bool(head) and tail == pattern[2:]
    return pattern == host
