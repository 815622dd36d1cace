"""Finding SMTP reply codes (``550``) and enhanced status codes (``5.7.1``) in free text.

Hand-written because no library reads codes out of the prose of a bounce: the text mixes IP addresses,
version numbers and dates with the codes, and a reply may carry several status codes of which the most
specific one is wanted (RFC 3463 ``X.0.0`` is the least informative).
"""

from __future__ import annotations

import re

__all__ = ["find_status", "find_replycode", "prefer_status", "REPLY_CODES", "is_status"]

# Reply codes a server really sends (RFC 5321 and common extensions); other 3-digit numbers are not codes.
REPLY_CODES = frozenset({
    "211", "214", "220", "221", "235", "250", "251", "252", "253", "354",
    "421", "422", "430", "432", "450", "451", "452", "453", "454", "455", "458", "459",
    "500", "501", "502", "503", "504", "521", "523", "524", "525", "530", "533", "534", "535", "538",
    "550", "551", "552", "553", "554", "555", "556", "557",
})

_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
_STATUS = re.compile(r"(?<![\w./=])(?<![A-Za-z_]-)([245])\.([0-7])\.(\d{1,3})(?![\d.]?\d)")
_STATUS_ONLY = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_REPLY = re.compile(r"(?<![\w.\-/+=#])(?<!\d:)([245]\d\d)(?=[\s\-]|$|[,;:.](?!\d))")


def is_status(value: str) -> bool:
    return bool(_STATUS_ONLY.match(value or ""))


def find_status(text: str, klass: str = "") -> str:
    """The most specific enhanced status code in ``text`` (``""`` when none)."""
    if not text or len(text) < 5:
        return ""
    if "." in text and _IPV4.search(text):
        text = _IPV4.sub(" ", text)
    found: list[str] = []
    vague = ""
    matches = list(_STATUS.finditer(text))
    if not klass and any(m.group(1) != "2" for m in matches):
        matches = [m for m in matches if m.group(1) != "2"]  # a failure code beats a transcript's "250 2.1.5"
    for m in matches:
        if klass and m.group(1) != klass:
            continue
        code = f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
        if code.endswith(".0.0") or code == "4.4.7":
            vague = vague or code
            continue
        found.append(code)
    if vague:
        found.append(vague)
    if not found:
        return ""
    chosen = found[0]
    for code in found[1:]:
        chosen = prefer_status(chosen, code, "")
    return chosen


def find_replycode(text: str, klass: str = "") -> str:
    """The first plausible SMTP reply code in ``text`` (of class ``klass`` when given)."""
    if not text:
        return ""
    if not klass and any(m.group(1)[0] in "45" and m.group(1) in REPLY_CODES for m in _REPLY.finditer(text)):
        klass = "45"
    for m in _REPLY.finditer(text):
        code = m.group(1)
        if code not in REPLY_CODES:
            continue
        if klass and code[0] not in klass:
            continue
        return code
    return ""


def prefer_status(field: str, inmesg: str, reply: str) -> str:
    """Choose between a ``Status:`` field value and a code found in the diagnostic text (sisimai's rule)."""
    if not field:
        return inmesg
    if not inmesg:
        return field
    if len(field) < 5:
        return inmesg
    if len(inmesg) < 5:
        return field
    if reply and field[0] != inmesg[0]:
        if reply[0] == field[0]:
            return field
        if reply[0] == inmesg[0]:
            return inmesg
    if field == inmesg:
        return field
    if field.endswith(".0.0") or ".0.0" in field[1:]:
        return inmesg if ".0.0" not in inmesg else field
    field_zero = ".0" in field
    mesg_zero = ".0" in inmesg
    if field_zero and not mesg_zero:
        return inmesg
    if ".0.0" in inmesg:
        return field
    if field in ("4.4.7", "4.7.0") or field.startswith("5.3.") or field[1:4] in (".5.1", ".5.2", ".5.4", ".5.5"):
        return inmesg
    if field == "5.1.1":
        return field if (mesg_zero or inmesg.startswith("5.5.")) else inmesg
    if field == "5.1.3" and inmesg.startswith("5.7."):
        return inmesg
    return field
