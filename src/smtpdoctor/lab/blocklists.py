"""Lab twins of block lists: records for :class:`smtpdoctor.lab.dns_server.LabDnsServer` (or the Knot test
fixture) that publish a zone the way real lists do, including the faults the health guards catch.

Data builders; serve them with :class:`smtpdoctor.lab.dns_server.LabDnsServer` (``LabDnsServer(records)``).
The names a list is queried under come from the engine itself (:func:`smtpdoctor.dnsbl.targets.query_key`),
so the lab and the engine cannot disagree on them.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping, Sequence

from ..core.dnsbl_targets import query_key
from ..core.dnsbl_zones import Kind, Zone

__all__ = ["dnsbl_records", "healthy_records", "kind_of"]

_POINTS = {Kind.IPV4: ("127.0.0.2", "127.0.0.1"), Kind.IPV6: ("::ffff:7f00:2", "::ffff:7f00:1"),
           Kind.DOMAIN: ("test", "invalid")}


def kind_of(value: str) -> Kind:
    if ":" in value:
        return Kind.IPV6
    if value.replace(".", "").isdigit():
        return Kind.IPV4
    return Kind.DOMAIN


def dnsbl_records(
    zone: str,
    listed: Mapping[str, Sequence[str] | str] | None = None,
    *,
    txt: Mapping[str, str] | None = None,
    test_points: bool = True,
    kinds: Iterable[Kind] = (Kind.IPV4,),
    test_answer: str = "127.0.0.2",
    unlisted_answer: str | None = None,
) -> dict:
    """Records for one list: each ``listed`` value (IP or domain) -> its A answers, optional TXT reasons,
    and the RFC 5782 test points of ``kinds`` (127.0.0.2 / ::ffff:7f00:2 / ``test`` answer ``test_answer``).

    Faults: ``test_points=False`` (a zone without test points), ``test_answer="127.255.255.254"`` (a list
    refusing the resolver), ``unlisted_answer="127.0.0.2"`` (a dead zone that lists everything), answers
    outside 127.0.0.0/8 (a hijacked zone).
    """
    records: dict = {}
    for value, answers in (listed or {}).items():
        entry: dict = {"A": [answers] if isinstance(answers, str) else list(answers)}
        if txt and value in txt:
            entry["TXT"] = [txt[value]]
        records[f"{query_key(value, kind_of(value))}.{zone}"] = entry
    if test_points:
        for kind in kinds:
            yes, no = _POINTS[kind]
            records.setdefault(f"{query_key(yes, kind)}.{zone}", {"A": [test_answer]})
            if unlisted_answer is not None:
                records[f"{query_key(no, kind)}.{zone}"] = {"A": [unlisted_answer]}
    return records


def healthy_records(zones: Iterable[Zone], listed: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    """Records for catalogue zones with their own test points (dbltest.com, test.surbl.org ...), answering
    as the live lists do; ``listed`` maps zone name -> {value: answer}."""
    records: dict = {}
    for z in zones:
        for kind in sorted(z.kinds):
            yes, _ = z.tests.get(kind, _POINTS[kind])
            answer = "127.0.0.2"
            if z.bits:
                answer = f"127.0.0.{sum(z.bits) | 2}"
            elif z.ranges:
                answer = str(ipaddress.IPv4Address(z.ranges[0][0]))
            elif z.octet3:
                answer = "127.0.10.0"
            elif z.codes:
                answer = next(iter(z.codes))
            records[f"{query_key(yes, kind)}.{z.name}"] = {"A": [answer]}
        for value, answer in ((listed or {}).get(z.name) or {}).items():
            records[f"{query_key(value, kind_of(value))}.{z.name}"] = {"A": [answer]}
    return records
