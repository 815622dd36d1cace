"""The domain audit's second round, asked from its first answers before the event loop runs.

The primer (:mod:`smtpdoctor.flows.domain_first`) sends the heads of the audit's chains before anything else
loads; their answers come one round trip later, while the process is still importing the event loop and the
audit (about a round trip of CPU at 50 ms, more on a busy machine). :class:`NextRound` is the step a
:meth:`smtpdoctor.net.dns_first.Primer.follow` thread runs on each answer it reads meanwhile: it asks what
the audit's chains will ask next with those answers, so that the second round does not wait for the imports:

* SPF (:mod:`smtpdoctor.protocol.spf.tree`): the records of the domain's ``include:`` and ``redirect=``
  targets, and the lookups of its ``a``, ``mx`` and ``exists`` terms (:func:`~smtpdoctor.protocol.spf.terms.record_questions`),
  then the same for each include's record that comes before the loop runs;
* MX (``flows/domain._Run.mx`` and ``dane``): the hosts' A and AAAA (the domain's own without MX), their TLSA;
* DMARC (``_Run.dmarc``): the tree walk of each report destination's domain, once the domain's walk is in,
  then the authorisation records of the destinations outside its organisational domain.

It asks only what the audit will ask (``tests/flows/test_domain_next.py`` runs audits with and without it:
the same report, the same questions, each once); whatever it does not follow (a failed, truncated or signed
answer, a PTR, what depends on the checks), the audit asks as it always did. Built from the same parsers the
chains use, imported here before the thread starts (it must not import them itself).
"""

from __future__ import annotations

import ipaddress

from ..core.name_text import BadDomain, domain_parts, tlsa_name
from ..core.observations import DnsResult, Outcome
from ..net.dns_wire import Answer, plain_result
from ..protocol.dmarc import (DmarcPolicy, authorisation_name, discover_policy, external_destinations, mailto_domains,
                              organizational_domain_from_walk, tree_walk)
from ..protocol.mx import DANE_HOSTS, mx_hosts
from ..protocol.spf.lookup import spf_records
from ..protocol.spf.names import is_check_host_domain, truncate, unmap
from ..protocol.spf.record import SpfSyntaxError, parse
from ..protocol.spf.terms import MAX_DEPTH, record_questions

__all__ = ["NextRound"]

MAX_SPF_NODES = 30  # SPF records followed here, well under the tree's 100 (the tree counts every one of these too)


