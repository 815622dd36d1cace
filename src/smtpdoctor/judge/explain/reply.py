"""Explaining reply text: one SMTP reply or several, as pasted from a sending tool or a mail log.

Accepts LF, CRLF or CR line ends, multi-line replies (``550-5.7.1 ...`` / ``550 5.7.1 ...``), and log
prefixes such as ``host mx.example.com[192.0.2.1] said:`` or Postfix's ``to=<...>, ... status=bounced (...)``.
"""

from __future__ import annotations

import re

from smtpdoctor.judge.reply import PHASES, classify
from smtpdoctor.protocol.status_codes import find_status
from smtpdoctor.core.explanation import Explained, Kind, Recipient
from smtpdoctor.protocol.textbounce import find_addresses, find_command, find_remote_host
from smtpdoctor.protocol.compiled import compiled_re

__all__ = ["explain_text", "split_replies"]

_LINE_CODE = compiled_re(r"^\s*(?:<<<\s*)?([245]\d\d)([ -])")
_POSTFIX_TO = compiled_re(r"\bto=<([^>]+)>")
_POSTFIX_STATUS = compiled_re(r"\bstatus=\w+\s*\((.*)\)\s*$", re.S)
# Words that name the recipient: a pasted reply saying them was, in practice, the answer to RCPT TO.
_ABOUT_RECIPIENT = compiled_re(r"user unknown|unknown user|no such user|recipient|mailbox unavailable|"
                              r"mailbox not found|does not exist|address rejected", re.I)
_PHASE_OF = {command: phase for phase, command in PHASES.items()}
_IN_REPLY = compiled_re(r"\(in reply to (rcpt to|mail from|end of data|data|helo|ehlo|starttls|auth)", re.I)


def split_replies(text: str) -> list[str]:
    """Group lines into replies: a multi-line reply (``550-...`` then ``550 ...``) stays one; a line that
    starts a new code after a finished reply starts another; lines without a code belong to the reply
    before them (or open one)."""
    lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if ln.strip()]
    groups: list[list[str]] = []
    open_code: str | None = None  # code of a multi-line reply still open ("550-")
    for ln in lines:
        m = _LINE_CODE.match(ln)
        if m and groups and open_code == m.group(1):
            groups[-1].append(ln)
            open_code = m.group(1) if m.group(2) == "-" else None
            continue
        if m and (not groups or open_code is None and _LINE_CODE.match(groups[-1][0])):
            groups.append([ln])
            open_code = m.group(1) if m.group(2) == "-" else None
            continue
        if not groups:
            groups.append([ln])
        else:
            groups[-1].append(ln)
        if m:
            open_code = m.group(1) if m.group(2) == "-" else None
    return ["\n".join(g) for g in groups]


def _one(reply: str) -> Recipient:
    recipient = ""
    m = _POSTFIX_TO.search(reply)
    if m:
        recipient = m.group(1)
        s = _POSTFIX_STATUS.search(reply)
        if s:
            reply = s.group(1)
    command = ""
    m = _IN_REPLY.search(reply)
    if m:
        command = find_command("after " + m.group(1))
    command = command or find_command(reply) or ("RCPT" if _ABOUT_RECIPIENT.search(reply) else "")
    if not recipient:
        found = [m.group(0) for m in find_addresses(reply)]  # ADDRESS.findall, started only at an "@"
        if found and command == "RCPT":
            recipient = found[0]
    exp = classify(None, reply, phase=_PHASE_OF.get(command), host=find_remote_host(reply), recipient=recipient)
    return Recipient(recipient=recipient, explanation=exp, action="failed", diagnostic=" ".join(reply.split()),
                     remote_mta=find_remote_host(reply), command=command)


def explain_text(text: str, source: str = "text") -> Explained:
    """Explain pasted reply text (one result per reply found in it)."""
    if not text or not text.strip():
        return Explained(source=source, kind=Kind.UNPARSED, note="empty input")
    replies = split_replies(text)
    results = tuple(_one(r) for r in replies)
    if all(r.explanation.reason in ("onhold", "undefined") and not r.explanation.replycode
           and not find_status(r.diagnostic) for r in results):
        return Explained(source=source, kind=Kind.UNPARSED,
                         note="not an SMTP reply or a bounce: no reply code, no status code, no words of a known cause")
    return Explained(source=source, kind=Kind.REPLY, results=results)
