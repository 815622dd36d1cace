"""What the lookup tree (:mod:`.tree`) asks the DNS for a record's terms, as plain functions: the name a term
looks up, the types it asks there, and, for a whole record, the next questions.

Apart from the tree, which runs on the event loop, so that a domain audit can ask a record's next questions
before the loop exists (:mod:`smtpdoctor.flows.domain_first`: its second round leaves while the loop is still
being imported, issue 16). Nothing here imports asyncio.
"""

from __future__ import annotations

import ipaddress

from .macro import MacroContext, MacroString, expand, uses_letter
from .names import Address, is_check_host_domain, is_queryable, truncate
from .record import SpfRecord

__all__ = ["term_target", "lookup_types", "record_questions", "MAX_DEPTH"]

MAX_DEPTH = 12  # levels of include and redirect the tree follows


def term_target(spec: MacroString | None, domain: str, *, ip: Address | None = None, sender: str | None = None,
                helo: str | None = None) -> str | None:
    """The name a term whose domain-spec is ``spec`` looks up at ``domain`` (``spec`` None: ``domain``
    itself); None when it depends on what is not known here (%{p}, or %{i}/%{c}/%{v} without ``ip``)."""
    if spec is None:
        return domain
    if uses_letter(spec, "p") or (ip is None and uses_letter(spec, "icv")):
        return None
    context = MacroContext(sender=sender or f"postmaster@{domain}", domain=domain,
                           ip=ip or ipaddress.IPv4Address(0), helo=helo or domain)
    return truncate(expand(spec, context))


def lookup_types(kind: str, ip: Address | None) -> list[str]:
    """The types an ``a``, ``mx`` or ``exists`` term asks at its target (``a`` without an IP: both families)."""
    if kind == "mx":
        return ["MX"]
    if kind == "exists":
        return ["A"]
    if ip is not None:
        return ["A" if ip.version == 4 else "AAAA"]
    return ["A", "AAAA"]


def record_questions(record: SpfRecord, domain: str, *, ip: Address | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """The tree's next step for ``record``, found at ``domain``: the names whose SPF records it fetches next
    (its include targets, and the redirect's when the record has no ``all``: each a node of its own, whose TXT
    it asks when the name is a valid <domain>), and the questions of its ``a``, ``mx`` and ``exists`` terms.
    Terms whose name depends on the sending IP or the validated name, and ``ptr``, ask nothing."""
    nodes: list[str] = []
    lookups: list[tuple[str, str]] = []
    terms = [(m.name, m.domain_spec) for m in record.mechanisms if m.counts_lookup]
    if record.redirect is not None and record.all_mechanism is None:
        terms.append(("redirect", record.redirect.domain_spec))
    for kind, spec in terms:
        target = term_target(spec, domain, ip=ip)
        if target is None or kind == "ptr":
            continue
        if kind in ("include", "redirect"):
            if is_check_host_domain(truncate(target)):
                nodes.append(truncate(target))
        elif is_queryable(target):
            lookups += [(target, rdtype) for rdtype in lookup_types(kind, ip)]
    return nodes, lookups

