"""MX records (RFC 5321 §5.1, RFC 7505's null MX): the answer's records in preference order and the target
hosts worth resolving. Pure: a DNS answer in, values out. Judged in ``judge/dns/mx.py``; apart from the
checks because the domain audit asks the hosts' addresses from these as soon as the MX answer is read,
before the checks are imported (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.name_text import is_ip_address
from ..core.serialize import JsonMixin

if TYPE_CHECKING:
    from ..core.observations import DnsResult

__all__ = ["MxRecord", "parse_mx", "mx_hosts", "is_ip_literal", "DANE_HOSTS"]

DANE_HOSTS = 10  # the MX hosts (first by preference) whose TLSA records the audit reads (flows/domain, domain_next)


@dataclass(frozen=True, slots=True, kw_only=True)
class MxRecord(JsonMixin):
    preference: int
    host: str  # lower-case, no final dot; "" for the null MX "."


def parse_mx(result: DnsResult) -> tuple[MxRecord, ...]:
    out: list[MxRecord] = []
    for text in result.records:
        pref, _, host = text.partition(" ")
        try:
            preference = int(pref)
        except ValueError:
            continue
        out.append(MxRecord(preference=preference, host=host.strip().rstrip(".").lower()))
    return tuple(sorted(out, key=lambda r: (r.preference, r.host)))


def mx_hosts(result: DnsResult) -> tuple[str, ...]:
    """The distinct target host names worth resolving (no null MX, no IP literals), in preference order."""
    seen: list[str] = []
    for record in parse_mx(result):
        if record.host and not is_ip_literal(record.host) and record.host not in seen:
            seen.append(record.host)
    return tuple(seen)


def is_ip_literal(host: str) -> bool:
    """An MX target written as an address (``[192.0.2.1]``, ``192.0.2.1``) instead of a host name."""
    return is_ip_address(host.strip("[]"))