class NextRound:
    """The step of :meth:`~smtpdoctor.net.dns_first.Primer.follow` for the audits of ``domains`` (as given:
    the valid names among them, as :func:`~smtpdoctor.flows.domain_first.questions_of` takes them), with the
    sending ``ip`` when there is one (the SPF tree then asks one address family for ``a``)."""

    def __init__(self, domains: list[str], *, ip: str | None = None) -> None:
        self.names: list[str] = []
        for domain in domains:
            try:
                self.names.append(domain_parts(domain)[0])
            except BadDomain:
                continue
        self.ip = unmap(ipaddress.ip_address(ip)) if ip else None
        self.answers: dict[tuple[str, str], DnsResult] = {}
        # SPF: the records the tree fetches and has not had yet: name -> the paths it is reached by (the names
        # above it: the tree stops at a loop)
        self.spf: dict[str, list[tuple[str, ...]]] = {}
        self.spf_nodes = 0
        self.walked: set[str] = set()  # the domains whose DMARC walk has been followed
        # DMARC: the domains waiting for their report destinations' walks, with their policy and walk
        self.destinations: dict[str, tuple[DmarcPolicy, dict[str, DnsResult]]] = {}
        for name in self.names:
            self._spf_node(name, ())

    def __call__(self, key: tuple[str, str], answer: Answer) -> list[tuple[str, str]]:
        result = plain_result(key[0], key[1], answer)
        if result is None:
            return []  # SERVFAIL, REFUSED, truncated ...: the audit's own handling decides what comes next
        self.answers[key] = result
        name, rdtype = key
        out: list[tuple[str, str]] = []
        if rdtype == "TXT" and name in self.spf:
            for path in self.spf.pop(name):
                out += self._spf_record(name, path, result)
        if rdtype == "MX" and name in self.names:
            out += self._mx(name, result)
        if rdtype == "TXT" and name.startswith("_dmarc."):
            for domain in self.names:
                if domain not in self.walked:
                    out += self._dmarc(domain)
            for domain in list(self.destinations):
                out += self._authorisations(domain)
        return out

    # -- SPF: protocol/spf/tree.py's node() and _expand(), for the questions only ------------------------
    def _spf_node(self, domain: str, path: tuple[str, ...]) -> list[tuple[str, str]]:
        domain = truncate(domain)
        if (not is_check_host_domain(domain) or domain.lower() in path or len(path) > MAX_DEPTH
                or self.spf_nodes >= MAX_SPF_NODES):
            return []  # the tree asks nothing for it, or more than is followed here: the audit goes on
        self.spf_nodes += 1
        key = (domain.lower(), "TXT")
        if key in self.answers:
            return self._spf_record(key[0], path, self.answers[key])
        self.spf.setdefault(key[0], []).append(path)
        return [key]

    def _spf_record(self, domain: str, path: tuple[str, ...], result: DnsResult) -> list[tuple[str, str]]:
        if result.outcome.is_failure:
            return []
        records, _ = spf_records(result.txt_strings)
        if len(records) != 1:
            return []
        try:
            record = parse(records[0])
        except SpfSyntaxError:
            return []
        nodes, out = record_questions(record, domain, ip=self.ip)
        for node in nodes:
            out += self._spf_node(node, path + (domain.lower(),))
        return out

    # -- MX: the hosts' addresses (flows/domain._Run.mx) and TLSA (_Run.dane) --------------------------
    def _mx(self, name: str, result: DnsResult) -> list[tuple[str, str]]:
        hosts = mx_hosts(result)
        out = []
        if not result.outcome.is_failure and hosts:  # first: a TLSA record found leads to a third round
            out += [(tlsa_name(host), "TLSA") for host in hosts[:DANE_HOSTS]]
        out += [(host, rdtype) for host in hosts for rdtype in ("A", "AAAA")]
        if result.outcome is Outcome.NODATA:
            out += [(name, "A"), (name, "AAAA")]  # an implicit MX?
        return out

    # -- DMARC: the report destinations' walks, then their authorisations (flows/domain._Run._authorisations)
    def _walk(self, domain: str) -> dict[str, DnsResult] | None:
        """The answers of ``domain``'s DMARC tree walk; None while one is not in (or not followed)."""
        walk = {}
        for name in tree_walk(domain):
            found = self.answers.get((f"_dmarc.{name}", "TXT"))
            if found is None:
                return None
            walk[name] = found
        return walk

    def _dmarc(self, domain: str) -> list[tuple[str, str]]:
        walk = self._walk(domain)
        if walk is None:
            return []
        self.walked.add(domain)
        policy = discover_policy(domain, walk)
        if policy is None or not mailto_domains(policy):
            return []
        self.destinations[domain] = (policy, walk)
        return [(f"_dmarc.{name}", "TXT") for dest in mailto_domains(policy) for name in tree_walk(dest)]

    def _authorisations(self, domain: str) -> list[tuple[str, str]]:
        policy, walk = self.destinations[domain]
        orgs = {policy.found_at: organizational_domain_from_walk(policy.found_at, walk).name}
        for dest in mailto_domains(policy):
            dest_walk = self._walk(dest)
            if dest_walk is None:
                return []
            orgs[dest] = organizational_domain_from_walk(dest, dest_walk).name
        del self.destinations[domain]
        return [(authorisation_name(policy.found_at, dest), "TXT") for dest in external_destinations(policy, orgs)]
