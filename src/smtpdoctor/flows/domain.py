"""The domain audit: every lookup of every topic at once, then the pure checks.

``audit_domain`` starts one coroutine per topic (MX, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI,
DNSSEC, DANE) and gathers them; inside a topic, independent questions are asked together and dependent
ones (MX -> host addresses and TLSA; PTR -> forward lookup; DMARC -> report authorisations; MTA-STS TXT ->
HTTPS fetch) as soon as their input arrives. The shared :class:`~smtpdoctor.net.dns.Resolver` asks each
(name, type) once per run, so topics that need the same answer (the MX set: MX, MTA-STS, DANE) share it.
A topic that raises becomes a ``domain.check-crashed`` finding; the others are unaffected.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Awaitable, Sequence

import importlib

from ..core.lazy_names import lazy_names
from ..core.observations import DnsResult, Outcome
from ..core.dkim_selectors import common_selectors, first_tier
from ..protocol.dmarc import (DmarcPolicy, OrgDomain, authorisation_name, discover_policy, find_organizational_domain,
                              mailto_domains, organizational_domain_from_walk, tree_walk)
from ..protocol.mx import DANE_HOSTS, mx_hosts, parse_mx
# core.names' rules on plain text: its data classes are not needed for the audit (issue 16)
from ..core.name_text import BadDomain, domain_parts, parent_names, tlsa_name
from .domain_first import ROOT_KEYS, dnssec_questions

if TYPE_CHECKING:
    import ssl

    from ..core.model import Finding
    from ..judge.dns.facts import HostAddresses
    from ..net.dns import Resolver
    from .domain_audit import DomainAudit

# What the chains' first answers do not need: the findings' catalogue, the checks (of the topics that end after
# one round: DKIM, TLS-RPT, BIMI; of those that wait for a second: MX, DMARC, MTA-STS, DNSSEC), the checklist,
# the verdict, the audit's and the report's data classes and the JSON writer.
# (The HTTPS client and the BIMI file readers load only when there is something for them; DANE's check, which
# runs whenever there are MX hosts, after the last answer, loads here too.)
# Imported by _warm_up in steps once the first answers have been handled and the chains' second questions
# sent (each topic also imports what it uses, a no-op by then): the first round trip, which overlaps the
# imports of this module, is not stretched by them, and they are there when the second answers come.
_LATER = ("smtpdoctor.core.catalogue", "smtpdoctor.judge.dns.facts", "smtpdoctor.judge.dns.mx",
          "smtpdoctor.judge.dns.dmarc", "smtpdoctor.flows.domain_audit", "smtpdoctor.judge.dns.spf",
          "smtpdoctor.judge.dns.dkim", "smtpdoctor.judge.dns.tlsrpt", "smtpdoctor.judge.dns.bimi",
          "smtpdoctor.judge.dns.mta_sts", "smtpdoctor.protocol.mta_sts", "smtpdoctor.judge.dns.dnssec",
          "smtpdoctor.protocol.dnssec_chain", "smtpdoctor.judge.checklist", "smtpdoctor.verdict",
          "smtpdoctor.core.report_model", "json", "smtpdoctor.judge.dns.dane")

try:  # imported here, not in the topic: an import inside the run would hold back every first question
    from .spf import audit_spf as _audit_spf
except ImportError as exc:  # the SPF engine is built separately; the audit works without it
    if exc.name and not exc.name.startswith(("smtpdoctor.flows.spf", "smtpdoctor.protocol.spf")) and exc.name != "smtpdoctor":
        raise
    _audit_spf = None

__all__ = ["DomainAudit", "audit_domain", "SCHEMA", "AREA_ORDER", "OVERSIZED_TXT"]

AREA_ORDER = ("domain", "mx", "ptr", "spf", "dkim", "dmarc", "mta-sts", "tlsrpt", "bimi", "dnssec", "dane")
OVERSIZED_TXT = 1232  # bytes of TXT data that no longer fit the usual EDNS UDP size


# DomainAudit (and its JSON's SCHEMA) are defined in flows/domain_audit.py and load on first use (PEP 562):
# its base class and fields come with core.model, which the audit needs only once its first answers are read
# (issue 16); domain_audit imports nothing from this module.
__getattr__ = lazy_names(globals(), {"DomainAudit": ".domain_audit", "SCHEMA": ".domain_audit"})


async def audit_domain(
    resolver: Resolver,
    domain: str,
    *,
    ip: str | None = None,
    dkim_selectors: Sequence[str] = (),
    helo: str | None = None,
    banner_name: str | None = None,
    eml: bytes | None = None,
    eml_source: str = "the message",
    discover_dkim: bool = True,
    https_port: int = 443,
    ssl_context: "ssl.SSLContext | None" = None,
    https_timeout: float = 10.0,
    trust_anchors: Sequence[str] = (),
    mx_port: int | None = None,
    sts_previous: tuple[str, str] | None = None,
) -> DomainAudit:
    start = time.perf_counter()
    try:
        name, unicode_form, changes = domain_parts(domain)  # normalise_domain's, as plain values
    except BadDomain as exc:
        from ..core import catalogue
        from .domain_audit import DomainAudit

        finding = catalogue.make("domain.invalid-name", reason=str(exc), given=repr(domain[:80]))
        return DomainAudit(given=domain, domain=None, findings=(finding,), ip=ip,
                           elapsed=time.perf_counter() - start)
    run = _Run(resolver, name, https_port=https_port, ssl_context=ssl_context, https_timeout=https_timeout,
               trust_anchors=trust_anchors, mx_port=mx_port, sts_previous=sts_previous)
    dmarc_task = asyncio.ensure_future(_guard("dmarc", run.dmarc()))
    topics: dict[str, Awaitable[tuple[tuple[Finding, ...], Any]]] = {
        "mx": _guard("mx", run.mx()),
        "ptr": _guard("ptr", run.ptr(ip, helo, banner_name)),
        "spf": _guard("spf", run.spf(ip, helo)),
        "dkim": _guard("dkim", run.dkim(dkim_selectors, eml, eml_source, discover_dkim)),
        "dmarc": dmarc_task,
        "mta_sts": _guard("mta-sts", run.mta_sts()),
        "tlsrpt": _guard("tlsrpt", run.tlsrpt()),
        "bimi": _guard("bimi", run.bimi(dmarc_task)),
        "dnssec": _guard("dnssec", run.dnssec()),
        "dane": _guard("dane", run.dane()),
        "txt": _guard("domain", run.oversized_txt()),
        "warm": _guard("domain", _warm_up(resolver, name)),
    }
    results = dict(zip(topics, await asyncio.gather(*topics.values())))
    from ..core import catalogue  # loaded by _warm_up while the audit waited for answers
    from .domain_audit import DomainAudit

    findings: list[Finding] = []
    if changes:
        findings.append(catalogue.make("domain.normalised", given=domain.strip(), name=name,
                                       changes=", ".join(changes)))
    data: dict[str, Any] = {}
    nxdomain = any(f.id == "domain.nxdomain" for f in results["mx"][0])
    lying = False
    if nxdomain:
        # Believe NXDOMAIN only from a resolver that can name the root's servers; one that cannot (no
        # Internet, a captive portal, a filtering resolver) makes every domain look missing.
        root = await resolver.query(".", "NS")
        if not root.ok:
            lying = True
            results["mx"] = ((catalogue.make("domain.resolver-broken", domain=name,
                                             evidence={"root": root.to_json()}),), results["mx"][1])
    for area in ("mx", "ptr", "spf", "dkim", "dmarc", "mta_sts", "tlsrpt", "bimi", "dnssec", "dane", "txt"):
        area_findings, area_data = results[area]
        if nxdomain and area not in ("mx", "ptr"):
            continue  # the domain does not exist: "no DMARC", "no DKIM"... would only bury the point
        if lying and area != "mx":
            continue  # the same resolver says "no PTR" too: nothing it denies can be believed
        findings.extend(area_findings)
        if area_data is not None and area != "spf":
            data[area] = area_data
    findings = await _blame_resolver(resolver, name, findings)
    spf_audit = results["spf"][1]
    from ..judge.checklist import build_checklist

    return DomainAudit(given=domain, domain=name, unicode=unicode_form, ip=ip, findings=tuple(findings),
                       checklist=build_checklist(findings, domain=name), data=data, spf=spf_audit,
                       elapsed=time.perf_counter() - start)


async def _blame_resolver(resolver: Resolver, name: str, findings: list[Finding]) -> list[Finding]:
    """Failed lookups in several topics, from a resolver that cannot name the root either, are one fact
    about the resolver: said once, with one remedy, instead of a "could not test" per topic."""
    failed = [f for f in findings if f.id.endswith(".lookup-failed")]
    if len({f.id for f in failed}) < 2:
        return findings
    root = await resolver.query(".", "NS")
    if not root.outcome.is_failure:
        return findings  # the resolver answers: the domain's own name servers fail, each topic says so
    areas = list(dict.fromkeys(f.id.split(".")[0] for f in failed))
    from ..core import catalogue

    outcomes = sorted({str(f.evidence["outcome"]) for f in failed
                       if isinstance(f.evidence, dict) and f.evidence.get("outcome")})
    one = catalogue.make("domain.resolver-unusable", domain=name, count=len(areas), areas=", ".join(areas),
                         lookups=len(failed), outcomes=", ".join(outcomes),
                         evidence={"areas": areas, "root": root.to_json(),
                                   "lookups": [f.evidence for f in failed]})
    first = findings.index(failed[0])
    rest = [f for f in findings if f not in failed]
    return rest[:first] + [one] + rest[first:]


_warmed = False  # _LATER is loaded: nothing waits for it any more (the first audit of a process loads it)
_warming = False  # an audit has begun loading _LATER: audits running beside it (a bulk run) leave it to that one


async def _warm_up(resolver: Resolver, name: str) -> tuple[tuple[Finding, ...], None]:
    """Import what the later checks and the report need (:data:`_LATER`), one module at a time, once the
    first answer (``name``'s TXT) has come and the topics it woke have sent their next questions: the loop
    is then waiting for the second round trip. Before each module the chains go first (:func:`_yield_to_chains`):
    an answer that came during the last import wakes its chain, which sends its next questions before the next
    module loads. Once per process. (The DKIM key parser, ``cryptography``, is not among them: the DKIM check
    loads it only when a key is there.)"""
    global _warmed, _warming
    if _warming:
        return (), None
    _warming = True
    await resolver.query(name, "TXT")
    await _settled(resolver)
    for module in _LATER:
        await _yield_to_chains(resolver)
        importlib.import_module(module)
    await _yield_to_chains(resolver)
    _read_knowledge()
    _warmed = True
    return (), None


def _read_knowledge() -> None:
    """What the last steps read from the knowledge files, read while the audit waits rather than after its
    last answer: the checklist's rules, and the texts of the SPF and DMARC findings (their chains are the
    audit's longest, so their checks come last)."""
    from ..core import bulk_rules, catalogue

    bulk_rules.rules()
    for finding in ("spf.ok", "dmarc.ok"):
        catalogue.spec(finding)


def _activity(resolver: Resolver) -> tuple[int, int, int]:
    """What moves while a chain moves: the questions asked and the answers come (the UDP layer's as it reads
    them, every answer a turn later)."""
    return resolver.asked, resolver.answered, resolver.reads


async def _settled(resolver: Resolver, *, calm: int = 8, most: int = 64) -> None:
    """Turns of the loop until ``resolver`` has asked nothing new and had no new answer for ``calm`` turns
    in a row (at most ``most`` turns): the topics woken by a burst of answers have sent their next questions
    by then (a chain's next question goes through a few tasks and gathers, each a turn)."""
    seen, quiet = _activity(resolver), 0
    for _ in range(most):
        await asyncio.sleep(0)
        now = _activity(resolver)
        quiet = quiet + 1 if now == seen else 0
        if quiet >= calm:
            return
        seen = now


async def _yield_to_chains(resolver: Resolver) -> None:
    """Work that is off the critical path (an import, a check) goes after the chains: three turns of the loop
    (a datagram that came meanwhile is read in the first, after this task's own step: the turn runs its ready
    callbacks in order, and work resumed by ``sleep(0)`` is ahead of the read), and when anything moved,
    :func:`_settled`. Without this, every turn a chain needs to send its next question would wait for one
    more module."""
    seen = _activity(resolver)
    for _ in range(3):
        await asyncio.sleep(0)
    if _activity(resolver) != seen:
        await _settled(resolver)
    for _ in range(8):  # an answer that came during other work of this turn (a check): read it first
        if not resolver.answers_waiting():
            return
        await _settled(resolver)


async def _after_chains(resolver: Resolver) -> None:
    """Before a topic that ends here runs its check (and imports it, in a process's first audit): let the
    chains woken by the same answers send their next questions first. That check is not on the critical
    path; a chain's next question is."""
    if not _warmed:
        await _settled(resolver)
        await _yield_to_chains(resolver)  # an answer read during a sibling's check, in the turn this one settled


async def _guard(area: str, coro: Awaitable[tuple[tuple[Finding, ...], Any]]) -> tuple[tuple[Finding, ...], Any]:
    try:
        return await coro
    except Exception as exc:  # a bug in one topic must not blank the others
        from ..core import catalogue

        return (catalogue.make("domain.check-crashed", area=area, error=f"{type(exc).__name__}: {exc}"[:200]),), None


class _Run:
    """The lookups of one domain's audit; each method is one topic: answers in, check out."""

    def __init__(self, resolver: Resolver, name: str, *, https_port: int, ssl_context: "ssl.SSLContext | None",
                 https_timeout: float, trust_anchors: Sequence[str] = (), mx_port: int | None = None,
                 sts_previous: tuple[str, str] | None = None) -> None:
        self.sts_previous = sts_previous  # (id, policy SHA-256) of an earlier run, to see an unchanged id
        self.mx_port = mx_port  # connect to the MX hosts on this port for DANE (None: DNS only)
        self.trust_anchors = tuple(trust_anchors)  # root DS rdata; empty: the IANA root KSK
        self.r = resolver
        self.name = name
        self.https_port = https_port
        self.ssl_context = ssl_context
        self.https_timeout = https_timeout
        self.dmarc_policy: DmarcPolicy | None = None  # set by the DMARC topic, read by BIMI
        self.org: OrgDomain | None = None  # the RFC 9989 organisational domain (DMARC topic)

    async def _hosts(self, names: Sequence[str]) -> dict[str, HostAddresses]:
        pairs = await asyncio.gather(*(self.r.addresses(n) for n in names))
        from ..judge.dns.facts import HostAddresses

        return {n: HostAddresses(host=n, a=a, aaaa=aaaa) for n, (a, aaaa) in zip(names, pairs)}

    async def _mx_hosts(self) -> tuple[DnsResult, tuple[str, ...]]:
        answer = await self.r.query(self.name, "MX")
        return answer, mx_hosts(answer)

    # -- topics -----------------------------------------------------------------------------------
    async def mx(self):
        answer, hosts = await self._mx_hosts()
        addresses = await self._hosts(hosts)
        own = None
        if answer.outcome is Outcome.NODATA:
            own = (await self._hosts([self.name]))[self.name]  # no MX: is there an implicit MX (RFC 5321 §5.1)?
        await _after_chains(self.r)  # the chain ends here: the others' next questions first
        from ..judge.dns import mx

        findings = mx.check_mx(self.name, answer, addresses, domain_addresses=own)
        return findings, {"outcome": str(answer.outcome), "records": [m.to_json() for m in parse_mx(answer)],
                          "hosts": {h: list(v.addresses) for h, v in addresses.items()}}

    async def ptr(self, ip: str | None, helo: str | None, banner_name: str | None):
        if not ip:
            return (), None
        from ..judge.dns import ptr

        answer = await self.r.ptr(ip)
        names = ptr.ptr_names(answer)
        forward = await self._hosts(names[:10])
        findings = ptr.check_ptr(ip, answer, forward, helo=helo, banner_name=banner_name)
        return findings, {"ip": ip, "outcome": str(answer.outcome), "names": list(names),
                          "forward": {n: list(v.addresses) for n, v in forward.items()}}

    async def spf(self, ip: str | None, helo: str | None):
        if _audit_spf is None:
            from ..core import catalogue

            return (catalogue.make("domain.spf-unavailable"),), None
        result = await _audit_spf(self.r, self.name, ip=ip, helo=helo)
        return tuple(result.findings), result

    async def dkim(self, given: Sequence[str], eml: bytes | None, eml_source: str, discover: bool):
        refs: tuple = ()
        if eml is not None:
            from ..protocol import dkim_verify  # email parsing and dkimpy: only with a message
            from ..judge.dns.dkim_verify import signature_findings

            refs = dkim_verify.signature_refs(eml)
        wanted = [s.strip().lower() for s in given if s.strip()]
        wanted += [ref.s for ref in refs if ref.d == self.name and ref.s not in wanted]
        extra = [(f"{ref.s}._domainkey.{ref.d}", "TXT") for ref in refs]
        # Round one: the node, what we were told, and the most common selectors. Round two, only when the
        # node exists (RFC 8020: nothing exists below an NXDOMAIN) and round one found no key: the rest.
        first = [s for s in first_tier() if s not in wanted] if discover else []
        selectors = wanted + first
        node, answers, extra_answers = await asyncio.gather(
            self.r.query(f"_domainkey.{self.name}", "TXT"),
            self.r.query_many([(f"{s}._domainkey.{self.name}", "TXT") for s in selectors]),
            self.r.query_many(extra))
        await _after_chains(self.r)  # then the checks, and the key parser (cryptography) when a key is there
        from ..judge.dns import dkim

        node = dkim.trusted_node(node, answers)
        if discover and dkim.discover_more(node, dict(zip(selectors, answers))):
            more = [s for s in common_selectors() if s not in selectors]
            selectors += more
            answers += await self.r.query_many([(f"{s}._domainkey.{self.name}", "TXT") for s in more])
        findings, keys = dkim.check_dkim(self.name, dict(zip(selectors, answers)), given=wanted,
                                         domainkey_node=node)
        if eml is not None:
            by_name = {q[0]: a for q, a in zip(extra, extra_answers)}
            checks = dkim_verify.verify_signatures(eml, by_name)
            findings = findings + signature_findings(checks, domain=self.name, source=eml_source)
        return findings, {"selectors_tried": len(selectors), "keys": [k.to_json() for k in keys]}

    async def dmarc(self):
        # RFC 9989: the policy and the organisational domain come from one DNS tree walk (at most 8
        # _dmarc queries, asked at once); the org domains of report destinations from walks of their own,
        # asked before the checks are imported (they load while the audit waits for those answers).
        names = tree_walk(self.name)
        walk = dict(zip(names, await self.r.query_many([(f"_dmarc.{n}", "TXT") for n in names])))
        org = organizational_domain_from_walk(self.name, walk)
        policy = discover_policy(self.name, walk)  # check_dmarc judges it (and returns it)
        authorisations = None
        if policy is not None and (mailto := mailto_domains(policy)):
            authorisations = await self._authorisations(policy, walk, mailto)
        await _after_chains(self.r)
        from ..judge.dns import dmarc

        findings, policy = dmarc.check_dmarc(self.name, walk, org=org, authorisations=authorisations, policy=policy)
        self.dmarc_policy = policy
        self.org = org
        base = {"org_domain": org.name, "org": org.to_json(), "walk": list(names)}
        return findings, ({**base, **policy.to_json()} if policy else {**base, "found_at": None})

    async def _authorisations(self, policy: DmarcPolicy, walk: dict[str, DnsResult],
                              mailto: Sequence[str]) -> dict[str, DnsResult] | None:
        """The TXT answers at the authorisation names of ``policy``'s report destinations outside its
        organisational domain (None when there are none); their organisational domains from their own walks."""
        found_org = organizational_domain_from_walk(policy.found_at, walk)
        dest_orgs = await asyncio.gather(*(find_organizational_domain(d, self.r) for d in mailto))
        orgs = {policy.found_at: found_org.name, **{d: o.name for d, o in zip(mailto, dest_orgs)}}
        from ..judge.dns import dmarc

        dests = dmarc.report_destinations(policy, orgs)
        if not dests:
            return None
        auth = await self.r.query_many([(authorisation_name(policy.found_at, d), "TXT") for d in dests])
        return dict(zip(dests, auth))

    async def mta_sts(self):
        txt, (mx_answer, hosts) = await asyncio.gather(self.r.query(f"_mta-sts.{self.name}", "TXT"),
                                                       self._mx_hosts())
        await _after_chains(self.r)
        from ..judge.dns import mta_sts
        from ..protocol.mta_sts import policy_fingerprint, sts_records, txt_id

        fetch = None
        if sts_records(txt):
            from ..net.https import fetch_policy

            fetch = await fetch_policy(self.r, self.name, port=self.https_port, timeout=self.https_timeout,
                                       ssl_context=self.ssl_context)
        findings, policy = mta_sts.check_mta_sts(self.name, txt, fetch, hosts,
                                                 mx_known=not mx_answer.outcome.is_failure,
                                                 previous=self.sts_previous)
        data = {"fetch": fetch.to_json() if fetch else None, "policy": policy.to_json() if policy else None,
                "id": txt_id(txt),
                "sha256": policy_fingerprint(fetch.body) if fetch and fetch.ok and fetch.body else None}
        return findings, data

    async def tlsrpt(self):
        txt = await self.r.query(f"_smtp._tls.{self.name}", "TXT")
        await _after_chains(self.r)
        from ..judge.dns import tlsrpt

        return tlsrpt.check_tlsrpt(self.name, txt), None

    async def bimi(self, dmarc_task: Awaitable):
        txt = await self.r.query(f"default._bimi.{self.name}", "TXT")
        await _after_chains(self.r)
        from ..judge.dns import bimi

        if not bimi.bimi_records(txt):
            return bimi.check_bimi(self.name, txt, None), None
        await dmarc_task
        policy = self.dmarc_policy
        findings = bimi.check_bimi(self.name, txt, policy, subdomain=bool(policy and policy.found_at != self.name))
        from ..judge.dns import bimi_files  # the logo and certificate readers: only with a BIMI record
        from ..net.https import fetch_url

        logo, cert = bimi.bimi_locations(txt)
        port = self.https_port if self.https_port != 443 else None  # a test server's port, else the URL's
        fetched = await asyncio.gather(*(fetch_url(self.r, url, port=port, timeout=self.https_timeout,
                                                   ssl_context=self.ssl_context) for url in (logo, cert) if url))
        by_url = dict(zip([u for u in (logo, cert) if u], fetched))
        if logo:
            findings += (bimi_files.check_logo(by_url[logo]),)
        if cert:
            import datetime as dt

            findings += (bimi_files.check_certificate(by_url[cert], dt.datetime.now(dt.timezone.utc)),)
        from ..core.model import Severity

        if any(f.severity is Severity.ERROR for f in findings):  # the record may be fine, the logo shown is not
            findings = tuple(f for f in findings if f.id != "bimi.ok")
        return findings, {"logo": by_url[logo].to_json() if logo else None,
                          "certificate": by_url[cert].to_json() if cert else None}

    async def dnssec(self):
        names = parent_names(self.name)
        # The validation's own questions (SOA of each name, the root's keys) go with the first: none waits for
        # the MX answer, so the topic is one round trip (the validation finds them answered).
        keys_q, ds_q, soa_q = dnssec_questions(self.name)
        keys, ds, mx_answer, _ = await asyncio.gather(
            self.r.query_many(keys_q), self.r.query_many(ds_q), self.r.query(self.name, "MX"),
            self.r.query_many([*soa_q, ROOT_KEYS]))
        await _after_chains(self.r)  # the validation is CPU, and no chain waits for it
        validation = await self._validate(self.name, mx_answer)
        from ..judge.dns import dnssec

        findings, chain = dnssec.check_dnssec(self.name, dict(zip(names, keys)), dict(zip(names, ds)),
                                              answers=(mx_answer,), validation=validation)
        return findings, {"chain": [c.to_json() for c in chain], "validation": validation.to_json()}

    async def _validate(self, name: str, answer: DnsResult):
        """The tool's own DNSSEC validation of ``answer`` (about ``name``), from the root's key down."""
        from ..protocol import dnssec_chain

        names = parent_names(name)
        keys_q, ds_q, soa_q = dnssec_questions(name)
        keys, ds, soa, root = await asyncio.gather(
            self.r.query_many(keys_q), self.r.query_many(ds_q), self.r.query_many(soa_q), self.r.query(*ROOT_KEYS))
        return dnssec_chain.validate_chain(
            name, {**dict(zip(names, keys)), ".": root}, dict(zip(names, ds)), dict(zip(names, soa)), answer,
            anchors=self.trust_anchors or dnssec_chain.root_anchors(), now=time.time())

    async def dane(self):
        answer, hosts = await self._mx_hosts()
        if answer.outcome.is_failure or not hosts:
            return (), None
        hosts = hosts[:DANE_HOSTS]
        answers = dict(zip(hosts, await self.r.query_many([(tlsa_name(h), "TLSA") for h in hosts])))
        with_tlsa = [h for h in hosts if answers[h].ok]
        validations = dict(zip(with_tlsa, await asyncio.gather(*(self._validate(h, answers[h]) for h in with_tlsa))))
        certificates = None
        if self.mx_port is not None and with_tlsa:
            from ..net.smtp import Timeouts
            from ..observe.mx_tls import fetch_mx_chain

            addresses = await self._hosts(with_tlsa)
            targets = [(h, addresses[h].addresses[0]) for h in with_tlsa if addresses[h].addresses]
            fetched = await asyncio.gather(*(fetch_mx_chain(h, a, port=self.mx_port,
                                                            timeouts=Timeouts.uniform(self.https_timeout))
                                             for h, a in targets))
            certificates = {c.host: c for c in fetched}
        await _after_chains(self.r)
        from ..judge.dns import dane
        from ..protocol.dane import match_tlsa, parse_tlsa

        records = {h: [parse_tlsa(r) for r in answers[h].records] for h in with_tlsa}  # parsed once: matched, judged
        matches = {h: match_tlsa(h, records[h], c.chain)
                   for h, c in (certificates or {}).items() if c.chain and not c.error}
        findings, found = dane.check_dane(answers, validations=validations, certificates=certificates,
                                          matches=matches, records=records)
        data = {h: [r.to_json() for r in recs] for h, recs in found.items()}
        if certificates is not None:
            data["certificates"] = {h: c.to_json() for h, c in certificates.items()}
        return findings, data

    async def oversized_txt(self):
        """TXT answers too large for UDP at the names receivers ask (all cached by the other topics)."""
        names = [self.name, f"_dmarc.{self.name}", f"_mta-sts.{self.name}", f"_smtp._tls.{self.name}",
                 f"default._bimi.{self.name}"]
        answers = await self.r.query_many([(n, "TXT") for n in names])
        out = []
        for answer in answers:
            if answer.outcome is Outcome.OK:
                size = sum(len(s) for strings in answer.txt_strings for s in strings)
                if size > OVERSIZED_TXT:
                    from ..core import catalogue

                    out.append(catalogue.make("domain.txt-oversized", name=answer.name, size=size))
        return tuple(out), None
