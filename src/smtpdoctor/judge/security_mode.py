"""The client's security setting against what the configured port really speaks."""

from __future__ import annotations

from ..core.catalogue import make
from ..core.model import Finding
from ..observe.facts import Mode, PortOutcome
from ..core.settings import Security
from .server_facts import ServerFacts

__all__ = ["check"]

_LABEL = {Security.STARTTLS: "STARTTLS", Security.NONE: "no encryption", Security.AUTO: "automatic",
          Security.TLS: "SSL/TLS"}


def check(facts: ServerFacts) -> list[Finding]:
    obs = facts.configured
    if obs is None or obs.outcome is not PortOutcome.SMTP:
        return []
    security = facts.settings.security
    if obs.mode is Mode.PLAIN and facts.wants_implicit_tls:
        tls = next((p for p in facts.working() if p.mode is Mode.IMPLICIT_TLS), None)
        return [make("client.implicit-tls-on-starttls-port", port=obs.port, tls_port=tls.port if tls else 465,
                     tls_note="" if tls else " (if your provider offers it; it did not answer here)",
                     evidence={"port": obs.port, "configured_security": str(security), "observed": "plain",
                               "starttls_offered": obs.starttls_offered,
                               "greeting": obs.greeting.message if obs.greeting else None})]
    if obs.mode is Mode.IMPLICIT_TLS and security in (Security.STARTTLS, Security.NONE):
        plain = next((p for p in facts.working() if p.mode is Mode.PLAIN and p.starttls_offered), None)
        return [make("client.starttls-on-implicit-tls-port", port=obs.port, security=_LABEL[security],
                     starttls_port=plain.port if plain else 587,
                     starttls_note="" if plain else " (if your provider offers it; it did not answer here)",
                     evidence={"port": obs.port, "configured_security": str(security), "observed": "implicit-tls"})]
    if security is Security.NONE and obs.starttls_offered:
        return [make("client.plaintext-refused", port=obs.port)]
    return []
