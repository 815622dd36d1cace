"""The two BIMI files, read sans-I/O: the logo (SVG Tiny Portable/Secure, the profile BIMI requires) and
the mark certificate (a VMC or CMC, PEM).

SVG: parsed with defusedxml (no DTDs, no entity expansion: a logo is hostile input), then checked
against the SVG Tiny PS rules that mailbox providers enforce: ``version="1.2"``,
``baseProfile="tiny-ps"``, a ``<title>``, square (the ``viewBox``, else ``width``/``height``), no
``x``/``y`` on the root, no scripts (``<script>``, ``on*`` handlers), no external references (an
``href`` that is not a ``#fragment``, ``<image>``, ``<foreignObject>``).

Certificate: the leaf's extended key usage must include BIMI (id-kp-BrandIndicatorforMessageIdentification,
1.3.6.1.5.5.7.3.31); its subject's mark type (1.3.6.1.4.1.53087.1.13) tells a VMC ("Registered Mark",
"Government Mark") from a CMC ("Prior Use Mark", "Modified Registered Mark").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

__all__ = ["MarkCertificate", "svg_problems", "read_mark_certificate", "BIMI_EKU", "MARK_TYPE_OID"]

SVG_NS = "{http://www.w3.org/2000/svg}"
BIMI_EKU = "1.3.6.1.5.5.7.3.31"
MARK_TYPE_OID = "1.3.6.1.4.1.53087.1.13"
_VMC_MARKS = {"registered mark", "government mark"}
_CMC_MARKS = {"prior use mark", "modified registered mark"}
_FORBIDDEN = {"script", "image", "foreignObject", "iframe", "video", "audio", "animation"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _square(root) -> str | None:
    box = root.get("viewBox")
    if box:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            w, h = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            return f"viewBox {box[:40]!r} is not four numbers"
        return None if w == h else f"not square (viewBox {w:g} x {h:g})"
    w, h = root.get("width"), root.get("height")
    if w and h:
        return None if w == h else f"not square (width {w}, height {h})"
    return "no viewBox: the logo's shape cannot be known (it must be square)"


def svg_problems(data: bytes) -> tuple[str, ...]:
    """Every SVG Tiny PS rule the logo breaks; ``()`` when it meets them all."""
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException:
        return ("the SVG declares a DTD or entities, which SVG Tiny PS does not allow",)
    except SafeET.ParseError as exc:
        return (f"not well-formed XML ({exc})",)
    if root.tag != f"{SVG_NS}svg":
        return (f"the root element is {_local(root.tag)!r}, not an SVG <svg> element",)
    problems: list[str] = []
    if root.get("version") != "1.2":
        problems.append(f"version is {root.get('version')!r}, not \"1.2\"")
    if root.get("baseProfile") != "tiny-ps":
        problems.append(f"baseProfile is {root.get('baseProfile')!r}, not \"tiny-ps\"")
    if root.get("x") is not None or root.get("y") is not None:
        problems.append("the root <svg> has x= or y= attributes")
    square = _square(root)
    if square:
        problems.append(square)
    if not any(_local(child.tag) == "title" and (child.text or "").strip() for child in root):
        problems.append("no <title> (the brand name) under the root")
    for el in root.iter():
        name = _local(el.tag)
        if name in _FORBIDDEN:
            problems.append(f"<{name}> is not allowed" + (" (scripts)" if name == "script" else ""))
        for attr, value in el.attrib.items():
            a = _local(attr)
            if a.lower().startswith("on"):
                problems.append(f"an event handler ({a}=) on <{name}>: scripts are not allowed")
            elif a == "href" and not value.startswith("#"):
                problems.append(f"an external reference ({a}={value[:60]!r}) on <{name}>")
    return tuple(dict.fromkeys(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkCertificate:
    kind: str  # "VMC", "CMC", "mark certificate (type unknown)", or "not a mark certificate"
    mark_type: str | None
    subject: str
    not_after: dt.datetime
    bimi_usage: bool

    def expired(self, now: dt.datetime) -> bool:
        return self.not_after <= now


def read_mark_certificate(pem: bytes) -> MarkCertificate | None:
    """The first certificate of a PEM bundle (the leaf), or ``None`` when there is none to read."""
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return None
    leaf = certs[0]
    try:
        eku = leaf.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
        usage = any(u.dotted_string == BIMI_EKU for u in eku)
    except x509.ExtensionNotFound:
        usage = False
    marks = [a.value for a in leaf.subject if a.oid.dotted_string == MARK_TYPE_OID]
    mark = str(marks[0]) if marks else None
    if not usage:
        kind = "not a mark certificate"
    elif mark and mark.lower() in _VMC_MARKS:
        kind = "VMC"
    elif mark and mark.lower() in _CMC_MARKS:
        kind = "CMC"
    else:
        kind = "mark certificate (type unknown)"
    return MarkCertificate(kind=kind, mark_type=mark, subject=leaf.subject.rfc4514_string()[:200],
                           not_after=leaf.not_valid_after_utc, bimi_usage=usage)
