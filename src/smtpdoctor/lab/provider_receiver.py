"""A lab receiver per mailbox provider: it applies that provider's bulk-sender rules
(``knowledge/bulk_senders.toml``) to the sender's domain and answers DATA with the provider's reply
for the first rule that fails, as Gmail or Outlook.com would.

The receiver reads the sender's DNS itself, from the lab world's records (the zone the lab DNS server
serves), with a receiver's simple tests -- an SPF TXT, a DKIM key at the selector, a DMARC TXT, a PTR
that resolves back -- and never through the audit's checks: a test then compares what `domain`
predicts (:func:`smtpdoctor.judge.checklist.predicted_reply`) with what this receiver says.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Mapping, Sequence

from ..core.bulk_rules import Rule, rules
from .faults import Fault

__all__ = ["provider_receiver", "receiver_reply"]

Zone = Mapping[str, Mapping[str, Sequence[str]]]


def _txt(zone: Zone, name: str, prefix: str) -> list[str]:
    return [t for t in zone.get(name, {}).get("TXT", ()) if t.strip().lower().startswith(prefix)]


def _passes(check: str, zone: Zone, domain: str, client_ip: str, selector: str) -> bool:
    if check == "spf":
        return len(_txt(zone, domain, "v=spf1")) == 1
    if check == "dkim":
        return any("p=" in t and not t.rstrip().endswith("p=") for t in _txt(zone, f"{selector}._domainkey.{domain}", "v=dkim1"))
    if check == "dmarc":  # the domain's own record, else a parent's (the organisational domain's)
        labels = domain.split(".")
        return any(len(_txt(zone, "_dmarc." + ".".join(labels[i:]), "v=dmarc1")) == 1 for i in range(len(labels) - 1))
    if check == "ptr":
        reverse = ipaddress.ip_address(client_ip).reverse_pointer
        names = [n.rstrip(".") for n in zone.get(reverse, {}).get("PTR", ())]
        family = "A" if ipaddress.ip_address(client_ip).version == 4 else "AAAA"
        return any(client_ip in zone.get(n, {}).get(family, ()) for n in names)
    return True  # not visible in DNS: the lab receiver does not hold it against the sender


def receiver_reply(provider: str, zone: Zone, domain: str, *, client_ip: str, selector: str,
                   today: dt.date | None = None) -> str | None:
    """The reply ``provider`` gives to mail from ``domain`` sent from ``client_ip``, or None (accepted)."""
    day = today or dt.date.today()
    failed = {rule.key: _failed(rule, {}, zone, domain, client_ip, selector) for rule in rules() if not rule.of}
    for rule in rules():
        version = rule.version(provider, day)
        if _failed(rule, failed, zone, domain, client_ip, selector) and version is not None and version.reply:
            return version.reply.replace("{domain}", domain)
    return None


def _failed(rule: Rule, done: Mapping[str, bool], zone: Zone, domain: str, client_ip: str, selector: str) -> bool:
    if rule.of:
        return all(done.get(k, False) for k in rule.of)
    return bool(rule.lab) and not _passes(rule.lab, zone, domain, client_ip, selector)


def provider_receiver(provider: str, zone: Zone, *, client_ip: str, selector: str,
                      today: dt.date | None = None) -> Fault:
    """The rule fault: DATA is answered with ``provider``'s reply when the sender's domain fails a rule."""
    def decide(sender: str) -> str | None:
        return receiver_reply(provider, zone, sender.rpartition("@")[2].lower(), client_ip=client_ip,
                              selector=selector, today=today)
    return Fault.reject("DATA", f"provider rules of {provider}", decide=decide)
