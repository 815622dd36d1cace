"""Can the configured port be reached, and if not, is it the port, a firewall or the server?

One decision over the configured port's observation and those of the other ports of the same host:

* it speaks SMTP → ``connection.ok`` (and the greeting's speed);
* refused while another port works → ``port.wrong-port`` with the exact working settings;
* refused everywhere → ``connection.refused-everywhere``;
* no answer (timeout) while the host answers elsewhere → ``firewall.port-filtered`` (high confidence);
  no answer anywhere → ``firewall.all-filtered`` (medium: a host that is down looks the same);
* ICMP unreachable / prohibited → ``firewall.rejected``;
* a greeting refused → ``connection.greeting-rejected``, or a blocklist finding when its text cites a list;
* a greeting, then 421/554 to EHLO → ``connection.service-refused`` (or the blocklist finding);
* silent, closed, reset, not SMTP → the ``connection.*`` finding that says so.
"""

from __future__ import annotations

from ..core.catalogue import make
from ..core.model import Finding
from ..core.observations import Failure
from ..observe.facts import PortObservation, PortOutcome
from .server_facts import ServerFacts, security_label

__all__ = ["check", "SLOW_GREETING_S"]

SLOW_GREETING_S = 5.0
# Replies to EHLO (and the HELO retry) that refuse the whole session: 421 "service not available"
# (RFC 5321 §3.8), 554 "no SMTP service here" (RFC 5321 §4.2.3).
REFUSED_SERVICE = (421, 554)


# Only for port 25: a filtered submission port (587, 465) has nothing to do with the port-25 block.
PORT25_ADVICE = ("Cloud hosts (AWS, GCP, Azure, many VPS) block outbound port 25 by default: use 587 or 465, "
                 "or request the unblock.")


def _describe(obs: PortObservation) -> str:
    if obs.outcome is PortOutcome.SMTP:
        return f"{obs.port} ({security_label(obs)})"
    return f"{obs.port} {obs.outcome.value}"


def _alternative(facts: ServerFacts) -> str:
    working = facts.working()
    if not working:
        return "no other usual port answered either (25, 465, 587, 2525)."
    best = working[0]
    return f"port {best.port} with security {security_label(best)} works from here."


def _after_greeting(failure: Failure, port: int, timeout: float, evidence: dict) -> Finding:
    """The session broke after the greeting: the failure's kind and phase say how and where."""
    evidence = {**evidence, "failure": failure.to_json()}
    if failure.kind == "protocol":
        return make("connection.protocol-violation", error=str(failure), port=port, evidence=evidence)
    if failure.kind == "read-timeout":
        return make("connection.stalled-after-greeting", phase=failure.phase or "?", timeout=timeout, port=port,
                    evidence=evidence)
    return make("connection.dropped-after-greeting", error=str(failure), port=port, evidence=evidence)


def _greeting_rejected(reply, evidence: dict, cites_listing) -> Finding:
    citation = cites_listing(reply.text) if (cites_listing and reply) else None
    if citation is not None:
        return citation
    why = ""
    if reply and reply.code == 421:
        why = " (421: temporarily, the server is busy or limiting connections)"
    elif reply:
        why = f" (the server said: {reply.text})"
    return make("connection.greeting-rejected", reply=reply.message if reply else "?",
                code=reply.code if reply else 0, why=why,
                evidence={**evidence, "reply": reply.message if reply else None})


