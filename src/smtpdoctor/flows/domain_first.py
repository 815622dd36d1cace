"""The domain audit's first questions, sent before the audit's engines are imported.

The audit's critical path is its longest chain of dependent questions: the domain's TXT (SPF, then each
``include:`` and the ``mx`` mechanism's hosts), its MX (then the hosts' addresses and TLSA) and the DMARC
tree walk (then the report destinations' organisational domains and their authorisations), each about
three round trips. :func:`first_questions` names the heads of those chains, which every audit of the
domain asks in its first round; :func:`smtpdoctor.net.dns_first.prime` sends them with nothing but a socket and the wire writer, so they travel while the event loop, the checks and the report
are imported. The audit then asks them as usual and finds them in flight. The other questions of its first round
(DKIM, TLS-RPT, MTA-STS, BIMI, DNSSEC) go with them: every topic's round trips then count from the
primer's send, not from the end of the imports. ``tests/flows/test_domain_first.py`` checks that every question named here is one the audit asks,
and what is loaded when they leave.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing loads after a command's first questions leave (issue 16)
if TYPE_CHECKING:
    from typing import Sequence

from ..core.dkim_selectors import first_tier
# the plain-text rules, without the data classes of core.names, protocol.dmarc and core.observations
from ..core.name_text import BadDomain, domain_parts, parent_names, reverse_name
from ..protocol.dmarc_walk import tree_walk

__all__ = ["first_questions", "questions_of", "dnssec_questions", "ROOT_KEYS", "MAX_DOMAINS"]

MAX_DOMAINS = 16  # more domains than this are a bulk run: its questions are paced by --concurrency
ROOT_KEYS = (".", "DNSKEY")  # the root's keys: where the tool's own DNSSEC validation starts


def dnssec_questions(name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The questions of the DNSSEC chain of ``name`` (besides :data:`ROOT_KEYS`): the DNSKEY, the DS and
    the SOA of every name from ``name`` up (:func:`parent_names`' order), as three lists in that order. The
    one list of them: the primer sends them, the audit's DNSSEC topic and its validation ask them."""
    names = parent_names(name)
    return ([(n, "DNSKEY") for n in names], [(n, "DS") for n in names], [(n, "SOA") for n in names])


def first_questions(name: str, *, ip: str | None = None, selectors: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every question the audit of the normalised domain ``name`` asks before any answer: the heads of its
    chains (TXT, MX, the DMARC tree walk, the PTR of ``ip``), the DKIM node and selectors (``selectors``
    given, then the first tier), TLS-RPT, MTA-STS, BIMI, and DNSSEC's keys, DS and SOA of every name
    from the domain up, and the root's keys."""
    wanted = [s.strip().lower() for s in selectors if s.strip()]
    dkim = dict.fromkeys([*wanted, *first_tier()])
    # the heads of the three-round chains first (SPF, the DMARC walk, then MX): a server answers a burst in
    # order, and the second round follows from these answers in the order they come (flows/domain_next)
    out = [(name, "TXT"), *((f"_dmarc.{n}", "TXT") for n in tree_walk(name)), (name, "MX")]
    if ip:
        try:
            out.append((reverse_name(ip), "PTR"))
        except ValueError:
            pass  # the audit says so
    out += [(f"_domainkey.{name}", "TXT"), *((f"{s}._domainkey.{name}", "TXT") for s in dkim),
            (f"_smtp._tls.{name}", "TXT"), (f"_mta-sts.{name}", "TXT"), (f"default._bimi.{name}", "TXT")]
    keys, ds, soa = dnssec_questions(name)
    return [*out, *keys, *ds, *soa, ROOT_KEYS]


def questions_of(domains: Sequence[str], *, ip: str | None = None,
                 selectors: Sequence[str] = ()) -> list[tuple[str, str]]:
    """:func:`first_questions` of each of ``domains`` that is a valid name (the audit reports the others);
    none for more than :data:`MAX_DOMAINS` domains (a bulk run: its questions are paced by --concurrency)."""
    if len(domains) > MAX_DOMAINS:
        return []
    out: list[tuple[str, str]] = []
    for domain in domains:
        try:
            out += first_questions(domain_parts(domain)[0], ip=ip, selectors=selectors)
        except BadDomain:
            continue
    return out
