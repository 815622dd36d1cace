"""EHLO capabilities (RFC 5321 §4.1.1.1 and the extensions' RFCs), parsed from a reply."""

from __future__ import annotations

from dataclasses import dataclass, field

from .replies import Reply

__all__ = ["Capabilities", "parse_ehlo"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    server_name: str  # the first word of the EHLO reply: the name the server calls itself
    greeting_text: str  # the rest of the first line (some servers show the client's address here)
    extensions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # keyword -> parameters

    def has(self, keyword: str) -> bool:
        return keyword.upper() in self.extensions

    @property
    def starttls(self) -> bool:
        return self.has("STARTTLS")

    @property
    def pipelining(self) -> bool:
        return self.has("PIPELINING")

    @property
    def smtputf8(self) -> bool:
        return self.has("SMTPUTF8")

    @property
    def auth_mechanisms(self) -> tuple[str, ...]:
        """Mechanisms of ``AUTH`` and of the pre-RFC ``AUTH=`` form, upper-case, without duplicates."""
        seen: list[str] = []
        for key in ("AUTH", "AUTH="):
            for mech in self.extensions.get(key, ()):
                mech = mech.upper()
                if mech not in seen:
                    seen.append(mech)
        return tuple(seen)

    @property
    def size(self) -> int | None:
        params = self.extensions.get("SIZE")
        if params and params[0].isascii() and params[0].isdigit():
            return int(params[0])
        return None

    def to_json(self) -> dict:
        return {"server_name": self.server_name, "extensions": {k: list(v) for k, v in self.extensions.items()},
                "auth": list(self.auth_mechanisms)}


def parse_ehlo(reply: Reply) -> Capabilities:
    first, *rest = reply.lines or ("",)
    name, _, text = first.strip().partition(" ")
    extensions: dict[str, tuple[str, ...]] = {}
    for line in rest:
        words = line.split()
        if not words:
            continue
        keyword = words[0].upper()
        params = tuple(words[1:])
        if keyword.startswith("AUTH="):  # "AUTH=LOGIN PLAIN", from servers that predate RFC 4954
            params = (keyword[5:], *params)
            keyword = "AUTH="
        extensions[keyword] = extensions.get(keyword, ()) + params if keyword in extensions else params
    return Capabilities(server_name=name, greeting_text=text.strip(), extensions=extensions)