def check(facts: ServerFacts, *, cites_listing=None) -> list[Finding]:
    """``cites_listing(text) -> citation | None`` recognises a rejection that names a blocklist."""
    obs = facts.configured
    if obs is None:
        return []
    host = facts.settings.host
    port = obs.port
    timeout = facts.settings.timeout
    others = facts.others()
    working = facts.working()
    findings: list[Finding] = []
    evidence = {"port": port, "address": obs.address, "outcome": obs.outcome.value, "error": obs.error}
    outcome = obs.outcome

    if outcome is PortOutcome.SMTP:
        if obs.later_failure is not None:
            findings.append(_after_greeting(obs.later_failure, port, timeout, evidence))
        elif obs.ehlo is not None and obs.ehlo.code in REFUSED_SERVICE:
            findings.append(_refused_service(obs, evidence, cites_listing))
        else:
            findings.append(make("connection.ok", host=host, port=port, mode=security_label(obs),
                                 evidence={**evidence, "greeting": obs.greeting.message if obs.greeting else None,
                                           "connect_ms": round((obs.connect_time or 0) * 1000)}))
        if obs.greeting_time is not None and obs.greeting_time > SLOW_GREETING_S:
            findings.append(make("connection.slow-greeting", seconds=obs.greeting_time, port=port,
                                 evidence={"port": port, "greeting_s": round(obs.greeting_time, 2)}))
    elif outcome is PortOutcome.GREETING_REJECTED:
        findings.append(_greeting_rejected(obs.greeting, evidence, cites_listing))
    elif outcome is PortOutcome.REFUSED:
        if working:
            best = working[0]
            findings.append(make("port.wrong-port", host=host, port=port, working_port=best.port,
                                 working_security=security_label(best), failure="connection refused",
                                 working=", ".join(_describe(p) for p in working),
                                 evidence={**evidence, "working": [_describe(p) for p in working]}))
        elif others and all(p.outcome is PortOutcome.REFUSED for p in others):
            ports = ", ".join(str(p.port) for p in (obs, *others))
            findings.append(make("connection.refused-everywhere", host=host, ports=ports, evidence=evidence))
        elif others:
            findings.append(make("connection.port-closed", host=host, port=port,
                                 others=", ".join(_describe(p) for p in others), evidence=evidence))
        else:  # no other port swept: nothing is known of them, so nothing is said of them
            findings.append(make("connection.port-refused", host=host, port=port, evidence=evidence))
    elif outcome is PortOutcome.FILTERED:
        answering = [p for p in others if p.answered]
        if answering:
            findings.append(make("firewall.port-filtered", host=host, port=port, timeout=timeout,
                                 answering=", ".join(_describe(p) for p in answering),
                                 alternative=_alternative(facts),
                                 port25_advice=PORT25_ADVICE if port == 25 else "",
                                 evidence={**evidence, "confidence": "high",
                                           "answering": [_describe(p) for p in answering]}))
        else:
            ports = ", ".join(str(p.port) for p in (obs, *others))
            findings.append(make("firewall.all-filtered", host=host, ports=ports, timeout=timeout,
                                 evidence={**evidence, "confidence": "medium"}))
    elif outcome in (PortOutcome.UNREACHABLE, PortOutcome.REJECTED):
        findings.append(make("firewall.rejected", host=host, port=port, error=obs.error,
                             alternative=_alternative(facts), evidence={**evidence, "errno": obs.errno}))
    elif outcome is PortOutcome.SILENT:
        findings.append(make("connection.no-greeting", port=port, timeout=timeout, evidence=evidence))
    elif outcome is PortOutcome.CLOSED:
        findings.append(make("connection.closed-without-greeting", port=port, evidence=evidence))
    elif outcome is PortOutcome.RESET:
        findings.append(make("connection.reset", port=port, evidence=evidence))
    elif outcome is PortOutcome.NOT_SMTP:
        kinds = {"http": "a web server", "tls": "TLS alerts", "ssh": "an SSH server", "pop-imap": "a POP/IMAP server",
                 "too-long": "an endless or oversized line", "garbage": "unrecognised bytes"}
        findings.append(make("connection.not-smtp", port=port, kind=kinds.get(obs.not_smtp_kind or "", "?"),
                             sample=obs.sample or "", evidence={**evidence, "sample": obs.sample,
                                                                 "kind": obs.not_smtp_kind}))
    else:  # PortOutcome.ERROR: a failure that is none of the above (its text is all that is known)
        findings.append(make("connection.failed", host=host, port=port, error=obs.error or "an unknown error",
                             evidence=evidence))

    if outcome is not PortOutcome.SMTP and working and not any(f.id == "port.wrong-port" for f in findings):
        findings.append(make("port.alternatives", host=host, working=", ".join(_describe(p) for p in working)))
    findings.extend(_family_difference(facts))
    return findings


def _refused_service(obs: PortObservation, evidence: dict, cites_listing) -> Finding:
    """The server greeted, then refused EHLO (and everything after) with 421 or 554."""
    reply = obs.ehlo
    citation = cites_listing(reply.text) if cites_listing else None
    if citation is not None:
        return citation
    return make("connection.service-refused", port=obs.port, reply=reply.message, code=reply.code,
                evidence={**evidence, "reply": reply.message})


def _family_difference(facts: ServerFacts) -> list[Finding]:
    if not (facts.host.ipv4 and facts.host.ipv6) or facts.sweep is None:
        return []
    port = facts.port
    v4 = next((p for p in facts.sweep.on(port, 4)), None)
    v6 = next((p for p in facts.sweep.on(port, 6)), None)
    if v4 is None or v6 is None or v4.speaks_smtp == v6.speaks_smtp:
        return []
    working, failing = (v4, v6) if v4.speaks_smtp else (v6, v4)
    return [make("host.ipv6-differs", port=port, working=f"IPv{working.family}", failing=f"IPv{failing.family}",
                 failure=failing.error or failing.outcome.value,
                 evidence={"ipv4": v4.to_json(), "ipv6": v6.to_json()})]
