"""Secondary firewall facts: other ports filtered while the configured one works; outbound 25 blocked."""

from __future__ import annotations

from ..core.catalogue import make
from ..core.model import Finding
from ..observe.facts import PortOutcome
from .server_facts import ServerFacts

__all__ = ["check"]


def check(facts: ServerFacts) -> list[Finding]:
    obs = facts.configured
    if obs is None or obs.outcome is not PortOutcome.SMTP:
        return []  # the reachability check already explains a failing configured port
    filtered = [p for p in facts.others()
                if p.outcome in (PortOutcome.FILTERED, PortOutcome.REJECTED, PortOutcome.UNREACHABLE)]
    if not filtered:
        answered = ", ".join(str(p.port) for p in facts.on_primary())
        return [make("firewall.none-seen", host=facts.settings.host, ports=answered,
                     evidence={"ports": [p.port for p in facts.on_primary()]})]
    if [p.port for p in filtered] == [25]:
        return [make("firewall.port-25-blocked", evidence={"port": 25, "error": filtered[0].error})]
    return [make("firewall.other-ports-filtered", host=facts.settings.host,
                 ports=", ".join(str(p.port) for p in filtered), evidence={"ports": [p.port for p in filtered]})]
