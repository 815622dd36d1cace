"""Fixtures for the SPF tests: the openspf.org suites' zone data served by the lab DNS server.

The suites' conventions (their README and pyspf's driver): an ``SPF`` entry is served as TXT too unless
the name has a ``TXT`` entry (``TXT: NONE`` means "no TXT at all"); a bare ``TIMEOUT`` entry makes every
query for a type the name has no records of time out; a TXT value given as a list is one record made
of several character-strings. :class:`SuiteDnsServer` wraps :class:`LabDnsServer` for the three things
it cannot express (see the report): per-type timeouts, TXT records of several (or zero) strings, and
names with characters that the DNS presentation format escapes (spaces).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import yaml

from smtpdoctor.lab.dns_server import LabDnsServer

__all__ = ["SUITES", "load_suite", "suite_zone", "SuiteDnsServer"]

# The suites are vendored with their licences (tests/data/spf/README.md): a fresh clone tests itself.
SUITES = Path(__file__).resolve().parents[1] / "data" / "spf"


@functools.cache
def load_suite(filename: str) -> list[dict[str, Any]]:
    path = SUITES / filename
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return list(yaml.load_all(fh, Loader=loader))


def _wire_key(name: str) -> str:
    """The key LabDnsServer derives from a query: the presentation form, lower-case, no final dot."""
    return dns.name.from_text(name).to_text().rstrip(".").lower()


def _absolute(host: str) -> str:
    return host.rstrip(".") + "."


def suite_zone(zonedata: dict[str, list[Any]]) -> tuple[dict[str, Any], set[str]]:
    """zonedata -> (zone for LabDnsServer, names whose other types time out)."""
    zone: dict[str, Any] = {}
    partial: set[str] = set()
    for name, entries in (zonedata or {}).items():
        key = _wire_key(name)
        if all(e == "TIMEOUT" for e in entries):
            zone[key] = "TIMEOUT"
            continue
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        rr: dict[str, list[Any]] = {}
        for entry in entries:
            if entry == "TIMEOUT":
                partial.add(key)
                continue
            for rdtype, value in entry.items():
                if value == "NONE":
                    rr.setdefault(rdtype, [])
                    continue
                if rdtype in ("TXT", "SPF"):
                    strings = [value] if isinstance(value, str) else list(value)
                    rr.setdefault(rdtype, []).append(tuple(strings))
                    if rdtype == "SPF" and not has_txt:
                        rr.setdefault("TXT", []).append(tuple(strings))
                elif rdtype == "MX":
                    prio, host = value
                    rr.setdefault("MX", []).append(f"{prio} {_absolute(host)}")
                elif rdtype in ("PTR", "CNAME"):
                    rr.setdefault(rdtype, []).append(_absolute(value))
                else:
                    rr.setdefault(rdtype, []).append(str(value))
        zone[key] = {t: v for t, v in rr.items() if v}
    return zone, partial


class SuiteDnsServer(LabDnsServer):
    """LabDnsServer plus per-type timeouts and TXT records given as tuples of character-strings."""

    def __init__(self, zone: dict[str, Any], partial_timeouts: set[str]) -> None:
        super().__init__(zone)
        self.partial_timeouts = partial_timeouts

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        if query.question:
            q = query.question[0]
            name = q.name.to_text().rstrip(".").lower()
            entry = self._data.get(name)
            if name in self.partial_timeouts and isinstance(entry, dict) \
                    and dns.rdatatype.to_text(q.rdtype) not in entry:
                return None
        return super().answer(query)

    def _rrset(self, name: str, rdtype: str, values):  # type: ignore[override]
        if rdtype not in ("TXT", "SPF"):
            return super()._rrset(name, rdtype, values)
        rrset = dns.rrset.RRset(dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))
        rrset.ttl = self.ttl
        cls = dns.rdata.get_rdata_class(dns.rdataclass.IN, rrset.rdtype)
        for value in values:
            chunks: list[bytes] = []
            for s in value:
                raw = s.encode("utf-8")
                chunks.extend(raw[i:i + 255] for i in range(0, len(raw), 255))
            # a TXT record of no strings cannot be built; one empty string reads the same to SPF
            rrset.add(cls(dns.rdataclass.IN, rrset.rdtype, chunks or [b""]))
        return rrset
