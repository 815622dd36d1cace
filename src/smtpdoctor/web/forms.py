"""Form fields to :class:`~smtpdoctor.core.settings.Settings`, with one plain message per bad field.

The password is read once into a :class:`~smtpdoctor.core.settings.Secret` and never put back into the
values that re-fill the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..core.settings import MAX_FIELD, MAX_SECRET, FieldErrors, Settings
from .config import ServeConfig

__all__ = ["FormResult", "parse_diagnose", "MAX_FIELD", "MAX_PASSWORD", "preset_choices", "field_text"]

MAX_PASSWORD = MAX_SECRET
_FILE_MESSAGE = "this field takes text, not a file"
DIAGNOSE_FIELDS = ("preset", "host", "port", "security", "user", "mail_from", "rcpt_to", "domain", "ip", "helo",
                   "dkim_selectors", "timeout")


@dataclass(slots=True)
class FormResult:
    values: dict[str, str]  # what to put back in the form (never the password)
    errors: dict[str, str] = field(default_factory=dict)
    settings: Settings | None = None
    password_given: bool = False  # a password came with the form (it is never sent back)


def field_text(form: Mapping[str, Any], name: str, limit: int = MAX_FIELD) -> tuple[str, str | None]:
    """The field as stripped text, and an error when it is not text or too long."""
    value = form.get(name)
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", _FILE_MESSAGE
    if len(value) > limit:
        return "", f"too long (at most {limit} characters)"
    return value.strip(), None


def preset_choices() -> list[dict[str, Any]]:
    from ..core.providers import presets

    out = []
    for p in presets():
        host = p.default_host
        if host is None or not p.ports:
            continue
        out.append({"key": p.key, "name": p.name, "host": host, "port": p.ports[0].port,
                    "security": str(p.ports[0].security)})
    return out


def parse_diagnose(form: Mapping[str, Any], config: ServeConfig) -> FormResult:
    """The form through :meth:`Settings.parse`, with the run options of ``smtpdoctor serve`` (resolvers,
    CA file, blocklist zones, default timeout); the errors are shown next to their fields."""
    values: dict[str, str] = {}
    for name in DIAGNOSE_FIELDS:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) and len(value) <= MAX_FIELD else ""
    raw: dict[str, Any] = {name: form.get(name) for name in (*DIAGNOSE_FIELDS, "password")}
    if raw["timeout"] is None or (isinstance(raw["timeout"], str) and not raw["timeout"].strip()):
        raw["timeout"] = config.timeout
    raw.update(resolvers=config.resolvers, dnsbl_zones=config.dnsbl_zones, ca_file=config.ca_file)
    parsed = Settings.parse(raw)
    password = form.get("password")
    result = FormResult(values=values, password_given=isinstance(password, str) and bool(password))
    if isinstance(parsed, FieldErrors):
        result.errors = {name: _FILE_MESSAGE if message == "this field takes text" else message
                         for name, message in parsed.items()}
        return result
    result.settings = parsed
    if values["preset"]:  # show what the preset filled in
        values["host"] = values["host"] or parsed.host
        if not values["port"] and parsed.port is not None:
            values["port"], values["security"] = str(parsed.port), str(parsed.security)
    return result
