"""check_host() of RFC 7208, over the resolver facade, with an evaluation trace.

Terms are evaluated in order, as the RFC requires, but a bounded speculative walk of the policy runs
alongside and asks ahead every question the evaluation may need (TXT of include/redirect targets,
recursively; A/AAAA of a/exists targets; MX names and their addresses), so an evaluation costs about
its chain of dependent round trips, not their sum. The resolver asks each (name, type) once per run,
so nothing is asked twice; the results and the trace are the same with or without it.

Limits: 10 DNS-querying terms (include, a, mx, ptr, exists, redirect; exp is not counted), 2 void
lookups (NXDOMAIN or no data), more than 10 MX names is a permerror, only the first 10 PTR names are
used, and the whole evaluation is bounded in time (``deadline``, 20 s by default) -> temperror.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
import ipaddress
import time

from ...core.observations import DnsResult, Outcome
from .macro import (
    EXP_LETTERS, MacroContext, MacroString, MacroSyntaxError, expand, parse_macro_string, uses_letter,
)
from .names import Address, is_check_host_domain, is_queryable, truncate, unmap
from .record import Mechanism, SpfRecord, SpfSyntaxError, parse
from .lookup import LOOKUP_LIMIT, MX_PTR_LIMIT, VOID_LIMIT, fetch_spf_records
from .result import CheckHostResult, SpfResult, TraceStep

if TYPE_CHECKING:  # the resolver is injected: any object with the facade's async query()
    from ...net.dns import Resolver

__all__ = ["check_host", "LOOKUP_LIMIT", "VOID_LIMIT", "MX_PTR_LIMIT", "fetch_spf_records"]

SPECULATE_RECORDS = 40  # records fetched ahead of the evaluation, at most


class _PermError(Exception):
    pass


class _TempError(Exception):
    pass


def _addresses(answer: DnsResult) -> list[Address]:
    out: list[Address] = []
    for text in answer.records:
        try:
            out.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    return out


def _target(text: str) -> str:
    """A name from rdata text (``10 mx.example.com.`` -> ``mx.example.com``)."""
    return text.split()[-1].rstrip(".") if text.split() else ""


class _Evaluation:
    def __init__(self, resolver: Resolver, ip: Address, sender: str, helo: str, receiver: str,
                 now: int, lookup_limit: int, void_limit: int, prefetch: bool) -> None:
        self.resolver = resolver
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.receiver = receiver
        self.now = now
        self.lookup_limit = lookup_limit
        self.void_limit = void_limit
        self.prefetch = prefetch
        self.lookups = 0
        self.void = 0
        self.trace: list[TraceStep] = []
        self._validated: dict[str, str] = {}
        self._budget = SPECULATE_RECORDS

    # -- helpers ----------------------------------------------------------------------------------
    def step(self, depth: int, domain: str, kind: str, text: str, outcome: str, detail: str = "") -> None:
        self.trace.append(TraceStep(depth=depth, domain=domain, kind=kind, text=text, outcome=outcome,
                                    detail=detail, lookups=self.lookups))

    def ctx(self, domain: str, validated: str = "unknown") -> MacroContext:
        return MacroContext(sender=self.sender, domain=domain, ip=self.ip, helo=self.helo,
                            validated=validated, receiver=self.receiver, timestamp=self.now)

    async def expand_name(self, ms: MacroString, domain: str) -> str:
        validated = await self.validated_name(domain) if uses_letter(ms, "p") else "unknown"
        return truncate(expand(ms, self.ctx(domain, validated)))

    @property
    def addr_type(self) -> str:
        return "A" if self.ip.version == 4 else "AAAA"

    def count(self, depth: int, domain: str, term: str) -> None:
        self.lookups += 1
        if self.lookups > self.lookup_limit:
            self.step(depth, domain, "error", term, "permerror",
                      f"more than {self.lookup_limit} DNS-querying terms")
            raise _PermError(f"too many DNS lookups (over {self.lookup_limit}) at {term} in {domain}")

    def void_lookup(self, depth: int, domain: str, term: str) -> None:
        self.void += 1
        if self.void > self.void_limit:
            self.step(depth, domain, "error", term, "permerror", f"more than {self.void_limit} void lookups")
            raise _PermError(f"too many void lookups (over {self.void_limit}) at {term} in {domain}")

    def kick(self, name: str, rdtype: str) -> None:
        if self.prefetch and is_queryable(name):
            asyncio.ensure_future(self.resolver.query(name, rdtype))

    async def validated_name(self, domain: str) -> str:
        """%{p}: a validated name of the IP, preferring <domain> or a subdomain of it (7.3)."""
        if domain in self._validated:
            return self._validated[domain]
        names = await self.validated_ptr_names()
        d = domain.lower()
        best = next((n for n in names if n.lower() == d), None) \
            or next((n for n in names if n.lower().endswith("." + d)), None) \
            or (names[0] if names else "unknown")
        self._validated[domain] = best
        return best

    async def validated_ptr_names(self, suffix: str | None = None) -> list[str]:
        answer = await self.resolver.ptr(str(self.ip))
        if not answer.ok:
            return []
        names = [_target(r) for r in answer.records][:MX_PTR_LIMIT]
        if suffix is not None:
            s = suffix.lower()
            names = [n for n in names if n.lower() == s or n.lower().endswith("." + s)]
        names = [n for n in names if is_queryable(n)]
        answers = await asyncio.gather(*(self.resolver.query(n, self.addr_type) for n in names))
        return [n for n, a in zip(names, answers) if a.ok and self.ip in _addresses(a)]

    # -- check_host -------------------------------------------------------------------------------
    async def check(self, domain: str, depth: int, via: str) -> tuple[SpfResult, tuple[str, SpfRecord] | None]:
        domain = truncate(domain)
        if not is_check_host_domain(domain):
            self.step(depth, domain, "record", via, "none", "not a valid domain name")
            return SpfResult.NONE, None
        found = await fetch_spf_records(self.resolver, domain)
        if found.outcome.is_failure:
            self.step(depth, domain, "record", via, "temperror", f"TXT lookup failed: {found.outcome}")
            raise _TempError(f"DNS {found.outcome} for TXT {domain}")
        if not found.records:
            why = "the domain does not exist" if found.outcome is Outcome.NXDOMAIN else "no v=spf1 record"
            self.step(depth, domain, "record", via, "none", why)
            return SpfResult.NONE, None
        if len(found.records) > 1:
            self.step(depth, domain, "record", via, "permerror", f"{len(found.records)} SPF records")
            raise _PermError(f"{domain} has {len(found.records)} SPF records")
        raw = found.records[0]
        try:
            record = parse(raw)
        except SpfSyntaxError as exc:
            self.step(depth, domain, "record", raw.decode("latin-1"), "permerror", str(exc))
            raise _PermError(f"syntax error in the record of {domain}: {exc}") from None
        self.step(depth, domain, "record", record.text, "found", via)
        for mech in record.mechanisms:
            if mech.counts_lookup:
                self.count(depth, domain, mech.text)
            matched, detail = await self.mechanism(mech, domain, depth)
            self.step(depth, domain, "term", mech.text, "match" if matched else "no-match", detail)
            if matched:
                result = SpfResult(mech.qualifier.result)
                self.step(depth, domain, "result", mech.text, str(result))
                return result, (domain, record)
        if record.redirect is not None:
            self.count(depth, domain, record.redirect.text)
            assert record.redirect.domain_spec is not None
            target = await self.expand_name(record.redirect.domain_spec, domain)
            self.step(depth, domain, "term", record.redirect.text, "redirect", target)
            result, source = await self.check(target, depth + 1, record.redirect.text)
            if result is SpfResult.NONE:
                self.step(depth, domain, "error", record.redirect.text, "permerror", f"{target} has no SPF record")
                raise _PermError(f"redirect to {target}, which has no SPF record")
            return result, source
        self.step(depth, domain, "result", "(no term matched)", "neutral")
        return SpfResult.NEUTRAL, (domain, record)

    async def speculate(self, domain: str, depth: int = 0) -> None:
        """Ask, ahead of the evaluation, every question the policy may need: the records of includes
        and redirects (recursively), the addresses of a/exists targets, MX names and their addresses.
        Bounded (``SPECULATE_RECORDS`` records, the lookup limit in depth); never changes a result."""
        domain = truncate(domain)
        if depth > self.lookup_limit or self._budget <= 0 or not is_check_host_domain(domain):
            return
        self._budget -= 1
        found = await fetch_spf_records(self.resolver, domain)
        if len(found.records) != 1:
            return
        try:
            record = parse(found.records[0])
        except SpfSyntaxError:
            return
        jobs = []
        for mech in record.mechanisms:
            if mech.name not in ("include", "a", "mx", "exists"):
                continue
            spec = mech.domain_spec
            if spec is not None and uses_letter(spec, "p"):
                continue
            name = truncate(expand(spec, self.ctx(domain))) if spec is not None else domain
            if not is_queryable(name):
                continue
            if mech.name == "include":
                jobs.append(self.speculate(name, depth + 1))
            elif mech.name == "mx":
                jobs.append(self._speculate_mx(name))
            else:
                self.kick(name, "A" if mech.name == "exists" else self.addr_type)
        r = record.redirect
        if r is not None and r.domain_spec is not None and not uses_letter(r.domain_spec, "p") \
                and record.all_mechanism is None:
            jobs.append(self.speculate(expand(r.domain_spec, self.ctx(domain)), depth + 1))
        await asyncio.gather(*jobs)

    async def _speculate_mx(self, name: str) -> None:
        answer = await self.resolver.query(name, "MX")
        if answer.ok and len(answer.records) <= MX_PTR_LIMIT:
            for host in (_target(r) for r in answer.records):
                if host:
                    self.kick(host, self.addr_type)

    async def mechanism(self, mech: Mechanism, domain: str, depth: int) -> tuple[bool, str]:
        name = mech.name
        ip = self.ip
        if name == "all":
            return True, ""
        if name in ("ip4", "ip6"):
            assert mech.network is not None
            return (ip.version == mech.network.version and ip in mech.network), ""
        target = await self.expand_name(mech.domain_spec, domain) if mech.domain_spec is not None else domain
        if not is_queryable(target):
            if name == "include":  # a name that cannot exist has no record: like "none", a permerror
                self.step(depth, domain, "error", mech.text, "permerror", f"{target!r} is not a valid domain name")
                raise _PermError(f"{mech.text}: {target!r} is not a valid domain name")
            return False, f"{target!r} is not a valid domain name: treated as non-existent"
        if name == "include":
            self.step(depth, domain, "term", mech.text, "include", target)
            result, _ = await self.check(target, depth + 1, mech.text)
            if result is SpfResult.NONE:
                self.step(depth, domain, "error", mech.text, "permerror", f"{target} has no SPF record")
                raise _PermError(f"include:{target} has no SPF record")
            return result is SpfResult.PASS, f"{target}: {result}"
        if name in ("a", "exists"):
            rdtype = "A" if name == "exists" else self.addr_type
            answer = await self.resolver.query(target, rdtype)
            self._check_answer(answer, depth, domain, mech.text)
            if not answer.ok:
                return False, f"{rdtype} {target}: {answer.outcome} (void lookup {self.void})"
            addrs = _addresses(answer)
            if name == "exists":
                return bool(addrs), f"A {target}: {', '.join(map(str, addrs))}"
            return self._match_any(addrs, mech), f"{rdtype} {target}: {', '.join(map(str, addrs))}"
        if name == "mx":
            answer = await self.resolver.query(target, "MX")
            self._check_answer(answer, depth, domain, mech.text)
            if not answer.ok:
                return False, f"MX {target}: {answer.outcome} (void lookup {self.void})"
            hosts = [_target(r) for r in answer.records]
            if len(hosts) > MX_PTR_LIMIT:
                self.step(depth, domain, "error", mech.text, "permerror",
                          f"{len(hosts)} MX names (at most {MX_PTR_LIMIT})")
                raise _PermError(f"mx:{target} has {len(hosts)} MX names (at most {MX_PTR_LIMIT})")
            hosts = [h for h in hosts if h and is_queryable(h)]  # "." is a null MX (RFC 7505)
            answers = await asyncio.gather(*(self.resolver.query(h, self.addr_type) for h in hosts))
            for host, a in zip(hosts, answers):
                if a.outcome.is_failure:
                    raise _TempError(f"DNS {a.outcome} for {self.addr_type} {host}")
            addrs = [x for a in answers for x in _addresses(a)]
            detail = f"MX {target}: {', '.join(hosts) or '(none)'} -> {', '.join(map(str, addrs)) or '(no address)'}"
            return self._match_any(addrs, mech), detail
        if name == "ptr":
            answer = await self.resolver.ptr(str(ip))
            if answer.outcome.is_negative:
                self.void_lookup(depth, domain, mech.text)
            names = await self.validated_ptr_names(target)
            return bool(names), f"validated names under {target}: {', '.join(names) or '(none)'}"
        raise AssertionError(name)

    def _check_answer(self, answer: DnsResult, depth: int, domain: str, term: str) -> None:
        if answer.outcome.is_failure:
            self.step(depth, domain, "error", term, "temperror", f"{answer.rdtype} {answer.name}: {answer.outcome}")
            raise _TempError(f"DNS {answer.outcome} for {answer.rdtype} {answer.name}")
        if answer.outcome.is_negative or not answer.records:
            self.void_lookup(depth, domain, term)

    def _match_any(self, addrs: list[Address], mech: Mechanism) -> bool:
        ip = self.ip
        length = mech.cidr4 if ip.version == 4 else mech.cidr6
        for a in addrs:
            if a.version != ip.version:
                continue
            if ip in ipaddress.ip_network(f"{a}/{length}", strict=False):
                return True
        return False

    async def explain(self, domain: str, record: SpfRecord) -> str | None:
        """The exp= text (6.2); any problem means no explanation. Not counted against any limit."""
        assert record.exp is not None and record.exp.domain_spec is not None
        target = await self.expand_name(record.exp.domain_spec, domain)
        if not is_queryable(target):
            return None
        answer = await self.resolver.query(target, "TXT")
        if not answer.ok or len(answer.txt_strings) != 1:
            return None
        raw = b"".join(answer.txt_strings[0])
        try:
            text = raw.decode("ascii")
            ms = parse_macro_string(text, letters=EXP_LETTERS, allow_space=True)
        except (UnicodeDecodeError, MacroSyntaxError):
            return None
        validated = await self.validated_name(domain) if uses_letter(ms, "p") else "unknown"
        return expand(ms, self.ctx(domain, validated))


def _normal_sender(sender: str | None, helo: str, domain: str) -> str:
    if not sender:
        return f"postmaster@{helo or domain}"
    local, at, dom = sender.rpartition("@")
    if not at:
        return f"postmaster@{sender}"
    return f"{local or 'postmaster'}@{dom}"


async def check_host(
    resolver: Resolver,
    ip: str | Address,
    domain: str,
    sender: str | None = None,
    *,
    helo: str | None = None,
    receiver: str = "unknown",
    now: int | None = None,
    lookup_limit: int = LOOKUP_LIMIT,
    void_limit: int = VOID_LIMIT,
    deadline: float = 20.0,
    prefetch: bool = True,
) -> CheckHostResult:
    """RFC 7208 check_host(<ip>, <domain>, <sender>). ``sender`` defaults to postmaster@<domain>.

    Raises ValueError only for an ``ip`` that is not an IP address; everything else is a result.
    """
    address = unmap(ipaddress.ip_address(ip) if isinstance(ip, str) else ip)
    helo = helo if helo is not None else domain
    sender_full = _normal_sender(sender, helo, domain)
    ev = _Evaluation(resolver, address, sender_full, helo, receiver,
                     int(time.time()) if now is None else now, lookup_limit, void_limit, prefetch)
    explanation = None
    reason = ""
    ahead = asyncio.ensure_future(ev.speculate(domain)) if prefetch else None
    try:
        async with asyncio.timeout(deadline):
            result, source = await ev.check(domain, 0, "")
            if result is SpfResult.FAIL and source is not None and source[1].exp is not None:
                explanation = await ev.explain(*source)
                if explanation is not None:
                    ev.step(0, source[0], "exp", source[1].exp.text, "explanation", explanation)
            matched = next((s for s in reversed(ev.trace) if s.kind == "result"), None)
            if matched is not None:
                reason = f"{matched.text} in {matched.domain}"
    except _PermError as exc:
        result, reason = SpfResult.PERMERROR, str(exc)
    except _TempError as exc:
        result, reason = SpfResult.TEMPERROR, str(exc)
    except TimeoutError:
        result, reason = SpfResult.TEMPERROR, f"evaluation took longer than {deadline:g} s"
    finally:
        if ahead is not None:
            ahead.cancel()  # the resolver's own queries are shielded and finish (or time out) alone
    if result is SpfResult.NONE and not reason:
        reason = next((s.detail for s in ev.trace if s.kind == "record"), "")
    return CheckHostResult(result=result, domain=truncate(domain), ip=str(address), sender=sender_full,
                           helo=helo, explanation=explanation, reason=reason, lookups=ev.lookups,
                           void_lookups=ev.void, trace=tuple(ev.trace))
