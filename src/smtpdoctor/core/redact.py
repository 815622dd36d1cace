"""Keep secrets out of transcripts, logs, reports and error messages.

A :class:`Redactor` collects every form a secret can take (the value itself; its base64, URL-encoded,
JSON-escaped, HTML-escaped and bytes-repr forms; the blobs SASL mechanisms send) and replaces each
occurrence with ``********``. The transcript recorder calls :meth:`Redactor.redact_line` for every line,
which also applies two rules that hold even when the secret is unknown:

* a client ``AUTH <MECH> <initial-response>`` line is shown as ``AUTH <MECH> ********``;
* any client line sent right after a ``334`` challenge is shown as ``********`` (except the
  ``*`` that cancels an exchange, which carries nothing).

Very short forms (fewer than :data:`MIN_ANYWHERE` characters, e.g. a 2-character password) are only
replaced where they stand as a whole word: replacing every ``5`` in ``250 OK`` would hide the very
replies a diagnosis needs, and the two rules above already cover where a password is actually sent.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Callable, Iterable

from .settings import Secret

__all__ = ["MASK", "MIN_ANYWHERE", "Redactor", "forms_of"]

MASK = "********"
#: forms shorter than this are only redacted as whole words (see the module docstring)
MIN_ANYWHERE = 4

_AUTH_LINE = re.compile(r"^(\s*AUTH\s+)(\S+)(\s+)(\S.*)$", re.IGNORECASE | re.DOTALL)
_CLIENT_DIRS = frozenset({"send", "sent", "client", "->", "~>"})


def forms_of(value: str) -> set[str]:
    """Every text form under which ``value`` may show up in output."""
    if not value:
        return set()
    # imported here: a run without a password or token (most) needs none of them (issue 16)
    import base64
    import html
    import json
    from urllib.parse import quote, quote_plus

    raw = value.encode("utf-8", "surrogateescape")
    forms = {
        value,
        base64.b64encode(raw).decode("ascii"),
        base64.b64encode(raw).decode("ascii").rstrip("="),
        quote(raw, safe=""),  # from the bytes: a value that was not UTF-8 (a lone surrogate) still quotes
        quote_plus(raw, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
        repr(raw)[2:-1],  # b'...' as Python prints bytes
        repr(value)[1:-1],
        raw.decode("latin-1"),  # UTF-8 bytes read as Latin-1 (mojibake in a transcript)
        raw.decode("ascii", "surrogateescape"),
    }
    return {f for f in forms if f}


class Redactor:
    """Collects secret forms and masks them. Cheap to call per line; safe with no secret at all."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        self._forms: set[str] = set()
        self._sources: list[Callable[[], Iterable[str]]] = []
        self._pattern: re.Pattern[str] | None = None
        self._seen = 0
        for s in secrets:
            self.add(s)

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} forms)"

    # -- collecting ----------------------------------------------------------------------------------
    def add(self, secret: Secret | None) -> None:
        """Redact this password or token in all its forms. ``None`` and empty secrets are ignored."""
        if secret is None:
            return
        value = secret.reveal() if isinstance(secret, Secret) else str(secret)
        self.add_forms(forms_of(value))

    def add_forms(self, forms: Iterable[str]) -> None:
        """Redact these exact strings (e.g. :meth:`~smtpdoctor.protocol.sasl.Mechanism.secret_forms`)."""
        new = {f for f in forms if f} - self._forms
        if new:
            self._forms |= new
            self._pattern = None

    def add_mechanism(self, mechanism) -> None:
        """Follow a SASL mechanism: its forms are re-read at each redaction (CRAM-MD5's answer, say)."""
        self.add_forms(mechanism.secret_forms())
        self._sources.append(mechanism.secret_forms)

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(self._forms)

    # -- masking ---------------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """``text`` with every known secret form replaced by ``********``."""
        if not text:
            return text
        for source in self._sources:
            self.add_forms(source())
        if not self._forms:
            return text
        if self._pattern is None:
            self._pattern = self._compile()
        return self._pattern.sub(MASK, text)

    def scrub(self, value):
        """``value`` with every string inside it redacted: dicts (keys too), lists, tuples and
        dataclasses (rebuilt with :func:`dataclasses.replace`), at any depth. What leaves the process —
        a report in any format, a download, a stored result — passes here, so a secret that a server
        echoed into any field (an AUTH reply, an error message) is masked wherever it sits."""
        if isinstance(value, enum.Enum) or value is None or isinstance(value, (bool, int, float, bytes)):
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self.scrub(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.scrub(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return value

    def redact_line(self, direction: str, text: str, after_334: bool = False) -> str:
        """One transcript line, redacted. ``direction`` is ``send`` for client lines (``recv``,
        ``info``, ``error`` otherwise); ``after_334`` says the previous server reply was a ``334``."""
        if direction in _CLIENT_DIRS:
            if after_334:
                return "*" if text.strip() == "*" else MASK  # "*" cancels the exchange (RFC 4954), no secret
            m = _AUTH_LINE.match(text)
            if m:
                return f"{m.group(1)}{self.redact(m.group(2))}{m.group(3)}{MASK}"
        return self.redact(text)

    def _compile(self) -> re.Pattern[str]:
        long_forms = sorted((f for f in self._forms if len(f) >= MIN_ANYWHERE), key=len, reverse=True)
        short_forms = sorted((f for f in self._forms if len(f) < MIN_ANYWHERE), key=len, reverse=True)
        parts = [re.escape(f) for f in long_forms]
        parts += [rf"(?<![\w]){re.escape(f)}(?![\w])" for f in short_forms]
        return re.compile("|".join(parts))
