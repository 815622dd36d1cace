"""Pure checks over a delivered message's observations: the hops, the authentication recomputed and set
beside the receiver's own Authentication-Results, and the bulk-sender rules only a message shows
(Gmail/Yahoo February 2024, Microsoft Outlook.com May 2025). Facts in, findings out; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import catalogue
from ..core.model import Finding, Severity
from ..core.observations import DnsResult
from ..protocol.dkim import ArcCheck, SignatureCheck
from ..protocol.headers import MESSAGE_ID
from ..protocol.received import SKEW_TOLERANCE_S, Hop
from ..protocol.dmarc import DmarcPolicy, dmarc_records, parse_dmarc
from .dns.dmarc import organizational_domain
from .dns.facts import HostAddresses
from .dns.ptr import check_ptr

if TYPE_CHECKING:
    from ..observe.message import MessageObservation

__all__ = ["judge_message", "recompute", "Checked", "ArcCheck", "DmarcLookup", "check_hops", "check_auth",
           "check_bulk_rules", "Computed", "compute_auth", "SLOW_HOP_S", "aligned"]

SLOW_HOP_S = 600  # a hop that held the message longer than 10 minutes is worth a look


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcLookup:
    domain: str
    policy: DmarcPolicy | None
    answer: DnsResult | None  # the answer that decided (a failure, or several records); None: no record


@dataclass(frozen=True, slots=True, kw_only=True)
class Checked:
    """The observation plus what the checks recompute from it (its other fields read through)."""

    obs: Any  # MessageObservation
    dkim: tuple[SignatureCheck, ...]  # one per DKIM-Signature
    arc: ArcCheck | None
    dmarc: DmarcLookup | None

    def __getattr__(self, name: str):
        return getattr(self.obs, name)


def _dmarc(obs: "MessageObservation") -> DmarcLookup | None:
    domain = obs.headers.from_domain
    if not domain:
        return None
    for where, answer in obs.dmarc_answers:
        if answer.outcome.is_failure:
            return DmarcLookup(domain=domain, policy=None, answer=answer)
        records = dmarc_records(answer)
        if len(records) == 1:
            return DmarcLookup(domain=domain, policy=parse_dmarc(where, records[0]), answer=answer)
        if records:
            return DmarcLookup(domain=domain, policy=None, answer=answer)
    return DmarcLookup(domain=domain, policy=None, answer=None)


def recompute(obs: "MessageObservation", *, dkim: tuple[SignatureCheck, ...] = (),
              arc: ArcCheck | None = None) -> Checked:
    """The observation with its DKIM signatures and ARC chain as verified (``protocol/dkim_verify.py``)
    and the DMARC policy that applies. Pure."""
    return Checked(obs=obs, dkim=dkim, arc=arc, dmarc=_dmarc(obs))


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_hops(hops: tuple[Hop, ...], handover: Hop | None) -> list[Finding]:
    if not hops:
        return [catalogue.make("hops.none")]
    out: list[Finding] = []
    timed = [h for h in hops if h.time is not None]
    total = (timed[-1].time - timed[0].time).total_seconds() if len(timed) > 1 else 0.0
    path = " → ".join(h.by or "?" for h in hops)
    out.append(catalogue.make("hops.path", count=len(hops), total=_duration(total), path=path,
                              evidence={"count": len(hops), "total_s": total}))
    previous: Hop | None = None
    for n, hop in enumerate(hops, 1):
        if hop.problems:
            out.append(catalogue.make("hops.unparsable", hop=n, problems="; ".join(hop.problems),
                                      evidence={"raw": hop.raw[:500]}))
        if hop.delay_s is not None and previous is not None:
            if hop.delay_s < -SKEW_TOLERANCE_S:
                out.append(catalogue.make("hops.clock-skew", hop=n, by=hop.by, previous=previous.by,
                                          skew=_duration(hop.delay_s), evidence={"delay_s": hop.delay_s}))
            elif hop.delay_s > SLOW_HOP_S:
                out.append(catalogue.make("hops.slow", hop=n, by=hop.by, previous=previous.by,
                                          delay=_duration(hop.delay_s),
                                          time=hop.time.isoformat() if hop.time else "?",
                                          evidence={"delay_s": hop.delay_s}))
        if hop.time is not None:
            previous = hop
    if handover is not None:
        if handover.tls:
            version = f" ({handover.tls_version}, {handover.tls_cipher})" if handover.tls_version else ""
            out.append(catalogue.make("hops.tls", by=handover.by, version=version))
        else:
            out.append(catalogue.make("hops.no-tls", by=handover.by, protocol=handover.protocol or "?",
                                      from_=handover.from_rdns or handover.from_helo or handover.ip))
    return out


def aligned(a: str | None, b: str | None, mode: str = "r") -> bool:
    """DMARC identifier alignment (RFC 7489 §3.1): strict = same name, relaxed = same organisational domain."""
    if not a or not b:
        return False
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    return a == b if mode == "s" else organizational_domain(a) == organizational_domain(b)


@dataclass(frozen=True, slots=True, kw_only=True)
class Computed:
    """smtpdoctor's own results, in the receiver's vocabulary, for the comparison."""

    dkim: dict[str, str]  # d= -> pass/fail (a domain with any passing signature is pass)
    spf: str | None
    dmarc: str | None
    dmarc_via: str = ""


def compute_auth(obs: Checked) -> Computed:
    dkim: dict[str, str] = {}
    for check in obs.dkim:
        dkim[check.ref.d] = "pass" if check.ok or dkim.get(check.ref.d) == "pass" else "fail"
    spf = str(obs.spf.result) if obs.spf else None
    dmarc, via = None, ""
    policy = obs.dmarc.policy if obs.dmarc else None
    domain = obs.headers.from_domain
    if policy is not None and domain:
        spf_ok = spf == "pass" and aligned(obs.spf.domain, domain, policy.aspf)
        dkim_ok = [d for d, r in dkim.items() if r == "pass" and aligned(d, domain, policy.adkim)]
        dmarc = "pass" if spf_ok or dkim_ok else "fail"
        via = " and ".join((["SPF"] if spf_ok else []) + ([f"DKIM d={dkim_ok[0]}"] if dkim_ok else []))
    elif obs.dmarc is not None and obs.dmarc.answer is None:
        dmarc = "none"
    return Computed(dkim=dkim, spf=spf, dmarc=dmarc, dmarc_via=via)


def _dkim_why(reason: str, obs: Checked, d: str, s: str) -> str:
    low = reason.lower()
    if "body hash" in low:
        forwarded = obs.arc is not None or len(obs.hops) > 2
        return ("The body changed after it was signed. " + (
            "The message passed through a forwarder or mailing list (ARC or extra hops), which typically "
            "adds a footer or re-encodes the body." if forwarded else
            "Something on the way (a footer added by a gateway or list, a re-encoding, or the way the file "
            "was saved: line endings, a mail client's copy) changed it."))
    key = obs.key_answers.get(f"{s}._domainkey.{d}")
    if key is not None and key.outcome.is_negative:
        return f"No key is published at {s}._domainkey.{d} today: the key was removed, or never published."
    if "signature verification failed" in low or "signature" in low:
        return ("The headers or the key do not match the signature: a header in h= was changed on the way, or "
                f"the key at {s}._domainkey.{d} changed since the message was signed (rotated).")
    return reason


def _differs_why(method: str, theirs: str, ours: str, obs: Checked) -> str:
    if method == "dkim" and theirs == "pass" and ours == "fail":
        return ("The receiver verified the signature when the message arrived; it no longer verifies. Either "
                "the copy given here is not byte-for-byte what arrived (saved by a mail client, forwarded to you), "
                "or the key was rotated or removed since.")
    if method == "dkim" and theirs != "pass" and ours == "pass":
        return ("It verifies today: the key may have been published or fixed since, or the receiver hit a DNS "
                "failure (temperror) at delivery time.")
    if method == "spf":
        return ("SPF depends on the IP that handed the message over and on the SPF record at the time: the record "
                "changed since, or the receiver evaluated a different hop (an internal relay in front of it).")
    if method == "dmarc":
        return "DMARC follows from SPF and DKIM: see their comparison, and the DMARC record may have changed since."
    return "The receiver and smtpdoctor looked at different data (time, DNS, the copy of the message)."


def _compare(obs: Checked, computed: Computed) -> list[Finding]:
    out: list[Finding] = []
    if obs.ignored:
        out.append(catalogue.make("message.forged-results-ignored", count=len(obs.ignored),
                                  ids=", ".join(sorted({f.authserv_id for f in obs.ignored})),
                                  authserv_id=obs.authserv_id or "none"))
    if not obs.trusted:
        out.append(catalogue.make("message.no-receiver-results"))
        return out
    theirs: dict[tuple[str, str], str] = {}
    for field in obs.trusted:
        for r in field.results:
            if r.method == "dkim":
                d = (r.props.get("header.d") or r.props.get("header.i", "").rpartition("@")[2]).lower()
                if d and (theirs.get(("dkim", d)) != "pass"):
                    theirs[("dkim", d)] = r.result
            elif r.method in ("spf", "dmarc"):
                theirs.setdefault((r.method, ""), r.result)
    ours = {("dkim", d): v for d, v in computed.dkim.items()}
    if computed.spf is not None:
        ours[("spf", "")] = computed.spf
    if computed.dmarc is not None:
        ours[("dmarc", "")] = computed.dmarc
    for key, their in theirs.items():
        method, about = key
        mine = ours.get(key)
        if mine is None or mine == "temperror":  # could not test is not a difference
            continue
        if mine == their:
            out.append(catalogue.make("message.auth-agrees", method=method, theirs=their,
                                      authserv_id=obs.authserv_id))
        else:
            out.append(catalogue.make("message.auth-differs", method=method, theirs=their, ours=mine,
                                      about=f" for d={about}" if about else "",
                                      why=_differs_why(method, their, mine, obs)))
    return out


def check_auth(obs: Checked) -> list[Finding]:
    out: list[Finding] = []
    domain = obs.headers.from_domain
    computed = compute_auth(obs)
    policy = obs.dmarc.policy if obs.dmarc else None
    adkim = policy.adkim if policy else "r"
    if not obs.dkim:
        out.append(catalogue.make("message.dkim-none", domain=domain or "your domain"))
    for check in obs.dkim:
        d, s = check.ref.d, check.ref.s
        key = obs.key_answers.get(f"{s}._domainkey.{d}")
        if not check.ok and key is not None and key.outcome.is_failure:
            out.append(catalogue.make("message.dkim-untested", d=d, s=s, outcome=str(key.outcome)))
        elif check.ok:
            out.append(catalogue.make("message.dkim-pass", d=d, s=s,
                                      aligned=" (aligned with From)" if aligned(d, domain, adkim) else ""))
        else:
            out.append(catalogue.make("message.dkim-fail", d=d, s=s, reason=check.reason[:200],
                                      why=_dkim_why(check.reason, obs, d, s),
                                      severity=Severity.WARNING if any(
                                          c.ok and aligned(c.ref.d, domain, adkim) for c in obs.dkim) else None))
    passing = [c.ref.d for c in obs.dkim if c.ok]
    if passing and domain and not any(aligned(d, domain, adkim) for d in passing):
        out.append(catalogue.make("message.dkim-unaligned", domain=domain, d=", ".join(passing)))
    out += _spf_findings(obs, domain, policy.aspf if policy else "r")
    out += _dmarc_findings(obs, computed)
    if obs.arc is not None:
        out.append(catalogue.make("message.arc", instances=obs.arc.instances, result=obs.arc.result,
                                  reason=obs.arc.reason))
    out += _compare(obs, computed)
    return out


def _spf_findings(obs: Checked, domain: str | None, aspf: str) -> list[Finding]:
    spf = obs.spf
    if spf is None:
        why = "no Received field names the IP that handed the message over" if not obs.handover \
            else "no Return-Path or HELO name to check"
        return [catalogue.make("message.spf-untested", why=why)]
    if str(spf.result) == "pass":
        is_aligned = aligned(spf.domain, domain, aspf)
        out = [catalogue.make("message.spf-pass", ip=spf.ip, domain=spf.domain,
                              aligned=" (aligned with From)" if is_aligned else "")]
        if domain and not is_aligned:
            out.append(catalogue.make("message.spf-unaligned", domain=spf.domain, from_domain=domain))
        return out
    sev = Severity.WARNING if str(spf.result) in ("softfail", "neutral", "none", "temperror") else None
    reason = spf.reason or f"check_host() answered {spf.result}"
    return [catalogue.make("message.spf-fail", result=str(spf.result), ip=spf.ip, domain=spf.domain,
                           reason=reason, severity=sev, evidence={"spf": spf.to_json()})]


def _dmarc_findings(obs: Checked, computed: Computed) -> list[Finding]:
    domain = obs.headers.from_domain
    if not domain:
        return [catalogue.make("message.dmarc-untested", why="the message has no single From domain")]
    lookup = obs.dmarc
    if lookup is None or lookup.policy is None:
        if lookup is not None and lookup.answer is not None:
            return [catalogue.make("message.dmarc-untested",
                                   why=f"the DMARC lookup for {domain} answered {lookup.answer.outcome}")]
        return [catalogue.make("message.dmarc-missing", domain=domain)]
    policy = lookup.policy
    if computed.dmarc == "pass":
        return [catalogue.make("message.dmarc-pass", domain=domain, via=computed.dmarc_via)]
    effective = policy.effective_policy(subdomain=policy.found_at != domain)
    why = ""
    if obs.arc is not None and obs.arc.result == "pass":
        why = ("The message carries a valid ARC chain: receivers that trust the forwarder (Gmail, Microsoft "
               "for known forwarders) may deliver it anyway.")
    return [catalogue.make("message.dmarc-fail", domain=domain, policy=effective, policy_domain=policy.found_at,
                           why=why, severity=Severity.WARNING if effective == "none" else None)]


def check_bulk_rules(obs: Checked, *, bulk: bool = False) -> list[Finding]:
    """One From, Message-ID, Date, one-click unsubscribe signed by DKIM, Feedback-ID, PTR of the sending IP."""
    h = obs.headers
    out: list[Finding] = []
    ok = True
    if len(h.from_addresses) != 1:
        out.append(catalogue.make("message.from-count", count=len(h.from_addresses)))
        ok = False
    if not h.message_id or not MESSAGE_ID.match(h.message_id.strip()):
        out.append(catalogue.make("message.message-id-invalid", value=repr((h.message_id or "(none)")[:100])))
        ok = False
    if h.date is None:
        out.append(catalogue.make("message.date-invalid", value=repr((h.date_text or "(none)")[:100])))
        ok = False
    if ok:
        out.append(catalogue.make("message.headers-ok"))
    out += _unsubscribe(obs, bulk)
    if h.feedback_id is not None:
        fields = h.feedback_id.strip().split(":")
        good = 2 <= len(fields) <= 4 and all(f.strip() for f in fields) and " " not in h.feedback_id.strip()
        out.append(catalogue.make("message.feedback-id-ok" if good else "message.feedback-id-form",
                                  value=h.feedback_id[:100]))
    if obs.handover is not None and obs.handover.ip and obs.ptr is not None:
        forward = {n: HostAddresses(host=n, a=a, aaaa=aaaa) for n, (a, aaaa) in obs.ptr_forward.items()}
        out += check_ptr(obs.handover.ip, obs.ptr, forward, helo=obs.handover.from_helo)
    return out


def _unsubscribe(obs: Checked, bulk: bool) -> list[Finding]:
    h = obs.headers
    raise_to = Severity.ERROR if bulk else None
    if not h.list_unsubscribe:
        return [catalogue.make("message.unsubscribe-missing", severity=raise_to)]
    https = [u for u in h.list_unsubscribe if u.lower().startswith("https://")]
    uris = ", ".join(u[:80] for u in h.list_unsubscribe)
    if h.list_unsubscribe_post is None:
        return [catalogue.make("message.unsubscribe-no-one-click", uris=uris, severity=raise_to)]
    if not https:
        return [catalogue.make("message.unsubscribe-post-without-https", uris=uris)]
    if h.list_unsubscribe_post.strip() != "List-Unsubscribe=One-Click":
        return [catalogue.make("message.unsubscribe-post-value", value=h.list_unsubscribe_post[:80])]
    valid_domains = {c.ref.d for c in obs.dkim if c.ok}
    covered = [set(names) for d, names in h.dkim_signed_fields if d in valid_domains]
    need = {"list-unsubscribe", "list-unsubscribe-post"}
    if not any(need <= names for names in covered):
        best = max(covered, key=lambda s: len(s & need), default=set())
        missing = ", ".join(sorted(n.title() for n in need - best))
        return [catalogue.make("message.unsubscribe-not-signed", missing=missing)]
    return [catalogue.make("message.unsubscribe-ok")]


def judge_message(checked: Checked, *, bulk: bool = False) -> tuple[Finding, ...]:
    """``checked`` is :func:`recompute` of the observation."""
    return tuple(check_hops(checked.hops, checked.handover) + check_auth(checked)
                 + check_bulk_rules(checked, bulk=bulk))
