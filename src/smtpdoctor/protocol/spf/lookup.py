"""What check_host() (:mod:`.eval`) and the lookup tree (:mod:`.tree`) share: the SPF records of a name
(RFC 7208 4.4/4.5) as :class:`SpfRecordSet` facts, and the DNS processing limits of 4.6.4.

Apart from the evaluation so that the tree, which a domain audit builds while its first answers are read,
loads neither the evaluation nor its result classes (issue 16: the audit without ``--ip`` never evaluates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .record import select_records

if TYPE_CHECKING:  # the resolver is injected: any object with the facade's async query()
    from ...core.observations import Outcome
    from ...net.dns import Resolver

__all__ = ["SpfRecordSet", "fetch_spf_records", "spf_records", "LOOKUP_LIMIT", "VOID_LIMIT", "MX_PTR_LIMIT"]

# RFC 7208 §4.6.4: 10 DNS-querying terms, 2 void lookups, 10 MX (and PTR) names
LOOKUP_LIMIT = 10
VOID_LIMIT = 2
MX_PTR_LIMIT = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class SpfRecordSet:
    """The SPF records found at a name (RFC 7208 4.4/4.5), as facts: ``outcome`` of the TXT query,
    the SPF records (raw bytes) and the character-strings each was made of."""

    name: str
    outcome: Outcome
    records: tuple[bytes, ...] = ()
    strings: tuple[tuple[bytes, ...], ...] = ()
    error: str | None = None


async def fetch_spf_records(resolver: Resolver, name: str) -> SpfRecordSet:
    answer = await resolver.query(name, "TXT")
    recs, strings = spf_records(answer.txt_strings)
    return SpfRecordSet(name=name, outcome=answer.outcome, records=recs, strings=strings, error=answer.error)


def spf_records(txt_strings: tuple[tuple[bytes, ...], ...]) -> tuple[tuple[bytes, ...], tuple[tuple[bytes, ...], ...]]:
    """The SPF records among a TXT answer's records (each given as its character-strings), joined, with the
    character-strings of each."""
    recs: list[bytes] = []
    strings: list[tuple[bytes, ...]] = []
    for parts in txt_strings:
        joined = b"".join(parts)
        if select_records([joined]):
            recs.append(joined)
            strings.append(tuple(parts))
    return tuple(recs), tuple(strings)
