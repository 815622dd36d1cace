"""Verify a message's DKIM signatures (RFC 6376) and ARC chain (RFC 8617) with dkimpy, without letting
dkimpy touch the network: the key records are fetched beforehand through the run's resolver (so
``--resolver`` applies and each name is asked once), and dkimpy's ``dnsfunc`` only reads those answers.
Sans-I/O: a message and its key answers in, :class:`~smtpdoctor.protocol.dkim.SignatureCheck` and
:class:`~smtpdoctor.protocol.dkim.ArcCheck` values out; ``judge/dns/dkim_verify.py`` and
``judge/message.py`` judge them. The header block is read with the standard ``email`` package and dkimpy
(both load ``socket`` for helpers this module never calls), which is why this is not a judge module."""

from __future__ import annotations

import email
import email.policy
import logging
from typing import Mapping

from ..core.observations import DnsResult
from .dkim import ArcCheck, SignatureCheck, SignatureRef
from .tags import parse_tags

__all__ = ["signature_refs", "verify_signatures", "verify_arc", "dns_answers_func"]


def signature_refs(message: bytes) -> tuple[SignatureRef, ...]:
    """The (d=, s=) of each DKIM-Signature header, in header order (dkimpy's index order)."""
    msg = email.message_from_bytes(message, policy=email.policy.compat32)
    out: list[SignatureRef] = []
    for index, value in enumerate(msg.get_all("DKIM-Signature") or ()):
        tags = parse_tags("".join(str(value).split()))
        d, s = (tags.get("d") or "").lower().rstrip("."), (tags.get("s") or "").lower()
        if d and s:
            out.append(SignatureRef(index=index, d=d, s=s))
    return tuple(out)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def dns_answers_func(answers: Mapping[str, DnsResult]):
    """dkimpy's ``dnsfunc`` over pre-fetched answers (bytes name with a final dot -> TXT bytes or None)."""
    import dkim

    def dnsfunc(name, timeout=5):
        key = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).rstrip(".").lower()
        result = answers.get(key)
        if result is None or not result.records:
            if result is not None and result.outcome.is_failure:
                raise dkim.DnsTimeoutError(f"{key}: {result.outcome}")
            return None
        strings = result.txt_strings[0] if result.txt_strings else (result.records[0].encode(),)
        return b"".join(strings)

    return dnsfunc


def verify_signatures(message: bytes, answers: Mapping[str, DnsResult]) -> tuple[SignatureCheck, ...]:
    """Verify every DKIM-Signature of ``message``; ``answers`` maps ``<s>._domainkey.<d>`` to its TXT answer."""
    import dkim

    dnsfunc = dns_answers_func(answers)
    out: list[SignatureCheck] = []
    for ref in signature_refs(message):
        handler = _Collect()
        logger = logging.Logger(f"smtpdoctor.dkim.{ref.index}")
        logger.addHandler(handler)
        try:
            ok = bool(dkim.DKIM(message, logger=logger).verify(idx=ref.index, dnsfunc=dnsfunc))
        except dkim.DKIMException as exc:
            ok, handler.messages = False, [str(exc)]
        except Exception as exc:  # dkimpy raises plain errors on some malformed input
            ok, handler.messages = False, [f"{type(exc).__name__}: {exc}"]
        reason = "" if ok else next((m for m in reversed(handler.messages) if m), "the signature does not match")
        out.append(SignatureCheck(ref=ref, ok=ok, reason=reason))
    return tuple(out)


def verify_arc(message: bytes, answers: Mapping[str, DnsResult], *, instances: int) -> ArcCheck | None:
    """The ARC chain of ``message`` (``instances`` ARC-Seal headers) verified; None when it has none."""
    if not instances:
        return None
    import dkim

    try:
        cv, _results, reason = dkim.arc_verify(message, logger=logging.Logger("smtpdoctor.arc"),
                                              dnsfunc=dns_answers_func(answers))
    except Exception as exc:  # noqa: BLE001 - dkimpy raises plain errors on malformed chains
        return ArcCheck(instances=instances, result="fail", reason=f"{type(exc).__name__}: {exc}"[:200])
    text = cv.decode("ascii", "replace") if isinstance(cv, bytes) else str(cv)
    return ArcCheck(instances=instances, result=text.lower(), reason=str(reason or "")[:200])
