"""The domain audit's first questions, sent before the audit's engines are imported.

The audit's critical path is its longest chain of dependent questions: the domain's TXT (SPF, then each
``include:`` and the ``mx`` mechanism's hosts), its MX (then the hosts' addresses and TLSA) and the DMARC
tree walk (then the report destinations' organisational domains and their authorisations), each about
three round trips. :func:`first_questions` names the heads of those chains, which every audit of the
domain asks in its first round; :func:`prime` sends them with nothing but a socket and the wire writer
(:class:`smtpdoctor.net.dns_first.Primer`), so they travel while the event loop, the checks and the report
are imported. The audit then asks them as usual and finds them in flight. The other first-round questions
(DKIM selectors, DNSSEC keys, TLS-RPT, MTA-STS, BIMI) end within two round trips, so they can wait for the
audit. ``tests/flows/test_domain_first.py`` checks that every question named here is one the audit asks,
and what is loaded when they leave.
"""

from __future__ import annotations

from typing import Sequence

from ..core.names import BadDomain, normalise_domain, parse_nameserver
from ..protocol.dmarc import tree_walk

__all__ = ["first_questions", "prime", "MAX_DOMAINS"]

MAX_DOMAINS = 16  # more domains than this are a bulk run: its questions are paced by --concurrency


def first_questions(name: str) -> list[tuple[str, str]]:
    """The questions at the head of the audit's long chains, for the normalised domain ``name``."""
    return [(name, "TXT"), (name, "MX"), *((f"_dmarc.{n}", "TXT") for n in tree_walk(name))]


def prime(domains: Sequence[str], nameservers: Sequence[str]):
    """A :class:`~smtpdoctor.net.dns_first.Primer` that has sent the first questions of each of ``domains``
    (at most :data:`MAX_DOMAINS`) to the first of ``nameservers``; None when there is nothing to send
    (no server given, too many domains, no valid name) or no socket to send it on. Never raises: what it
    could not send, the audit asks."""
    if not nameservers or not domains or len(domains) > MAX_DOMAINS:
        return None
    names = []
    for domain in domains:
        try:
            names.append(normalise_domain(domain).name)
        except BadDomain:
            continue
    if not names:
        return None
    from ..net.dns_first import Primer

    try:
        primer = Primer(parse_nameserver(nameservers[0]))
    except (ValueError, OSError):
        return None
    for name in names:
        for question in first_questions(name):
            primer.ask(*question)
    return primer
