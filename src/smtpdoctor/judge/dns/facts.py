"""Small shared pieces of the domain checks: addresses of a host as looked up, and the "could not test"
finding every topic makes from a failed lookup. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from ...protocol.tags import TagList, parse_tags

__all__ = ["HostAddresses", "could_not_test", "failure_text", "one_record", "versioned_tags"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HostAddresses:
    """A and AAAA of one host name, as answered."""

    host: str
    a: DnsResult
    aaaa: DnsResult

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.a.records + self.aaaa.records

    @property
    def failed(self) -> bool:
        """Neither answer says anything certain and at least one failed."""
        return (self.a.outcome.is_failure or self.aaaa.outcome.is_failure) and not self.addresses

    @property
    def canonical_name(self) -> str | None:
        return self.a.canonical_name or self.aaaa.canonical_name


def failure_text(result: DnsResult) -> str:
    text = str(result.outcome).upper()
    if result.error:
        text += f" ({result.error})"
    return text


def could_not_test(area: str, what: str, result: DnsResult) -> Finding:
    """The finding ``<area>.lookup-failed`` for a lookup that failed (timeout, SERVFAIL...): "could not
    test", never "missing"."""
    return catalogue.make(
        f"{area}.lookup-failed",
        what=what,
        name=result.name,
        rdtype=result.rdtype,
        outcome=failure_text(result),
        evidence={"name": result.name, "type": result.rdtype, "outcome": str(result.outcome),
                  "error": result.error},
    )


def one_record(area: str, what: str, txt: DnsResult, records: tuple[str, ...], *, domain: str,
               name: str) -> Finding | None:
    """What stops a topic before its one record is read: the lookup failed (could not test), no record
    (``<area>.missing``), several (``<area>.several-records``). None when there is exactly one."""
    if txt.outcome.is_failure:
        return could_not_test(area, what, txt)
    if not records:
        return catalogue.make(f"{area}.missing", domain=domain)
    if len(records) > 1:
        return catalogue.make(f"{area}.several-records", name=name, count=len(records))
    return None


def versioned_tags(record: str, version: str) -> tuple[TagList, list[str]]:
    """The record's tags and its syntax problems, the first being a record that does not open with
    ``v=<version>`` (BIMI, TLS-RPT)."""
    tags = parse_tags(record)
    problems = list(tags.problems)
    if tags.names[:1] != ("v",) or tags.get("v") != version:
        problems.append(f"the record must start with v={version}")
    return tags, problems
