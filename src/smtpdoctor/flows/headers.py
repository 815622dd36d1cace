"""``headers``: one delivered message -> observe (header facts, hops, DNS, signatures) -> judge -> verdict
-> a :class:`~smtpdoctor.model.Report` of the contract's shape, with the hops and the authentication
comparison as extra sections (``hops``, ``authentication``, ``message``).
"""

from __future__ import annotations

import re
import time
from typing import Iterable

from .. import __version__
from ..core.model import Category, Report, Target, Verdict
from ..judge.dns.dmarc import organizational_domain
from ..judge.dns.ptr import ptr_names
from ..judge.message import Checked, compute_auth, judge_message, recompute
from ..net.dns import Resolver
from ..observe.message import MessageObservation, observe_message
from ..protocol.headers import clean_text
from ..verdict import decide, order_findings, step_results

__all__ = ["MAX_MESSAGE_BYTES", "BadMessage", "check_message", "build_report", "recipient_addresses", "redact_text",
           "looks_like_message"]

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
_FIELD = re.compile(rb"\A[\x21-\x39\x3b-\x7e]{1,76}:")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+\.[A-Za-z]{2,}")


class BadMessage(ValueError):
    """The input is not a message (one line for the user)."""


def looks_like_message(data: bytes) -> bool:
    """At least two header fields at the top, the first one a field name and a colon."""
    head = data.lstrip()[:4096]
    lines = [line for line in head.splitlines()[:8] if line and not line[:1].isspace()]
    return len(lines) >= 2 and all(_FIELD.match(line) for line in lines[:2])


def _all_failed(resolver: Resolver) -> bool:
    return bool(resolver.log) and all(e.outcome.is_failure for e in resolver.log)


def recipient_addresses(obs: MessageObservation) -> tuple[str, ...]:
    """Addresses of the recipients (To, Cc, Delivered-To, X-Original-To, Received ``for``): what
    ``--redact-addresses`` hides."""
    from email.utils import getaddresses

    h = obs.headers
    values = [v for n, v in h.fields if n.lower() in ("to", "cc", "delivered-to", "x-original-to", "envelope-to")]
    found = {a.lower() for _, a in getaddresses(values) if "@" in a}
    found |= {hop.for_.lower() for hop in obs.hops if hop.for_ and "@" in hop.for_}
    return tuple(sorted(found, key=len, reverse=True))


def redact_text(text: str, addresses: Iterable[str]) -> str:
    """Every occurrence of each address (and of its local part next to an @) becomes ``[redacted]``."""
    for address in addresses:
        text = re.sub(re.escape(address), "[redacted]", text, flags=re.I)
        local = address.rpartition("@")[0]
        if len(local) >= 3:
            text = re.sub(re.escape(local) + r"(?=@)", "[redacted]", text, flags=re.I)
    return text


def _hops_json(obs: MessageObservation) -> list[dict]:
    out = []
    for n, hop in enumerate(obs.hops, 1):
        item = hop.to_json()
        item["hop"] = n
        item["raw"] = clean_text(hop.raw, 1000)
        item["handover"] = hop is obs.handover
        out.append(item)
    return out


def _auth_json(obs: Checked) -> dict:
    computed = compute_auth(obs)
    return {
        "authserv_id": obs.authserv_id,
        "receiver": [r.to_json() for f in obs.trusted for r in f.results],
        "ignored": [{"authserv_id": f.authserv_id, "raw": clean_text(f.raw, 500)} for f in obs.ignored],
        "computed": {
            "dkim": [{"d": c.ref.d, "s": c.ref.s, "result": "pass" if c.ok else "fail", "reason": c.reason[:200]}
                     for c in obs.dkim],
            "spf": obs.spf.to_json() if obs.spf else None,
            "dmarc": {"result": computed.dmarc, "via": computed.dmarc_via,
                      "policy": obs.dmarc.policy.to_json() if obs.dmarc and obs.dmarc.policy else None},
            "arc": {"instances": obs.arc.instances, "result": obs.arc.result, "reason": obs.arc.reason}
            if obs.arc else None,
        },
    }


def build_report(observed: MessageObservation, *, source: str, bulk: bool = False, elapsed: float = 0.0,
                 inconclusive: bool = False) -> Report:
    obs = recompute(observed)
    findings = judge_message(obs, bulk=bulk)
    verdict = decide(findings)
    if inconclusive and verdict.category is Category.OK:
        verdict = Verdict(category=Category.DNS, finding=None, confidence="inconclusive",
                          summary="No DNS answer could be had (resolver unreachable): DKIM, SPF and DMARC could "
                                  "not be recomputed.")
    h = obs.headers
    message = {"source": source, "from": clean_text(", ".join(h.from_addresses), 300),
               "subject": clean_text(h.subject or "", 300), "message_id": clean_text(h.message_id or "", 300),
               "date": h.date.isoformat() if h.date else None, "return_path": h.return_path,
               "handover_ip": obs.handover.ip if obs.handover else None}
    settings = {"message": source, "from": message["from"], "subject": message["subject"],
                "message-id": message["message_id"], "authserv-id": obs.authserv_id or ""}
    return Report(
        target=Target(domain=h.from_domain, ip=obs.handover.ip if obs.handover else None,
                      extra={"message": source}),
        verdict=verdict, findings=order_findings(findings, verdict),
        steps=tuple(s for s in step_results(findings) if s.findings),  # only the steps a message or report shows
        timings={"total_s": elapsed}, version=__version__,
        extra={"kind": "headers", "message": message, "hops": _hops_json(obs), "authentication": _auth_json(obs),
               "settings": settings,
               "sections": [("Hops", ("hops",)), ("Authentication and bulk-sender rules", ("message", "ptr"))]})


async def check_message(message: bytes, resolver: Resolver, *, source: str, authserv_id: str | None = None,
                        bulk: bool = False) -> tuple[Report, MessageObservation]:
    if not looks_like_message(message):
        raise BadMessage(f"{source}: not a message (no header fields at the top)")
    start = time.perf_counter()
    obs = await observe_message(message, resolver, org_domain=organizational_domain, ptr_names=ptr_names,
                                authserv_id=authserv_id)
    report = build_report(obs, source=source, bulk=bulk, elapsed=time.perf_counter() - start,
                          inconclusive=_all_failed(resolver))
    return report, obs
