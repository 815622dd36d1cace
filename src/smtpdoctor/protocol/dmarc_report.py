"""DMARC aggregate reports (RFC 7489 Appendix C, and RFC 9990's ``urn:ietf:params:xml:ns:dmarc-2.0``
schema) parsed from XML bytes into frozen records. Sans-I/O, pure.

XML goes through ``defusedxml`` only: no entity expansion, no external entities, no DTD. Element names
are matched without their namespace, so the old draft, RFC 7489 and RFC 9990 documents read alike.
Bytes that are not valid UTF-8 in a document that says UTF-8 (some reporters write Latin-1) are read
with replacement characters rather than refused: the counts are what matter.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BadReport", "AggregateRecord", "AggregateReport", "parse_aggregate", "MAX_RECORDS"]

MAX_RECORDS = 1_000_000  # rows in one report; more is not a report but an attack


class BadReport(ValueError):
    """The document is not a readable report: ``str(exc)`` says why, in one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregateRecord:
    source_ip: str
    count: int
    disposition: str  # none, quarantine, reject (RFC 9990 adds pass)
    dkim: str  # DMARC-aligned DKIM result as the reporter evaluated it: pass / fail
    spf: str  # DMARC-aligned SPF result: pass / fail
    reasons: tuple[tuple[str, str], ...] = ()  # (type, comment): forwarded, local_policy, ...
    header_from: str = ""
    envelope_from: str = ""
    envelope_to: str = ""
    dkim_results: tuple[tuple[str, str, str], ...] = ()  # (domain, selector, result)
    spf_results: tuple[tuple[str, str, str], ...] = ()  # (domain, scope, result)

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim == "pass" or self.spf == "pass"


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregateReport:
    org_name: str
    email: str
    report_id: str
    begin: int  # seconds since the epoch, UTC
    end: int
    domain: str  # policy_published/domain
    p: str = ""
    sp: str = ""
    pct: str = ""
    adkim: str = ""
    aspf: str = ""
    records: tuple[AggregateRecord, ...] = ()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem, name: str):
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _children(elem, name: str):
    return [c for c in elem if _local(c.tag) == name]


def _text(elem, *path: str) -> str:
    for name in path:
        if elem is None:
            return ""
        elem = _child(elem, name)
    return (elem.text or "").strip() if elem is not None else ""


def _int(text: str, what: str) -> int:
    try:
        return int(float(text.strip()))
    except (ValueError, AttributeError):
        raise BadReport(f"{what} is {text[:40]!r}, not a number") from None


def _record(rec) -> AggregateRecord:
    row = _child(rec, "row")
    if row is None:
        raise BadReport("a <record> without <row>")
    pe = _child(row, "policy_evaluated")
    reasons = tuple((_text(r, "type").lower(), _text(r, "comment")) for r in _children(pe, "reason")) \
        if pe is not None else ()
    ids = _child(rec, "identifiers")
    auth = _child(rec, "auth_results")
    dkim = tuple((_text(d, "domain").lower(), _text(d, "selector"), _text(d, "result").lower())
                 for d in (_children(auth, "dkim") if auth is not None else ()))
    spf = tuple((_text(s, "domain").lower(), _text(s, "scope"), _text(s, "result").lower())
                for s in (_children(auth, "spf") if auth is not None else ()))
    source_ip = _text(row, "source_ip")
    if not source_ip:
        raise BadReport("a <row> without <source_ip>")
    return AggregateRecord(
        source_ip=source_ip, count=_int(_text(row, "count") or "0", "<count>"),
        disposition=_text(pe, "disposition").lower(), dkim=_text(pe, "dkim").lower(),
        spf=_text(pe, "spf").lower(), reasons=tuple(r for r in reasons if any(r)),
        header_from=_text(ids, "header_from").lower(), envelope_from=_text(ids, "envelope_from").lower(),
        envelope_to=_text(ids, "envelope_to").lower(), dkim_results=dkim, spf_results=spf)


def _root(data: bytes):
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        head = data[:200].lower()
        if b"encoding=" not in head or b"utf-8" in head or b"utf8" in head:
            data = data.decode("utf-8", "replace").encode("utf-8")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadReport(f"refused: {type(exc).__name__} (entities or a DTD in a report)") from None
    except ParseError as exc:
        # Some reporters wrap <feedback> in an unclosed element (an <xs:schema> left open): read the
        # <feedback> element alone, once, with the same protections.
        start, end = data.find(b"<feedback"), data.rfind(b"</feedback>")
        if 0 < start < end:
            try:
                return fromstring(data[start:end + len(b"</feedback>")], forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
            except (ParseError, DefusedXmlException):
                pass
        raise BadReport(f"not well-formed XML ({exc})") from None


def parse_aggregate(data: bytes) -> AggregateReport:
    root = _root(data)
    if _local(root.tag) != "feedback":
        raise BadReport(f"the root element is <{_local(root.tag)}>, not <feedback>")
    meta = _child(root, "report_metadata")
    policy = _child(root, "policy_published")
    if meta is None or policy is None:
        raise BadReport("no <report_metadata> or <policy_published>")
    rng = _child(meta, "date_range")
    records = _children(root, "record")
    if len(records) > MAX_RECORDS:
        raise BadReport(f"{len(records)} records: more than {MAX_RECORDS}")
    return AggregateReport(
        org_name=_text(meta, "org_name"), email=_text(meta, "email"), report_id=_text(meta, "report_id"),
        begin=_int(_text(rng, "begin") or "0", "<begin>"), end=_int(_text(rng, "end") or "0", "<end>"),
        domain=_text(policy, "domain").lower(), p=_text(policy, "p").lower(), sp=_text(policy, "sp").lower(),
        pct=_text(policy, "pct"), adkim=_text(policy, "adkim").lower(), aspf=_text(policy, "aspf").lower(),
        records=tuple(_record(r) for r in records))
