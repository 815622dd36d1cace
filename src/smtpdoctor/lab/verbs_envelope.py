"""The lab server's mail transaction: MAIL, RCPT, DATA (and the message body after 354), BDAT, and the
envelope rules of the faults (relay denied, sender not owned, user unknown, greylisting ...)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .dialogue import LAST_CHUNK, out_of_order
from .records import Message
from .verbs_basic import has

if TYPE_CHECKING:
    from .session import Session

__all__ = ["VERBS", "PRECONDITIONS", "receive_body"]

_PATH = re.compile(r"^\s*<([^<>]*)>\s*(.*)$")


async def _apply_rules(s: "Session", command: str, address: str) -> bool:
    """Answer with the first matching rule; True when one answered."""
    hits = s.server.rule_hits
    for index, rule in enumerate(s.plan.rules):
        if rule.command != command or not rule.matches(address, authenticated=s.authenticated is not None):
            continue
        reply = rule.reply if rule.decide is None else rule.decide(address)
        if reply is None:
            continue
        if rule.times is not None:
            if hits[index] >= rule.times:
                continue
            hits[index] += 1
        await s.reply(reply, addr=address, user=s.authenticated or "anonymous")
        await s.then(rule.then)
        return True
    return False


async def mail(s: "Session", arg: str) -> None:
    match = _PATH.match(arg[5:]) if arg[:5].upper() == "FROM:" else None
    if match is None:
        await s.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
        return
    address, params = match.group(1), match.group(2).upper().split()
    size_ext = has(s, "SIZE")
    if size_ext:
        limit = int(size_ext.split()[1]) if len(size_ext.split()) > 1 else 0
        declared = next((p[5:] for p in params if p.startswith("SIZE=")), None)
        if limit and declared and declared.isdigit() and int(declared) > limit:
            await s.reply("552 5.3.4 Message size exceeds fixed limit")
            return
    if await _apply_rules(s, "MAIL", address):
        return
    s.mail_from = address
    await s.reply("250 2.1.0 Ok")


async def rcpt(s: "Session", arg: str) -> None:
    match = _PATH.match(arg[3:]) if arg[:3].upper() == "TO:" else None
    if match is None or not match.group(1):
        await s.reply("501 5.5.4 Syntax: RCPT TO:<address>")
        return
    address = match.group(1)
    if await _apply_rules(s, "RCPT", address):
        return
    s.rcpts.append(address)
    await s.reply("250 2.1.5 Ok")


async def data(s: "Session", arg: str) -> None:
    assert s.mail_from is not None
    if await _apply_rules(s, "DATA", s.mail_from):
        return
    await s.reply("354 End data with <CR><LF>.<CR><LF>")  # the table moves to BODY: receive_body next


async def receive_body(s: "Session") -> None:
    """The message after DATA's 354, up to the line ".", dot-unstuffed; queued unless too big."""
    body: list[bytes] = []
    size = 0
    while True:
        line = await s.line(record=False)
        if line is None:
            continue
        if line == b".":
            break
        line = line[1:] if line.startswith(b".") else line
        size += len(line) + 2
        if size <= s.server.max_message_size:
            body.append(line)
    s.note("recv", b"[message of %d bytes]" % size)
    if size > s.server.max_message_size:
        await s.reply("552 5.3.4 Message size exceeds fixed limit")
    else:
        await _queue(s, b"".join(line + b"\r\n" for line in body), "DATA")


def chunking_offered(s: "Session") -> str | None:
    return None if has(s, "CHUNKING") else "502 5.5.2 Error: command not recognized"


async def bdat(s: "Session", arg: str) -> str | None:
    parts = arg.split()
    if not parts or not parts[0].isdigit() or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() != "LAST"):
        await s.reply("501 5.5.4 Syntax: BDAT count [LAST]")
        return None
    count, last = int(parts[0]), len(parts) == 2
    chunk = await s.exactly(count)
    s.note("recv", b"[BDAT chunk of %d bytes]" % count)
    refusal = out_of_order(s.phase, "BDAT")  # checked after the chunk: it follows the command regardless
    if refusal is not None:
        await s.reply(refusal)
        return None
    s.bdat = (s.bdat or bytearray()) + chunk
    if not last:
        await s.reply(f"250 2.0.0 Ok: {count} bytes received")
        return None
    await _queue(s, bytes(s.bdat), "BDAT")
    return LAST_CHUNK


async def _queue(s: "Session", data: bytes, via: str) -> None:
    assert s.mail_from is not None
    s.record.messages.append(Message(mail_from=s.mail_from, rcpt_to=tuple(s.rcpts), data=data, via=via))
    await s.reply(f"250 2.0.0 Ok: queued as LAB{len(s.server.messages):06d}")


VERBS = {"MAIL": mail, "RCPT": rcpt, "DATA": data, "BDAT": bdat}
PRECONDITIONS = {"BDAT": chunking_offered}
