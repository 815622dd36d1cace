"""The lookup tree of a domain's SPF policy: every record reachable through include and redirect, what
each term costs against the 10-lookup limit, void lookups, MX name counts, loops and failures.

Unlike check_host(), which stops at the first match or at the 11th lookup, this walks the whole policy
(bounded: ``max_nodes`` records, depth 12) so a report can say "14/10" and show where the 14 come from.
Every include of a level is fetched at once; a failed lookup marks its node "could not test" and never
blanks the rest of the tree. The cost counted is what an evaluation for an IP that matches nothing
would spend: each include, a, mx, ptr and exists costs 1, an include adds its subtree, a redirect
counts only when the record has no ``all`` (otherwise it never applies); exp is not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Any

from ...core.observations import Outcome
from .lookup import MX_PTR_LIMIT, fetch_spf_records
from .macro import MacroString
from .names import Address, is_check_host_domain, is_queryable, truncate, unmap
from .nodes import LookupNode, NodeStatus, TermCost
from .record import SpfRecord, SpfSyntaxError, parse
from .terms import MAX_DEPTH, lookup_types, term_target

if TYPE_CHECKING:  # the resolver is injected: any object with the facade's async query()
    from ...net.dns import Resolver

__all__ = ["NodeStatus", "TermCost", "LookupNode", "build_tree", "render_tree", "MAX_DEPTH"]



@dataclass
class _Builder:
    resolver: Resolver
    ip: Address | None
    sender: str | None
    helo: str | None
    max_nodes: int
    nodes: int = 0

    def target(self, spec: MacroString | None, domain: str) -> str | None:
        """The expanded name, or None when it depends on something not known here."""
        return term_target(spec, domain, ip=self.ip, sender=self.sender, helo=self.helo)

    async def node(self, domain: str, via: str, path: tuple[str, ...]) -> LookupNode:
        domain = truncate(domain)
        if not is_check_host_domain(domain):
            return LookupNode(domain=domain, via=via, status=NodeStatus.INVALID_NAME,
                              error=f"{domain!r} is not a valid domain name")
        if domain.lower() in path:
            return LookupNode(domain=domain, via=via, status=NodeStatus.LOOP,
                              error=" -> ".join(path + (domain.lower(),)))
        if len(path) > MAX_DEPTH or self.nodes >= self.max_nodes:
            return LookupNode(domain=domain, via=via, status=NodeStatus.NOT_FOLLOWED,
                              error=f"not followed: more than {self.max_nodes} records or {MAX_DEPTH} levels")
        self.nodes += 1
        found = await fetch_spf_records(self.resolver, domain)
        base: dict[str, Any] = dict(domain=domain, via=via,
                                    records=tuple(r.decode("latin-1") for r in found.records),
                                    string_lengths=tuple(tuple(len(s) for s in ss) for ss in found.strings))
        if found.outcome.is_failure:
            return LookupNode(**base, status=NodeStatus.LOOKUP_FAILED,
                              error=f"TXT {domain}: {found.outcome}" + (f" ({found.error})" if found.error else ""))
        if not found.records:
            why = "the domain does not exist" if found.outcome is Outcome.NXDOMAIN else "no v=spf1 record"
            return LookupNode(**base, status=NodeStatus.NONE, error=why)
        if len(found.records) > 1:
            return LookupNode(**base, status=NodeStatus.MULTIPLE, error=f"{len(found.records)} v=spf1 records")
        raw = found.records[0]
        try:
            record = parse(raw)
        except SpfSyntaxError as exc:
            return LookupNode(**base, status=NodeStatus.SYNTAX_ERROR, record=raw.decode("latin-1"),
                              error=exc.message, position=exc.position)
        return await self._expand(record, base, path + (domain.lower(),))

    async def _expand(self, record: SpfRecord, base: dict[str, Any], path: tuple[str, ...]) -> LookupNode:
        domain = base["domain"]
        all_mech = record.all_mechanism
        jobs: list[asyncio.Future] = []
        for mech in record.mechanisms:
            if mech.counts_lookup:
                jobs.append(asyncio.ensure_future(self._term(mech.name, mech.text, mech.position,
                                                             mech.domain_spec, domain, path)))
        if record.redirect is not None and all_mech is None:
            r = record.redirect
            jobs.append(asyncio.ensure_future(self._term("redirect", r.text, r.position, r.domain_spec, domain, path)))
        done = await asyncio.gather(*jobs)
        terms = tuple(t for t, _ in done)
        failures = tuple(f for _, fs in done for f in fs if not f.startswith("mx-overflow:"))
        overflow = tuple(f.split(":", 1)[1] for _, fs in done for f in fs if f.startswith("mx-overflow:"))
        return LookupNode(**base, status=NodeStatus.OK, record=record.text, terms=terms,
                          all_qualifier=str(all_mech.qualifier) if all_mech is not None else None,
                          ptr_terms=tuple(m.text for m in record.mechanisms if m.name == "ptr"),
                          lookup_failures=failures, mx_overflow=overflow)

    async def _term(self, kind: str, text: str, position: int, spec: MacroString | None, domain: str,
                    path: tuple[str, ...]) -> tuple[TermCost, list[str]]:
        target = self.target(spec, domain)
        if kind in ("include", "redirect"):
            if target is None:
                return TermCost(text=text, position=position, cost=1,
                                note="not followed: the name depends on the sending IP"), []
            child = await self.node(target, text, path)
            return TermCost(text=text, position=position, cost=1 + child.total, child=child), []
        if kind == "ptr" or target is None:
            note = "deprecated; depends on the sending IP" if kind == "ptr" else "depends on the sending IP"
            return TermCost(text=text, position=position, cost=1, note=note), []
        if not is_queryable(target):
            return TermCost(text=text, position=position, cost=1, void=True,
                            note=f"{target!r} is not a valid name"), []
        return await self._lookup(kind, text, position, target)

    async def _lookup(self, kind: str, text: str, position: int,
                      target: str) -> tuple[TermCost, list[str]]:
        types = lookup_types(kind, self.ip)
        answers = await self.resolver.query_many([(target, t) for t in types])
        failed = [f"{a.rdtype} {a.name}: {a.outcome}" for a in answers if a.outcome.is_failure]
        if failed:
            return TermCost(text=text, position=position, cost=1,
                            note="could not test: " + "; ".join(failed)), failed
        void = all(not a.ok for a in answers)
        notes: list[str] = []
        extra: list[str] = []
        if void:
            notes.append(f"void lookup: {' and '.join(types)} {target}: "
                         + ("does not exist" if any(a.outcome is Outcome.NXDOMAIN for a in answers) else "no records"))
        if kind == "mx" and answers[0].ok and len(answers[0].records) > MX_PTR_LIMIT:
            notes.append(f"{len(answers[0].records)} MX names (at most {MX_PTR_LIMIT})")
            extra.append(f"mx-overflow:{text} ({len(answers[0].records)} names)")
        return TermCost(text=text, position=position, cost=1, void=void, note="; ".join(notes)), extra


async def build_tree(resolver: Resolver, domain: str, *, ip: str | Address | None = None,
                     sender: str | None = None, helo: str | None = None, max_nodes: int = 100) -> LookupNode:
    address = unmap(ipaddress.ip_address(ip)) if isinstance(ip, str) else (unmap(ip) if ip is not None else None)
    builder = _Builder(resolver=resolver, ip=address, sender=sender, helo=helo, max_nodes=max_nodes)
    return await builder.node(domain, "", ())


def render_tree(node: LookupNode, *, limit: int = 10) -> list[str]:
    """The tree as text lines: each record with its cost, each include under the term that pulls it in."""
    head = f"{node.domain}  {node.total}/{limit} lookups" if node.status is NodeStatus.OK else \
        f"{node.domain}  {node.status}: {node.error}"
    lines = [head]
    _render_children(node, "", lines)
    return lines


def _render_children(node: LookupNode, prefix: str, lines: list[str]) -> None:
    terms = node.terms
    for i, term in enumerate(terms):
        last = i == len(terms) - 1
        branch = "└─ " if last else "├─ "
        extra = f"  ({term.note})" if term.note else ""
        child = term.child
        status = ""
        if child is not None and child.status is not NodeStatus.OK:
            status = f"  [{child.status}: {child.error}]"
        lines.append(f"{prefix}{branch}{term.text}  {term.cost}{extra}{status}")
        if child is not None and child.status is NodeStatus.OK:
            _render_children(child, prefix + ("   " if last else "│  "), lines)
