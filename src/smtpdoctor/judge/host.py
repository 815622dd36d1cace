"""Does the SMTP host's name resolve? NXDOMAIN, no address and a failed lookup are different findings."""

from __future__ import annotations

from ..core.catalogue import make
from ..core.observations import Outcome
from ..core.model import Finding
from .server_facts import ServerFacts

__all__ = ["check"]


def check(facts: ServerFacts) -> list[Finding]:
    host = facts.host
    if host.literal:
        return []
    outcomes = set(host.outcomes)
    if host.addresses:
        return [make("host.resolved", host=host.host, addresses=", ".join(host.addresses),
                     evidence=host.to_json())]
    if Outcome.NXDOMAIN in outcomes and host.resolver_lies:
        return [make("host.resolver-broken", host=host.host, evidence=host.to_json())]
    if Outcome.NXDOMAIN in outcomes:
        return [make("host.not-found", host=host.host, evidence=host.to_json())]
    failed = [o for o in outcomes if o.is_failure]
    if failed:
        return [make("host.lookup-failed", host=host.host, outcome=failed[0].value, evidence=host.to_json())]
    return [make("host.no-address", host=host.host, evidence=host.to_json())]
